"""The one translation engine behind every entry point.

An :class:`Engine` owns a loaded model (a :class:`~xling.mt.base.Backend`, loaded lazily and once per
process), the decoding options, the translation cache and long-sentence splitting. ``translate()``,
``compare()``, ``xling eval``, the page and the CLI all translate through it, so "split long sentences ->
translate -> join" exists once, here.

``engine_for(model, ...)`` turns whatever a caller passed as ``model`` (an Engine, a loaded backend, a hub
id or directory, or None for the default) into an Engine; :data:`NO_MODEL` says "no model at all" where a
stage can work without one (model-free compare).
"""

from __future__ import annotations

import copy
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from xling.document import DEFAULT_MODEL, Settings, Span
from xling.mt.base import Backend, DecodeOptions, Hypothesis, get_backend, release_backend
from xling.mt.cache import TranslationCache

if TYPE_CHECKING:
    from xling.mt.batching import BatchSession

#: Backends that ``backend=`` accepts (see :func:`xling.mt.base.backend_names`).
DEFAULT_BACKEND = "transformers"
DEFAULT_BEAM_SIZE = 4
DEFAULT_MAX_SENTENCE_TOKENS = 200


class NoModel:
    """The type of :data:`NO_MODEL`: pass it as ``model`` to work without a translation model."""

    _instance: NoModel | None = None

    def __new__(cls) -> NoModel:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "xling.NO_MODEL"

    def __reduce__(self) -> str:
        return "NO_MODEL"


#: "Use no translation model": model-free alignment in ``compare``; the CLI's ``--model none``.
NO_MODEL: Final = NoModel()

#: The process-wide in-memory cache that ``cache=True`` means.
_SHARED_CACHE = TranslationCache()


def default_model() -> str:
    """The model used when none is named: ``$XLING_MODEL`` or opus-mt-ar-en."""
    return os.environ.get("XLING_MODEL") or DEFAULT_MODEL


def default_backend() -> str:
    """The backend used when none is named: ``$XLING_BACKEND`` or transformers."""
    return os.environ.get("XLING_BACKEND") or DEFAULT_BACKEND


def resolve_cache(cache: TranslationCache | bool | None) -> TranslationCache | None:
    """``True``: the shared in-memory cache; ``False``/``None``: no cache; a cache object: itself."""
    if cache is True:
        return _SHARED_CACHE
    if cache is False or cache is None:
        return None
    if isinstance(cache, TranslationCache):
        return cache
    raise TypeError(f"cache must be True, False or a TranslationCache, not {type(cache).__name__}")


class Engine:
    """A translation model with its decoding options, cache and sentence splitting.

    Args:
        model: hub id or local directory of an opus-mt (Marian) model, or an already created backend;
            None for :func:`default_model`.
        backend: ``"transformers"`` or ``"ct2"`` (None: :func:`default_backend`); ignored for a backend object.
        device: ``"cpu"`` or ``"cuda"`` (None: CUDA when available).
        compute_type: CTranslate2 only: ``int8`` (its default), ``float32``, ``int8_float32``...
        revision: hub revision of ``model``.
        beam_size: default beam size of :meth:`options`.
        max_sentence_tokens: sentences longer than this (in model tokens) are split at clause boundaries,
            translated piece by piece and joined.
        batch_tokens: padded source tokens per model batch.
        cache: True for the process-wide in-memory cache, False for none, or a :class:`TranslationCache`.
        options: full decoding options; ``beam_size``/``batch_tokens`` given explicitly override its fields.

    Nothing is loaded until the first translation (or :meth:`load`); the backend is shared by every engine
    on the same model in this process.
    """

    def __init__(
        self,
        model: str | Backend | None = None,
        *,
        backend: str | None = None,
        device: str | None = None,
        compute_type: str | None = None,
        revision: str | None = None,
        beam_size: int | None = None,
        max_sentence_tokens: int = DEFAULT_MAX_SENTENCE_TOKENS,
        batch_tokens: int | None = None,
        cache: TranslationCache | bool = True,
        options: DecodeOptions | None = None,
    ):
        if isinstance(model, NoModel):
            raise TypeError("an Engine needs a model; NO_MODEL means working without an engine")
        if model is not None and not isinstance(model, (str, os.PathLike, Backend)):
            raise TypeError(f"model must be a hub id, a directory, a Backend or None, not {type(model).__name__}")
        self._options = DecodeOptions()
        self.max_sentence_tokens = DEFAULT_MAX_SENTENCE_TOKENS
        self._set_options(beam_size, max_sentence_tokens, batch_tokens, options)
        self.cache = resolve_cache(cache)
        if isinstance(model, Backend):
            self._backend: Backend | None = model
            self._spec: tuple[str, str, dict[str, str]] | None = None
        else:
            kwargs: dict[str, str] = {}
            if device:
                kwargs["device"] = device
            if revision:
                kwargs["revision"] = revision
            if compute_type and compute_type != "default":
                kwargs["compute_type"] = compute_type
            self._backend = None
            self._spec = (backend or default_backend(), os.fspath(model) if model else default_model(), kwargs)

    # -- the model -----------------------------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        """The loaded backend; raises ModelUnavailable with a fix when it cannot load."""
        if self._backend is None:
            assert self._spec is not None
            name, model, kwargs = self._spec
            self._backend = get_backend(name, model, **kwargs)
        return self._backend.load()

    @property
    def loaded(self) -> bool:
        """Whether this engine's model is in memory (never triggers a load)."""
        return self._backend is not None and self._backend.loaded

    def release(self) -> None:
        """Let go of the model (the pool's bound): the next translation loads it again."""
        if self._backend is not None and self._spec is not None:
            release_backend(self._backend)
            self._backend = None

    def load(self) -> Engine:
        """Load the model now (it is otherwise loaded on first use); returns the engine."""
        self.backend  # noqa: B018  (the property loads)
        return self

    @property
    def model_name(self) -> str:
        """The model as named by the caller (hub id or directory), without loading it."""
        return self._backend.model if self._backend is not None else self._spec[1]  # type: ignore[index]

    @property
    def backend_name(self) -> str:
        return self._backend.name if self._backend is not None else self._spec[0]  # type: ignore[index]

    @property
    def source_lang(self) -> str | None:
        return self.backend.source_lang

    @property
    def target_lang(self) -> str | None:
        return self.backend.target_lang

    def options(self, **changes: object) -> DecodeOptions:
        """The engine's decoding options, with ``changes`` applied (e.g. ``beam_size=1``)."""
        return self._options.replace(**changes) if changes else self._options

    def settings(self, **fields: object) -> Settings:
        """The provenance record of translations made by this engine (``fields`` fill in the rest)."""
        backend = self.backend
        base = dict(
            model=backend.model,
            backend=backend.name,
            beam_size=self._options.beam_size,
            max_sentence_tokens=self.max_sentence_tokens,
            batch_tokens=self._options.batch_tokens,
            compute_type=getattr(backend, "compute_type", "default"),
            source_lang=backend.source_lang or "ar",
            target_lang=backend.target_lang or "en",
            revision=backend.revision or "",
        )
        base.update(fields)
        return Settings(**base)  # type: ignore[arg-type]

    # -- tokens and splitting --------------------------------------------------------------------------
    def count_tokens(self, piece: str) -> int:
        """How many tokens the model reads for a piece of verbatim text (its normalized copy, with ``</s>``)."""
        from xling.text.segment import model_input

        return len(self.backend.encode(model_input(piece)))

    def split(self, text: str, start: int, end: int) -> list[Span]:
        """The pieces of ``text[start:end]`` the model translates: the span itself when it fits the budget."""
        from xling.text.segment import split_long

        return split_long(text, start, end, self.count_tokens, self.max_sentence_tokens)

    # -- translation -----------------------------------------------------------------------------------
    def translate_sentences(
        self, sentences: Sequence[str], options: DecodeOptions | None = None, *, session: BatchSession | None = None
    ) -> list[Hypothesis]:
        """Translate model-ready sentences in one length-sorted batch run, reusing cached translations.

        Identical sentences are translated once. Inputs over the model's position limit raise ValueError:
        split them first (:meth:`split`). Concurrent callers on the same model share model calls (the
        backend's :class:`~xling.mt.batching.MicroBatcher`); a lone caller runs at once. ``session``: from
        :meth:`session`, when this call is one of a run's several.
        """
        from xling.mt.batching import batcher_for

        options = options or self._options
        backend = self.backend
        cache = self.cache
        results: list[Hypothesis | None] = [None] * len(sentences)
        todo: dict[str, list[int]] = {}
        signature = _cache_signature(backend, options)
        for i, sentence in enumerate(sentences):
            if cache is not None:
                hyp = cache.get(cache.key(signature, sentence))
                if hyp is not None and (hyp.attention is not None or not options.return_attention):
                    results[i] = hyp
                    continue
            todo.setdefault(sentence, []).append(i)
        if todo:
            unique = list(todo)
            for sentence, hyp in zip(unique, batcher_for(backend).translate(unique, options, session=session)):
                for i in todo[sentence]:
                    results[i] = hyp
                if cache is not None:
                    cache.put(cache.key(signature, sentence), hyp)
        return [r for r in results if r is not None]

    @contextmanager
    def session(self) -> Iterator[BatchSession]:
        """Open around a run that calls the model several times (an article streamed group by group) and pass
        what it yields as ``translate_sentences(..., session=...)``: concurrent runs on the same model then
        share each round of model calls (:meth:`xling.mt.batching.MicroBatcher.session`). Loads the model."""
        from xling.mt.batching import batcher_for

        with batcher_for(self.backend).session() as session:
            yield session

    def translate_pieces(
        self, text: str, pieces: Sequence[Sequence[Span]], options: DecodeOptions | None = None
    ) -> list[list[Hypothesis]]:
        """Translate groups of spans of ``text`` in one batched run; one list of hypotheses per group."""
        from xling.text.segment import model_input

        inputs = [model_input(text[a:b]) for group in pieces for a, b in group]
        hyps = iter(self.translate_sentences(inputs, options))
        return [[next(hyps) for _ in group] for group in pieces]

    def translate_spans(self, text: str, spans: Sequence[Span], options: DecodeOptions | None = None) -> list[str]:
        """One translation per span of ``text``: long spans split, their pieces translated and joined."""
        pieces = [self.split(text, a, b) for a, b in spans]
        return [join_hypotheses(group) for group in self.translate_pieces(text, pieces, options)]

    def with_options(
        self,
        *,
        beam_size: int | None = None,
        max_sentence_tokens: int | None = None,
        batch_tokens: int | None = None,
        cache: TranslationCache | bool | None = None,
        options: DecodeOptions | None = None,
    ) -> Engine:
        """A copy on the same model (sharing the loaded backend) with other options; None keeps a value."""
        other = copy.copy(self)
        other._set_options(beam_size, max_sentence_tokens, batch_tokens, options)
        if cache is not None:
            other.cache = resolve_cache(cache)
        return other

    def _set_options(
        self,
        beam_size: int | None,
        max_sentence_tokens: int | None,
        batch_tokens: int | None,
        options: DecodeOptions | None,
    ) -> None:
        """Apply options on top of ``options`` (or the current ones); None keeps a value."""
        base = options or self._options
        changes = {k: v for k, v in (("beam_size", beam_size), ("batch_tokens", batch_tokens)) if v is not None}
        decode = base.replace(**changes) if changes else base
        if decode.beam_size < 1:
            raise ValueError("beam_size must be at least 1")
        if max_sentence_tokens is not None and max_sentence_tokens < 8:
            raise ValueError("max_sentence_tokens must be at least 8")
        self._options = decode
        if max_sentence_tokens is not None:
            self.max_sentence_tokens = max_sentence_tokens

    def __repr__(self) -> str:
        return f"Engine(model={self.model_name!r}, backend={self.backend_name!r}, beam_size={self._options.beam_size})"


def join_hypotheses(hypotheses: Sequence[Hypothesis]) -> str:
    """The translations of a split sentence's pieces, joined with spaces (empty pieces dropped)."""
    return " ".join(h.text for h in hypotheses if h.text)


def _cache_signature(backend: Backend, options: DecodeOptions) -> str:
    compute = getattr(backend, "compute_type", "default")
    return f"{backend.name}|{backend.model}|{backend.model_dir}|{compute}|{options!r}"


def engine_for(
    model: str | Backend | Engine | None = None,
    *,
    backend: str | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    beam_size: int | None = None,
    max_sentence_tokens: int | None = None,
    batch_tokens: int | None = None,
    cache: TranslationCache | bool | None = None,
    options: DecodeOptions | None = None,
) -> Engine:
    """An Engine for whatever a caller passed as ``model``.

    An Engine comes back as it is when nothing else is asked for; options given explicitly make a copy of
    it that shares its backend (explicit options always win over the engine's defaults). ``cache=None``
    keeps an engine's cache, and means the shared in-memory cache otherwise.
    """
    if isinstance(model, Engine):
        if all(v is None for v in (backend, device, compute_type, beam_size, max_sentence_tokens, batch_tokens,
                                   cache, options)):
            return model
        if backend is not None or device is not None or compute_type is not None:
            raise TypeError("backend, device and compute_type belong to the engine's model; create a new Engine")
        return model.with_options(beam_size=beam_size, max_sentence_tokens=max_sentence_tokens,
                                  batch_tokens=batch_tokens, cache=cache, options=options)
    return Engine(
        model,
        backend=backend,
        device=device,
        compute_type=compute_type,
        beam_size=beam_size,
        max_sentence_tokens=max_sentence_tokens if max_sentence_tokens is not None else DEFAULT_MAX_SENTENCE_TOKENS,
        batch_tokens=batch_tokens,
        cache=True if cache is None else cache,
        options=options,
    )


#: How many models a pool keeps loaded at once by default (an opus-mt model takes ~300 MB in float32).
DEFAULT_MAX_MODELS = 4


class EnginePool:
    """Engines by language pair: each pair routed to its opus-mt model, loaded lazily and once, shared by
    every caller, with at most ``max_models`` kept loaded (the least recently used is released first).

    Args:
        models_dir: a folder of local models in subfolders named like the hub id's last part
            (``DIR/opus-mt-fr-en/``); None for ``$XLING_MODELS``. Then the Hugging Face cache, then the hub.
        max_models: the bound on loaded models.
        backend, device, compute_type, beam_size, max_sentence_tokens, batch_tokens, cache, options: as for
            :class:`Engine`, for every engine of the pool.
    """

    def __init__(
        self,
        *,
        models_dir: str | os.PathLike[str] | None = None,
        max_models: int = DEFAULT_MAX_MODELS,
        backend: str | None = None,
        device: str | None = None,
        compute_type: str | None = None,
        beam_size: int | None = None,
        max_sentence_tokens: int = DEFAULT_MAX_SENTENCE_TOKENS,
        batch_tokens: int | None = None,
        cache: TranslationCache | bool = True,
        options: DecodeOptions | None = None,
    ):
        if max_models < 1:
            raise ValueError("max_models must be at least 1")
        self.models_dir = models_dir
        self.max_models = max_models
        self._engine_options = dict(backend=backend, device=device, compute_type=compute_type, beam_size=beam_size,
                                    max_sentence_tokens=max_sentence_tokens, batch_tokens=batch_tokens,
                                    cache=cache, options=options)
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()

    def model_for(self, source: str, target: str = "en") -> str:
        """The model directory or hub id that translates ``source`` into ``target`` (ModelUnavailable if none)."""
        from xling.mt.routing import resolve

        return resolve(source, target, models_dir=self.models_dir)

    def engine(self, source: str, target: str = "en") -> Engine:
        """The engine for a language pair (created on first use; its model loads on first translation)."""
        model = self.model_for(source, target)
        with self._lock:
            engine = self._engines.get(model)
            if engine is None:
                engine = Engine(model, **self._engine_options)  # type: ignore[arg-type]
                self._engines[model] = engine
            self._engines.move_to_end(model)
            while len(self._engines) > self.max_models:
                _, old = self._engines.popitem(last=False)
                old.release()
            return engine

    def loaded(self) -> list[str]:
        """The models this pool holds, least recently used first."""
        with self._lock:
            return list(self._engines)


_POOLS: dict[tuple[str, str | None, str | None], EnginePool] = {}
_POOLS_LOCK = threading.Lock()


def default_pool(backend: str | None = None, device: str | None = None, compute_type: str | None = None) -> EnginePool:
    """The process-wide pool that ``model=None`` routes through, one per backend/device/compute type
    (local models from ``$XLING_MODELS``; at most ``$XLING_MAX_MODELS`` loaded, default 4)."""
    key = (backend or default_backend(), device, compute_type)
    with _POOLS_LOCK:
        if key not in _POOLS:
            limit = int(os.environ.get("XLING_MAX_MODELS") or DEFAULT_MAX_MODELS)
            _POOLS[key] = EnginePool(max_models=limit, backend=key[0], device=device, compute_type=compute_type)
        return _POOLS[key]


def engine_for_language(
    model: str | Backend | Engine | EnginePool | None,
    source_lang: str,
    target_lang: str = "en",
    **engine_options: object,
) -> Engine:
    """The engine that translates ``source_lang`` into ``target_lang``.

    ``model`` forces one model (an id, directory, backend or Engine; also ``$XLING_MODEL`` when ``model`` is
    None); otherwise the pair is routed through ``model`` when it is an :class:`EnginePool`, else through
    :func:`default_pool`. ``engine_options`` are those of :func:`engine_for`.
    """
    if model is None and os.environ.get("XLING_MODEL"):
        model = os.environ["XLING_MODEL"]
    if model is None or isinstance(model, EnginePool):
        model_options = ("backend", "device", "compute_type")
        pool = model or default_pool(*(engine_options.get(k) for k in model_options))  # type: ignore[arg-type]
        options = {k: v for k, v in engine_options.items() if k not in model_options}
        return engine_for(pool.engine(source_lang, target_lang), **options)  # type: ignore[arg-type]
    return engine_for(model, **engine_options)  # type: ignore[arg-type]


def routes_by_language(model: object) -> bool:
    """Whether ``model`` leaves the choice of model to the language (None without $XLING_MODEL, or a pool)."""
    return isinstance(model, EnginePool) or (model is None and not os.environ.get("XLING_MODEL"))
