"""Which opus-mt model translates a language pair: a local copy first, else the hub id.

Local models live in a folder (``models_dir`` or ``$XLING_MODELS``) in subfolders named like the hub id's
last part (``DIR/opus-mt-fr-en/``). Otherwise the pair maps to ``Helsinki-NLP/opus-mt-{src}-{tgt}``, which
:func:`xling.mt.loading.resolve_model` then finds in the Hugging Face cache or on the hub, or reports as one
``ModelUnavailable`` naming that id. (A shipped, verified table of ids and multilingual fallbacks is still
to come: today every pair is tried under the bilingual naming.)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from xling.errors import ModelUnavailable

HUB_ORG = "Helsinki-NLP"
_CODE = re.compile(r"[a-z]{2,3}")


def model_id(source: str, target: str = "en") -> str:
    """The hub id of the bilingual opus-mt model for a pair (``Helsinki-NLP/opus-mt-fr-en``)."""
    for code in (source, target):
        if not _CODE.fullmatch(code or ""):
            raise ModelUnavailable(f"no opus-mt model for language {code!r}: give an ISO 639-1 code such as 'fr'")
    return f"{HUB_ORG}/opus-mt-{source}-{target}"


def local_model_dir(source: str, target: str = "en", models_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """``DIR/opus-mt-{src}-{tgt}/`` when it holds a model (DIR: ``models_dir`` or ``$XLING_MODELS``)."""
    root = models_dir or os.environ.get("XLING_MODELS")
    if not root:
        return None
    path = Path(root).expanduser() / model_id(source, target).split("/")[-1]
    return path if (path / "config.json").is_file() else None


def resolve(source: str, target: str = "en", *, models_dir: str | os.PathLike[str] | None = None) -> str:
    """The local directory for the pair when there is one, else its hub id."""
    local = local_model_dir(source, target, models_dir)
    return str(local) if local is not None else model_id(source, target)
