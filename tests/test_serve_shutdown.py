"""A server stopped by SIGTERM or Ctrl-C stops gracefully (xling/serve/models.py Shutdown, ui.stop, rest.py):
new work is refused at once (REST: 503 + Retry-After; Gradio: the "shutting down" error), the work in flight
gets the grace, what is still running then is answered "the xling server was stopped; retry", and
``xling serve`` exits 0 with one line. Before, clients got a dropped connection and ``CancelledError()``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from gradio_client import Client

from tests.conftest import REPO_ROOT
from tests.test_serve_limits import ARABIC, ENGLISH, free_port
from xling.serve import rest, ui
from xling.serve.models import (
    STOPPED_MESSAGE,
    STOPPING_MESSAGE,
    ServedModels,
    ServerStopped,
    Shutdown,
    cancellation,
    raise_if_cancelled,
)


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return bool(condition())


# -- pure logic ------------------------------------------------------------------------------------------------

def test_call_answers_at_once_when_the_server_stops_even_if_the_work_cannot_be_interrupted():
    state = Shutdown()
    assert state.call(lambda a, b: a + b, 2, 3) == 5 and state.running == 0
    release = threading.Event()
    threading.Timer(0.3, state.stop).start()
    started = time.monotonic()
    with pytest.raises(ServerStopped, match="the xling server was stopped; retry"):
        state.call(release.wait, 30)  # a wait nothing inside checks: only the caller can give up on it
    assert time.monotonic() - started < 2 and state.running == 1  # abandoned, still counted
    release.set()
    assert wait_until(lambda: state.running == 0, 5)


def test_work_checks_see_the_stop():
    state = Shutdown()
    with cancellation(None, stopped=state.stopped):
        raise_if_cancelled()
        state.begin()  # draining: running work goes on
        raise_if_cancelled()
        state.stop()
        with pytest.raises(ServerStopped):
            raise_if_cancelled()
    Shutdown.refuse_marked({})
    with pytest.raises(Exception, match=STOPPING_MESSAGE):
        Shutdown.refuse_marked({"x-xling-arrived-stopping": "1"})


def test_a_rest_gate_answers_a_stopped_request_at_once():
    import anyio

    state = Shutdown()
    gate = rest.Gate("compare", 1, shutdown=state)
    release = threading.Event()
    threading.Timer(0.3, state.stop).start()
    started = time.monotonic()
    with pytest.raises(ServerStopped):
        anyio.run(lambda: gate.run(release.wait, 30))
    assert time.monotonic() - started < 2 and gate.in_flight == 0
    release.set()


@pytest.mark.parametrize("grace", [-1, float("nan"), float("inf"), "10"])
def test_a_bad_grace_is_refused(grace):
    with pytest.raises(ValueError, match="shutdown grace"):
        ui.check_grace(grace)


# -- a server in this process, stopped with ui.stop ------------------------------------------------------------

@pytest.fixture
def server(tiny_model_dir, monkeypatch) -> Iterator[tuple[object, str, threading.Event, list]]:
    """A fresh server whose compares (REST and Gradio) wait for ``release`` (nothing inside checks for a stop)."""
    demo = ui.build_demo(str(tiny_model_dir))
    served = demo.xling_service.served
    release, entered = threading.Event(), []

    def blocked_compare(*args, **kwargs):
        entered.append(1)
        release.wait(60)
        return ServedModels.compare(served, *args, **kwargs)

    monkeypatch.setattr(served, "compare", blocked_compare)
    _, url, _ = ui.launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield demo, url.rstrip("/"), release, entered
    release.set()
    demo.close(verbose=False)


def _rest_compare(url: str, out: dict) -> None:
    try:
        r = httpx.post(f"{url}/api/v1/compare", json={"source_text": ARABIC, "target_text": ENGLISH,
                                                      "use_model": False}, timeout=30)
        out["rest"] = r
    except httpx.HTTPError as err:
        out["rest"] = err


def _two_compares_running(url: str, entered: list) -> tuple[Client, object, threading.Thread, dict]:
    """A Gradio compare and a REST compare, both running (held by the fixture)."""
    client = Client(url, analytics_enabled=False, verbose=False)
    job = client.submit(ARABIC, ENGLISH, False, "ar", "en", api_name="/compare")
    out: dict = {}
    rest_call = threading.Thread(target=_rest_compare, args=(url, out))
    rest_call.start()
    assert wait_until(lambda: len(entered) == 2, 20)
    return client, job, rest_call, out


def test_work_past_the_grace_is_answered_stopped_and_new_work_is_refused(server, capfd):
    demo, url, release, entered = server
    client, job, rest_call, out = _two_compares_running(url, entered)
    stopper = threading.Thread(target=ui.stop, args=(demo, 1.5), kwargs={"reason": "SIGTERM"})
    started = time.monotonic()
    stopper.start()
    assert wait_until(lambda: demo.xling_service.shutdown.draining.is_set(), 2)
    # new work while the grace runs: refused at once, with a message
    refused = httpx.post(f"{url}/api/v1/translate", json={"text": ARABIC}, timeout=10)
    assert refused.status_code == 503 and refused.headers["retry-after"] == str(rest.RETRY_AFTER_S)
    assert refused.json() == {"error": STOPPING_MESSAGE}
    assert httpx.get(f"{url}/healthz", timeout=10).status_code == 503
    with pytest.raises(Exception, match="shutting down"):
        client.submit(ARABIC, 1, "auto", api_name="/translate").result(timeout=10)
    # the work in flight, past the grace: a clear error for both clients, not a dropped connection
    with pytest.raises(Exception, match="the xling server was stopped; retry") as gradio_error:
        job.result(timeout=20)
    assert "CancelledError" not in type(gradio_error.value).__name__
    rest_call.join(20)
    answer = out["rest"]
    assert isinstance(answer, httpx.Response), answer
    assert answer.status_code == 503 and answer.json() == {"error": STOPPED_MESSAGE}
    stopper.join(20)
    took = time.monotonic() - started
    assert not stopper.is_alive() and took < 1.5 + ui.STOP_FLUSH_S + ui.SERVER_CLOSE_S + 5, took
    assert "Traceback" not in capfd.readouterr().err


def test_work_that_finishes_within_the_grace_is_answered(server):
    demo, url, release, entered = server
    _, job, rest_call, out = _two_compares_running(url, entered)
    stopper = threading.Thread(target=ui.stop, args=(demo, 20))
    started = time.monotonic()
    stopper.start()
    threading.Timer(0.5, release.set).start()
    assert job.result(timeout=20)["mode"] == "compare"
    rest_call.join(20)
    assert out["rest"].status_code == 200 and out["rest"].json()["mode"] == "compare"
    stopper.join(20)
    assert not stopper.is_alive() and time.monotonic() - started < 10  # when the work is done, not at 20 s


# -- xling serve, stopped by a signal --------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM])
def test_xling_serve_stops_on_a_signal_with_answers_and_one_line(tiny_model_dir, seed_text, sig):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, OMP_NUM_THREADS="1", GRADIO_ANALYTICS_ENABLED="False")
    proc = subprocess.Popen([sys.executable, "-m", "xling", "serve", "--model", str(tiny_model_dir), "--port",
                             str(port), "--shutdown-grace", "0.5"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def up() -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_until(up, 90), proc.stderr.read() if proc.poll() is not None else "not up"
        article = "\n\n".join([seed_text] * 3)  # beam 8: seconds of real model work, past the 0.5 s grace
        out: dict = {}

        def rest_translate() -> None:
            try:
                out["rest"] = httpx.post(f"{url}/api/v1/translate", json={"text": article + "\n\n١", "beam_size": 8},
                                         timeout=60)
            except httpx.HTTPError as err:
                out["rest"] = err

        rest_call = threading.Thread(target=rest_translate)
        rest_call.start()
        client = Client(url, analytics_enabled=False, verbose=False)
        job = client.submit(article + "\n\n٢", 8, "auto", api_name="/translate")
        time.sleep(1.0)
        started = time.monotonic()
        proc.send_signal(sig)
        with pytest.raises(Exception, match="the xling server was stopped; retry"):
            job.result(timeout=30)
        rest_call.join(30)
        answer = out["rest"]
        assert isinstance(answer, httpx.Response), answer
        assert answer.status_code == 503 and answer.json() == {"error": STOPPED_MESSAGE}
        stdout, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert took < 0.5 + ui.STOP_FLUSH_S + ui.SERVER_CLOSE_S + 5, took
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"xling serve: {sig.name}: shutting down"), stderr
