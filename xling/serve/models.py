"""What a server translates with: one model forced at launch, or every language routed to its own model.

``xling serve`` without ``--model`` (and without ``$XLING_MODEL``) routes: each article's language is
detected (or named by the user) and translated by its opus-mt model from the shipped routing table, loaded
on first use from ``--models-dir`` / ``$XLING_MODELS``, the Hugging Face cache or the hub, with at most
``--max-models`` kept loaded. A language whose model is missing gets one message naming the model to
download; the other languages, and model-free compare, keep working.

With ``--model`` the server translates from that model's source language only, as before.

:class:`ServedModels` is shared by the page (:mod:`xling.serve.ui`) and the REST API
(:mod:`xling.serve.rest`); it imports neither Gradio nor FastAPI.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from xling.document import AUTO_LANG, Document
from xling.errors import InputError, ModelUnavailable, XlingError
from xling.mt.engine import DEFAULT_MAX_MODELS, NO_MODEL, Engine, EnginePool, NoModel, routes_by_language

log = logging.getLogger("xling.serve")

#: The language every served model translates into (opus-mt's into-English models).
TARGET_LANG = "en"
#: Compare results kept per server (a comparison costs seconds; the same pair is often asked again).
COMPARE_CACHE_SIZE = 64


@dataclass
class ServedModels:
    """The server's translation models: a forced :class:`~xling.Engine`, or an :class:`~xling.EnginePool`.

    Build it with :meth:`create`. ``error`` is why the forced model could not be loaded (None when it
    loaded, and always when languages are routed: there each language reports its own missing model).
    """

    engine: Engine | None = None
    pool: EnginePool | None = None
    source_lang: str | None = None
    error: str | None = None
    compare_cache_size: int = COMPARE_CACHE_SIZE
    _compared: OrderedDict[tuple, Document] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def create(
        cls,
        model: str | None = None,
        *,
        models_dir: str | os.PathLike[str] | None = None,
        max_models: int = DEFAULT_MAX_MODELS,
        backend: str | None = None,
        device: str | None = None,
        compute_type: str | None = None,
        source_lang: str | None = None,
    ) -> ServedModels:
        """Models for a server: ``model`` (or ``$XLING_MODEL``) forces one; None routes every language.

        Args:
            model: hub id or directory of the one model to serve, or None to route by language.
            models_dir: the local models folder for routing (None: ``$XLING_MODELS``).
            max_models: how many routed models stay loaded at once (least recently used released first).
            backend, device, compute_type: as for :class:`~xling.Engine`.
            source_lang: the language the server assumes when a request says ``auto`` (None: detect).
        """
        source = None if source_lang in (None, "", AUTO_LANG) else source_lang
        if routes_by_language(model):
            pool = EnginePool(models_dir=models_dir, max_models=max_models, backend=backend, device=device,
                              compute_type=compute_type)
            return cls(pool=pool, source_lang=source)
        return cls(engine=Engine(model, backend=backend, device=device, compute_type=compute_type), source_lang=source)

    # -- state ------------------------------------------------------------------------------------------
    @property
    def routed(self) -> bool:
        """Whether each language goes to its own model (no model forced)."""
        return self.pool is not None

    @property
    def model(self) -> Engine | EnginePool:
        """What :func:`xling.translate` and :func:`xling.compare` take as ``model``."""
        return self.pool if self.pool is not None else self.engine  # type: ignore[return-value]

    @property
    def name(self) -> str:
        """The forced model's id or directory, or a description of the routing."""
        if self.engine is not None:
            return self.engine.model_name
        return "routed by language (xling/data/models.tsv)"

    @property
    def loaded(self) -> list[str]:
        """The models in memory now."""
        if self.engine is not None:
            return [self.engine.model_name] if self.error is None and self.engine.loaded else []
        assert self.pool is not None
        return self.pool.loaded()

    def load(self) -> ServedModels:
        """Load the forced model now, keeping the reason in ``error`` if it cannot be loaded. Routed: load
        the default language's model, if one was named (if it cannot be loaded, one warning: requests in
        that language will say why, the others are served)."""
        if self.engine is not None:
            try:
                self.engine.load()
                self.error = None
            except ModelUnavailable as err:
                self.error = str(err)
        elif self.source_lang:
            assert self.pool is not None
            try:
                self.pool.engine(self.source_lang, TARGET_LANG).load()
            except ModelUnavailable as err:
                log.warning("%s; other languages are still translated", err)
        return self

    def require(self) -> None:
        """Raise ModelUnavailable when the forced model could not be loaded."""
        if self.error:
            raise ModelUnavailable(self.error)

    # -- languages ----------------------------------------------------------------------------------------
    def languages(self) -> list[tuple[str, str]]:
        """The source languages served, as (code, English name), by code."""
        from xling.mt.routing import language_name, languages

        if self.pool is not None:
            return [(info.code, info.name) for info in languages(self.pool.models_dir, TARGET_LANG)]
        code = self.forced_source
        return [(code, language_name(code))]

    @property
    def forced_source(self) -> str:
        """The forced model's source language (without loading it: the server's setting, else Arabic)."""
        assert self.engine is not None
        if self.source_lang:
            return self.source_lang
        return (self.engine.source_lang if self.loaded else None) or "ar"

    @property
    def target_lang(self) -> str:
        if self.engine is not None and self.loaded:
            return self.engine.target_lang or TARGET_LANG
        return TARGET_LANG

    def source(self, requested: str | None) -> str:
        """A request's source language: ``auto`` (or nothing) becomes the server's default or AUTO_LANG.

        Raises:
            InputError: a language this server does not translate.
        """
        from xling.mt.routing import normalize_code

        if requested in (None, "", AUTO_LANG):
            return self.source_lang or AUTO_LANG
        if not isinstance(requested, str):
            raise InputError("the source language must be a string such as 'auto' or 'fr'")
        code = normalize_code(requested)
        served = [c for c, _ in self.languages()]
        if code not in served:
            if self.routed:
                raise InputError(f"{requested!r} is not a language xling routes to a model; "
                                 "GET /api/v1/languages lists them")
            raise InputError(f"{requested} is not supported: this server translates {served[0]} into "
                             f"{self.target_lang} (start it without --model to route every language)")
        return code

    # -- work ---------------------------------------------------------------------------------------------
    def translate_model(self) -> Engine | EnginePool:
        """The model argument for a translation (ModelUnavailable when the forced model failed to load)."""
        self.require()
        return self.model

    def compare_model(self, use_model: bool) -> Engine | EnginePool | NoModel:
        """The model argument for a comparison: NO_MODEL when not wanted or when the forced model failed."""
        if not use_model or self.error:
            return NO_MODEL
        return self.model

    def compare(
        self,
        source_text: str,
        target_text: str,
        *,
        use_model: bool = True,
        source_lang: str = AUTO_LANG,
        target_lang: str = AUTO_LANG,
        run: Callable[..., Document] | None = None,
    ) -> Document:
        """:func:`xling.compare` of the two texts, remembered: the same request again is answered at once.

        ``run`` is the comparison function (default :func:`xling.compare`).
        """
        if run is None:
            from xling.pipeline.comparison import compare as run
        model = self.compare_model(use_model)
        key = (source_text, target_text, source_lang, target_lang, not isinstance(model, NoModel))
        with self._lock:
            doc = self._compared.get(key)
            if doc is not None:
                self._compared.move_to_end(key)
                return doc
        doc = run(source_text, target_text, model=model, source_lang=source_lang, target_lang=target_lang)
        with self._lock:
            self._compared[key] = doc
            while len(self._compared) > self.compare_cache_size:
                self._compared.popitem(last=False)
        return doc


def check_beam(value: object, *, maximum: int, default: int | None = None) -> int:
    """A request's beam size as an int from 1 to ``maximum`` (None: ``default``).

    Whole numbers sent as text or as floats (``"4"``, ``4.0``: forms and sliders send those) are accepted.

    Raises:
        InputError: anything else, in one line (``beam size must be a whole number from 1 to 8, not 'abc'``).
    """
    if value is None and default is not None:
        value = default
    beam: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        beam = value
    elif isinstance(value, float) and value.is_integer():
        beam = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        beam = int(value.strip())
    if beam is None or not 1 <= beam <= maximum:
        raise InputError(f"beam size must be a whole number from 1 to {maximum}, not {value!r}")
    return beam


def log_user_error(err: BaseException, where: str = "") -> None:
    """One log line for a problem the user caused and was told about (no traceback: not a bug)."""
    log.info("%s%s: %s", f"{where}: " if where else "", type(err).__name__, err)


# -- cancellation: a request whose client went away, or whose server stops, stops its model work -------------

class Cancelled(XlingError):
    """The client of a request disconnected; its work was stopped."""


#: What a request refused while the server shuts down is told (REST: 503 with Retry-After; Gradio: the error).
STOPPING_MESSAGE = "the xling server is shutting down; retry in a few seconds"
#: What a request still running when the shutdown grace ran out is told.
STOPPED_MESSAGE = "the xling server was stopped; retry"
#: Seconds ``xling serve`` gives requests in flight to finish after SIGTERM or Ctrl-C (``--shutdown-grace``).
DEFAULT_SHUTDOWN_GRACE_S = 10.0
#: How often a waiting request looks whether the server has stopped.
STOP_POLL_S = 0.05
#: The header the request guard adds to a request that arrived after the shutdown began, so that a job
#: Gradio queues is refused when it starts while the jobs queued before the signal still run.
ARRIVED_STOPPING_HEADER = "x-xling-arrived-stopping"


def check_grace(seconds: float) -> float:
    """A shutdown grace in seconds, 0 or more (ValueError otherwise)."""
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 <= seconds < float("inf"):
        raise ValueError(f"the shutdown grace must be a number of seconds, 0 or more, not {seconds!r}")
    return float(seconds)


class ServerStopping(XlingError):
    """A new request arrived while the server shuts down: it is refused, not started."""

    def __init__(self, message: str = STOPPING_MESSAGE):
        super().__init__(message)


class ServerStopped(XlingError):
    """The server stopped (its shutdown grace ran out) before the request finished."""

    def __init__(self, message: str = STOPPED_MESSAGE):
        super().__init__(message)


@dataclass(frozen=True)
class _Watch:
    gone: threading.Event | None
    stopped: threading.Event | None


_CANCEL: ContextVar[_Watch | None] = ContextVar("xling_serve_cancel", default=None)


@contextlib.contextmanager
def cancellation(gone: threading.Event | None, *, stopped: threading.Event | None = None) -> Iterator[None]:
    """Run the block so that :func:`raise_if_cancelled` raises once ``gone`` is set (by whoever watches the
    client: :class:`Cancelled`) or ``stopped`` is (the server's :class:`Shutdown`: :class:`ServerStopped`)."""
    token = _CANCEL.set(_Watch(gone, stopped))
    try:
        yield
    finally:
        _CANCEL.reset(token)


def raise_if_cancelled(_partial: object = None) -> None:
    """Raise :class:`ServerStopped` if the server has stopped, :class:`Cancelled` if this request's client has
    gone (a no-op outside :func:`cancellation`).

    It takes (and ignores) one argument so that it can be ``translate(on_paragraph=...)``, which calls it
    between paragraph groups.
    """
    watch = _CANCEL.get()
    if watch is None:
        return
    if watch.stopped is not None and watch.stopped.is_set():
        raise ServerStopped()
    if watch.gone is not None and watch.gone.is_set():
        raise Cancelled("the client disconnected; the request was stopped")


T = TypeVar("T")


@dataclass
class Shutdown:
    """A server's graceful stop, shared by the page, the REST API and the request guard.

    :meth:`begin` (on SIGTERM or Ctrl-C) makes new requests fail with :class:`ServerStopping` (the request
    guard refuses them, or marks them with :data:`ARRIVED_STOPPING_HEADER`); those in flight go on for
    the grace (``ui.stop``); :meth:`stop` then makes what is still running fail with
    :class:`ServerStopped`, at once for the client, at the next check (:func:`raise_if_cancelled`) for the
    model work. ``requests`` counts the HTTP requests whose client waits for an answer (kept by the guard);
    ``running`` the model calls still running in threads.
    """

    draining: threading.Event = field(default_factory=threading.Event)
    stopped: threading.Event = field(default_factory=threading.Event)
    requests: int = 0
    _running: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def begin(self) -> None:
        """Refuse new work from now on."""
        self.draining.set()

    def stop(self) -> None:
        """End the work still running (its clients get :class:`ServerStopped`); refuse new work."""
        self.draining.set()
        self.stopped.set()

    @property
    def running(self) -> int:
        """Model calls still running (a stopped one may run on in its thread until its next check)."""
        return self._running

    def refuse_new(self) -> None:
        """Raise :class:`ServerStopping` once the shutdown has begun."""
        if self.draining.is_set():
            raise ServerStopping()

    @staticmethod
    def refuse_marked(headers: Any) -> None:
        """Raise :class:`ServerStopping` for a request (by its ``headers``) that arrived after the shutdown began."""
        if headers is not None and headers.get(ARRIVED_STOPPING_HEADER):
            raise ServerStopping()

    def raise_if_stopped(self) -> None:
        """Raise :class:`ServerStopped` once the grace has run out."""
        if self.stopped.is_set():
            raise ServerStopped()

    @contextlib.contextmanager
    def work(self) -> Iterator[None]:
        """Count the block as running model work."""
        with self._lock:
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a thread of its own, answered as :class:`ServerStopped` as soon as :meth:`stop` is
        called, even when ``fn`` cannot be interrupted (it runs on, abandoned, until its next check)."""
        self.raise_if_stopped()
        done = threading.Event()
        outcome: dict[str, Any] = {}
        context = contextvars.copy_context()

        def target() -> None:
            try:
                with self.work(), cancellation(None, stopped=self.stopped):
                    outcome["value"] = fn(*args)
            except BaseException as err:  # handed to the caller's thread below
                outcome["error"] = err
            finally:
                done.set()

        threading.Thread(target=context.run, args=(target,), name="xling-work", daemon=True).start()
        while not done.wait(STOP_POLL_S):
            self.raise_if_stopped()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def wait_for_requests(self, seconds: float) -> bool:
        """Wait up to ``seconds`` until no client waits for an answer; True if none does."""
        deadline = time.monotonic() + seconds
        while self.requests > 0 and time.monotonic() < deadline:
            time.sleep(STOP_POLL_S)
        return self.requests <= 0
