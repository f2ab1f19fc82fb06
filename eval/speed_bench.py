"""Speed of the translation backends, measured so that a shared machine cannot fake the result.

    python eval/speed_bench.py --quick --json     # transformers vs CTranslate2 int8, beam 4, 3 rounds
    python eval/speed_bench.py                    # more rounds, compute types, beams 1 and 4, batch sizes, a corpus

Two modes, both through ``xling.translate`` on the seed article:

* **forced** (the headline): a random-weight model with opus-mt-ar-en's exact architecture
  (``support.models`` kind ``speed``: 6+6 layers, d_model 512, 8 heads, FFN 2048, vocabulary 62834).
  Random weights never emit ``</s>`` on cue, so every output of a batch is forced to the same length
  (its longest source + 5 tokens, ``DecodeOptions(force_length=True)``) and both backends do the same work.
* **eos**: the trained tiny model (kind ``tiny``), decoding until ``</s>`` as in real use. Its matrices
  are small, so it measures each backend's per-step overhead rather than arithmetic.

Each backend runs in its own long-lived process (its load time and peak memory are its own); the parent
asks the processes for one measurement at a time, **interleaved** over ``--rounds`` rounds in rotating
order, so a change in the machine's load hits every backend alike. ``ct2 int8 bare`` replays, in the ct2
process, the very ``translate_batch`` calls that xling made (same tokens, lengths, and submission
groups) on the raw ``ctranslate2.Translator``: what xling costs beyond the model.

Reported per configuration: wall and CPU seconds of every round, their median and spread
((max - min) / median); per round, the speed-up and overhead ratios (their medians are the headline);
the 1-minute load average before the run, after every measurement and after the run; and the CPU time
*other* processes used during each measurement (from ``/proc/stat``, minus the worker's own), which is
the honest busy test since the benchmark's own threads raise the load average. A busy machine
(load >= 0.85 per core before the run, or others using >= 0.2 cores while measuring) is reported in
``warnings``; such figures are not idle-machine figures.

Threads: every backend gets ``--threads`` (default: the physical cores), so both use the whole machine:
torch intra-op threads for transformers, CTranslate2 workers for ct2.

``--json`` prints one JSON object; ``seed_beam4_seconds`` = medians {transformers, ct2, ct2_bare},
``ct2_speedup`` and ``ct2_overhead_vs_bare`` = medians of the per-round ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
# This checkout's xling (whatever is installed), and the fixture-model builders, which live with the tests.
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]
SEED = REPO_ROOT / "seeds" / "000_669c3c74050fa7e2.txt"
#: Forced output length: (longest source in the batch) x A + B tokens, the last being </s>.
LENGTH_A, LENGTH_B = 1.0, 5
#: Modes: which fixture model each uses, and whether outputs are forced to a length.
MODES = {"forced": {"model_kind": "speed", "force_length": True}, "eos": {"model_kind": "tiny", "force_length": False}}
#: A ct2 process also measures the bare translate_batch replay, as a configuration named with this suffix.
BARE_SUFFIX = " bare"
#: Busy machine: a 1-minute load average of this much per core before the run (1.7 on 2 cores) ...
BUSY_LOAD_PER_CORE = 0.85
#: ... or other processes using this many cores, on average, while a measurement ran.
BUSY_OTHER_CORES = 0.2
#: Worker processes answer on stdout with lines starting with this (libraries may print too).
RESULT_PREFIX = "@@speed_bench "
#: The headline setting.
HEADLINE_BEAM, HEADLINE_BATCH = 4, 64


# -- the corpus ----------------------------------------------------------------------------------------
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def corpus_articles(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct articles made from the seed: paragraphs rotated, a word or two dropped per sentence.

    Realistic lengths and vocabulary, and no two articles alike (so no cache or deduplication helps).
    """
    paragraphs = [p for p in seed_text().split("\n") if p.strip()]
    articles = []
    for k in range(n):
        rng = random.Random(seed * 100_003 + k)
        rotated = paragraphs[k % len(paragraphs) :] + paragraphs[: k % len(paragraphs)]
        article = []
        for paragraph in rotated:
            words = paragraph.split()
            for _ in range(rng.randint(0, 2)):
                if len(words) > 3:
                    del words[rng.randrange(len(words))]
            article.append(" ".join(words))
        articles.append("\n\n".join(article))
    return articles


def corpus_sentences(articles: list[str]) -> list[str]:
    """Model inputs, exactly as the pipeline makes them (segmentation + normalization)."""
    from xling.text.segment import model_input, segment

    out = []
    for article in articles:
        _, sentences = segment(article, "ar")
        out.extend(model_input(article[s.start : s.end]) for s in sentences)
    return out


# -- the machine -------------------------------------------------------------------------------------------
def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def machine_busy_seconds() -> float | None:
    """CPU seconds every process on the machine has used since boot (``/proc/stat``: all but idle and iowait)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def physical_cores() -> int:
    from xling.mt.base import physical_cores as cores

    return cores()


def stats(values: list[float]) -> dict[str, float]:
    """Median, min, max and spread ((max - min) / median) of a list of positive numbers."""
    median = statistics.median(values)
    return {"median": round(median, 3), "min": round(min(values), 3), "max": round(max(values), 3),
            "spread": round((max(values) - min(values)) / median, 3) if median else 0.0}


# -- measuring inside one process -----------------------------------------------------------------------
class _Handle:
    """An asynchronous result handed out by :class:`_Recorder`: waiting on it ends a submission group."""

    def __init__(self, recorder: _Recorder, handle: Any):
        self._recorder, self._handle = recorder, handle

    def result(self) -> Any:
        self._recorder.waited = True
        return self._handle.result()


class _Recorder:
    """Stands in for a ``ctranslate2.Translator``: forwards every call and keeps it for replay.

    Calls submitted together (asynchronously, before any result was awaited) form one group; the replay
    submits each group the same way, so it runs the same jobs side by side on the same workers.
    """

    def __init__(self, translator: Any):
        self.translator = translator
        self.groups: list[list[tuple[list[list[str]], dict[str, Any]]]] = []
        self.waited = True

    def translate_batch(self, source: list[list[str]], **kwargs: Any) -> Any:
        if self.waited or not self.groups:
            self.groups.append([])
            self.waited = False
        self.groups[-1].append((source, kwargs))
        results = self.translator.translate_batch(source, **kwargs)
        if not kwargs.get("asynchronous"):
            self.waited = True
            return results
        return [_Handle(self, r) for r in results]

    @property
    def calls(self) -> list[tuple[list[list[str]], dict[str, Any]]]:
        return [call for group in self.groups for call in group]

    def replay(self) -> None:
        """Make the recorded calls again on the raw translator, group by group."""
        for group in self.groups:
            pending = [self.translator.translate_batch(source, **kwargs) for source, kwargs in group]
            for (_, kwargs), results in zip(group, pending):
                if kwargs.get("asynchronous"):
                    for result in results:
                        result.result()


def _stages_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("xling.entities.link", "xling.qa.checks"))


def _timed(action: Any) -> dict[str, float]:
    """Wall and CPU seconds of ``action()``, and the CPU seconds other processes used meanwhile."""
    busy = machine_busy_seconds()
    cpu = time.process_time()
    started = time.perf_counter()
    action()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    out = {"wall": round(wall, 3), "cpu": round(cpu, 3)}
    after = machine_busy_seconds()
    if busy is not None and after is not None:
        out["others_cores"] = round(max(0.0, after - busy - cpu) / wall, 3) if wall else 0.0
    return out


def decode_options(mode: str, beam: int, batch: int) -> Any:
    from xling.mt.base import DecodeOptions

    if MODES[mode]["force_length"]:
        return DecodeOptions(beam_size=beam, max_batch_size=batch, force_length=True, retry=False,
                             max_length_a=LENGTH_A, max_length_b=LENGTH_B)
    return DecodeOptions(beam_size=beam, max_batch_size=batch, retry=False)


class Worker:
    """One backend in one process: loaded once, warmed up, then measured on request."""

    def __init__(self, spec: dict[str, Any]):
        import xling
        from xling.mt.base import DecodeOptions, backend_class

        self.spec = spec
        kwargs: dict[str, Any] = {"device": "cpu", "threads": spec["threads"]}
        if spec["backend"] == "ct2":
            kwargs["compute_type"] = spec["compute_type"]
        started = time.perf_counter()
        self.backend = backend_class(spec["backend"])(spec["model"], **kwargs).load()
        self.info: dict[str, Any] = {"backend": spec["backend"], "compute_type": spec.get("compute_type", "default"),
                                     "mode": spec["mode"], "load_seconds": round(time.perf_counter() - started, 3),
                                     "threads": self.backend.threads}
        self.annotate = _stages_available()
        self.info["annotated"] = self.annotate
        self.articles = [seed_text()] if spec["mode"] == "forced" else corpus_articles(spec["eos_articles"])
        # warm up as a running service would be: thread pools, the entity lexicon and other lazy tables
        warm = DecodeOptions(beam_size=1, force_length=True, retry=False, max_length_a=0, max_length_b=4)
        xling.translate(seed_text().split("\n")[0], model=self.backend, options=warm, cache=False,
                        annotate_result=self.annotate)
        self.recorders: dict[tuple[int, int], _Recorder] = {}

    def translate_articles(self, options: Any) -> list[Any]:
        import xling

        return [xling.translate(text, model=self.backend, options=options, cache=False,
                                annotate_result=self.annotate) for text in self.articles]

    def measure(self, beam: int, batch: int, bare: bool = False) -> dict[str, Any]:
        """One round: the articles through xling.translate (or, ``bare``, the replay of its model calls)."""
        options = decode_options(self.spec["mode"], beam, batch)
        if bare:
            recorder = self.recorder(beam, batch)
            return {**_timed(recorder.replay), "model_calls": len(recorder.calls)}
        docs: list[Any] = []
        out = _timed(lambda: docs.extend(self.translate_articles(options)))
        out["sentences"] = sum(len(d.source.sentences) for d in docs)
        out["target_words"] = sum(len(d.target.text.split()) for d in docs)
        return out

    def recorder(self, beam: int, batch: int) -> _Recorder:
        """The ct2 model calls of one translation of the articles, recorded once (not timed)."""
        key = (beam, batch)
        if key not in self.recorders:
            recorder = self.backend.translator = _Recorder(self.backend.translator)
            try:
                self.translate_articles(decode_options(self.spec["mode"], beam, batch))
            finally:
                self.backend.translator = recorder.translator
            self.recorders[key] = recorder
        return self.recorders[key]

    def finish(self) -> dict[str, Any]:
        """What is measured once: target tokens of the recorded calls, the corpus, peak memory."""
        out = dict(self.info)
        recorder = self.recorders.get((HEADLINE_BEAM, HEADLINE_BATCH))
        if recorder is not None and self.spec["mode"] == "forced":
            out["seed_target_tokens"] = sum(len(src) * kw["max_decoding_length"] for src, kw in recorder.calls)
        if self.spec.get("corpus_articles"):
            from xling.mt.base import DecodeOptions

            sentences = corpus_sentences(corpus_articles(self.spec["corpus_articles"]))
            options = DecodeOptions(beam_size=HEADLINE_BEAM, force_length=True, retry=False,
                                    max_length_a=LENGTH_A, max_length_b=LENGTH_B)
            hyps: list[Any] = []
            timing = _timed(lambda: hyps.extend(self.backend.translate(sentences, options)))
            out["corpus"] = {"articles": self.spec["corpus_articles"], "sentences": len(sentences), **timing,
                             "sentences_per_second": round(len(sentences) / timing["wall"], 2),
                             "target_tokens_per_second": round(sum(len(h.tokens) for h in hyps) / timing["wall"], 1)}
        out["peak_rss_mb"] = round(peak_rss_mb(), 1)
        return out


def serve_worker(spec: dict[str, Any]) -> None:
    """The worker process: one JSON command per stdin line, one prefixed JSON answer per stdout line."""
    worker = Worker(spec)
    print(RESULT_PREFIX + json.dumps(worker.info), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "measure":
            answer = worker.measure(command["beam"], command["batch"], bare=command.get("bare", False))
        elif command["do"] == "finish":
            answer = worker.finish()
        else:
            raise ValueError(f"unknown command {command['do']!r}")
        print(RESULT_PREFIX + json.dumps(answer), flush=True)
        if command["do"] == "finish":
            return


# -- the driver --------------------------------------------------------------------------------------------
def fixture_model(kind: str, path: str | None = None) -> str:
    if path:
        return path
    from support.models import cached_model

    started = time.perf_counter()
    model = cached_model(kind)
    print(f"{kind} model: {model} ({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
    return str(model)


def convert_once(spec: dict[str, Any]) -> float:
    """Convert for CTranslate2 here, so the worker's load time and memory are those of a cached model."""
    from xling.mt.ct2 import converted_dir
    from xling.mt.loading import resolve_model

    started = time.perf_counter()
    converted_dir(spec["model"], resolve_model(spec["model"]), quantization=spec["compute_type"])
    return round(time.perf_counter() - started, 3)  # ~0 when cached


class WorkerProcess:
    """The parent's handle on one worker process."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.conversion = convert_once(spec) if spec["backend"] == "ct2" else None
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker", json.dumps(spec)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=None, text=True, env=env)
        self.info = self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(RESULT_PREFIX):
                return json.loads(line[len(RESULT_PREFIX):])
        raise RuntimeError(f"{label(self.spec)}: the worker process ended (exit {self.proc.wait()})")

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def finish(self) -> dict[str, Any]:
        out = self.ask(do="finish")
        self.proc.wait()
        if self.conversion is not None:
            out["conversion_seconds"] = self.conversion
        return out


def label(spec: dict[str, Any]) -> str:
    backend = spec["backend"]
    return backend if backend == "transformers" else f"{backend} {spec.get('compute_type', '')}".strip()


def plan(args: argparse.Namespace, models: dict[str, str]) -> list[dict[str, Any]]:
    """One worker per (mode, backend, compute type)."""
    specs = []
    for mode in args.modes:
        for backend in args.backends:
            for compute in args.compute_types if backend == "ct2" else ["default"]:
                if mode == "eos" and backend == "ct2" and compute != args.compute_types[0]:
                    continue
                specs.append({"mode": mode, "model": models[mode], "backend": backend, "compute_type": compute,
                              "threads": args.threads, "eos_articles": args.eos_articles,
                              "corpus_articles": args.articles if mode == "forced" else 0})
    return specs


def settings_of(args: argparse.Namespace, mode: str) -> list[tuple[int, int]]:
    """(beam, max batch size) pairs measured in a mode; the eos mode only at the headline setting."""
    if mode == "eos":
        return [(HEADLINE_BEAM, HEADLINE_BATCH)]
    return [(beam, batch) for beam in args.beams for batch in args.batch_sizes]


def run_rounds(args: argparse.Namespace, workers: list[WorkerProcess]) -> list[dict[str, Any]]:
    """Every (worker, setting, bare or not) measured once per round, the order rotating between rounds."""
    items = []
    for w in workers:
        for beam, batch in settings_of(args, w.spec["mode"]):
            items.append((w, beam, batch, False))
            if w.spec["backend"] == "ct2":
                items.append((w, beam, batch, True))
    records = []
    for round_no in range(args.rounds):
        shift = round_no % len(items)
        order = items[shift:] + items[:shift]
        if round_no % 2:
            order.reverse()
        for w, beam, batch, bare in order:
            answer = w.ask(do="measure", beam=beam, batch=batch, bare=bare)
            config = label(w.spec) + (BARE_SUFFIX if bare else "")
            record = {"round": round_no, "mode": w.spec["mode"], "config": config,
                      "beam": beam, "batch": batch, **answer, "load1_after": load1()}
            records.append(record)
            print(f"  round {round_no + 1}/{args.rounds} {record['mode']:<6} {record['config']:<14} beam {beam} "
                  f"batch {batch}: {answer['wall']:.2f} s (CPU {answer['cpu']:.2f}, others "
                  f"{answer.get('others_cores', float('nan')):.2f} cores, load {record['load1_after']})",
                  file=sys.stderr, flush=True)
    return records


def summarize(records: list[dict[str, Any]], baseline: str) -> list[dict[str, Any]]:
    """Per (mode, beam, batch, config): wall and CPU statistics; per-round ratios: each config's speed-up over
    the baseline, and each config's overhead over its own bare replay."""
    groups: dict[tuple[str, int, int], dict[str, dict[int, dict[str, Any]]]] = {}
    for r in records:
        groups.setdefault((r["mode"], r["beam"], r["batch"]), {}).setdefault(r["config"], {})[r["round"]] = r
    out = []
    for (mode, beam, batch), by_config in groups.items():
        entry: dict[str, Any] = {"mode": mode, "beam": beam, "batch": batch, "configs": {}}
        for config, rounds in by_config.items():
            runs = [rounds[k] for k in sorted(rounds)]
            walls, cpus = [r["wall"] for r in runs], [r["cpu"] for r in runs]
            entry["configs"][config] = {"wall": stats(walls), "cpu": stats(cpus), "wall_runs": walls, "cpu_runs": cpus}
            if "target_words" in runs[0]:
                entry["configs"][config]["target_words"] = runs[0]["target_words"]
        ratios: dict[str, Any] = {}
        base = by_config.get(baseline, {})
        for config, rounds in by_config.items():
            if config == baseline or config.endswith(BARE_SUFFIX):
                continue
            common = sorted(set(base) & set(rounds))
            if common:
                per_round = [base[k]["wall"] / rounds[k]["wall"] for k in common]
                ratios[f"{config} speedup"] = {**stats(per_round), "per_round": [round(x, 3) for x in per_round]}
                cpu_round = [base[k]["cpu"] / rounds[k]["cpu"] for k in common]
                ratios[f"{config} cpu speedup"] = stats(cpu_round)
            bare = by_config.get(config + BARE_SUFFIX, {})
            common = sorted(set(bare) & set(rounds))
            if common:
                per_round = [rounds[k]["wall"] / bare[k]["wall"] - 1 for k in common]
                ratios[f"{config} overhead vs bare"] = {"median": round(statistics.median(per_round), 3),
                                                        "per_round": [round(x, 3) for x in per_round]}
        entry["ratios"] = ratios
        out.append(entry)
    return out


def busy_warnings(load_before: float, records: list[dict[str, Any]], cores: int) -> list[str]:
    warnings = []
    if load_before >= BUSY_LOAD_PER_CORE * cores:
        warnings.append(f"busy machine: load average {load_before} before the run (>= {BUSY_LOAD_PER_CORE * cores:.2f} "
                        f"on {cores} cores); these are not idle-machine figures")
    others = [r["others_cores"] for r in records if "others_cores" in r]
    if others and statistics.median(others) >= BUSY_OTHER_CORES:
        warnings.append(f"busy machine: other processes used {statistics.median(others):.2f} cores (median) while "
                        f"measuring (>= {BUSY_OTHER_CORES}); these are not idle-machine figures")
    return warnings


def headline(summary: list[dict[str, Any]], fast: str) -> dict[str, Any]:
    """The seed article, forced lengths, beam 4, batch 64: median seconds per config and the ratios."""
    for entry in summary:
        if entry["mode"] == "forced" and entry["beam"] == HEADLINE_BEAM and entry["batch"] == HEADLINE_BATCH:
            configs = entry["configs"]
            seconds = {"transformers": configs.get("transformers", {}).get("wall", {}).get("median"),
                       "ct2": configs.get(fast, {}).get("wall", {}).get("median"),
                       "ct2_bare": configs.get(fast + BARE_SUFFIX, {}).get("wall", {}).get("median")}
            ratios = entry["ratios"]
            return {"seed_beam4_seconds": seconds,
                    "ct2_speedup": ratios.get(f"{fast} speedup", {}).get("median"),
                    "ct2_cpu_speedup": ratios.get(f"{fast} cpu speedup", {}).get("median"),
                    "ct2_overhead_vs_bare": ratios.get(f"{fast} overhead vs bare", {}).get("median")}
    return {"seed_beam4_seconds": {"transformers": None, "ct2": None, "ct2_bare": None}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="beam 4, batch 64, int8, 3 rounds, no corpus "
                        "(about 4 minutes on 2 idle cores)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--model", help="a Marian model directory for the forced mode (default: the speed model)")
    parser.add_argument("--backends", default="transformers,ct2")
    parser.add_argument("--modes", default="forced,eos",
                        help="forced (full-size random model), eos (tiny trained model)")
    parser.add_argument("--compute-types", default=None,
                        help="ct2 compute types (default int8; full: int8,int8_float32,float32)")
    parser.add_argument("--beams", default=None, help="beam sizes (default 4; full: 1,4)")
    parser.add_argument("--batch-sizes", default=None, help="max sentences per batch (default 64; full: 8,64)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3; full: 5)")
    parser.add_argument("--articles", type=int, default=None, help="forced-mode corpus size in articles, "
                        "translated once per backend in one call (default 0; full: 20)")
    parser.add_argument("--eos-articles", type=int, default=4, help="articles per eos-mode measurement")
    parser.add_argument("--threads", type=int, default=None, help="threads for every backend (default: the "
                        "physical cores: torch threads for transformers, CTranslate2 workers for ct2)")
    parser.add_argument("--profile", action="store_true", help="where the time of one ct2 translation goes, by stage")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        serve_worker(json.loads(args.worker))
        return 0
    if args.profile:
        report = profile(fixture_model("speed", args.model), args.compute_types or "int8", args.threads)
        print(json.dumps(report, indent=1) if args.json else format_profile(report))
        return 0

    quick = args.quick
    ints = lambda text: [int(x) for x in text.split(",")]  # noqa: E731
    args.backends = args.backends.split(",")
    args.modes = args.modes.split(",")
    unknown = [m for m in args.modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(MODES)}")
    args.compute_types = (args.compute_types or ("int8" if quick else "int8,int8_float32,float32")).split(",")
    args.beams = ints(args.beams or ("4" if quick else "1,4"))
    args.batch_sizes = ints(args.batch_sizes or ("64" if quick else "8,64"))
    args.rounds = args.rounds or (3 if quick else 5)
    args.articles = args.articles if args.articles is not None else (0 if quick else 20)
    args.threads = args.threads or physical_cores()
    cores = physical_cores()

    started = time.perf_counter()
    load_before = load1()
    models = {mode: fixture_model(MODES[mode]["model_kind"], args.model if mode == "forced" else None)
              for mode in args.modes}
    workers = []
    for spec in plan(args, models):
        print(f"starting {spec['mode']} {label(spec)} ...", file=sys.stderr, flush=True)
        workers.append(WorkerProcess(spec))
    records = run_rounds(args, workers)
    results = [w.finish() for w in workers]
    load_after = load1()
    fast = f"ct2 {args.compute_types[0]}"
    summary = summarize(records, "transformers")
    others = [r["others_cores"] for r in records if "others_cores" in r]
    report: dict[str, Any] = {
        **headline(summary, fast),
        "warnings": busy_warnings(load_before, records, cores),
        "load_average": {"before": load_before, "during": [r["load1_after"] for r in records], "after": load_after},
        "others_cores": stats(others) if others else None,
        "settings": {"models": models, "length": f"forced: {LENGTH_A} x longest source in batch + {LENGTH_B}",
                     "cores": cores, "threads": args.threads, "quick": quick, "rounds": args.rounds,
                     "eos_articles": args.eos_articles, "corpus_articles": args.articles},
        "summary": summary,
        "results": results,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    for warning in report["warnings"]:
        print(f"WARNING: {warning}", file=sys.stderr, flush=True)
    print(json.dumps(report, indent=1) if args.json else format_table(report))
    return 0


# -- where the time goes -------------------------------------------------------------------------------------
#: Pipeline stages by the function that runs them (module, qualified name); the model is CT2Backend._translate_ids
#: (submitting every job of a call and waiting for them).
STAGES = {
    "model": ("xling.mt.ct2", "CT2Backend._translate_ids"),
    "tokenization": ("xling.mt.base", "Backend.encode"),
    "segmentation": ("xling.text.segment", "segment"),
    "long-sentence splitting": ("xling.text.segment", "split_long"),
    "model input normalization": ("xling.text.segment", "model_input"),
    "alignment": ("xling.alignment.aligner", "align"),
    "entities": ("xling.entities.link", "link_entities"),
    "name harmonization": ("xling.entities.consistency", "harmonize_names"),
    "qa": ("xling.qa.checks", "run_checks"),
    "rendering": ("xling.render.html", "render_document"),
}


def profile(model: str, compute_type: str, threads: int | None) -> dict[str, Any]:
    """Translate the seed with ct2 (beam 4, forced lengths) and render it as the page does, under cProfile.

    Stage times are the cumulative times of the functions in :data:`STAGES`; the page renders every partial
    document, so rendering counts each time.
    """
    import cProfile
    import importlib
    import io
    import pstats

    import xling
    from xling.mt.base import DecodeOptions
    from xling.mt.ct2 import CT2Backend
    from xling.render.html import render_document

    backend = CT2Backend(model, compute_type=compute_type, threads=threads).load()
    options = DecodeOptions(beam_size=4, force_length=True, retry=False, max_length_a=LENGTH_A, max_length_b=LENGTH_B)
    text = seed_text()
    xling.translate(text, model=backend, options=options, cache=False)  # warm: lazy tables, thread pools

    def page(doc: Any) -> None:
        render_document(doc, pending=len(doc.target.paragraphs) < len(doc.source.paragraphs))

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    doc = xling.translate(text, model=backend, options=options, cache=False, on_paragraph=page)
    render_document(doc)
    profiler.disable()
    total = time.perf_counter() - started

    stats = pstats.Stats(profiler)
    code_of = {}
    for stage, (module, qualname) in STAGES.items():
        try:
            obj: Any = importlib.import_module(module)
            for part in qualname.split("."):
                obj = getattr(obj, part)
            code_of[stage] = obj.__code__
        except (ImportError, AttributeError):
            continue
    stage_seconds: dict[str, float] = {}
    for (filename, line, _name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for stage, code in code_of.items():
            if code.co_filename == filename and code.co_firstlineno == line:
                stage_seconds[stage] = stage_seconds.get(stage, 0.0) + cumulative
    model_seconds = stage_seconds.get("model", float("nan"))
    rest = total - model_seconds
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(25)
    return {
        "seed_sentences": len(doc.source.sentences),
        "total_seconds": round(total, 3),
        "model_seconds": round(model_seconds, 3),
        "other_seconds": round(rest, 3),
        "other_share_of_model": round(rest / model_seconds, 3),
        "stages": {k: round(v, 4) for k, v in sorted(stage_seconds.items(), key=lambda kv: -kv[1])},
        "top_tottime": out.getvalue(),
        "load_average": os.getloadavg(),
    }


def format_profile(report: dict[str, Any]) -> str:
    lines = [f"seed article ({report['seed_sentences']} sentences), ct2 beam 4: {report['total_seconds']:.2f} s, "
             f"model {report['model_seconds']:.2f} s, everything else {report['other_seconds']:.3f} s "
             f"= {100 * report['other_share_of_model']:.1f}% of the model's time"]
    lines += [f"  {stage:<28} {seconds:8.4f} s" for stage, seconds in report["stages"].items()]
    lines.append(report["top_tottime"])
    return "\n".join(lines)


def format_table(report: dict[str, Any]) -> str:
    lines = [f"{'mode':<7} {'beam':>4} {'batch':>5} {'config':<16} {'wall median':>11} {'spread':>7} {'CPU median':>10}  ratios"]
    for entry in report["summary"]:
        first = True
        for config, s in entry["configs"].items():
            ratios = "; ".join(f"{k} {v['median']}" for k, v in entry["ratios"].items()) if first else ""
            lines.append(f"{entry['mode']:<7} {entry['beam']:>4} {entry['batch']:>5} {config:<16} "
                         f"{s['wall']['median']:>11.2f} {s['wall']['spread']:>7.2f} {s['cpu']['median']:>10.2f}  {ratios}")
            first = False
    h = report["seed_beam4_seconds"]
    lines.append(f"seed article, forced, beam 4: {json.dumps(h)}; ct2 speed-up {report.get('ct2_speedup')}, "
                 f"overhead vs bare {report.get('ct2_overhead_vs_bare')}")
    load = report["load_average"]
    lines.append(f"load average before {load['before']}, during {min(load['during'], default=0)}-"
                 f"{max(load['during'], default=0)}, after {load['after']}; others used "
                 f"{(report['others_cores'] or {}).get('median')} cores (median)")
    lines += [f"WARNING: {w}" for w in report["warnings"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
