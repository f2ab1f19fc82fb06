"""The CTranslate2 backend: the same Marian model, converted once (int8 by default), 4.5-4.7x transformers on 2 CPU cores.

Tokenization stays with the Marian tokenizer (the base class): CTranslate2 gets the very pieces the
transformers backend feeds its model, ``</s>`` included, and its output pieces go back to ids through the
same vocabulary, so both backends produce the same kind of :class:`RawOutput`.

The converted model lives in a cache directory keyed by what decides its bytes: model id and revision,
quantization, the model files (name, size and mtime, so a retrained local model is converted again),
the CTranslate2 version and this module's conversion recipe. Conversion writes to a temporary directory
that is renamed into place, so a crash or a concurrent conversion never leaves a half-written model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xling.errors import ModelUnavailable, XlingError
from xling.mt.base import (
    MAX_POSITIONS,
    Backend,
    DecodeOptions,
    RawOutput,
    check_threads,
    length_sorted_batches,
    physical_cores,
)

DEFAULT_COMPUTE_TYPE = "int8"
#: Quantizations the converter writes; the same names select the compute type when loading.
COMPUTE_TYPES = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32")
#: Bump when the conversion recipe changes (e.g. the attention heads kept), so old caches are not reused.
RECIPE_VERSION = 1
#: Leftover temporary conversions (a killed process) older than this are removed.
STALE_TEMP_SECONDS = 24 * 3600

#: Cores per CTranslate2 worker. More gained nothing on 2 cores (batch 8 x beam 4: 2.0 s with 1 and with 2,
#: using 1.5x the CPU; one sentence: 0.75 s vs 1.0 s), while a second worker on the other core halves the time.
DEFAULT_INTRA_THREADS = 1

#: The file name CTranslate2 reads a vocabulary map from, inside the converted model.
VMAP_FILE = "vmap.txt"

INSTALL_HINT = "The ct2 backend needs CTranslate2: pip install 'xling[fast]' (or pip install ctranslate2)."


def cache_root() -> Path:
    """Where converted models live: ``$XLING_CACHE/ct2`` or ``~/.cache/xling/ct2``."""
    base = os.environ.get("XLING_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "xling")
    return Path(base) / "ct2"


def model_fingerprint(model_dir: str | os.PathLike[str]) -> str:
    """Hash of every file's name, size and mtime: cheap (no reading of 300 MB) yet changes on any rewrite."""
    root = Path(model_dir)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not _hidden(p.relative_to(root))):
        stat = path.stat()  # follows hub-cache symlinks to the blobs
        digest.update(f"{path.relative_to(root).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _slug(text: str, limit: int = 48) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[-limit:] or "model"


def converted_dir(
    model: str,
    model_dir: str | os.PathLike[str],
    *,
    quantization: str = DEFAULT_COMPUTE_TYPE,
    revision: str | None = None,
    root: str | os.PathLike[str] | None = None,
    vocabulary_map: str | os.PathLike[str] | None = None,
) -> Path:
    """The CTranslate2 conversion of ``model_dir``: from the cache, or converted now (atomically) and cached.

    A new conversion of the same model and quantization removes the older ones it replaces. A
    ``vocabulary_map`` file (see :func:`build_vocabulary_map`) goes into the conversion as ``vmap.txt``; its
    content is part of the key, so each map has its own conversion beside the plain one.
    """
    import ctranslate2

    root_dir = Path(root) if root is not None else cache_root()
    vmap_text = None
    if vocabulary_map is not None:
        try:
            vmap_text = Path(vocabulary_map).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ModelUnavailable(f"Cannot read the vocabulary map {vocabulary_map}: {err}") from None
    vmap_key = hashlib.sha256(vmap_text.encode()).hexdigest() if vmap_text is not None else ""
    identity = json.dumps([model, revision or "", quantization, ctranslate2.__version__, RECIPE_VERSION]
                          + ([vmap_key] if vmap_key else []))
    prefix = f"{_slug(model)}-{hashlib.sha256(identity.encode()).hexdigest()[:10]}-{quantization}-"
    target = root_dir / (prefix + model_fingerprint(model_dir)[:16])
    if (target / "model.bin").is_file():
        return target
    try:
        root_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(root_dir)
        work = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root_dir))
    except OSError as err:
        raise ModelUnavailable(
            f"Cannot write the CTranslate2 conversion cache {root_dir}: {err}. Set XLING_CACHE to a writable directory."
        ) from None
    try:
        _convert(model_dir, work, quantization)
        if vmap_text is not None:
            (work / VMAP_FILE).write_text(vmap_text, encoding="utf-8")
        (work / "xling.json").write_text(json.dumps({
            "model": model, "revision": revision, "model_dir": str(model_dir), "quantization": quantization,
            "ctranslate2": ctranslate2.__version__, "recipe": RECIPE_VERSION, "converted": time.time(),
            "vocabulary_map": vmap_key or None,
        }, indent=1))
        try:
            os.rename(work, target)
        except OSError:
            if not (target / "model.bin").is_file():  # not a concurrent conversion that won the race
                raise
    except ModelUnavailable:
        raise
    except Exception as err:
        raise ModelUnavailable(f"Cannot convert '{model}' ({model_dir}) for CTranslate2: {type(err).__name__}: {err}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for old in root_dir.glob(prefix + "*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)  # a loaded model is in memory already: safe to delete
    return target


@dataclass(frozen=True)
class _Pending:
    """A job queued on the translator: its source ids and tokens, the call's length cap, the async results."""

    batch: list[list[int]]
    source: list[list[str]]
    max_tokens: int
    results: list[Any]


def _remove_stale_temps(root_dir: Path) -> None:
    cutoff = time.time() - STALE_TEMP_SECONDS
    for temp in root_dir.glob(".tmp-*"):
        try:
            if temp.stat().st_mtime < cutoff:
                shutil.rmtree(temp, ignore_errors=True)
        except OSError:
            pass


def _convert(model_dir: str | os.PathLike[str], out_dir: Path, quantization: str) -> None:
    """Run the Transformers converter, keeping every head of the last layer for attention (not just one)."""
    import numpy as np
    from ctranslate2.converters import TransformersConverter
    from transformers.utils import logging as hf_logging

    class _Converter(TransformersConverter):
        def _load(self):  # type: ignore[no-untyped-def]
            spec = super()._load()
            decoder = getattr(spec, "decoder", None)
            if decoder is not None and hasattr(decoder, "alignment_heads"):
                # averaged like the transformers backend's attention, instead of CTranslate2's single head
                decoder.alignment_heads = np.int16(decoder.num_heads if hasattr(decoder, "num_heads") else 0)
            return spec

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # a one-time conversion: no warnings or progress bars in users' output
    hf_logging.disable_progress_bar()
    try:
        _Converter(str(model_dir), low_cpu_mem_usage=True).convert(str(out_dir), quantization=quantization, force=True)
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def build_vocabulary_map(
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]], *, per_source: int = 32, common: int = 0
) -> str:
    """A CTranslate2 vocabulary map (``vmap.txt``) from tokenized sentence pairs (source pieces, target pieces).

    Each source piece maps to the ``per_source`` target pieces that co-occur with it most (Dice
    coefficient over sentence pairs); the ``common`` most frequent target pieces are always candidates
    (CTranslate2's empty-key line). Decoding with it (``CT2Backend(vocabulary_map=...)``) scores only the
    candidates of a batch's source pieces instead of the whole vocabulary: faster, but a target piece the
    map does not offer can never be produced, so build it from data covering what is translated.
    """
    from collections import Counter

    source_df: Counter[str] = Counter()
    target_df: Counter[str] = Counter()
    both: dict[str, Counter[str]] = {}
    for source, target in pairs:
        src, tgt = set(source), set(target)
        source_df.update(src)
        target_df.update(tgt)
        for s in src:
            both.setdefault(s, Counter()).update(tgt)
    lines = []
    if common:
        lines.append("\t" + " ".join(t for t, _ in target_df.most_common(common)))
    for s in sorted(both):
        dice = sorted(both[s], key=lambda t: (-2 * both[s][t] / (source_df[s] + target_df[t]), t))
        lines.append(f"{s}\t{' '.join(dice[:per_source])}")
    return "\n".join(lines) + "\n"


def worker_jobs(batches: list[list[int]], lengths: list[int], workers: int) -> list[tuple[list[int], int]]:
    """Jobs for ``workers`` parallel CTranslate2 workers: (input indices, index of the batch they come from).

    When there are fewer batches than workers (the seed's paragraph groups are one batch each), the costliest
    job (inputs x longest input) is dealt out in two alternate halves, each with the same mix of lengths,
    until every worker has one or no job has two inputs. Each job stays within its batch, so a benchmark's
    forced output length (the batch's) is unchanged.
    """
    jobs = [(list(batch), b) for b, batch in enumerate(batches) if batch]
    while len(jobs) < workers:
        splittable = [k for k, (job, _) in enumerate(jobs) if len(job) > 1]
        if not splittable:
            break
        k = max(splittable, key=lambda k: (len(jobs[k][0]) * max(lengths[i] for i in jobs[k][0]), -k))
        job, b = jobs.pop(k)
        jobs[k:k] = [(job[0::2], b), (job[1::2], b)]
    return jobs


class CT2Backend(Backend):
    """Marian through CTranslate2 ``Translator.translate_batch``; see the module docstring.

    Threads: ``threads`` CTranslate2 workers (``inter_threads``; default: the physical cores, or
    ``$XLING_THREADS``), each running one batch on ``intra_threads`` cores (default 1). Batches are
    submitted together, and a lone batch is split across the workers (:func:`worker_jobs`): on 2 cores
    that is 1.6x faster than one batch on 2 intra-op threads, which gained nothing over one thread.
    """

    name = "ct2"

    def __init__(
        self,
        model: str,
        *,
        device: str | None = None,
        revision: str | None = None,
        compute_type: str = DEFAULT_COMPUTE_TYPE,
        threads: int | None = None,
        intra_threads: int = DEFAULT_INTRA_THREADS,
        cache_dir: str | os.PathLike[str] | None = None,
        vocabulary_map: str | os.PathLike[str] | None = None,
    ):
        super().__init__(model, device=device, revision=revision, threads=threads)
        if compute_type not in COMPUTE_TYPES:
            raise XlingError(f"unknown compute type {compute_type!r} for the ct2 backend; choose one of {', '.join(COMPUTE_TYPES)}")
        self.compute_type = compute_type
        self.intra_threads = check_threads(intra_threads, "intra_threads")
        self.cache_dir = cache_dir
        self.vocabulary_map = vocabulary_map  # off by default: it can only cost quality (see build_vocabulary_map)
        self.converted_dir: Path | None = None
        self.translator: Any = None

    def default_threads(self) -> int:
        """One worker per physical core: parallel batches scale where CTranslate2's intra-op threads do not."""
        return physical_cores()

    def _load(self) -> None:
        try:
            import ctranslate2
        except ImportError:
            raise ModelUnavailable(INSTALL_HINT) from None
        device = self.device or ("cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu")
        supported = ctranslate2.get_supported_compute_types(device)
        if self.compute_type not in supported:
            raise ModelUnavailable(
                f"Compute type {self.compute_type!r} is not supported on {device} here; use one of {', '.join(sorted(supported))}."
            )
        assert self.model_dir is not None
        self.converted_dir = converted_dir(
            self.model, self.model_dir, quantization=self.compute_type, revision=self.revision, root=self.cache_dir,
            vocabulary_map=self.vocabulary_map,
        )
        workers = self.chosen_threads() or self.default_threads()
        try:
            self.translator = ctranslate2.Translator(
                str(self.converted_dir), device=device, compute_type=self.compute_type,
                intra_threads=self.intra_threads if device == "cpu" else 0,
                inter_threads=workers if device == "cpu" else 1,
            )
        except Exception as err:
            raise ModelUnavailable(f"Cannot load the CTranslate2 model {self.converted_dir}: {err}") from None
        self.threads = workers if device == "cpu" else 1
        self.device = device

    def _translate_ids(self, encoded: list[list[int]], options: DecodeOptions) -> list[RawOutput]:
        """All batches submitted at once to the workers (a lone batch split between them), then collected.

        The translator queues and runs jobs itself, so concurrent callers need no lock here.
        """
        lengths = [len(ids) for ids in encoded]
        batches = length_sorted_batches(lengths, options.batch_tokens, options.max_batch_size)
        jobs = worker_jobs(batches, lengths, self.threads or 1)
        # forced lengths are the whole batch's, as on the transformers backend; otherwise each job's own
        longest = [max(lengths[i] for i in batch) for batch in batches]
        submitted = [
            self._submit([encoded[i] for i in job], options, longest[b] if options.force_length else None)
            for job, b in jobs
        ]
        out: list[RawOutput | None] = [None] * len(encoded)
        for (job, _), pending in zip(jobs, submitted):
            for i, raw in zip(job, self._collect(pending, options)):
                out[i] = raw
        return [r for r in out if r is not None]

    def _generate(self, batch: list[list[int]], options: DecodeOptions) -> list[RawOutput]:
        return self._collect(self._submit(batch, options, None), options)

    def _submit(self, batch: list[list[int]], options: DecodeOptions, longest: int | None) -> _Pending:
        """Queue one job on the translator (asynchronously); ``longest``: the source length that sets its cap."""
        tokenizer = self.tokenizer
        source = [tokenizer.convert_ids_to_tokens(ids) for ids in batch]  # each already ends in </s>
        longest = longest or max(len(ids) for ids in batch)
        # Parity with the transformers backend, whose max_new_tokens counts a forced final </s>:
        # at most max_new - 1 content tokens either way.
        max_tokens = max(1, options.max_output_tokens(longest) - 1)
        results = self._decode(source, options, max_tokens, asynchronous=True)
        return _Pending(batch=batch, source=source, max_tokens=max_tokens, results=results)

    def _decode(self, source: list[list[str]], options: DecodeOptions, max_tokens: int,
                asynchronous: bool = False) -> list[Any]:
        """One ``translate_batch`` of token sequences, capped at ``max_tokens`` content tokens."""
        return self.translator.translate_batch(
            source,
            beam_size=options.beam_size,  # explicit: CTranslate2's default is 2
            num_hypotheses=1,
            max_batch_size=0,  # batched by length already
            max_input_length=MAX_POSITIONS,  # the base class rejects longer inputs: never truncate
            max_decoding_length=max_tokens,  # its default of 256 would silently cap long outputs
            min_decoding_length=max_tokens if options.force_length else 0,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            return_end_token=True,  # to tell a finished output from a capped one
            return_scores=True,  # free: beam search computes them anyway
            return_attention=options.return_attention,  # only on request (nothing in the pipeline asks)
            use_vmap=self.vocabulary_map is not None,
            asynchronous=asynchronous,
        )

    def _collect(self, pending: _Pending, options: DecodeOptions) -> list[RawOutput]:
        """Wait for a submitted job and turn its results into RawOutputs."""
        tokenizer = self.tokenizer
        results = [handle.result() for handle in pending.results]
        max_tokens = pending.max_tokens
        # CTranslate2 caps a call at one length: cap each row by its own source, as the transformers
        # backend does, so a translation does not depend on the sentences sharing its batch (forced
        # lengths, for benchmarks, stay the batch's on both backends).
        caps = [max_tokens if options.force_length else max(1, options.max_output_tokens(len(ids)) - 1)
                for ids in pending.batch]
        hypotheses = [self._ended(result.hypotheses[0], cap) for result, cap in zip(results, caps)]
        # A row that finished within its own cap decoded exactly as it would alone (the steps up to its end
        # are the same); one that ran past it would, alone, have been stopped there, and a beam search
        # stopped earlier can end on another hypothesis: decode those rows again under their own cap.
        rerun = [i for i, ((_, finished), cap) in enumerate(zip(hypotheses, caps))
                 if not finished and cap < max_tokens]
        for cap in sorted({caps[i] for i in rerun}):
            rows = [i for i in rerun if caps[i] == cap]
            again = self._decode([pending.source[i] for i in rows], options, cap)
            for i, result in zip(rows, again):
                results[i] = result
                hypotheses[i] = self._ended(result.hypotheses[0], cap)
        attention: list[Any] = [None] * len(results)
        if options.return_attention:
            attention = self._reading_attention(pending.source, results, hypotheses)
        outputs = []
        for result, (tokens, finished), rows in zip(results, hypotheses, attention):
            score = float(result.scores[0])
            if not finished and tokens:
                # transformers forces a final </s> (log-prob 0) on a capped output and counts it in the
                # length normalization; do the same so scores compare across backends
                score = score * len(tokens) / (len(tokens) + 1)
            ids = tuple(tokenizer.convert_tokens_to_ids(tokens))
            outputs.append(RawOutput(ids=ids, score=score, attention=rows))
        return outputs

    def _ended(self, tokens: list[str], cap: int) -> tuple[list[str], bool]:
        """Tokens without the final ``</s>`` (at most ``cap``), and whether it was there (finished, not capped)."""
        if tokens and tokens[-1] == self.tokenizer.eos_token and len(tokens) - 1 <= cap:
            return list(tokens[:-1]), True
        return list(tokens[:cap]), False

    def _reading_attention(
        self, source: list[list[str]], results: list[Any], hypotheses: list[tuple[list[str], bool]]
    ) -> list[tuple[tuple[float, ...], ...]]:
        """Row t = attention of the decoder step that reads target token t (Shift-Att), as transformers gives it.

        CTranslate2 returns the attention of the step that *predicts* each token; the step that reads it
        is the next one: the ``</s>`` step for the last token of a finished output. A capped output has
        no such step, so one greedy step past the output, forced as a prefix, supplies it. Skipping the
        first step also sidesteps a CTranslate2 defect: with beam search on a batch, every input but
        the first gets another input's first-step attention.
        """
        steps = [list(result.attention[0]) for result in results]
        capped = [i for i, (tokens, finished) in enumerate(hypotheses) if tokens and not finished]
        if capped:
            extended = self.translator.translate_batch(
                [source[i] for i in capped],
                target_prefix=[hypotheses[i][0] for i in capped],
                beam_size=1,
                max_batch_size=0,
                max_input_length=MAX_POSITIONS,
                max_decoding_length=len(max((hypotheses[i][0] for i in capped), key=len)) + 1,
                min_decoding_length=0,
                return_end_token=True,
                return_attention=True,
                use_vmap=self.vocabulary_map is not None,
            )
            for i, result in zip(capped, extended):
                steps[i].append(result.attention[0][len(hypotheses[i][0])])
        return [
            tuple(tuple(float(w) for w in row) for row in step_rows[1 : len(tokens) + 1])
            for step_rows, (tokens, _) in zip(steps, hypotheses)
        ]
