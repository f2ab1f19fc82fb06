"""Micro-batching across callers: concurrent requests share model calls and get what they would alone."""

from __future__ import annotations

import gc
import threading
import time

import pytest

import xling
from tests.conftest import REPO_ROOT, SEED_NAME
from xling.mt.base import DecodeOptions, Hypothesis
from xling.mt.batching import MicroBatcher, announce, batcher_for, pending_arrivals
from xling.mt.engine import Engine

SHORT = DecodeOptions(max_length_a=0.1, max_length_b=4, retry=False)
PARAGRAPHS = [p for p in (REPO_ROOT / "seeds" / SEED_NAME).read_text(encoding="utf-8").split("\n") if p.strip()]
N = 8


@pytest.fixture(scope="module")
def engine(tiny_model_dir) -> Engine:
    return Engine(str(tiny_model_dir), options=SHORT, cache=False).load()


def _at_once(n: int, work):
    """Run ``work(i)`` in ``n`` threads released together; (results, errors) by thread index."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n
    errors: list[BaseException | None] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as err:  # noqa: BLE001 - handed to the test
            errors[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a caller hung"
    return results, errors


def _slow_first_call(monkeypatch, backend, calls: list[int], delay: float = 0.3):
    """Spy on ``backend.translate``: count its calls (sentences each); the first one lingers so the rest queue."""
    original = type(backend).translate

    def spy(self, sentences, options=None):
        calls.append(len(sentences))
        if len(calls) == 1:
            time.sleep(delay)
        return original(self, sentences, options)

    # on the class, as test_engine does: the backend is shared by the session, and an instance attribute
    # would outlive monkeypatch's undo
    monkeypatch.setattr(type(backend), "translate", spy)


def test_eight_threads_get_what_each_gets_alone_in_fewer_model_calls(engine, monkeypatch):
    paragraphs = PARAGRAPHS[:N]
    alone = [xling.translate(p, model=engine).to_dict() for p in paragraphs]
    calls: list[int] = []
    _slow_first_call(monkeypatch, engine.backend, calls)
    results, errors = _at_once(N, lambda i: xling.translate(paragraphs[i], model=engine).to_dict())
    assert errors == [None] * N
    assert results == alone
    assert len(calls) < N  # they shared model calls


def test_streamed_articles_share_each_groups_model_call(engine, monkeypatch):
    """Two-paragraph articles stream as two groups each: with sessions, 8 at once make 2 rounds of calls."""
    articles = ["\n".join(PARAGRAPHS[2 * i: 2 * i + 2]) for i in range(N)]
    alone = [xling.translate(a, model=engine).to_dict() for a in articles]
    calls: list[int] = []
    original = type(engine.backend).translate

    def spy(self, sentences, options=None):
        calls.append(len(sentences))
        return original(self, sentences, options)

    monkeypatch.setattr(type(engine.backend), "translate", spy)
    # a generous wait: on a loaded machine a session's pipeline work between groups must not split a round
    monkeypatch.setattr(batcher_for(engine.backend), "session_wait", 10.0)
    results, errors = _at_once(N, lambda i: xling.translate(articles[i], model=engine).to_dict())
    assert errors == [None] * N
    assert results == alone
    # one call per group round; a thread that opened its session before the others did may run its first alone
    assert 2 <= len(calls) <= 3, calls


def test_the_model_is_called_fewer_times_than_requested(engine, monkeypatch):
    generate_calls = []
    backend = engine.backend
    original = type(backend)._generate

    def spy(self, batch, options):
        generate_calls.append(len(batch))
        if len(generate_calls) == 1:
            time.sleep(0.3)
        return original(self, batch, options)

    monkeypatch.setattr(type(backend), "_generate", spy)
    sentences = [PARAGRAPHS[i] for i in range(N)]
    results, errors = _at_once(N, lambda i: engine.translate_sentences([sentences[i]]))
    assert errors == [None] * N
    assert len(generate_calls) < N and sum(generate_calls) == N
    monkeypatch.undo()
    assert [r[0] for r in results] == [engine.translate_sentences([s])[0] for s in sentences]  # type: ignore[index]


def test_an_over_long_input_fails_only_its_own_caller(engine, monkeypatch):
    too_long = " ".join([PARAGRAPHS[0]] * 10)
    assert len(engine.backend.encode(too_long)) > 511
    inputs = [[PARAGRAPHS[i]] for i in range(N)]
    inputs[3] = [PARAGRAPHS[3], too_long]
    alone = [engine.translate_sentences(x) if i != 3 else None for i, x in enumerate(inputs)]
    batcher = batcher_for(engine.backend)
    retried = batcher.retried_alone
    calls: list[int] = []
    _slow_first_call(monkeypatch, engine.backend, calls)
    results, errors = _at_once(N, lambda i: engine.translate_sentences(inputs[i]))
    assert isinstance(errors[3], ValueError) and "exceeds the model's limit" in str(errors[3])
    assert [e for i, e in enumerate(errors) if i != 3] == [None] * (N - 1)
    assert [r for i, r in enumerate(results) if i != 3] == [a for i, a in enumerate(alone) if i != 3]
    assert batcher.retried_alone > retried  # the bad input did share a merged call, which was then split up


def test_the_engine_routes_through_the_backends_batcher(engine):
    batcher = batcher_for(engine.backend)
    assert batcher_for(engine.backend) is batcher
    before = batcher.requests
    engine.translate_sentences([PARAGRAPHS[0]])
    assert batcher.requests == before + 1


# -- the queue itself, on a fake backend -------------------------------------------------------------------
class FakeBackend:
    """Translates by upper-casing; records each call; can hold a call until released."""

    name = "fake"
    model = "fake"

    def __init__(self, hold: float = 0.0):
        self.calls: list[tuple[list[str], DecodeOptions]] = []
        self.threads: list[str] = []
        self.hold = hold

    def translate(self, sentences, options=None):
        self.calls.append((list(sentences), options))
        self.threads.append(threading.current_thread().name)
        if len(self.calls) == 1 and self.hold:
            time.sleep(self.hold)
        for s in sentences:
            if s == "boom":
                raise ValueError("boom")
        return [Hypothesis(text=s.upper()) for s in sentences]


def test_a_lone_caller_runs_at_once_in_its_own_thread():
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=200)
    started = time.perf_counter()
    assert [h.text for h in batcher.translate(["a", "b"], SHORT)] == ["A", "B"]
    assert time.perf_counter() - started < 0.1  # max_wait applies only behind a running call
    assert backend.threads == [threading.current_thread().name]
    assert not batcher.worker_alive  # nothing had to queue
    assert batcher.translate([], SHORT) == [] and len(backend.calls) == 1


def test_waiting_requests_merge_by_options_and_dedup():
    backend = FakeBackend(hold=0.3)
    batcher = MicroBatcher(backend, max_wait_ms=50)
    beam1 = SHORT.replace(beam_size=1)
    work = [(["first"], SHORT), (["x", "y"], SHORT), (["y", "z"], SHORT), (["b1"], beam1), (["b2"], beam1)]

    def submit(i: int):
        if i:
            time.sleep(0.05)  # behind the first, which is held in the model
        return [h.text for h in batcher.translate(*work[i])]

    results, errors = _at_once(len(work), submit)
    assert errors == [None] * len(work)
    assert results == [["FIRST"], ["X", "Y"], ["Y", "Z"], ["B1"], ["B2"]]
    merged = sorted((sorted(s), o.beam_size) for s, o in backend.calls[1:])
    assert merged == [(["b1", "b2"], 1), (["x", "y", "z"], SHORT.beam_size)]  # one call per options, "y" once
    batcher.close()


def test_a_merged_call_takes_at_most_max_batch_sentences():
    backend = FakeBackend(hold=0.3)
    batcher = MicroBatcher(backend, max_wait_ms=50, max_batch_sentences=4)

    def submit(i: int):
        if i:
            time.sleep(0.05)
        return [h.text for h in batcher.translate([f"s{i}a", f"s{i}b", f"s{i}c"] if i else ["go"], SHORT)]

    results, errors = _at_once(5, submit)
    assert errors == [None] * 5 and results[1] == ["S1A", "S1B", "S1C"]
    assert [len(s) for s, _ in backend.calls] == [1, 3, 3, 3, 3]  # 3 + 3 > 4: each its own call
    batcher.close()


def test_errors_reach_only_their_callers():
    backend = FakeBackend(hold=0.3)
    batcher = MicroBatcher(backend, max_wait_ms=50)
    inputs = [["go"], ["ok1"], ["boom"], ["ok2"]]

    def submit(i: int):
        if i:
            time.sleep(0.05)
        return [h.text for h in batcher.translate(inputs[i], SHORT)]

    results, errors = _at_once(4, submit)
    assert isinstance(errors[2], ValueError)
    assert [results[i] for i in (0, 1, 3)] == [["GO"], ["OK1"], ["OK2"]]
    assert batcher.retried_alone == 3
    batcher.close()


def test_close_stops_the_worker_and_a_later_request_restarts_it():
    backend = FakeBackend(hold=0.2)
    batcher = MicroBatcher(backend)

    def submit(i: int):
        if i:
            time.sleep(0.05)
        return batcher.translate([f"s{i}"], SHORT)[0].text

    results, errors = _at_once(3, submit)
    assert errors == [None] * 3 and results == ["S0", "S1", "S2"]
    assert batcher.worker_alive
    first = batcher._worker.thread  # type: ignore[union-attr]
    batcher.close()
    assert not batcher.worker_alive and first is not None and not first.is_alive()
    assert first not in threading.enumerate()
    backend.hold, backend.calls = 0.2, []
    results, errors = _at_once(3, submit)  # usable after close: a new worker starts when needed
    assert errors == [None] * 3 and results == ["S0", "S1", "S2"]
    batcher.close()
    assert not batcher.worker_alive


def test_the_registry_holds_backends_weakly():
    backend = FakeBackend(hold=0.2)
    batcher = batcher_for(backend)  # type: ignore[arg-type]

    def submit(i: int):
        if i:
            time.sleep(0.05)
        return batcher.translate([f"s{i}"], SHORT)[0].text

    _at_once(2, submit)
    worker = batcher._worker
    assert worker is not None and worker.thread is not None and worker.thread.is_alive()
    del backend
    gc.collect()
    worker.thread.join(5)
    assert not worker.thread.is_alive()  # a released model takes its worker with it
    with pytest.raises(ReferenceError):
        batcher.translate(["late"], SHORT)


# -- sessions: waiting for streams that will come back ------------------------------------------------------
def _in_session(batcher: MicroBatcher, steps):
    """A thread's work: inside one session, ("call", sentences) translates, ("sleep", s) pauses."""
    out = []
    with batcher.session() as session:
        for kind, arg in steps:
            if kind == "sleep":
                time.sleep(arg)
            else:
                out.append([h.text for h in batcher.translate(arg, SHORT, session=session)])
    return out


def _first_sessions_seconds(batcher: MicroBatcher, others_plan) -> float:
    """Seconds that a session calling once takes while another session follows ``others_plan``."""
    plans = [[("call", ["a"])], others_plan]
    timings: list[float] = []

    def work(i: int):
        started = time.perf_counter()
        out = _in_session(batcher, plans[i])
        if i == 0:
            timings.append(time.perf_counter() - started)
        return out

    results, errors = _at_once(2, work)
    assert errors == [None, None] and results[0] == [["A"]]
    return timings[0]


def test_a_sessions_request_waits_for_another_open_session():
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=1, session_wait_ms=2000)
    plans = [[("call", ["a"])], [("sleep", 0.1), ("call", ["b"])]]
    started = time.perf_counter()
    results, errors = _at_once(2, lambda i: _in_session(batcher, plans[i]))
    assert errors == [None, None] and results == [[["A"]], [["B"]]]
    assert [sorted(s) for s, _ in backend.calls] == [["a", "b"]]  # one call: "a" waited for "b"
    assert time.perf_counter() - started < 1.5  # it stopped waiting when "b" came, not at session_wait
    batcher.close()


def test_a_session_is_the_callers_whichever_thread_calls():
    """A page's generator runs each step in some worker thread: the session travels with the calls."""
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=1, session_wait_ms=2000)
    sessions = [batcher.session() for _ in range(2)]
    tokens = [s.__enter__() for s in sessions]  # opened here, used from other threads

    def call(i: int):
        time.sleep(0.1 * i)
        return [h.text for h in batcher.translate([f"s{i}"], SHORT, session=tokens[i])]

    results, errors = _at_once(2, call)
    for s in sessions:
        s.__exit__(None, None, None)
    assert errors == [None, None] and results == [["S0"], ["S1"]]
    assert [sorted(s) for s, _ in backend.calls] == [["s0", "s1"]]
    assert not any(t.open for t in tokens)
    assert [h.text for h in batcher.translate(["late"], SHORT, session=tokens[0])] == ["LATE"]  # closed: none
    with pytest.raises(TypeError, match="BatchSession"):
        batcher.translate(["x"], SHORT, session="mine")  # type: ignore[arg-type]
    batcher.close()


def test_without_sessions_the_first_runs_alone():
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=1, session_wait_ms=2000)

    def plain(i: int):
        time.sleep(0.1 * i)
        return [h.text for h in batcher.translate([f"s{i}"], SHORT)]

    results, errors = _at_once(2, plain)
    assert errors == [None, None] and results == [["S0"], ["S1"]]
    assert [s for s, _ in backend.calls] == [["s0"], ["s1"]]
    batcher.close()


def test_a_lone_session_never_waits():
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=1, session_wait_ms=5000)
    started = time.perf_counter()
    assert _in_session(batcher, [("call", ["a"]), ("call", ["b"])]) == [["A"], ["B"]]
    assert time.perf_counter() - started < 1.0
    assert not batcher.worker_alive  # both ran inline


def test_a_session_that_does_not_call_holds_others_at_most_session_wait():
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=1, session_wait_ms=200)
    # it waited for the other session, but only session_wait, not the other's 3 s
    assert 0.15 < _first_sessions_seconds(batcher, [("sleep", 3.0)]) < 2.0
    batcher.close()


def test_leaving_a_session_releases_who_waits_for_it():
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=1, session_wait_ms=5000)
    # released when the other left (0.2 s), long before session_wait (5 s)
    assert 0.15 < _first_sessions_seconds(batcher, [("sleep", 0.2)]) < 2.5
    batcher.close()


def test_a_caller_without_a_session_does_not_wait_for_sessions():
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=1, session_wait_ms=5000)
    timings: list[float] = []

    def work(i: int):
        if i == 0:
            return _in_session(batcher, [("sleep", 1.0)])
        time.sleep(0.05)
        started = time.perf_counter()
        out = batcher.translate(["x"], SHORT)
        timings.append(time.perf_counter() - started)
        return [h.text for h in out]

    results, errors = _at_once(2, work)
    assert errors == [None, None] and results[1] == ["X"]
    assert timings[0] < 0.5
    batcher.close()


def test_session_wait_must_not_be_negative():
    with pytest.raises(ValueError, match="session_wait_ms"):
        MicroBatcher(FakeBackend(), session_wait_ms=-1)


# -- arrivals: requests a server admitted that have not reached a batcher yet ---------------------------------
def test_a_sessions_request_waits_for_an_announced_request_and_shares_its_call():
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=1, session_wait_ms=2000)
    arrival = announce()  # admitted on the "event loop"; its work starts 0.1 s later in a thread
    assert pending_arrivals() == 1 and repr(arrival) == "Arrival(pending)"

    def work(i: int):
        if i == 0:
            return _in_session(batcher, [("call", ["a"])])
        time.sleep(0.1)
        with arrival.current():
            return _in_session(batcher, [("call", ["b"])])  # its session ends the arrival

    started = time.perf_counter()
    results, errors = _at_once(2, work)
    assert errors == [None, None] and results == [[["A"]], [["B"]]]
    assert [sorted(s) for s, _ in backend.calls] == [["a", "b"]]  # one call: "a" waited for "b"
    assert time.perf_counter() - started < 1.5  # not the 2 s of session_wait
    assert not arrival.pending and pending_arrivals() == 0
    arrival.end()  # idempotent
    assert pending_arrivals() == 0
    batcher.close()


def test_an_arrival_ends_at_its_first_call_without_a_session():
    batcher = MicroBatcher(FakeBackend())
    arrival = announce()
    with arrival.current():
        assert [h.text for h in batcher.translate(["x"], SHORT)] == ["X"]
        assert not arrival.pending
    assert pending_arrivals() == 0


def test_an_arrival_that_never_comes_holds_others_at_most_session_wait_and_ending_it_releases_them():
    backend = FakeBackend()
    batcher = MicroBatcher(backend, max_wait_ms=1, session_wait_ms=300)
    arrival = announce()
    started = time.perf_counter()
    assert _in_session(batcher, [("call", ["a"])]) == [["A"]]
    assert 0.25 < time.perf_counter() - started < 2.0  # waited session_wait, then ran
    threading.Timer(0.1, arrival.end).start()
    batcher.session_wait = 5.0
    started = time.perf_counter()
    assert _in_session(batcher, [("call", ["b"])]) == [["B"]]
    assert 0.05 < time.perf_counter() - started < 2.0  # released by end(), not after 5 s
    assert pending_arrivals() == 0
    batcher.close()

