"""Finding a Marian model on disk or on the hub, and failing fast and clearly when it is not there.

``from_pretrained`` on a hub id with no network retries every file with backoff for minutes before it
fails, so we decide once, quickly, whether the model is a local directory, already in the Hugging Face
cache, or downloadable; anything else is one :class:`ModelUnavailable` saying how to fix it.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import socket
from pathlib import Path
from urllib.parse import urlparse

from xling.document import DEFAULT_MODEL
from xling.errors import ModelUnavailable

#: Files a Marian checkpoint needs besides its weights (the hub's opus-mt layout).
TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
HUB_PROBE_SECONDS = 3.0

FIX_HINT = (
    "To use a local copy: on a machine with network run `hf download {model} --local-dir DIR` "
    "(or git clone https://huggingface.co/{model}), copy DIR here and set XLING_MODEL=DIR or pass --model DIR."
)


def _is_hub_id(model: str) -> bool:
    """``name`` or ``org/name``, as the hub spells repository ids (anything else is meant as a path)."""
    return re.fullmatch(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?", model) is not None


def check_model_dir(path: Path, model: str) -> str:
    """Return the directory if it holds a usable Marian model, else raise ModelUnavailable naming what is wrong."""
    config_path = path / "config.json"
    if not config_path.is_file():
        raise ModelUnavailable(f"Cannot load translation model '{model}': {path} has no config.json.")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelUnavailable(f"Cannot load translation model '{model}': unreadable config.json ({err}).") from None
    if config.get("model_type") != "marian":
        raise ModelUnavailable(
            f"Cannot load translation model '{model}': it is a '{config.get('model_type')}' model, not MarianMT. "
            "xling runs opus-mt (Marian) models such as Helsinki-NLP/opus-mt-ar-en."
        )
    missing = [f for f in TOKENIZER_FILES if not (path / f).is_file()]
    if not any((path / f).is_file() for f in WEIGHT_FILES):
        missing.append(" or ".join(WEIGHT_FILES))
    if missing:
        raise ModelUnavailable(f"Cannot load translation model '{model}': {path} lacks {', '.join(missing)}.")
    return str(path)


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def hub_reachable(timeout: float = HUB_PROBE_SECONDS) -> bool:
    """Can we open a TCP connection to the hub within ``timeout`` seconds (DNS included)?"""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    url = urlparse(hub_endpoint())
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)

    def connect() -> bool:
        with socket.create_connection((host, port), timeout=timeout):
            return True

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(connect).result(timeout=timeout)
    except Exception:  # DNS failure, refused, timed out: all mean "not now"
        return False
    finally:
        pool.shutdown(wait=False)


def resolve_model(model: str, revision: str | None = None) -> str:
    """A local directory holding ``model``: the directory itself, the cached hub snapshot, or a fresh download."""
    path = Path(model).expanduser()
    if path.is_dir():
        return check_model_dir(path.resolve(), model)
    if not _is_hub_id(model):
        raise ModelUnavailable(
            f"Cannot load translation model '{model}': no such directory. " + FIX_HINT.format(model=DEFAULT_MODEL)
        )

    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.spm", "*.safetensors"]
    try:
        cached = snapshot_download(model, revision=revision, local_files_only=True)
        return check_model_dir(Path(cached), model)
    except ModelUnavailable:
        raise
    except Exception:
        pass  # not cached (or incomplete): try the hub below
    if not hub_reachable():
        raise ModelUnavailable(
            f"Cannot load translation model '{model}': it is not in the local Hugging Face cache and the hub "
            f"({hub_endpoint()}) cannot be reached. " + FIX_HINT.format(model=model)
        )
    try:
        from huggingface_hub import list_repo_files

        files = list_repo_files(model, revision=revision)
        if "model.safetensors" not in files:
            patterns.append("pytorch_model.bin")
        downloaded = snapshot_download(model, revision=revision, allow_patterns=patterns)
    except Exception as err:
        raise ModelUnavailable(
            f"Cannot load translation model '{model}' from {hub_endpoint()}: {type(err).__name__}: {err}. " + FIX_HINT.format(model=model)
        ) from None
    return check_model_dir(Path(downloaded), model)


#: The tokenizer's length bound once xling does the splitting (see :func:`load_tokenizer`).
UNBOUNDED_LENGTH = 10**9


def load_tokenizer(model_dir: str, model: str):  # -> transformers.MarianTokenizer
    """The Marian tokenizer of a resolved model directory (source/target SentencePiece + joint vocab)."""
    from transformers import MarianTokenizer

    try:
        tokenizer = MarianTokenizer.from_pretrained(model_dir)
    except Exception as err:
        raise ModelUnavailable(f"Cannot load the tokenizer of '{model}' from {model_dir}: {err}") from None
    # xling measures whole paragraphs in tokens to decide where to split them, and splits every input to
    # fit the model's positions itself (xling.text.segment.split_long): the tokenizer's own 512-token
    # length, which only serves its "sequence is longer than ... (99002 > 512)" warning, does not apply.
    tokenizer.model_max_length = UNBOUNDED_LENGTH
    return tokenizer
