#!/usr/bin/env python3
"""Load benchmark: N concurrent clients on a mix of translate and compare, through both APIs of one server.

    python eval/load_bench.py                       # 1, 8, 32 and 64 clients, tiny fixture model
    python eval/load_bench.py --clients 1 8 --json
    python eval/load_bench.py --batching            # 8 articles at once vs one after another, over REST

It starts ``xling serve`` itself on 127.0.0.1 (a free port; the tiny fixture model of
``support.models.cached_model("tiny")``, real loading and decoding code paths) and stops it at the end.
Client ``i`` of a level sends one request of kind ``KINDS[i % 5]``:

* ``rest-translate``: ``POST /api/v1/translate``; ``rest-compare``: ``POST /api/v1/compare`` (with the model);
* ``lt-translate``: LibreTranslate's ``POST /translate`` (``source=auto``);
* ``gradio-translate`` / ``gradio-compare``: the page's Gradio API (``/gradio_api/call/...``, server-sent events).

Every request has its own text (a paragraph of the seed article with every sentence numbered, in
Arabic-Indic digits on the Arabic side), so no answer comes from the server's caches. The single-request answers come first, from a separate server
process, one request at a time; the load then runs against a fresh server, and every successful answer is
checked to equal its single-request answer (the whole JSON document; LibreTranslate: the text).

Printed per level: successes, clean refusals (HTTP 503 with Retry-After, Gradio's "queue full"), other
failures, mismatches, p50/p95/max latency, wall seconds, the server's CPU seconds over the level, and its
RSS before and after. The load average is printed before and after each level: on a shared machine the
latencies mean little when it is high.

``--batching`` measures batching across users at the service instead: the 8 client articles of
``eval/batching_bench.py`` (the seed's 16 paragraphs in 8 parts) sent to ``POST /api/v1/translate``
*sequentially* (one client, one article after another) and *concurrently* (8 clients released together),
each mode on a fresh server (cold caches, the same texts), in rounds whose order rotates. The clients are
built and connected before the clock starts (an ``httpx.Client`` takes 10-20 ms to build: the client's cost,
not the server's; before 2026-12-03 17:45 the concurrent mode's 8 builds were inside its time). Printed: wall
seconds from the first request to the last answer, the server's CPU seconds, the concurrent / sequential
ratio of the medians, and whether every concurrent answer equals its sequential one (the whole JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout, and the fixture-model builder (with the tests)
SEED = ROOT / "seeds" / "000_669c3c74050fa7e2.txt"
SEED_EN = ROOT / "seeds" / "en" / "000_669c3c74050fa7e2.txt"
KINDS = ("rest-translate", "rest-compare", "gradio-translate", "gradio-compare", "lt-translate")
LEVELS = (1, 8, 32, 64)
START_TIMEOUT_S = 180
REQUEST_TIMEOUT_S = 600
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def texts(n: int, offset: int) -> list[tuple[str, str]]:
    """``n`` distinct (Arabic, English) paragraph pairs: the seed's paragraphs, numbered from ``offset``."""
    ar = [p for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip()]
    en = [p for p in SEED_EN.read_text(encoding="utf-8").split("\n") if p.strip()]
    out = []
    for k in range(n):
        number = offset + k
        out.append((_numbered(ar[k % len(ar)], str(number).translate(ARABIC_DIGITS)),
                    _numbered(en[k % len(en)], str(number))))
    return out


def _numbered(paragraph: str, number: str) -> str:
    """Every sentence of ``paragraph`` tagged with ``number``: the server's sentence cache never answers."""
    text = paragraph.rstrip()
    tagged = re.sub(r"([.!?؟])(\s|$)", rf" ({number})\1\2", text)
    return tagged if tagged != text else f"{text} ({number})"


# -- the server ------------------------------------------------------------------------------------------------

class Server:
    """``xling serve`` in a subprocess on loopback, stopped by :meth:`stop` (SIGTERM, then SIGKILL)."""

    def __init__(self, model_dir: Path, threads: int | None):
        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
        if threads:
            env["XLING_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "xling", "serve", "--model", str(model_dir), "--host", "127.0.0.1",
             "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.proc.stderr.read()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).json().get("model_loaded"):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the server did not answer within {START_TIMEOUT_S} s")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(20)


# -- one request -----------------------------------------------------------------------------------------------

class Refused(Exception):
    """A clean "busy" answer."""


def _gradio(client: Any, url: str, endpoint: str, data: list) -> Any:
    r = client.post(f"{url}/gradio_api/call/{endpoint}", json={"data": data})
    if r.status_code == 503 or (r.status_code >= 400 and "queue" in r.text.lower()):
        raise Refused(r.text)
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event = None
    with client.stream("GET", f"{url}/gradio_api/call/{endpoint}/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = line.split(":", 1)[1].strip()
                if event == "error":
                    if "queue is full" in payload.lower():
                        raise Refused(payload)
                    raise RuntimeError(f"gradio error: {payload}")
                return json.loads(payload)[0]
    raise RuntimeError("the event stream ended without a result")


def request(client: Any, url: str, kind: str, pair: tuple[str, str]) -> Any:
    """Send one request of ``kind``; its answer (a document dict, or LibreTranslate's text)."""
    arabic, english = pair
    if kind.startswith("gradio"):
        if kind == "gradio-translate":
            return _gradio(client, url, "translate", [arabic, 4, "auto"])
        return _gradio(client, url, "compare", [arabic, english, True, "ar", "en"])
    if kind == "rest-translate":
        r = client.post(f"{url}/api/v1/translate", json={"text": arabic})
    elif kind == "rest-compare":
        r = client.post(f"{url}/api/v1/compare", json={"source_text": arabic, "target_text": english,
                                                      "source_lang": "ar", "target_lang": "en"})
    else:
        r = client.post(f"{url}/translate", json={"q": arabic, "source": "auto", "target": "en"})
    if r.status_code == 503 and "Retry-After" in r.headers:
        raise Refused(r.json()["error"])
    r.raise_for_status()
    body = r.json()
    return body["translatedText"] if kind == "lt-translate" else body


# -- the levels ------------------------------------------------------------------------------------------------

def plan(levels: list[int]) -> list[tuple[int, int, str, tuple[str, str]]]:
    """Every request of the run: (level, client, kind, texts), each with its own texts."""
    jobs, offset = [], 0
    for level in levels:
        for client, pair in enumerate(texts(level, offset)):
            jobs.append((level, client, KINDS[client % len(KINDS)], pair))
        offset += level
    return jobs


def references(model_dir: Path, jobs: list, threads: int | None) -> dict[tuple[int, int], Any]:
    import httpx

    server = Server(model_dir, threads)
    try:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as client:
            return {(level, c): request(client, server.url, kind, pair) for level, c, kind, pair in jobs}
    finally:
        server.stop()


def run_level(server: Server, level: int, jobs: list, expected: dict) -> dict[str, Any]:
    import httpx

    outcomes: list[tuple[str, float, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(level)

    def client(c: int, kind: str, pair: tuple[str, str]) -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as http:
            barrier.wait()
            started = time.perf_counter()
            try:
                answer = request(http, server.url, kind, pair)
                status = "ok" if answer == expected[(level, c)] else "mismatch"
                detail = ""
            except Refused as err:
                status, detail = "refused", str(err)[:200]
            except Exception as err:  # counted and shown: the bench must not hide a failure
                status, detail = "failed", f"{type(err).__name__}: {err}"[:200]
            with lock:
                outcomes.append((status, time.perf_counter() - started, f"{kind} {detail}".strip()))

    rss_before, cpu_before, load_before = server.rss_mb(), server.cpu_seconds(), os.getloadavg()
    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(c, kind, pair)) for lv, c, kind, pair in jobs if lv == level]
    for w in workers:
        w.start()
    for w in workers:
        w.join(REQUEST_TIMEOUT_S + 60)
    wall = time.perf_counter() - started
    latencies = sorted(t for s, t, _ in outcomes if s in ("ok", "mismatch"))

    def pct(q: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2) if latencies else None

    counts = {s: sum(1 for o in outcomes if o[0] == s) for s in ("ok", "refused", "failed", "mismatch")}
    return {
        "clients": level,
        **counts,
        "p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "p95_s": pct(0.95),
        "max_s": round(latencies[-1], 2) if latencies else None,
        "wall_s": round(wall, 2),
        "server_cpu_s": round(server.cpu_seconds() - cpu_before, 2),
        "rss_mb_before": round(rss_before, 1),
        "rss_mb_after": round(server.rss_mb(), 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "problems": [d for s, _, d in outcomes if s in ("failed", "mismatch")][:5],
    }


def batching(model_dir: Path, threads: int | None, rounds: int) -> dict[str, Any]:
    """Sequential vs concurrent translation of the 8 client articles over REST, one fresh server per run."""
    import httpx
    from batching_bench import client_articles  # eval/ is this script's folder

    articles = client_articles()
    # not one of the articles (written for this bench): names, places and numbers, so the first timed request
    # does not pay for loading what entity linking and the checks read
    warm_up = ("قال الرئيس الفرنسي إيمانويل ماكرون يوم الثلاثاء في باريس إن 12 دولة وافقت على الخطة.\n"
               "وأضاف أن الاتفاق سيوقع في بروكسل خلال شهر آذار/مارس بحضور وزراء الخارجية.")

    def post(http: Any, url: str, text: str) -> Any:
        r = http.post(f"{url}/api/v1/translate", json={"text": text})
        r.raise_for_status()
        return r.json()

    # The clients (an HTTP client each, and for "concurrent" a thread each, waiting at a barrier) are made
    # before the clock starts: building an httpx.Client takes 10-20 ms, which is the client's, not the server's.
    def sequential(url: str, clients: list[Any]) -> Callable[[], list[Any]]:
        return lambda: [post(clients[0], url, a) for a in articles]

    def concurrent(url: str, clients: list[Any]) -> Callable[[], list[Any]]:
        out: list[Any] = [None] * len(articles)
        barrier = threading.Barrier(len(articles) + 1)

        def client(i: int) -> None:
            barrier.wait()
            try:
                out[i] = post(clients[i], url, articles[i])
            except Exception as err:  # reported as a failure below
                out[i] = err

        workers = [threading.Thread(target=client, args=(i,)) for i in range(len(articles))]
        for w in workers:
            w.start()

        def run() -> list[Any]:
            barrier.wait()  # all eight are sent now
            for w in workers:
                w.join(REQUEST_TIMEOUT_S + 60)
            return out

        return run

    modes = {"sequential": sequential, "concurrent": concurrent}
    wall: dict[str, list[float]] = {m: [] for m in modes}
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    loads = [os.getloadavg()]
    failures = mismatches = 0
    names = list(modes)
    for r in range(rounds):
        answers: dict[str, list[Any]] = {}
        for mode in names[r % 2:] + names[: r % 2]:
            server = Server(model_dir, threads)
            clients = [httpx.Client(timeout=REQUEST_TIMEOUT_S) for _ in articles]
            try:
                post(clients[0], server.url, warm_up)  # first-call costs out of the timing
                for client in clients:  # each connected (keep-alive) before the clock, as the first one is
                    client.get(f"{server.url}/healthz").raise_for_status()
                run = modes[mode](server.url, clients)
                cpu_before, started = server.cpu_seconds(), time.perf_counter()
                answers[mode] = run()
                wall[mode].append(time.perf_counter() - started)
                cpu[mode].append(server.cpu_seconds() - cpu_before)
            finally:
                for client in clients:
                    client.close()
                server.stop()
        failures += sum(isinstance(a, Exception) for a in answers["concurrent"])
        mismatches += sum(a != b for a, b in zip(answers["sequential"], answers["concurrent"])
                          if not isinstance(b, Exception))
        loads.append(os.getloadavg())
    med = {m: statistics.median(wall[m]) for m in modes}
    return {
        "model": "tiny fixture (support.models), beam 4 (the server's default), cold caches",
        "clients": len(articles), "paragraphs_per_client": [a.count("\n") + 1 for a in articles],
        "rounds": rounds, "wall_s": wall, "server_cpu_s": cpu,
        "median_wall_s": med, "median_server_cpu_s": {m: statistics.median(cpu[m]) for m in modes},
        "concurrent_over_sequential": med["concurrent"] / med["sequential"],
        "failures": failures, "answers_differing_from_sequential": mismatches,
        "load_average_before_each_round_and_after": loads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=list(LEVELS), help="concurrency levels")
    parser.add_argument("--threads", type=int, default=None,
                        help="model threads in the server ($XLING_THREADS; default: the server's own choice)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--batching", action="store_true",
                        help="8 articles at once vs one after another over REST (instead of the levels)")
    parser.add_argument("--rounds", type=int, default=3, help="--batching: rounds of the two modes (default 3)")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.clients):
        parser.error("--clients must be positive")
    if args.rounds < 1:
        parser.error("--rounds must be positive")

    from support.models import cached_model

    model_dir = cached_model("tiny", ROOT / ".test-models")
    if args.batching:
        res = batching(model_dir, args.threads, args.rounds)
        if args.json:
            print(json.dumps(res, indent=2))
        else:
            print(f"batching over REST: {res['clients']} articles x {res['paragraphs_per_client']} paragraphs, "
                  f"{res['model']}, {res['rounds']} rounds, a fresh server per run")
            for m in ("sequential", "concurrent"):
                print(f"  {m:10s} wall {' '.join(f'{x:6.2f}' for x in res['wall_s'][m])} "
                      f"(median {res['median_wall_s'][m]:.2f} s)   server cpu "
                      f"{' '.join(f'{x:6.2f}' for x in res['server_cpu_s'][m])}")
            print(f"  concurrent / sequential wall: {res['concurrent_over_sequential']:.2f}   failures "
                  f"{res['failures']}   answers differing from sequential: {res['answers_differing_from_sequential']}")
            print("  load average (1, 5, 15 min) before each round and after: "
                  + "  ".join("%.2f %.2f %.2f" % la for la in res["load_average_before_each_round_and_after"]))
        return 1 if res["failures"] or res["answers_differing_from_sequential"] else 0
    jobs = plan(args.clients)
    started = time.perf_counter()
    expected = references(model_dir, jobs, args.threads)
    reference_s = time.perf_counter() - started
    server = Server(model_dir, args.threads)
    try:
        rows = [run_level(server, level, jobs, expected) for level in args.clients]
    finally:
        server.stop()
    result = {"model": "tiny fixture (support.models), beam 4, server caches cold for every request",
              "kinds": KINDS, "reference_seconds": round(reference_s, 1), "cpus": os.cpu_count(), "levels": rows}
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(f"load bench: xling serve on 127.0.0.1, tiny fixture model, kinds {', '.join(KINDS)} (client i: kind i mod 5)")
    print(f"single-request answers: {len(jobs)} requests one at a time in {reference_s:.1f} s (a separate server)")
    print(f"{'clients':>7} {'ok':>4} {'busy':>4} {'fail':>4} {'diff':>4} {'p50 s':>6} {'p95 s':>6} {'max s':>6} "
          f"{'wall s':>7} {'cpu s':>6} {'RSS MB before→after':>20}  load before → after")
    for r in rows:
        print(f"{r['clients']:>7} {r['ok']:>4} {r['refused']:>4} {r['failed']:>4} {r['mismatch']:>4} "
              f"{r['p50_s']!s:>6} {r['p95_s']!s:>6} {r['max_s']!s:>6} {r['wall_s']:>7} {r['server_cpu_s']:>6} "
              f"{r['rss_mb_before']:>9} → {r['rss_mb_after']:<8}  {r['load_before'][0]} → {r['load_after'][0]}")
        for problem in r["problems"]:
            print(f"        {problem}")
    bad = sum(r["failed"] + r["mismatch"] for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
