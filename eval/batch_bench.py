"""xling batch: articles/s on the embedded engine vs Ray Data (1 and 2 workers), Ray's overhead, driver memory.

    python eval/batch_bench.py                 # tiny fixture model, 2 interleaved rounds (~6-10 min on 2 busy cores)
    python eval/batch_bench.py --quick --json  # 1 round, smaller corpora
    python eval/batch_bench.py --model DIR     # a real opus-mt model instead of the fixture

Each configuration runs ``python -m xling batch`` in its own process (a fresh driver, as a user runs it), in an
order that rotates from round to round; that process's wall seconds, CPU seconds (its own and
those of the descendants it reaped: with a local Ray, the raylet and the actors it started) and peak RSS.

* ``throughput``: ``--articles`` distinct short articles (two sentences of seed words each, so no translation
  is served from the cache), CTranslate2 (the batch default) greedy, entities and QA on, shards of 16 rows:
  ``embedded``, ``ray-1`` (one actor) and ``ray-2`` (two actors at 0.5 CPU each on 2 cores). articles/s counts
  the run from planning to the last shard (Ray's start and the actors' model loading included); ``steady``
  rates the same run on the shards' own translation seconds (what Ray adds per shard, without its start).
  Every configuration's rows are checked to equal the embedded ones.
* ``memory``: the embedded driver's peak RSS for 1,000 and 10,000 short rows (texts drawn from a pool of 100,
  ids unique; ``--no-annotate``): the corpus is streamed shard by shard, so the peak must not grow with it.

The tiny model decodes a sentence in milliseconds: these figures measure the engines' overhead, not translation
speed. With a real model the per-article cost grows ~100x and Ray's fixed start matters correspondingly less.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The fixture-model builders live with the tests (they are not part of the installed package).
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
SEED = ROOT / "seeds" / "000_669c3c74050fa7e2.txt"
CONFIGS = {
    "embedded": ["--engine", "embedded"],
    "ray-1": ["--engine", "ray", "--workers", "1"],
    "ray-2": ["--engine", "ray", "--workers", "2"],
}
MEMORY_ROWS = (1_000, 10_000)
MEMORY_POOL = 100
SHARD_ROWS = 16


def seed_words() -> list[str]:
    return [w.strip(".،؛:\"()") for w in SEED.read_text(encoding="utf-8").split() if len(w) > 1]


def sentence(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(6, 12))) + "."


def write_corpus(path: Path, texts: list[str]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            fh.write(json.dumps({"id": f"r{i:06d}", "text": text}, ensure_ascii=False) + "\n")
    return path


class TreeCpu:
    """CPU seconds of a process and all its descendants (a local Ray's raylet, GCS and actors included),
    sampled from /proc every ``interval`` seconds: a process keeps the last reading it had (so one that ends
    between two samples loses at most ``interval`` of CPU)."""

    def __init__(self, root: int, interval: float = 0.2):
        import threading

        self.root, self.interval = root, interval
        self.seen: dict[int, float] = {}
        self.tick = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        parents: dict[int, int] = {}
        times: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
            times[int(entry)] = (int(fields[11]) + int(fields[12])) / self.tick
        tree, frontier = {self.root}, [self.root]
        children: dict[int, list[int]] = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        while frontier:
            for child in children.get(frontier.pop(), []):
                if child not in tree:
                    tree.add(child)
                    frontier.append(child)
        for pid in tree & set(times):
            self.seen[pid] = max(self.seen.get(pid, 0.0), times[pid])

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return round(sum(self.seen.values()), 2)


def run_batch(corpus: Path, out: Path, model: str, extra: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One ``xling batch`` process: its summary, wall seconds and CPU seconds of its whole process tree."""
    args = [sys.executable, "-m", "xling", "batch", str(corpus), str(out), "--model", model, "--id-column", "id",
            "--shard-rows", str(SHARD_ROWS), "--beam-size", "1", "--progress", "none", "--overwrite", "--json",
            *extra]
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cpu = TreeCpu(proc.pid)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    tree_cpu = cpu.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"xling batch {' '.join(extra)} failed ({proc.returncode}):\n{stderr.decode()[-3000:]}")
    return {"summary": json.loads(stdout), "wall_s": round(wall, 2), "cpu_s": tree_cpu}


def run_measured(corpus: Path, out: Path, model: str, extra: list[str], env: dict[str, str]) -> dict[str, Any]:
    """:func:`run_batch` in a fork, so ``RUSAGE_CHILDREN`` of that fork is this run's alone."""
    import resource

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report, exit
        os.close(read_end)
        try:
            result = run_batch(corpus, out, model, extra, env)
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the driver's own peak (the largest reaped)
            result["driver_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
            result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
        except Exception as err:  # noqa: BLE001
            result = {"error": str(err)}
        with os.fdopen(write_end, "w") as fh:
            json.dump(result, fh)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    result = json.loads(data)
    if "error" in result:
        raise RuntimeError(result["error"])
    return result


def steady_rate(out: Path, articles: int, workers: int) -> float:
    """articles / (the shards' own translation seconds / workers): the rate without start-up costs (the
    workers load their model before their first shard)."""
    from xling.batch import shard_records

    busy = sum(r.seconds for r in shard_records(out))
    return round(articles / (busy / workers), 1) if busy > 0 else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model directory (default: the tiny fixture model)")
    parser.add_argument("--articles", type=int, help="articles in the throughput corpus (default 160, quick 64)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 2, quick 1)")
    parser.add_argument("--quick", action="store_true", help="one round, a smaller corpus, memory at 1k and 5k")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    n_articles = args.articles or (64 if args.quick else 160)
    rounds = args.rounds or (1 if args.quick else 2)
    memory_rows = (1_000, 5_000) if args.quick else MEMORY_ROWS
    if args.model:
        model = os.path.abspath(args.model)
    else:
        from support.models import cached_model

        model = str(cached_model("tiny", ROOT / ".test-models"))
    work = Path(tempfile.mkdtemp(prefix="xling-batch-bench-"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "RAY_USAGE_STATS_ENABLED": "0", "XLING_CACHE": str(ROOT / ".test-models" / "xling-cache")}
    env.setdefault("OMP_NUM_THREADS", "1")
    rng = random.Random(16)
    words = seed_words()
    corpus = write_corpus(work / "throughput.jsonl",
                          [f"{sentence(rng, words)} {sentence(rng, words)}" for _ in range(n_articles)])
    results: dict[str, Any] = {"model": model, "articles": n_articles, "rounds": rounds, "cpus": os.cpu_count(),
                               "load_before": os.getloadavg(), "throughput": {k: [] for k in CONFIGS}}
    reference = None
    names = list(CONFIGS)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            out = work / f"out-{name}"
            run = run_measured(corpus, out, model, CONFIGS[name], env)
            from xling.batch import read_rows

            rows = list(read_rows(out))
            if reference is None:
                reference = rows
            run["rows_equal"] = rows == reference
            s = run.pop("summary")
            run["articles_per_s"] = s["articles_per_second"]
            run["run_s"] = s["seconds"]
            run["steady_articles_per_s"] = steady_rate(out, s["articles"], s["workers"])
            run["load"] = round(os.getloadavg()[0], 2)
            results["throughput"][name].append(run)
            if not args.json:
                print(f"round {r + 1} {name:>8}: {run}", file=sys.stderr, flush=True)
    med = {name: {k: statistics.median(run[k] for run in runs)
                  for k in ("wall_s", "cpu_s", "driver_cpu_s", "peak_rss_mb", "run_s", "articles_per_s",
                            "steady_articles_per_s")}
           for name, runs in results["throughput"].items()}
    results["median"] = med
    results["ray_overhead_1_worker_s"] = round(med["ray-1"]["run_s"] - med["embedded"]["run_s"], 2)
    results["ray_1_vs_embedded_wall"] = round(med["ray-1"]["wall_s"] / med["embedded"]["wall_s"], 2)
    results["ray_2_vs_1_steady"] = round(med["ray-2"]["steady_articles_per_s"] / med["ray-1"]["steady_articles_per_s"], 2)
    if not args.no_memory:
        results["memory"] = {}
        pool = [sentence(rng, words) for _ in range(MEMORY_POOL)]
        for n in memory_rows:
            path = write_corpus(work / f"memory-{n}.jsonl", [pool[i % MEMORY_POOL] for i in range(n)])
            run = run_measured(path, work / f"out-memory-{n}", model, ["--no-annotate", "--fields", "id,target"], env)
            s = run.pop("summary")
            results["memory"][str(n)] = {"peak_rss_mb": run["peak_rss_mb"], "wall_s": run["wall_s"],
                                         "cpu_s": run["cpu_s"], "articles": s["articles"],
                                         "load": round(os.getloadavg()[0], 2)}
            if not args.json:
                print(f"memory {n:>6} rows: {results['memory'][str(n)]}", file=sys.stderr, flush=True)
    results["load_after"] = os.getloadavg()
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print(json.dumps({k: results[k] for k in results if k != "throughput"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
