"""Build MarianMT models offline, in the exact file layout of ``Helsinki-NLP/opus-mt-ar-en``.

The Hugging Face hub is unreachable in tests and CI, so the suite builds its own models: SentencePiece
models trained on the seed article and an English corpus, a joint Marian vocabulary, a
:class:`~transformers.MarianConfig` shaped like the hub's ``config.json`` and weights from a fixed seed.
The tiny model exercises the real loading and decoding code paths in milliseconds: a few hundred
training steps on the seed article's sentence pairs make it stop by itself like a (very bad) real
model, where random weights loop until the length limit. The speed model has the real architecture
and random weights for benchmarks; the legacy model is stored the way the 2020 checkpoints were,
because transformers upgrades have twice broken tied Marian weights (transformers #26216, #45005).

None of these models translates: tests may check shapes, spans and plumbing, never quality.

Importable without torch or transformers: heavy imports live inside the functions.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = REPO_ROOT / "seeds"
ENGLISH_CORPUS = REPO_ROOT / "tests" / "data" / "english_corpus.txt"
#: Source-language training text for the other pairs' fixture models (news paragraphs written for the tests).
TEXT_DIR = REPO_ROOT / "tests" / "data" / "text"

EOS, UNK, PAD = "</s>", "<unk>", "<pad>"

#: What the hub repository holds today (besides README/.gitattributes and the TF/Rust weights).
HUB_FILES = frozenset(
    {
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "source.spm",
        "target.spm",
        "tokenizer_config.json",
        "vocab.json",
    }
)
#: The 2020 checkpoint layout: pickled weights, generation settings inside config.json.
LEGACY_FILES = frozenset(
    {"config.json", "pytorch_model.bin", "source.spm", "target.spm", "tokenizer_config.json", "vocab.json"}
)
#: Written next to a legacy checkpoint: the writing model's own outputs, to check a reload against.
REFERENCE_FILE = "reference_logits.safetensors"

#: opus-mt-ar-en's architecture (transformer-base) and sizes, from its config.json.
OPUS_MT_AR_EN = {
    "d_model": 512,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "heads": 8,
    "ffn_dim": 2048,
    "vocab_size": 62834,
}
MAX_POSITIONS = 512


# -- SentencePiece ------------------------------------------------------------------------------------


def train_sentencepiece(
    texts: Iterable[str],
    model_file: str | os.PathLike[str],
    vocab_size: int,
    *,
    model_type: str = "unigram",
) -> Path:
    """Train a SentencePiece model in-process, deterministically, as OPUS-MT trained theirs.

    OPUS-MT ran ``spm_train`` with its default special ids (``<unk>`` 0, ``<s>`` 1, ``</s>`` 2),
    full character coverage and a soft vocabulary limit; Marian's own ids live in ``vocab.json``.
    One thread and no sampling or shuffling of the input make the result byte-identical across runs,
    which the model cache relies on (the unigram trainer has no other randomness; the model is
    written through ``model_writer`` so that no file name is recorded in it). Returns ``model_file``.
    """
    import sentencepiece as spm

    lines = [line.strip() for text in texts for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("train_sentencepiece needs some non-empty text")
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,  # small corpora: as many pieces as the text supports, up to vocab_size
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        input_sentence_size=0,
        shuffle_input_sentence=False,
        minloglevel=2,
    )
    out = Path(model_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(model.getvalue())
    return out


def spm_pieces(model_file: str | os.PathLike[str]) -> list[str]:
    """The model's ordinary pieces in id order (no ``<unk>``/``<s>``/``</s>``)."""
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(model_file))
    return [
        processor.id_to_piece(i)
        for i in range(processor.get_piece_size())
        if not (processor.is_control(i) or processor.is_unknown(i))
    ]


def marian_vocab(
    source_pieces: Sequence[str], target_pieces: Sequence[str], size: int | None = None
) -> dict[str, int]:
    """Marian's joint vocabulary: ``</s>`` 0, ``<unk>`` 1, the pieces of both sides, ``<pad>`` last.

    With ``size`` the vocabulary is padded with never-produced entries so that ``<pad>`` lands on
    ``size - 1`` (62833 for opus-mt-ar-en).
    """
    pieces = [p for p in [*source_pieces, *target_pieces] if p != PAD]
    tokens = list(dict.fromkeys([EOS, UNK, *pieces]))
    if size is not None:
        if size < len(tokens) + 1:
            raise ValueError(f"vocab_size {size} is smaller than the {len(tokens) + 1} entries the pieces need")
        tokens += [f"<unused{i}>" for i in range(size - 1 - len(tokens))]
    tokens.append(PAD)
    return {token: i for i, token in enumerate(tokens)}


# -- configuration --------------------------------------------------------------------------------------


def hub_config(
    *,
    vocab_size: int,
    d_model: int,
    encoder_layers: int,
    decoder_layers: int,
    heads: int,
    ffn_dim: int,
    legacy: bool = False,
) -> dict[str, Any]:
    """``config.json`` with exactly opus-mt-ar-en's fields and settings, at the given sizes.

    ``legacy`` gives the 2020 file (before ``decoder_vocab_size``/``share_encoder_decoder_embeddings``).
    Generation settings (beams, length, blocked ``<pad>``) sit in config.json as on the hub.
    """
    pad = vocab_size - 1
    config: dict[str, Any] = {
        "activation_dropout": 0.0,
        "activation_function": "swish",
        "add_bias_logits": False,
        "add_final_layer_norm": False,
        "architectures": ["MarianMTModel"],
        "attention_dropout": 0.0,
        "bad_words_ids": [[pad]],
        "bos_token_id": 0,
        "classif_dropout": 0.0,
        "classifier_dropout": 0.0,
        "d_model": d_model,
        "decoder_attention_heads": heads,
        "decoder_ffn_dim": ffn_dim,
        "decoder_layerdrop": 0.0,
        "decoder_layers": decoder_layers,
        "decoder_start_token_id": pad,
        "decoder_vocab_size": vocab_size,
        "dropout": 0.1,
        "encoder_attention_heads": heads,
        "encoder_ffn_dim": ffn_dim,
        "encoder_layerdrop": 0.0,
        "encoder_layers": encoder_layers,
        "eos_token_id": 0,
        "extra_pos_embeddings": vocab_size,
        "forced_eos_token_id": 0,
        "id2label": {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"},
        "init_std": 0.02,
        "is_encoder_decoder": True,
        "label2id": {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2},
        "max_length": MAX_POSITIONS,
        "max_position_embeddings": MAX_POSITIONS,
        "model_type": "marian",
        "normalize_before": False,
        "normalize_embedding": False,
        "num_beams": 4,
        "num_hidden_layers": encoder_layers,
        "pad_token_id": pad,
        "scale_embedding": True,
        "share_encoder_decoder_embeddings": True,
        "static_position_embeddings": True,
        "transformers_version": "4.22.0.dev0",
        "use_cache": True,
        "vocab_size": vocab_size,
    }
    if legacy:
        for key in ("classifier_dropout", "decoder_vocab_size", "forced_eos_token_id", "share_encoder_decoder_embeddings"):
            del config[key]
        config["_num_labels"] = 3
        config["transformers_version"] = "3.0.2"
        config = dict(sorted(config.items()))
    return config


def hub_generation_config(vocab_size: int) -> dict[str, Any]:
    """``generation_config.json`` as the hub's: 4 beams, 512 tokens, ``<pad>`` never generated."""
    pad = vocab_size - 1
    return {
        "bad_words_ids": [[pad]],
        "bos_token_id": 0,
        "decoder_start_token_id": pad,
        "eos_token_id": 0,
        "forced_eos_token_id": 0,
        "max_length": MAX_POSITIONS,
        "num_beams": 4,
        "pad_token_id": pad,
        "renormalize_logits": True,
    }


def random_marian(config: dict[str, Any], seed: int = 0, init_std: float | None = None) -> Any:
    """A ``MarianMTModel`` with random weights drawn from a fixed torch seed, in eval mode.

    ``init_std`` redraws every weight matrix from N(0, init_std) instead of transformers' N(0, 0.02).
    Untrained, at 0.02 a small decoder all but ignores the encoder and every input decodes to the same
    tokens; at 0.5 (sharper cross-attention) inputs decode differently. Random decoders loop
    ("a a a a") until the length limit: tied embeddings make the last token the likeliest next one.
    For :func:`train_marian` 0.1 works best: Marian scales embeddings by sqrt(d_model), so token
    embeddings and sinusoidal positions start at comparable sizes; from 0.5 a few hundred steps barely
    lower the loss, from 0.02 they train a decoder that ignores its source.
    """
    import torch
    from transformers import MarianConfig, MarianMTModel

    settings = {k: v for k, v in config.items() if k not in ("architectures", "transformers_version", "model_type")}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MarianMTModel(MarianConfig(**settings))
        if init_std is not None:
            with torch.no_grad():
                for name, weight in model.named_parameters():  # tied matrices are listed once
                    if weight.dim() == 2 and "embed_positions" not in name:
                        weight.normal_(0.0, init_std)
                model.model.shared.weight[config["pad_token_id"]].zero_()  # <pad> embeds to zero, as trained
    return model.eval()


# -- training -----------------------------------------------------------------------------------------


def seed_pairs(name: str = "000_669c3c74050fa7e2.txt") -> list[tuple[str, str]]:
    """The seed article's (Arabic, English) sentence pairs, as the model sees them.

    The English version is faithful sentence for sentence, so the two segmentations pair up one to one
    (19 pairs); a mismatch means the texts or the segmenter changed, and is an error, not a guess.
    """
    from xling.text.segment import model_input, segment

    texts = [(SEED_DIR / sub / name).read_text(encoding="utf-8") for sub in (".", "en")]
    sides = [segment(text, lang)[1] for text, lang in zip(texts, ("ar", "en"))]
    if len(sides[0]) != len(sides[1]) or any(a.paragraph != b.paragraph for a, b in zip(*sides)):
        raise ValueError(f"seed {name}: the Arabic and English sentences no longer pair up one to one")
    return [
        (model_input(texts[0][a.start : a.end]), model_input(texts[1][b.start : b.end])) for a, b in zip(*sides)
    ]


def _word_starts(tokens: Sequence[str]) -> list[int]:
    """Indices of the pieces that start a word (SentencePiece marks them with ``▁``), plus the end."""
    return [i for i, piece in enumerate(tokens) if piece.startswith("▁") or i == 0] + [len(tokens)]


class _Windows:
    """Training examples cut from sentence pairs: whole sentences and proportional word windows.

    A window takes ``k`` consecutive source words and the target words at the same relative position
    (news Arabic and English run roughly in parallel). Windows make the decoder depend on the source --
    where it starts and when it stops -- where whole sentences alone let 19 memorized sentences pass for
    a translation that ignores its input. Windows are slices of the sentences' token ids at word starts
    (SentencePiece never builds a piece across a space), so nothing is re-tokenized per step.
    """

    def __init__(self, tokenizer: Any, pairs: Sequence[tuple[str, str]], max_words: int) -> None:
        self.eos, self.pad, self.max_words = tokenizer.eos_token_id, tokenizer.pad_token_id, max_words
        self.sentences = []
        for source, target in pairs:
            ids = (
                tokenizer(source, add_special_tokens=False)["input_ids"],
                tokenizer(text_target=target, add_special_tokens=False)["input_ids"],
            )
            words = tuple(_word_starts(tokenizer.convert_ids_to_tokens(side)) for side in ids)
            self.sentences.append((ids, words))

    def sample(self, rng: Any) -> tuple[list[int], list[int]]:
        (source, target), (src_words, tgt_words) = rng.choice(self.sentences)
        n, m = len(src_words) - 1, len(tgt_words) - 1
        k = rng.randint(1, min(n, self.max_words))
        first = rng.randint(0, n - k)
        lo = min(round(first * m / n), m - 1)
        hi = max(lo + 1, round((first + k) * m / n))
        return (
            source[src_words[first] : src_words[first + k]] + [self.eos],
            target[tgt_words[lo] : tgt_words[hi]] + [self.eos],
        )

    def whole(self) -> list[tuple[list[int], list[int]]]:
        return [(source + [self.eos], target + [self.eos]) for (source, target), _ in self.sentences]

    def batch(self, examples: Sequence[tuple[list[int], list[int]]]) -> dict[str, Any]:
        """Padded tensors; labels are the target ids plus ``</s>``, -100 (ignored) where padded."""
        import torch

        def pad(rows: Sequence[list[int]], value: int) -> Any:
            width = max(map(len, rows))
            return torch.tensor([row + [value] * (width - len(row)) for row in rows])

        input_ids = pad([source for source, _ in examples], self.pad)
        return {
            "input_ids": input_ids,
            "attention_mask": (input_ids != self.pad).long(),
            "labels": pad([target for _, target in examples], -100),
        }


def train_marian(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    steps: int,
    *,
    seed: int = 0,
    batch_size: int = 32,
    lr: float = 5e-3,
    warmup: int = 30,
    max_words: int = 16,
    whole_every: int = 5,
) -> Any:
    """A short, deterministic teacher-forced training run; returns ``model`` in eval mode.

    Standard seq2seq training (Adam, linear warm-up and decay, dropout on, the decoder fed the labels
    shifted right after ``<pad>``) on :class:`_Windows` of ``pairs``; every ``whole_every``-th step is
    whole sentences, so the model also sees sentence-long outputs end. One thread and fixed seeds make
    the run reproducible: the model cache keys on the inputs, not on the weights.
    """
    import random

    import torch

    windows = _Windows(tokenizer, pairs, max_words)
    len_ = lambda example: (len(example[0]), len(example[1]))
    whole = sorted(windows.whole(), key=len_)
    halves = [windows.batch(whole[: len(whole) // 2]), windows.batch(whole[len(whole) // 2 :])]
    rng = random.Random(seed)
    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        try:
            model.train()
            optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
            schedule = torch.optim.lr_scheduler.LambdaLR(
                optimizer, lambda step: min(1.0, (step + 1) / warmup) * (1 - step / steps)
            )
            for step in range(steps):
                if step % whole_every == 0:  # a round: windows batched by length (little padding), then whole
                    pool = sorted((windows.sample(rng) for _ in range((whole_every - 1) * batch_size)), key=len_)
                    batches = [windows.batch(pool[i : i + batch_size]) for i in range(0, len(pool), batch_size)]
                    rng.shuffle(batches)
                    batches.append(halves[(step // whole_every) % 2])
                loss = model(**batches[step % whole_every]).loss
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                with torch.no_grad():  # Marian starts decoding from a zero vector: keep <pad> embedding zero
                    model.model.shared.weight[model.config.pad_token_id].zero_()
        finally:
            torch.set_num_threads(threads)
    return model.eval()


#: The latest trained weights, by everything that determined them: a process that builds the tiny
#: model and its legacy copy (a cold test session) trains once.
_TRAINED: dict[str, dict[str, Any]] = {}


def _train_once(model: Any, model_dir: Path, pairs: Sequence[tuple[str, str]], steps: int, seed: int) -> Any:
    """:func:`train_marian` with the model's tokenizer, reusing the result for identical inputs."""
    from transformers import MarianTokenizer

    digest = hashlib.sha256(json.dumps([[list(pair) for pair in pairs], steps, seed]).encode("utf-8"))
    for name in ("vocab.json", "source.spm", "target.spm"):
        digest.update((model_dir / name).read_bytes())
    for name, tensor in model.state_dict().items():  # the starting weights, hence the architecture
        digest.update(name.encode("utf-8"))
        digest.update(tensor.numpy().tobytes())
    key = digest.hexdigest()
    if key in _TRAINED:
        model.load_state_dict(_TRAINED[key])
        return model.eval()
    train_marian(model, MarianTokenizer.from_pretrained(model_dir), pairs, steps, seed=seed)
    _TRAINED.clear()
    _TRAINED[key] = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    return model


# -- writing ------------------------------------------------------------------------------------------


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_weights(model: Any, out: Path, legacy: bool, vocab_size: int) -> None:
    """The weights (and, for a legacy checkpoint, the reference logits), quietly."""
    from transformers.utils import logging as hf_logging

    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Writing model shards" bar in test output
    try:
        if legacy:
            _write_legacy_weights(model, out)
            _write_reference(model, vocab_size, out)
        else:
            model.save_pretrained(out)  # model.safetensors holding model.shared only; config.json replaced after
            _write_json(out / "generation_config.json", hub_generation_config(vocab_size))
    finally:
        if bar:
            hf_logging.enable_progress_bar()


def _write_legacy_weights(model: Any, out_dir: Path) -> None:
    """``pytorch_model.bin`` as 2020 transformers wrote it for Marian.

    Those checkpoints came from the BART-based class: no ``lm_head`` (the output layer was
    ``model.shared`` itself), ``model.shared.weight`` plus encoder/decoder ``embed_tokens`` entries
    for the same tensor, the sinusoidal position tables and ``final_logits_bias``. Loading one must tie
    ``lm_head`` back to ``model.shared`` -- the step that broke in #26216 and #45005.
    """
    import torch

    state = {key: tensor for key, tensor in model.state_dict().items() if key != "lm_head.weight"}
    torch.save(state, out_dir / "pytorch_model.bin")  # tied tensors keep sharing one storage, as in 2020


def _write_reference(model: Any, vocab_size: int, out_dir: Path) -> None:
    """Save the writer's logits on a fixed input so a reload can be checked against its writer."""
    import torch
    from safetensors.torch import save_file

    generator = torch.Generator().manual_seed(1234)
    input_ids = torch.randint(2, vocab_size - 1, (2, 9), generator=generator)
    input_ids[:, -1] = 0  # </s>
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, :3] = 0  # exercise padding too
    decoder_input_ids = torch.randint(2, vocab_size - 1, (2, 6), generator=generator)
    decoder_input_ids[:, 0] = vocab_size - 1  # decoding starts from <pad>
    with torch.no_grad():
        logits = model(
            input_ids=input_ids, attention_mask=attention_mask, decoder_input_ids=decoder_input_ids
        ).logits
    save_file(
        {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "decoder_input_ids": decoder_input_ids,
            "logits": logits.contiguous(),
        },
        str(out_dir / REFERENCE_FILE),
    )


def default_texts(source_lang: str = "ar") -> tuple[list[str], list[str]]:
    """Training text for the two spm models: the Arabic seeds (or ``tests/data/text/<lang>.txt``); the English
    seeds plus the English corpus."""
    arabic = sorted(SEED_DIR.glob("*.txt")) if source_lang == "ar" else [TEXT_DIR / f"{source_lang}.txt"]
    english = sorted((SEED_DIR / "en").glob("*.txt")) + [ENGLISH_CORPUS]
    missing = [str(p) for p in [*arabic, *english] if not p.is_file()] or ([] if arabic else [str(SEED_DIR)])
    if missing:
        raise FileNotFoundError(
            f"training text for the test models not found: {', '.join(missing)} "
            "(support.models needs a source checkout with seeds/ and tests/data/)"
        )
    read = lambda paths: [p.read_text(encoding="utf-8") for p in paths]
    return read(arabic), read(english)


def build_marian(
    out_dir: str | os.PathLike[str],
    *,
    d_model: int,
    encoder_layers: int,
    decoder_layers: int,
    heads: int,
    ffn_dim: int,
    vocab_size: int | None = None,
    seed: int = 0,
    source_texts: Sequence[str] | None = None,
    target_texts: Sequence[str] | None = None,
    spm_vocab_size: int = 400,
    init_std: float | None = None,
    train_steps: int = 0,
    train_pairs: Sequence[tuple[str, str]] | None = None,
    legacy: bool = False,
    source_lang: str = "ar",
    target_lang: str = "en",
) -> Path:
    """Build a MarianMT in the hub's file layout (``legacy``: the 2020 layout).

    ``vocab_size`` pads the joint vocabulary to that size (62834 gives opus-mt-ar-en's embedding
    matrix); by default it is just large enough for the pieces. Texts default to :func:`default_texts`;
    ``init_std`` see :func:`random_marian`. The weights stay random unless ``train_steps``: then
    :func:`train_marian` trains them on ``train_pairs`` (default :func:`seed_pairs`).
    """
    if d_model % heads or min(d_model, heads, ffn_dim, encoder_layers, decoder_layers) < 1:
        raise ValueError(
            f"bad Marian sizes: d_model {d_model} must be a positive multiple of heads {heads}, "
            f"and ffn_dim {ffn_dim} and the layer counts ({encoder_layers}, {decoder_layers}) positive"
        )
    if source_texts is None or target_texts is None:
        default_source, default_target = default_texts(source_lang)
        source_texts = default_source if source_texts is None else source_texts
        target_texts = default_target if target_texts is None else target_texts
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    train_sentencepiece(source_texts, out / "source.spm", spm_vocab_size)
    train_sentencepiece(target_texts, out / "target.spm", spm_vocab_size)
    vocab = marian_vocab(spm_pieces(out / "source.spm"), spm_pieces(out / "target.spm"), vocab_size)
    _write_json(out / "vocab.json", vocab)
    _write_json(out / "tokenizer_config.json", {"source_lang": source_lang, "target_lang": target_lang})

    config = hub_config(
        vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=encoder_layers,
        decoder_layers=decoder_layers,
        heads=heads,
        ffn_dim=ffn_dim,
        legacy=legacy,
    )
    model = random_marian(config, seed, init_std)
    if train_steps:
        _train_once(model, out, seed_pairs() if train_pairs is None else train_pairs, train_steps, seed)
    _write_weights(model, out, legacy, len(vocab))
    _write_json(out / "config.json", config)
    return out


# -- the models the project uses ---------------------------------------------------------------------

#: The tiny model: d_model 64, 2+2 layers, ~635-entry vocabulary, trained for 300 steps (20-30 s on
#: one core of a busy machine, then cached); decodes a sentence in milliseconds and stops by itself.
#: At d_model 32 the same training left most sentences looping to the length limit.
TINY = {
    "d_model": 64,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "heads": 4,
    "ffn_dim": 128,
    "spm_vocab_size": 400,
    "init_std": 0.1,
    "train_steps": 300,
}

#: Build settings by kind; :func:`cached_model` keys its cache on these.
MODEL_KINDS: dict[str, dict[str, Any]] = {
    "tiny": TINY,
    "tiny-legacy": {**TINY, "legacy": True},
    "speed": {**OPUS_MT_AR_EN, "spm_vocab_size": 8000},
    # Other pairs, for routing tests: the tiny architecture with random weights (no training pairs exist
    # for them; no test reads their translations), source vocabulary from tests/data/text/<lang>.txt.
    "tiny-fr-en": {**TINY, "train_steps": 0, "source_lang": "fr"},
    "tiny-ru-en": {**TINY, "train_steps": 0, "source_lang": "ru"},
}


def build_tiny_marian(out_dir: str | os.PathLike[str], *, legacy: bool = False) -> Path:
    """The tiny random MarianMT (:data:`TINY`) in the hub layout, or the 2020 layout with ``legacy``."""
    return build_marian(out_dir, **MODEL_KINDS["tiny-legacy" if legacy else "tiny"])


def build_speed_model(out_dir: str | os.PathLike[str]) -> Path:
    """opus-mt-ar-en's exact architecture and vocabulary size with random weights, for speed benchmarks."""
    return build_marian(out_dir, **MODEL_KINDS["speed"])


def cache_key(kind: str) -> str:
    """Hash of everything a build depends on: parameters, training text and pairs, builder code, versions."""
    import sentencepiece
    import torch
    import transformers

    try:
        params = MODEL_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown model kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}") from None
    source, target = default_texts(params.get("source_lang", "ar"))
    pairs = seed_pairs() if params.get("train_steps") else []  # the segmenter decides what they are
    digest = hashlib.sha256()
    for part in (
        json.dumps(params, sort_keys=True),
        json.dumps(pairs, ensure_ascii=False),
        transformers.__version__,
        sentencepiece.__version__,
        torch.__version__,
        inspect.getsource(inspect.getmodule(cache_key)),  # type: ignore[arg-type]
        *source,
        "\0",
        *target,
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cached_model(kind: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The model of ``kind``, built once into ``root`` (default ``<repo>/.test-models``) and reused.

    Builds into a temporary directory and renames it into place, so a crashed or concurrent build
    never leaves a half-written model behind; a change of parameters or versions gets a new directory.
    """
    root_dir = Path(root) if root is not None else REPO_ROOT / ".test-models"
    target = root_dir / f"{kind}-{cache_key(kind)}"
    if (target / "config.json").is_file():
        return target
    root_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=root_dir))
    try:
        build_marian(work, **MODEL_KINDS[kind])
        try:
            os.rename(work, target)
        except OSError:
            if not (target / "config.json").is_file():  # not a concurrent build that won the race
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _remove_stale(root_dir, kind, keep=target)
    return target


def _remove_stale(root: Path, kind: str, keep: Path) -> None:
    """Delete this kind's builds for older parameters or versions (the speed model is 300 MB)."""
    stale = re.compile(rf"{re.escape(kind)}-[0-9a-f]{{16}}")
    for entry in root.iterdir():
        if entry != keep and entry.is_dir() and stale.fullmatch(entry.name):
            shutil.rmtree(entry, ignore_errors=True)
