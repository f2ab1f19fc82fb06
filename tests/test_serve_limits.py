"""The server under load and misuse: separate queues, cancelled work of clients that left, remembered
compares, one-line messages and logs (xling/serve/models.py, rest.py, ui.py)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from gradio_client import Client

from xling.errors import InputError
from xling.serve import rest, ui
from xling.serve.models import Cancelled, ServedModels, cancellation, check_beam, raise_if_cancelled

ARABIC = "قال الرئيس الروسي فلاديمير بوتين إن المكالمة كانت جيدة. واستمرت 50 دقيقة.\n\nوحذر من عقوبات جديدة."
ENGLISH = "Russian President Vladimir Putin said the call was good. It lasted 50 minutes.\n\nHe warned against new sanctions."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_model_dir) -> Iterator[tuple[object, str]]:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    demo = ui.build_demo(str(tiny_model_dir))
    _, url, _ = ui.launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield demo, url.rstrip("/")
    demo.close()
    torch.set_num_threads(threads)


# -- pure logic ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, beam", [(4, 4), ("4", 4), (" 2 ", 2), (3.0, 3), (None, 5), (8, 8)])
def test_beam_sizes_accepted(value, beam):
    assert check_beam(value, maximum=8, default=5) == beam


@pytest.mark.parametrize("value", ["abc", "", 0, 9, 2.5, True, "4.5", [4], -1])
def test_beam_sizes_refused_in_one_line(value):
    with pytest.raises(InputError) as err:
        check_beam(value, maximum=8, default=4)
    assert str(err.value) == f"beam size must be a whole number from 1 to 8, not {value!r}"


def test_raise_if_cancelled_only_inside_a_cancelled_block():
    raise_if_cancelled()  # outside any request: nothing to cancel
    gone = threading.Event()
    with cancellation(gone):
        raise_if_cancelled()
        gone.set()
        with pytest.raises(Cancelled):
            raise_if_cancelled()
    raise_if_cancelled()


def test_compare_results_are_remembered_per_request():
    served = ServedModels.create("/nonexistent/opus-mt-ar-en")
    calls = []

    def run(source, target, **options):
        calls.append(options)
        return object()

    first = served.compare("a", "b", use_model=False, run=run)
    assert served.compare("a", "b", use_model=False, run=run) is first
    served.compare("a", "b", use_model=False, source_lang="ar", run=run)
    served.compare("a", "c", use_model=False, run=run)
    assert len(calls) == 3
    served.compare_cache_size = 2
    for n in range(5):
        served.compare("a", str(n), use_model=False, run=run)
    before = len(calls)
    served.compare("a", "4", use_model=False, run=run)  # among the two most recent: remembered
    assert len(calls) == before
    served.compare("a", "0", use_model=False, run=run)  # evicted: computed again
    assert len(calls) == before + 1


class _Leaving:
    """A request whose client disconnects ``after`` seconds in."""

    def __init__(self, after: float):
        self.until = time.monotonic() + after

    async def is_disconnected(self) -> bool:
        return time.monotonic() >= self.until


def test_work_of_a_client_that_left_stops():
    import anyio

    steps = []

    def work():
        for n in range(200):  # 20 s if nobody stops it
            raise_if_cancelled()
            steps.append(n)
            time.sleep(0.1)
        return "finished"

    gate = rest.Gate("translate", 1)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        anyio.run(lambda: gate.run(work, request=_Leaving(0.5)))
    assert time.monotonic() - started < 3 and len(steps) < 30 and gate.in_flight == 0
    # a client that stays gets its answer
    assert anyio.run(lambda: gate.run(lambda: "done", request=_Leaving(60))) == "done"


# -- through the server ----------------------------------------------------------------------------------------

def test_rest_translation_stops_when_the_client_disconnects(server, seed_text, monkeypatch, caplog):
    demo, url = server
    gate = demo.xling_service.gates["translate"]
    checks = []

    def slow_check(partial=None):  # each paragraph group takes at least 0.4 s
        checks.append(time.monotonic())
        time.sleep(0.4)
        raise_if_cancelled(partial)

    monkeypatch.setattr(rest, "raise_if_cancelled", slow_check)
    article = "\n\n".join([seed_text] * 4)  # 64 paragraphs: 10 paragraph groups, 4 s at the least
    with caplog.at_level(logging.INFO, logger="xling.serve"):
        with pytest.raises(httpx.TimeoutException):
            httpx.post(f"{url}/api/v1/translate", json={"text": article, "beam_size": 1}, timeout=1.0)
        left = time.monotonic()
        while gate.in_flight and time.monotonic() - left < 20:
            time.sleep(0.05)
        stopped = time.monotonic() - left
    assert gate.in_flight == 0 and stopped < 3, f"still running {stopped:.1f} s after the client left"
    assert len(checks) < 10
    assert any("Cancelled" in r.getMessage() and r.exc_info is None for r in caplog.records)


def test_user_errors_log_one_line_without_a_traceback(server, caplog, capfd):
    _, url = server
    with caplog.at_level(logging.INFO):
        r = httpx.post(f"{url}/api/v1/translate", json={"text": "", "beam_size": "abc"}, timeout=30)
        assert r.status_code == 400
        r = httpx.post(f"{url}/api/v1/translate", json={"text": ARABIC, "beam_size": "abc"}, timeout=30)
        assert r.status_code == 400 and r.json()["error"] == "beam_size: Input should be a valid integer"
        client = Client(url, analytics_enabled=False, verbose=False)
        with pytest.raises(Exception, match="empty"):
            client.predict("   ", 4, "auto", api_name="/translate")
    ours = [r for r in caplog.records if r.name.startswith("xling")]
    assert ours and all(r.exc_info is None and "\n" not in r.getMessage() for r in ours)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in capfd.readouterr().err


def test_translate_is_served_while_32_compares_wait(server, monkeypatch):
    demo, url = server
    served = demo.xling_service.served
    release = threading.Event()
    entered = []

    def blocked_compare(*args, **kwargs):
        entered.append(1)
        release.wait(60)
        return ServedModels.compare(served, *args, **kwargs)

    monkeypatch.setattr(served, "compare", blocked_compare)
    client = Client(url, analytics_enabled=False, verbose=False)
    try:
        waiting = [client.submit(ARABIC, ENGLISH, False, "ar", "en", api_name="/compare") for _ in range(32)]
        deadline = time.monotonic() + 30
        while len(entered) < ui.CONCURRENCY["compare"] and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
        doc = client.submit(ARABIC, 1, "auto", api_name="/translate").result(timeout=60)
        assert doc["mode"] == "translate" and time.monotonic() - started < 30
        assert len(entered) == ui.CONCURRENCY["compare"]  # the compares are still held up
    finally:
        release.set()
    results = [job.result(timeout=120) for job in waiting]
    assert all(r["mode"] == "compare" for r in results)
