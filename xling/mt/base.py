"""The backend interface, length-sorted batching, output checks and the per-process backend registry."""

from __future__ import annotations

import dataclasses
import importlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from xling.errors import XlingError

#: Marian models use sinusoidal positions up to 512; the final position is kept for ``</s>``.
MAX_POSITIONS = 512
#: Every backend's thread count, when ``threads=`` is not given (e.g. ``XLING_THREADS=1`` on a shared machine).
THREADS_ENV = "XLING_THREADS"


@dataclass(frozen=True)
class DecodeOptions:
    """How to decode; every field is part of the provenance signature."""

    beam_size: int = 4
    batch_tokens: int = 4096  # padded source tokens per batch (longest sentence x batch size)
    max_batch_size: int = 64
    max_length_a: float = 2.0  # max output tokens = a * source tokens + b, capped at MAX_POSITIONS
    max_length_b: int = 10
    force_length: bool = False  # min length = max length: benchmarks make every backend do equal work
    no_repeat_ngram_size: int = 0
    return_attention: bool = False
    # each output's length-normalised log-probability on its Hypothesis (beam search; ct2 reports it always)
    return_scores: bool = False
    retry: bool = True  # re-decode empty or looping outputs with other settings

    def replace(self, **changes: Any) -> DecodeOptions:
        return dataclasses.replace(self, **changes)

    def max_output_tokens(self, source_tokens: int) -> int:
        return max(1, min(MAX_POSITIONS - 1, int(self.max_length_a * source_tokens + self.max_length_b)))


@dataclass(frozen=True)
class Hypothesis:
    """One translation: text, target tokens (no special tokens), and what happened on the way."""

    text: str
    tokens: tuple[str, ...] = ()
    score: float | None = None
    # attention[t][s]: weight of source token s for target token t (when asked for)
    attention: tuple[tuple[float, ...], ...] | None = None
    flags: tuple[str, ...] = ()  # e.g. "retried", "empty", "repetition"


@dataclass(frozen=True)
class RawOutput:
    """What a backend's ``_generate`` returns for one input: target token ids without special tokens."""

    ids: tuple[int, ...]
    score: float | None = None
    attention: tuple[tuple[float, ...], ...] | None = None


def length_sorted_batches(
    lengths: Sequence[int], batch_tokens: int, max_batch_size: int
) -> list[list[int]]:
    """Group indices into batches of similar length (EasyNMT-style) so padding stays small.

    A batch's cost is its longest input times its size; it stays within ``batch_tokens`` (a single
    input longer than that forms a batch of its own).
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        longest_if_added = max(longest, lengths[i])
        if current and (longest_if_added * (len(current) + 1) > batch_tokens or len(current) >= max_batch_size):
            batches.append(current)
            current, longest_if_added = [], lengths[i]
        current.append(i)
        longest = longest_if_added
    if current:
        batches.append(current)
    return batches


def available_cpus() -> list[int]:
    """The CPUs this process may run on (its affinity mask; every CPU where there is none)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return list(range(os.cpu_count() or 1))


def physical_cores() -> int:
    """Physical cores this process may run on (within its affinity mask): SMT siblings add little to inference."""
    cpus = available_cpus()
    cores = set()
    for cpu in cpus:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
        except OSError:
            return max(1, len(cpus))
        cores.add((package, core))
    return max(1, len(cores))


def check_threads(threads: int | None, what: str = "threads") -> int | None:
    """``threads`` itself when it is None or a positive int; raises XlingError otherwise."""
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise XlingError(f"{what} must be a whole number of at least 1, not {threads!r}")
    return threads


def threads_from_env() -> int | None:
    """The thread count ``$XLING_THREADS`` asks for, or None when it is unset or empty."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return None
    try:
        return check_threads(int(value), THREADS_ENV)
    except ValueError:
        raise XlingError(f"{THREADS_ENV} must be a whole number of at least 1, not {value!r}") from None


def repetition_loop(tokens: Sequence[str], min_repeats: int = 4, max_ngram: int = 6) -> tuple[int, int] | None:
    """Find an n-gram repeated back to back ``min_repeats`` times or more ("no, no, no, no").

    Returns (start token, end token) of the loop, or None.
    """
    n_tokens = len(tokens)
    for n in range(1, max_ngram + 1):
        needed = max(min_repeats, 5) if n == 1 else min_repeats  # single tokens repeat a little legitimately
        for start in range(0, n_tokens - n * needed + 1):
            gram = tokens[start : start + n]
            repeats = 1
            pos = start + n
            while pos + n <= n_tokens and tokens[pos : pos + n] == gram:
                repeats += 1
                pos += n
            if repeats >= needed:
                return start, pos
    return None


class Backend(ABC):
    """A loaded translation model. Subclasses implement ``_load`` and ``_generate``.

    The shared parts live here: the Marian tokenizer, the token limit, batching and the retry of bad
    outputs, so every backend behaves the same around the model call.

    Threads: ``threads=`` (else ``$XLING_THREADS``, else :meth:`default_threads`) is resolved once, at load,
    into ``self.threads``; each backend says in :meth:`default_threads` what it does with them.
    """

    name: ClassVar[str] = ""

    def __init__(
        self, model: str, *, device: str | None = None, revision: str | None = None, threads: int | None = None
    ):
        self.model = model
        self.revision = revision
        self.device = device
        self.requested_threads = check_threads(threads)
        self.threads: int | None = self.requested_threads  # the resolved count once loaded
        self._lock = threading.Lock()  # one model call at a time per model
        self._loaded = False
        self.model_dir: str | None = None
        self.tokenizer: Any = None
        self.load_seconds: float | None = None

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> Backend:
        """Load once (thread-safe); raises ModelUnavailable with a fix when it cannot."""
        if self._loaded:
            return self
        with self._lock:
            if not self._loaded:
                import time

                from xling.mt.loading import load_tokenizer, resolve_model

                started = time.perf_counter()
                self.model_dir = resolve_model(self.model, revision=self.revision)
                self.tokenizer = load_tokenizer(self.model_dir, self.model)
                self._load()
                self.load_seconds = time.perf_counter() - started
                self._loaded = True
        return self

    def chosen_threads(self) -> int | None:
        """The thread count asked for: ``threads=``, else ``$XLING_THREADS``; None leaves it to the backend."""
        return self.requested_threads or threads_from_env()

    def default_threads(self) -> int:
        """Threads when nobody asked for a number: one (a backend that gains from more says so)."""
        return 1

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (never triggers a load)."""
        return self._loaded

    @property
    def source_lang(self) -> str | None:
        self.load()
        return getattr(self.tokenizer, "source_lang", None)

    @property
    def target_lang(self) -> str | None:
        self.load()
        return getattr(self.tokenizer, "target_lang", None)

    @abstractmethod
    def _load(self) -> None:
        """Load the model itself from ``self.model_dir`` (the tokenizer is already loaded)."""

    @abstractmethod
    def _generate(self, batch: list[list[int]], options: DecodeOptions) -> list[RawOutput]:
        """Decode one batch of source id sequences (each ending in ``</s>``)."""

    # -- tokens ------------------------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        """Source ids including the final ``</s>``, exactly what the model sees."""
        self.load()
        return list(self.tokenizer(text, truncation=False)["input_ids"])

    def decode(self, ids: Sequence[int]) -> tuple[str, tuple[str, ...]]:
        tokens = tuple(self.tokenizer.convert_ids_to_tokens(list(ids)))
        text = self.tokenizer.decode(list(ids), skip_special_tokens=True).strip()
        return text, tokens

    # -- translation -------------------------------------------------------------------------------
    def translate(self, sentences: Sequence[str], options: DecodeOptions | None = None) -> list[Hypothesis]:
        """Translate a batch of sentences; inputs over the position limit raise ValueError.

        Callers (the pipeline) split long sentences first; this is the last line of defence so that
        nothing is silently truncated.
        """
        options = options or DecodeOptions()
        self.load()
        encoded = [self.encode(s) for s in sentences]
        for s, ids in zip(sentences, encoded):
            if len(ids) > MAX_POSITIONS - 1:
                raise ValueError(
                    f"input of {len(ids)} tokens exceeds the model's limit of {MAX_POSITIONS - 1}: "
                    f"split it first ({s[:40]!r}...)"
                )
        results = self._translate_ids(encoded, options)
        hyps = [self._to_hypothesis(raw) for raw in results]
        if options.retry:
            hyps = self._retry_bad(sentences, encoded, hyps, options)
        return hyps

    def _translate_ids(self, encoded: list[list[int]], options: DecodeOptions) -> list[RawOutput]:
        out: list[RawOutput | None] = [None] * len(encoded)
        lengths = [len(ids) for ids in encoded]
        for batch in length_sorted_batches(lengths, options.batch_tokens, options.max_batch_size):
            with self._lock:
                raws = self._generate([encoded[i] for i in batch], options)
            for i, raw in zip(batch, raws):
                out[i] = raw
        return [r for r in out if r is not None]

    def _to_hypothesis(self, raw: RawOutput, flags: tuple[str, ...] = ()) -> Hypothesis:
        text, tokens = self.decode(raw.ids)
        return Hypothesis(text=text, tokens=tokens, score=raw.score, attention=raw.attention, flags=flags)

    def _retry_bad(
        self, sentences: Sequence[str], encoded: list[list[int]], hyps: list[Hypothesis], options: DecodeOptions
    ) -> list[Hypothesis]:
        """Re-decode empty or looping outputs: first blocking repeats, then greedily; flag what persists."""
        fallbacks = [options.replace(no_repeat_ngram_size=3), options.replace(beam_size=1, no_repeat_ngram_size=3)]
        bad = [i for i, h in enumerate(hyps) if _problem(sentences[i], h)]
        for fallback in fallbacks:
            if not bad:
                break
            raws = self._translate_ids([encoded[i] for i in bad], fallback)
            still_bad = []
            for i, raw in zip(bad, raws):
                hyp = self._to_hypothesis(raw, flags=("retried",))
                if _problem_rank(sentences[i], hyp) < _problem_rank(sentences[i], hyps[i]):
                    hyps[i] = hyp
                if _problem(sentences[i], hyps[i]):
                    still_bad.append(i)
            bad = still_bad
        for i in bad:
            problem = _problem(sentences[i], hyps[i])
            hyps[i] = dataclasses.replace(hyps[i], flags=tuple(dict.fromkeys(hyps[i].flags + ("retried", problem))))
        return hyps


def _problem(source: str, hyp: Hypothesis) -> str | None:
    if source.strip() and not hyp.text.strip():
        return "empty"
    if repetition_loop(hyp.tokens):
        return "repetition"
    return None


def _problem_rank(source: str, hyp: Hypothesis) -> int:
    return {None: 0, "repetition": 1, "empty": 2}[_problem(source, hyp)]


# -- registry --------------------------------------------------------------------------------------
_BACKENDS: dict[str, str] = {
    "transformers": "xling.mt.marian:MarianBackend",
    "ct2": "xling.mt.ct2:CT2Backend",
}
_LOADED: dict[tuple[Any, ...], Backend] = {}
_LOADED_LOCK = threading.Lock()


def register_backend(name: str, target: str | Callable[..., Backend]) -> None:
    """Register a backend class by name (``"module:Class"`` or the class itself)."""
    _BACKENDS[name] = target  # type: ignore[assignment]


def backend_names() -> list[str]:
    return sorted(_BACKENDS)


def backend_class(name: str) -> Callable[..., Backend]:
    try:
        target = _BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(backend_names())}") from None
    if isinstance(target, str):
        module, _, cls = target.partition(":")
        return getattr(importlib.import_module(module), cls)
    return target


def release_backend(backend: Backend) -> None:
    """Forget a process-wide backend so its memory can be freed (a later get_backend loads it anew)."""
    with _LOADED_LOCK:
        for key in [k for k, v in _LOADED.items() if v is backend]:
            del _LOADED[key]


def get_backend(name: str, model: str, **kwargs: Any) -> Backend:
    """The process-wide backend for (name, model, options): created once, loaded lazily."""
    key = (name, model, tuple(sorted(kwargs.items())))
    with _LOADED_LOCK:
        if key not in _LOADED:
            _LOADED[key] = backend_class(name)(model, **kwargs)
        return _LOADED[key]
