"""Batching across callers: 8 clients translating at once vs the same 8 one after another.

    python eval/batching_bench.py                  # tiny fixture model, 3 interleaved rounds (~1 min on 2 cores)
    python eval/batching_bench.py --beam 1 --rounds 5 --json

The seed article's 16 paragraphs are split into 8 parts of 2 paragraphs; each part is one client's article,
translated through ``xling.translate`` (segmentation, model, beads, entities, QA) on the tiny test model
(``support.models.cached_model("tiny")``: real loading and decoding code paths, beam 4, default decoding
options, no cache; ``--beam`` sets the beam size). Each round runs, in an order that rotates from round to round:

* ``sequential``: the 8 articles one after another;
* ``concurrent``: 8 threads released together by a barrier, each translating its article; concurrent
  requests share model calls through the backend's :class:`~xling.mt.batching.MicroBatcher`;
* ``unbatched`` (unless ``--no-unbatched``): the same 8 threads with the batcher bypassed, every request
  calling ``backend.translate`` itself and taking its turn at the model lock (the behaviour before batching).

Reported per mode: wall seconds and process CPU seconds (all threads: ``time.process_time``) per round and
their medians, the concurrent / sequential wall ratio, the backend calls per round, and the load average.
Every concurrent answer is checked to equal its sequential one (``Document.to_dict()``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The fixture-model builders live with the tests (they are not part of the installed package).
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout first, then the fixture-model builder
SEED = ROOT / "seeds" / "000_669c3c74050fa7e2.txt"
CLIENTS = 8


def client_articles(n: int = CLIENTS) -> list[str]:
    """The seed's paragraphs split into ``n`` consecutive parts (one article per client)."""
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip()]
    size, extra = divmod(len(paragraphs), n)
    parts, start = [], 0
    for k in range(n):
        end = start + size + (1 if k < extra else 0)
        parts.append("\n".join(paragraphs[start:end]))
        start = end
    return parts


class _Unbatched:
    """Stands in for a MicroBatcher: every request calls the backend itself (the old behaviour)."""

    def __init__(self, backend: Any):
        self.backend = backend

    def translate(self, sentences: Any, options: Any = None, *, session: Any = None) -> Any:
        return self.backend.translate(sentences, options)

    def session(self) -> Any:
        return contextlib.nullcontext()


def _counting(backend: Any, calls: list[int]) -> None:
    original = type(backend).translate

    def translate(sentences: Any, options: Any = None) -> Any:
        calls.append(len(sentences))
        return original(backend, sentences, options)

    backend.translate = translate  # instance attribute: only this backend, only in this process


def run_sequential(articles: list[str], engine: Any) -> list[Any]:
    import xling

    return [xling.translate(a, model=engine) for a in articles]


def run_concurrent(articles: list[str], engine: Any) -> list[Any]:
    import xling

    barrier = threading.Barrier(len(articles))
    out: list[Any] = [None] * len(articles)

    def client(i: int) -> None:
        barrier.wait()
        try:
            out[i] = xling.translate(articles[i], model=engine)
        except BaseException as err:  # noqa: BLE001 - reported below
            out[i] = err

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(articles))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for doc in out:
        if isinstance(doc, BaseException):
            raise doc
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1: a tiny model)")
    parser.add_argument("--beam", type=int, default=4, help="beam size (default 4, xling's default)")
    parser.add_argument("--backend", default="transformers", choices=("transformers", "ct2"),
                        help="model backend (default transformers; ct2 converts the fixture once, into $XLING_CACHE)")
    parser.add_argument("--batch-tokens", type=int, default=None,
                        help="padded source tokens per model batch (default: the engine's, 4096)")
    parser.add_argument("--max-batch-size", type=int, default=None,
                        help="sentences per model batch (default: DecodeOptions', 64)")
    parser.add_argument("--no-unbatched", action="store_true", help="skip the batcher-bypassed concurrent mode")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import torch
    from support.models import cached_model

    import xling.mt.batching as batching
    from xling.mt.engine import Engine

    torch.set_num_threads(args.threads)
    model_dir = cached_model("tiny", ROOT / ".test-models")
    from xling.mt.base import DecodeOptions

    options = DecodeOptions(beam_size=args.beam)
    if args.batch_tokens:
        options = options.replace(batch_tokens=args.batch_tokens)
    if args.max_batch_size:
        options = options.replace(max_batch_size=args.max_batch_size)
    engine = Engine(str(model_dir), options=options, cache=False, backend=args.backend).load()
    calls: list[int] = []
    _counting(engine.backend, calls)
    articles = client_articles()
    run_sequential(articles[:1], engine)  # warm-up: first-call costs out of the timings

    real_batcher_for = batching.batcher_for
    modes = ["sequential", "concurrent"] + ([] if args.no_unbatched else ["unbatched"])
    wall: dict[str, list[float]] = {m: [] for m in modes}
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    backend_calls: dict[str, list[int]] = {m: [] for m in modes}
    mismatches = 0
    loads = [os.getloadavg()]
    for r in range(args.rounds):
        docs: dict[str, list[Any]] = {}
        for mode in modes[r % len(modes):] + modes[: r % len(modes)]:  # rotate the order each round
            # the engine looks batcher_for up on each call: "unbatched" swaps in the pass-through
            batching.batcher_for = _Unbatched if mode == "unbatched" else real_batcher_for  # type: ignore[assignment]
            del calls[:]
            started, cpu_started = time.perf_counter(), time.process_time()
            try:
                docs[mode] = (run_sequential if mode == "sequential" else run_concurrent)(articles, engine)
            finally:
                batching.batcher_for = real_batcher_for
            wall[mode].append(time.perf_counter() - started)
            cpu[mode].append(time.process_time() - cpu_started)
            backend_calls[mode].append(len(calls))
        reference = [d.to_dict() for d in docs["sequential"]]
        for mode in modes[1:]:
            mismatches += sum(a != b.to_dict() for a, b in zip(reference, docs[mode]))
        loads.append(os.getloadavg())

    med = {m: statistics.median(wall[m]) for m in modes}
    result = {
        "model": "tiny fixture (support.models, default DecodeOptions, cache off)",
        "backend": args.backend,
        "beam_size": args.beam,
        "batch_tokens": options.batch_tokens,
        "max_batch_size": options.max_batch_size,
        "clients": CLIENTS,
        "paragraphs_per_client": [a.count("\n") + 1 for a in articles],
        "rounds": args.rounds,
        "torch_threads": torch.get_num_threads(),
        "cores": os.cpu_count(),
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "median_wall_seconds": med,
        "median_cpu_seconds": {m: statistics.median(cpu[m]) for m in modes},
        "backend_calls_per_round": backend_calls,
        "concurrent_over_sequential": med["concurrent"] / med["sequential"],
        "unbatched_over_sequential": med["unbatched"] / med["sequential"] if "unbatched" in med else None,
        "answers_differing_from_sequential": mismatches,
        "load_average_before_each_round_and_after": loads,
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"{CLIENTS} clients x {result['paragraphs_per_client']} paragraphs, tiny model, {args.backend}, beam {args.beam}, "
              f"torch threads {result['torch_threads']}, {result['cores']} cores, {args.rounds} rounds")
        for m in modes:
            print(f"  {m:10s} wall {' '.join(f'{x:6.2f}' for x in wall[m])}  (median {med[m]:.2f} s)   "
                  f"cpu {' '.join(f'{x:6.2f}' for x in cpu[m])}   backend calls {backend_calls[m]}")
        print(f"  concurrent / sequential wall: {result['concurrent_over_sequential']:.2f}"
              + (f"   unbatched / sequential: {result['unbatched_over_sequential']:.2f}" if "unbatched" in med else ""))
        print(f"  answers differing from sequential: {mismatches}")
        print("  load average (1, 5, 15 min) before each round and after: "
              + "  ".join("%.2f %.2f %.2f" % la for la in loads))
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
