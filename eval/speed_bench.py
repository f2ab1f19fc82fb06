"""Speed of the translation backends on opus-mt-ar-en's architecture (random weights, forced output lengths).

    python eval/speed_bench.py --quick --json     # transformers vs CTranslate2 int8, beam 4 (< 5 min on 2 cores)
    python eval/speed_bench.py                    # the full grid: compute types, beams, batch sizes, 200 articles

The model is built once by ``support.models.build_speed_model`` (6+6 layers, d_model 512, 8 heads, FFN 2048,
vocabulary 62834) and cached. Random weights never emit ``</s>`` on cue, so every output is forced to the
same length (``DecodeOptions(force_length=True)``): each backend does exactly the same work.

Each backend runs in its own process so that its load time and peak memory (VmHWM) are its own. Reported
for each backend, compute type, beam and batch setting:

* ``seed_seconds``: the seed article through ``xling.translate`` (segmentation, model, alignment beads,
  entities and QA when those stages exist), best of ``--repeats``; ``first_paragraph_seconds``: until the
  first paragraph is shown;
* ``bare_seconds`` (ct2): the same ``translate_batch`` calls, replayed on the raw ``ctranslate2.Translator``
  with the same tokens and forced lengths: what xling costs beyond the model;
* ``sentences_per_second`` / ``target_tokens_per_second``: a corpus of articles derived from the seed,
  translated in one ``Backend.translate`` call;
* ``load_seconds`` (``conversion_seconds`` for a first ct2 run) and ``peak_rss_mb``.

``--json`` prints one JSON object; it includes ``seed_beam4_seconds`` = {transformers, ct2, ct2_bare}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# The fixture-model builders live with the tests (they are not part of the installed package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED = REPO_ROOT / "seeds" / "000_669c3c74050fa7e2.txt"
#: Forced output length: (longest source in the batch) x A + B tokens, the last being </s>.
LENGTH_A, LENGTH_B = 1.0, 5


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


# -- measuring inside one process -----------------------------------------------------------------------
def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class _Recorder:
    """Stands in for a ``ctranslate2.Translator``: forwards every call and keeps its arguments for replay."""

    def __init__(self, translator: Any):
        self.translator = translator
        self.calls: list[tuple[list[list[str]], dict[str, Any]]] = []

    def translate_batch(self, source: list[list[str]], **kwargs: Any) -> Any:
        self.calls.append((source, kwargs))
        return self.translator.translate_batch(source, **kwargs)


def _stages_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("xling.entities.link", "xling.qa.checks"))


def time_seed(backend: Any, options: Any, repeats: int, annotate: bool) -> dict[str, Any]:
    """The seed article through xling.translate: best total time and time to the first paragraph."""
    import xling

    text = seed_text()
    runs, firsts, cpu = [], [], []
    doc = None
    for _ in range(repeats):
        cpu_started = time.process_time()
        started = time.perf_counter()
        first: list[float] = []

        def on_paragraph(_doc: Any) -> None:
            if not first:
                first.append(time.perf_counter() - started)

        doc = xling.translate(text, model=backend, beam_size=options.beam_size, batch_tokens=options.batch_tokens,
                              options=options, cache=False, annotate_result=annotate, on_paragraph=on_paragraph)
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        firsts.append(first[0])
    best = min(range(repeats), key=runs.__getitem__)
    assert doc is not None
    return {
        "seed_seconds": round(runs[best], 3),
        "seed_runs": [round(r, 3) for r in runs],
        "first_paragraph_seconds": round(firsts[best], 3),
        "seed_cpu_seconds": round(cpu[best], 3),  # all threads; steadier than wall time on a busy machine
        "seed_sentences": len(doc.source.sentences),
    }


def time_bare(recorder: _Recorder, repeats: int) -> float:
    """Replay the recorded translate_batch calls on the raw translator: the model's share of the seed time."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for source, kwargs in recorder.calls:
            recorder.translator.translate_batch(source, **kwargs)
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def time_batching(backend: Any, sentences: list[str], beam: int, length: int, repeats: int) -> dict[str, float]:
    """Our length-sorted batches vs one translate_batch call batching by tokens itself, at one fixed length."""
    from xling.mt.base import DecodeOptions

    options = DecodeOptions(beam_size=beam, force_length=True, retry=False, max_length_a=0, max_length_b=length)
    tokens = [backend.tokenizer.convert_ids_to_tokens(backend.encode(s)) for s in sentences]
    ours = one_call = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        backend.translate(sentences, options)
        ours = min(ours, time.perf_counter() - started)
        started = time.perf_counter()
        backend.translator.translate_batch(
            tokens, beam_size=beam, max_batch_size=options.batch_tokens, batch_type="tokens",
            max_decoding_length=length - 1, min_decoding_length=length - 1, max_input_length=0,
        )
        one_call = min(one_call, time.perf_counter() - started)
    return {"length_sorted_batches_seconds": round(ours, 3), "one_call_token_batching_seconds": round(one_call, 3)}


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Measure one backend / compute type over the beam and batch settings in ``spec``."""
    import xling
    from xling.mt.base import DecodeOptions, backend_class

    kwargs: dict[str, Any] = {"device": "cpu"}
    result: dict[str, Any] = {"backend": spec["backend"], "compute_type": spec.get("compute_type", "default")}
    if spec["backend"] == "ct2":
        kwargs["compute_type"] = spec["compute_type"]
        if spec.get("threads"):
            kwargs["threads"] = spec["threads"]
    elif spec.get("threads"):
        import torch

        torch.set_num_threads(spec["threads"])
    started = time.perf_counter()
    backend = backend_class(spec["backend"])(spec["model"], **kwargs).load()
    result["load_seconds"] = round(time.perf_counter() - started, 3)
    result["threads"] = getattr(backend, "threads", None) or _torch_threads()
    annotate = _stages_available()
    result["annotated"] = annotate
    # warm up as a running service would be: thread pools, the entity lexicon and other lazy tables
    warm = DecodeOptions(beam_size=1, force_length=True, retry=False, max_length_a=0, max_length_b=4)
    xling.translate(seed_text().split("\n")[0], model=backend, options=warm, cache=False, annotate_result=annotate)

    sentences = corpus_sentences(corpus_articles(spec["articles"])) if spec["articles"] else []
    result["runs"] = []
    for beam in spec["beams"]:
        for batch in spec["batch_sizes"]:
            options = DecodeOptions(beam_size=beam, max_batch_size=batch, force_length=True, retry=False,
                                    max_length_a=LENGTH_A, max_length_b=LENGTH_B)
            run: dict[str, Any] = {"beam": beam, "max_batch_size": batch}
            recorder = None
            if spec["backend"] == "ct2":
                recorder = backend.translator = _Recorder(backend.translator)
            run.update(time_seed(backend, options, spec["repeats"], annotate))
            if recorder is not None:
                backend.translator = recorder.translator
                calls = recorder.calls[: len(recorder.calls) // spec["repeats"]]  # one run's calls
                recorder.calls = calls
                run["model_calls"] = len(calls)
                run["seed_target_tokens"] = sum(len(src) * kw["max_decoding_length"] for src, kw in calls)
                run["bare_seconds"] = time_bare(recorder, spec["repeats"])
                run["overhead_vs_bare"] = round(run["seed_seconds"] / run["bare_seconds"] - 1, 3)
            if sentences and batch == spec["corpus_batch_size"]:
                started = time.perf_counter()
                hyps = backend.translate(sentences, options)
                seconds = time.perf_counter() - started
                run["corpus"] = {
                    "articles": spec["articles"],
                    "sentences": len(sentences),
                    "seconds": round(seconds, 2),
                    "sentences_per_second": round(len(sentences) / seconds, 2),
                    "target_tokens_per_second": round(sum(len(h.tokens) for h in hyps) / seconds, 1),
                }
            result["runs"].append(run)
            print(f"  {_label(result)} beam {beam} batch {batch}: {_summary(run)}", file=sys.stderr, flush=True)
    if spec["backend"] == "ct2" and spec.get("compare_batching"):
        seed_sentences = corpus_sentences([seed_text()])
        result["batching"] = time_batching(backend, seed_sentences, 4, 48, spec["repeats"])
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


def _torch_threads() -> int | None:
    try:
        import torch

        return torch.get_num_threads()
    except ImportError:
        return None


def _label(result: dict[str, Any]) -> str:
    return result["backend"] + ("" if result["backend"] == "transformers" else f" {result['compute_type']}")


def _summary(run: dict[str, Any]) -> str:
    parts = [f"seed {run['seed_seconds']:.2f} s (first paragraph {run['first_paragraph_seconds']:.2f} s)"]
    if "bare_seconds" in run:
        parts.append(f"bare translate_batch {run['bare_seconds']:.2f} s")
    if "corpus" in run:
        c = run["corpus"]
        parts.append(f"corpus {c['sentences_per_second']:.1f} sent/s, {c['target_tokens_per_second']:.0f} tok/s")
    return "; ".join(parts)


# -- the driver --------------------------------------------------------------------------------------------
def speed_model(path: str | None) -> str:
    if path:
        return path
    from support.models import cached_model

    started = time.perf_counter()
    model = cached_model("speed")
    print(f"speed model: {model} ({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
    return str(model)


def convert_once(spec: dict[str, Any]) -> float:
    """Convert for CTranslate2 here, so the worker's load time and memory are those of a cached model."""
    from xling.mt.ct2 import converted_dir
    from xling.mt.loading import resolve_model

    started = time.perf_counter()
    converted_dir(spec["model"], resolve_model(spec["model"]), quantization=spec["compute_type"])
    return round(time.perf_counter() - started, 3)  # ~0 when cached


def run_worker_process(spec: dict[str, Any], timeout: float | None) -> dict[str, Any]:
    """One backend in a fresh process: its own load time and peak memory."""
    conversion = convert_once(spec) if spec["backend"] == "ct2" else None
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        stdout=subprocess.PIPE, stderr=None, text=True, env=env, timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        return {"backend": spec["backend"], "compute_type": spec.get("compute_type"), "error": f"exit {proc.returncode}"}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if conversion is not None:
        result["conversion_seconds"] = conversion
    return result


def plan(args: argparse.Namespace, model: str) -> list[dict[str, Any]]:
    base = {"model": model, "repeats": args.repeats, "articles": args.articles, "threads": args.threads}
    specs = []
    for backend in args.backends:
        for compute in args.compute_types if backend == "ct2" else ["default"]:
            specs.append({
                **base, "backend": backend, "compute_type": compute, "beams": args.beams,
                "batch_sizes": args.batch_sizes, "corpus_batch_size": args.batch_sizes[-1],
                "compare_batching": not args.quick and backend == "ct2" and compute == args.compute_types[0],
            })
    return specs


def headline(results: list[dict[str, Any]]) -> dict[str, float | None]:
    """The seed article at beam 4 (the default batch setting) per backend, and ct2's bare translate_batch."""
    def find(backend: str, compute: str | None = None) -> dict[str, Any] | None:
        for result in results:
            if result.get("backend") == backend and compute in (None, result.get("compute_type")):
                for run in result.get("runs", []):
                    if run["beam"] == 4 and run["max_batch_size"] == 64:
                        return run
        return None

    hf, ct = find("transformers"), find("ct2", "int8") or find("ct2")
    return {
        "transformers": hf["seed_seconds"] if hf else None,
        "ct2": ct["seed_seconds"] if ct else None,
        "ct2_bare": ct["bare_seconds"] if ct else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="beam 4 only, 1 article, one repeat (under 5 minutes on 2 idle cores)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--model", help="a Marian model directory (default: the cached speed model)")
    parser.add_argument("--backends", default="transformers,ct2")
    parser.add_argument("--compute-types", default=None, help="ct2 compute types (default int8,int8_float32,float32)")
    parser.add_argument("--beams", default=None, help="beam sizes (default 1,4)")
    parser.add_argument("--batch-sizes", default=None, help="max sentences per batch (default 1,8,64; the last one "
                        "also runs the corpus)")
    parser.add_argument("--articles", type=int, default=None, help="corpus size in articles (default 200)")
    parser.add_argument("--repeats", type=int, default=None, help="runs of the seed article per setting (best counts)")
    parser.add_argument("--threads", type=int, help="threads for both backends (default: physical cores for ct2, "
                        "torch's default for transformers)")
    parser.add_argument("--profile", action="store_true", help="where the time of one ct2 translation goes, by stage")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0

    if args.profile:
        report = profile(speed_model(args.model), args.compute_types or "int8", args.threads)
        print(json.dumps(report, indent=1) if args.json else format_profile(report))
        return 0
    quick = args.quick
    ints = lambda text: [int(x) for x in text.split(",")]  # noqa: E731
    args.backends = args.backends.split(",")
    args.compute_types = (args.compute_types or ("int8" if quick else "int8,int8_float32,float32")).split(",")
    args.beams = ints(args.beams or ("4" if quick else "1,4"))
    args.batch_sizes = ints(args.batch_sizes or ("64" if quick else "1,8,64"))
    args.articles = args.articles if args.articles is not None else (1 if quick else 200)
    args.repeats = args.repeats or (1 if quick else 3)

    started = time.perf_counter()
    model = speed_model(args.model)
    results = []
    for spec in plan(args, model):
        print(f"{_label(spec)}:", file=sys.stderr, flush=True)
        results.append(run_worker_process(spec, timeout=None))
    report = {
        "seed_beam4_seconds": headline(results),
        "settings": {"model": model, "length": f"{LENGTH_A} x longest source in batch + {LENGTH_B}",
                     "cores": os.cpu_count(), "load_average": os.getloadavg(), "quick": quick,
                     "articles": args.articles, "repeats": args.repeats},
        "results": results,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    h = report["seed_beam4_seconds"]
    if h["transformers"] and h["ct2"] and h["ct2_bare"]:
        report["ct2_speedup"] = round(h["transformers"] / h["ct2"], 2)
        report["ct2_overhead_vs_bare"] = round(h["ct2"] / h["ct2_bare"] - 1, 3)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(format_table(report))
    return 0


# -- where the time goes -------------------------------------------------------------------------------------
#: Pipeline stages by the function that runs them (module, qualified name); the model is Backend._generate.
STAGES = {
    "model": ("xling.mt.ct2", "CT2Backend._generate"),
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
    lines = [
        f"{'backend':<20} {'beam':>4} {'batch':>5} {'seed s':>8} {'first s':>8} {'bare s':>7} {'sent/s':>7} "
        f"{'tok/s':>7} {'load s':>7} {'RSS MB':>7}"
    ]
    for result in report["results"]:
        if "error" in result:
            lines.append(f"{_label(result):<20} failed: {result['error']}")
            continue
        for run in result["runs"]:
            corpus = run.get("corpus", {})
            lines.append(
                f"{_label(result):<20} {run['beam']:>4} {run['max_batch_size']:>5} {run['seed_seconds']:>8.2f} "
                f"{run['first_paragraph_seconds']:>8.2f} {run.get('bare_seconds', float('nan')):>7.2f} "
                f"{corpus.get('sentences_per_second', float('nan')):>7.1f} "
                f"{corpus.get('target_tokens_per_second', float('nan')):>7.0f} {result['load_seconds']:>7.2f} "
                f"{result['peak_rss_mb']:>7.0f}"
            )
    h = report["seed_beam4_seconds"]
    lines.append(f"seed article, beam 4: {json.dumps(h)}  (load average {report['settings']['load_average']})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
