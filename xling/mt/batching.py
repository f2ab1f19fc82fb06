"""Micro-batching across callers: concurrent requests to one model share its model calls.

Page and API requests run in threads, corpus rows run side by side; each used to call
``backend.translate`` on its own, and since a model runs one batch at a time (the backend's lock) eight
clients took turns with eight small batches. A :class:`MicroBatcher` sits in front of one backend and
merges them:

* **Alone, no wait.** When nothing is in flight a request runs at once, in the caller's own thread.
* **Continuous gather.** Requests that arrive while a batch runs queue up; when the model is free, one
  worker thread takes every waiting request with equal :class:`~xling.mt.base.DecodeOptions` (oldest
  first, up to ``max_batch_sentences`` sentences), lingering at most ``max_wait_ms`` after the oldest one
  arrived for more company, and runs ONE ``backend.translate`` over all their sentences (deduplicated;
  the backend length-sorts them into model batches itself). Each caller gets its own slice.
* **Sessions: waiting for known company.** A caller that will come back (a streamed article, translated
  group by group) opens a :meth:`MicroBatcher.session` for its whole run and passes it with each call
  (any thread may make them: a page's generator runs a step per worker thread). While another session is between
  its calls (doing its pipeline work), a request that finds the model free waits for it, and so does the
  gather of a queued batch: until every open session has a request waiting, or ``session_wait_ms`` after
  the oldest request arrived. Eight articles streamed at once then share each group's model call instead
  of the first arrival running alone; a lone session, and a caller without one, never wait for it.
* **Arrivals: company that is on its way.** A server announces each request it admits (:func:`announce`,
  on its event loop) before the request's language detection and segmentation run in a worker thread. Until
  that request opens its first session or calls a batcher, batchers wait for it as for an open session with
  no request in (``session_wait_ms`` at most). Eight HTTP requests sent at once reach the model up to 30 ms
  apart; without this the first ran alone while the other seven queued behind it.
* **Errors stay with their owner.** When a merged call fails, each request of it is retried alone, so an
  over-long input (ValueError) fails only the caller who sent it.

Each output is capped by its own source length, so a sentence's translation does not depend on which
other sentences share its batch: callers get what they would have got alone (``force_length``, a
benchmark setting, is the exception: it pads every output to the batch's longest).

:func:`batcher_for` gives the process-wide batcher of a backend (the engine routes through it); it holds
the backend weakly, so releasing a model (``Engine.release``, the pool's bound) still frees it, and the
worker thread ends with it.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import Future

from xling.mt.base import Backend, DecodeOptions, Hypothesis

DEFAULT_MAX_WAIT_MS = 5.0
DEFAULT_MAX_BATCH_SENTENCES = 256
#: How long a gather may wait for an open session that has no request in yet (see MicroBatcher.session).
DEFAULT_SESSION_WAIT_MS = 60.0


class BatchSession:
    """An open session of a :class:`MicroBatcher` (from :meth:`MicroBatcher.session`); pass it as
    ``translate(..., session=...)``. Closed when its ``with`` block ends."""

    __slots__ = ("batcher", "open")

    def __init__(self, batcher: MicroBatcher):
        self.batcher = batcher
        self.open = True

    def __repr__(self) -> str:
        return f"BatchSession({'open' if self.open else 'closed'})"


class Arrival:
    """A request announced before it reaches a model (from :func:`announce`; see the module's "Arrivals").

    Run the request's work inside :meth:`current` (in whichever thread it runs): its first session, or its
    first call to a batcher, ends the arrival. :meth:`end` ends it otherwise (idempotent: call it when the
    request is over, whatever happened).
    """

    __slots__ = ("pending",)

    def __init__(self) -> None:
        self.pending = True
        with _ARRIVALS_LOCK:
            _ARRIVALS[0] += 1

    @contextmanager
    def current(self) -> Iterator[Arrival]:
        """Make this the arrival of the work run inside the ``with`` (a context variable: it follows the work
        into ``anyio.to_thread``/``contextvars.copy_context`` threads)."""
        token = _CURRENT_ARRIVAL.set(self)
        try:
            yield self
        finally:
            _CURRENT_ARRIVAL.reset(token)

    def end(self) -> None:
        """Stop being waited for; batchers waiting only for arrivals re-check at once."""
        with _ARRIVALS_LOCK:
            if not self.pending:
                return
            self.pending = False
            _ARRIVALS[0] -= 1
        _notify_batchers()

    def __repr__(self) -> str:
        return f"Arrival({'pending' if self.pending else 'ended'})"


_ARRIVALS = [0]  # announced requests not yet at a batcher, process-wide
_ARRIVALS_LOCK = threading.Lock()
_CURRENT_ARRIVAL: contextvars.ContextVar[Arrival | None] = contextvars.ContextVar("xling_arrival", default=None)


def announce() -> Arrival:
    """Announce a request that will translate soon (a server calls this when it admits one)."""
    return Arrival()


def pending_arrivals() -> int:
    """Announced requests that have not reached a batcher yet."""
    return _ARRIVALS[0]


def _arrived() -> None:
    """The work of the current context reached a batcher: its arrival, if any, ends."""
    arrival = _CURRENT_ARRIVAL.get()
    if arrival is not None and arrival.pending:
        arrival.end()


class _Request:
    __slots__ = ("sentences", "options", "arrived", "future", "session")

    def __init__(self, sentences: list[str], options: DecodeOptions, session: BatchSession | None):
        self.sentences = sentences
        self.options = options
        self.arrived = time.monotonic()
        self.future: Future[list[Hypothesis]] = Future()
        self.session = session


class _Worker:
    __slots__ = ("thread", "stopping")

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.stopping = False


class MicroBatcher:
    """A queue in front of one backend that merges concurrent ``translate`` calls into shared model calls.

    Args:
        backend: the loaded (or lazily loading) backend every request goes to.
        max_wait_ms: how long a request that queued behind a running batch may wait, counted from its
            arrival, for more requests to join it once the model is free. A request that finds the batcher
            idle never waits: it runs at once.
        max_batch_sentences: a merged call stops taking requests at this many sentences (one request larger
            than that still runs, alone).
        session_wait_ms: how long, counted from the oldest waiting request's arrival, a gather waits for
            open sessions (:meth:`session`) that have no request in yet, and for announced requests
            (:func:`announce`) still on their way. Only these are waited for this long; with none, the
            gather keeps to ``max_wait_ms``.

    ``translate`` may be called from any number of threads. The worker thread (a daemon) starts on the
    first request that has to queue; :meth:`close` stops it after the queue drains (a later request starts
    a new one).
    """

    def __init__(
        self,
        backend: Backend,
        *,
        max_wait_ms: float = DEFAULT_MAX_WAIT_MS,
        max_batch_sentences: int = DEFAULT_MAX_BATCH_SENTENCES,
        session_wait_ms: float = DEFAULT_SESSION_WAIT_MS,
    ):
        if max_wait_ms < 0:
            raise ValueError("max_wait_ms must be >= 0")
        if session_wait_ms < 0:
            raise ValueError("session_wait_ms must be >= 0")
        if max_batch_sentences < 1:
            raise ValueError("max_batch_sentences must be at least 1")
        self.max_wait = max_wait_ms / 1000.0
        self.session_wait = session_wait_ms / 1000.0
        self.max_batch_sentences = max_batch_sentences
        self._strong: Backend | None = backend
        self._ref = weakref.ref(backend, self._backend_gone)
        self._local = threading.local()  # "this thread is running a batch": re-entrant calls go straight through
        self._reset()
        #: counters, for tests and benchmarks: requests served, merged backend calls, requests retried alone
        self.requests = 0
        self.calls = 0
        self.retried_alone = 0
        _LIVE.add(self)

    def _reset(self) -> None:
        self._pid = os.getpid()
        # re-entrant: the backend's weakref callback (close) may run from a garbage collection in any thread
        self._cond = threading.Condition(threading.RLock())
        self._queue: deque[_Request] = deque()
        self._busy = False  # a backend call (inline or the worker's) is running or being gathered
        self._worker: _Worker | None = None
        self._sessions = 0  # open sessions (see session())

    # -- the backend -----------------------------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        backend = self._strong if self._strong is not None else self._ref()
        if backend is None:
            raise ReferenceError("the backend of this MicroBatcher was released")
        return backend

    def _hold_weakly(self) -> None:
        """Keep only a weak reference to the backend (the registry's batchers: released models get freed)."""
        self._strong = None

    def _backend_gone(self, _ref: object) -> None:
        self.close(wait=False)

    # -- the callers' side ---------------------------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[BatchSession]:
        """Announce a caller that will come back soon (one streamed article); pass what it yields as
        ``translate(..., session=...)``.

        While the session is open and between its calls, other sessions' requests wait up to
        ``session_wait_ms`` for its next one, so concurrent streams share model calls group by group. Close
        it (leave the ``with``) when the model work is done, before slow work that follows (annotation).
        """
        if self._pid != os.getpid():
            self._reset()
        token = BatchSession(self)
        with self._cond:
            self._sessions += 1
        _arrived()  # after the session counts: there is no moment when neither is waited for
        try:
            yield token
        finally:
            with self._cond:
                token.open = False
                self._sessions -= 1
                self._cond.notify_all()  # a gather waiting for this session stops waiting

    def _sessions_elsewhere(self) -> int:
        """Open sessions with no request queued (lock held; no batch runs while this matters)."""
        return self._sessions - len({id(r.session) for r in self._queue if r.session is not None})

    def translate(
        self, sentences: Sequence[str], options: DecodeOptions | None = None, *, session: BatchSession | None = None
    ) -> list[Hypothesis]:
        """``backend.translate(sentences, options)``, sharing the model call with concurrent callers.

        ``session``: the caller's open session of this batcher (:meth:`session`), if it has one; a closed
        one, or another batcher's, counts as none.
        """
        if session is not None and not isinstance(session, BatchSession):
            raise TypeError(f"session must be a BatchSession, not {type(session).__name__}")
        options = options or DecodeOptions()
        sentences = list(sentences)
        if not sentences:
            return []
        if getattr(self._local, "inside", False):  # called from within a batch (a backend that translates)
            return list(self.backend.translate(sentences, options))
        if self._pid != os.getpid():  # a forked child: the parent's lock, queue and worker mean nothing here
            self._reset()
        _arrived()
        with self._cond:
            if session is not None and not (session.open and session.batcher is self):
                session = None
            self.requests += 1
            idle = not self._busy and not self._queue
            if session is not None and (self._sessions > 1 or pending_arrivals()):
                idle = False  # another session is between its calls, or a request is on its way: let it join
            if idle:
                self._busy = True
                self.calls += 1
            else:
                request = _Request(sentences, options, session)
                self._queue.append(request)
                self._ensure_worker()
                self._cond.notify_all()
        if not idle:
            return request.future.result()
        try:
            return self._call(self.backend, sentences, options)
        finally:
            with self._cond:
                self._busy = False
                if self._queue:
                    self._ensure_worker()
                    self._cond.notify_all()

    def _call(self, backend: Backend, sentences: list[str], options: DecodeOptions) -> list[Hypothesis]:
        self._local.inside = True
        try:
            hyps = list(backend.translate(sentences, options))
        finally:
            self._local.inside = False
        if len(hyps) != len(sentences):
            raise RuntimeError(f"{backend.name} backend returned {len(hyps)} translations for {len(sentences)} inputs")
        return hyps

    # -- the worker -----------------------------------------------------------------------------------------
    @property
    def worker_alive(self) -> bool:
        """Whether a worker thread is running now."""
        worker = self._worker
        return worker is not None and worker.thread is not None and worker.thread.is_alive()

    def _ensure_worker(self) -> None:
        """Start a worker unless a live one is there (call with the lock held)."""
        worker = self._worker
        if worker is not None and not worker.stopping and worker.thread is not None and worker.thread.is_alive():
            return
        worker = _Worker()
        worker.thread = threading.Thread(target=self._run, args=(worker,), name="xling-microbatcher", daemon=True)
        self._worker = worker
        worker.thread.start()  # it blocks on the lock we hold until we return

    def _run(self, me: _Worker) -> None:
        cond = self._cond
        while True:
            with cond:
                while self._busy or not self._queue:
                    if me.stopping and not self._queue:
                        return
                    cond.wait()
                self._busy = True
                batch = self._gather()
                self.calls += 1
            try:
                self._serve(batch)
            finally:
                with cond:
                    self._busy = False
                    cond.notify_all()

    def _gather(self) -> list[_Request]:
        """Take the oldest request and those with equal options (lock held; may wait up to max_wait, or up
        to session_wait when the oldest is a session's and an open session has no request in, or a request
        is on its way)."""
        oldest = self._queue[0]
        options, arrived = oldest.options, oldest.arrived
        while True:
            waiting = sum(len(r.sentences) for r in self._queue if r.options == options)
            now = time.monotonic()
            if oldest.session is not None and (self._sessions_elsewhere() > 0 or pending_arrivals()):
                remaining = arrived + max(self.max_wait, self.session_wait) - now
            else:
                remaining = arrived + self.max_wait - now
            if waiting >= self.max_batch_sentences or remaining <= 0:
                break
            self._cond.wait(remaining)
        batch: list[_Request] = []
        count = 0
        kept: deque[_Request] = deque()
        for request in self._queue:
            fits = not batch or count + len(request.sentences) <= self.max_batch_sentences
            if request.options == options and fits:
                batch.append(request)
                count += len(request.sentences)
            else:
                kept.append(request)
        self._queue = kept
        return batch

    def _serve(self, batch: list[_Request]) -> None:
        """One backend call for the whole batch; on failure each request alone, so errors stay with their owner."""
        options = batch[0].options
        try:
            backend = self.backend
            unique = list(dict.fromkeys(s for r in batch for s in r.sentences))
            by_sentence = dict(zip(unique, self._call(backend, unique, options)))
        except BaseException as err:
            if len(batch) == 1:
                batch[0].future.set_exception(err)
                return
            with self._cond:
                self.retried_alone += len(batch)
            for request in batch:
                try:
                    request.future.set_result(self._call(self.backend, request.sentences, options))
                except BaseException as own:
                    request.future.set_exception(own)
            return
        for request in batch:
            request.future.set_result([by_sentence[s] for s in request.sentences])

    def close(self, wait: bool = True) -> None:
        """Stop the worker thread once the queued requests are served (a later request starts a new one)."""
        with self._cond:
            worker = self._worker
            if worker is None:
                return
            worker.stopping = True
            self._cond.notify_all()
        thread = worker.thread
        if wait and thread is not None and thread is not threading.current_thread() and thread.is_alive():
            thread.join()

    def __repr__(self) -> str:
        backend = self._strong if self._strong is not None else self._ref()
        name = getattr(backend, "model", "released")
        return (f"MicroBatcher({name!r}, max_wait_ms={self.max_wait * 1000:g}, "
                f"max_batch_sentences={self.max_batch_sentences}, session_wait_ms={self.session_wait * 1000:g})")


# -- one batcher per backend, process-wide ----------------------------------------------------------------
_BATCHERS: weakref.WeakKeyDictionary[Backend, MicroBatcher] = weakref.WeakKeyDictionary()
_LIVE: weakref.WeakSet[MicroBatcher] = weakref.WeakSet()  # every batcher, registered or not
_BATCHERS_LOCK = threading.Lock()


def batcher_for(backend: Backend) -> MicroBatcher:
    """The process-wide :class:`MicroBatcher` of ``backend`` (created on first use; holds it weakly)."""
    batcher = _BATCHERS.get(backend)
    if batcher is None:
        with _BATCHERS_LOCK:
            batcher = _BATCHERS.get(backend)
            if batcher is None:
                batcher = MicroBatcher(backend)
                batcher._hold_weakly()
                _BATCHERS[backend] = batcher
    return batcher


def _notify_batchers() -> None:
    """Wake every batcher's waiting gather (an arrival ended)."""
    for batcher in list(_LIVE):
        with batcher._cond:
            batcher._cond.notify_all()


def close_all() -> None:
    """Stop every registered batcher's worker (they restart on the next queued request)."""
    with _BATCHERS_LOCK:
        batchers = list(_BATCHERS.values())
    for batcher in batchers:
        batcher.close()


def _after_fork_in_child() -> None:
    global _BATCHERS_LOCK
    _BATCHERS_LOCK = threading.Lock()
    _BATCHERS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
