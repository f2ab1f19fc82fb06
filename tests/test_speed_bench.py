"""eval/speed_bench.py's own plumbing: the replay of model calls, the interleaved statistics, the busy test.

Never a speed judgement: the tiny model and short forced outputs only exercise the code paths.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")


@pytest.fixture(scope="module")
def speed_bench():
    spec = importlib.util.spec_from_file_location("speed_bench", Path(__file__).resolve().parents[1] / "eval" / "speed_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_corpus_is_distinct_and_reproducible(speed_bench, seed_text):
    articles = speed_bench.corpus_articles(4)
    assert articles == speed_bench.corpus_articles(4)
    assert len(set(articles)) == 4
    n_paragraphs = len([p for p in seed_text.split("\n") if p.strip()])
    assert all(len(a.split("\n\n")) == n_paragraphs for a in articles)


def test_worker_replays_the_same_model_calls_in_the_same_groups(speed_bench, tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XLING_CACHE", str(tmp_path))
    monkeypatch.setattr(speed_bench, "LENGTH_A", 0.0)  # short forced outputs: plumbing, not speed
    monkeypatch.setattr(speed_bench, "LENGTH_B", 6)
    spec = {"mode": "forced", "model": str(tiny_model_dir), "backend": "ct2", "compute_type": "int8", "threads": 2,
            "eos_articles": 1, "corpus_articles": 1}
    worker = speed_bench.Worker(spec)
    run = worker.measure(4, 64)
    bare = worker.measure(4, 64, bare=True)
    recorder = worker.recorders[(4, 64)]
    # one group per model run of the pipeline (the seed's paragraph groups), a lone batch split in two jobs
    assert len(recorder.groups) >= 2 and any(len(group) == 2 for group in recorder.groups)
    assert sum(len(source) for source, _ in recorder.calls) == run["sentences"]
    assert bare["model_calls"] == len(recorder.calls) and bare["wall"] > 0 and bare["cpu"] > 0
    # the replay makes the same calls again: count them on the raw translator
    made = []
    real = recorder.translator

    class Counting:
        def translate_batch(self, source, **kwargs):
            made.append((source, kwargs))
            return real.translate_batch(source, **kwargs)

    recorder.translator = Counting()
    recorder.replay()
    assert made == recorder.calls
    result = worker.finish()
    assert result["seed_target_tokens"] == 5 * run["sentences"]  # every output forced to 6 - 1 tokens
    assert result["corpus"]["sentences"] == len(speed_bench.corpus_sentences(speed_bench.corpus_articles(1)))
    assert result["peak_rss_mb"] > 0 and result["threads"] == 2


def _record(config, round_no, wall, cpu=None, others=0.0):
    return {"mode": "forced", "beam": 4, "batch": 64, "config": config, "round": round_no, "wall": wall,
            "cpu": cpu if cpu is not None else wall, "others_cores": others}


def test_ratios_are_per_round_then_median(speed_bench):
    records = []
    for k, (hf, ct, bare) in enumerate([(40.0, 10.0, 9.5), (80.0, 10.0, 10.0), (42.0, 14.0, 10.0)]):
        records += [_record("transformers", k, hf), _record("ct2 int8", k, ct), _record("ct2 int8" + speed_bench.BARE_SUFFIX, k, bare)]
    summary = speed_bench.summarize(records, "transformers")
    head = speed_bench.headline(summary, "ct2 int8")
    assert head["seed_beam4_seconds"] == {"transformers": 42.0, "ct2": 10.0, "ct2_bare": 10.0}
    assert head["ct2_speedup"] == 4.0  # per round 4, 8, 3: the median, not 42 / 10
    assert head["ct2_overhead_vs_bare"] == 0.053  # per round 0.053, 0, 0.4
    (entry,) = summary
    assert entry["configs"]["transformers"]["wall"]["spread"] == pytest.approx((80 - 40) / 42, abs=1e-3)


def test_busy_machine_is_reported(speed_bench):
    quiet = [_record("ct2 int8", 0, 1.0, others=0.05)]
    assert speed_bench.busy_warnings(0.4, quiet, cores=2) == []
    assert any("load average 1.8" in w for w in speed_bench.busy_warnings(1.8, quiet, cores=2))
    noisy = [_record("ct2 int8", k, 1.0, others=0.9) for k in range(3)]
    assert any("other processes" in w for w in speed_bench.busy_warnings(0.4, noisy, cores=2))


def test_timing_counts_cpu_and_other_processes(speed_bench):
    out = speed_bench._timed(lambda: sum(i * i for i in range(200_000)))
    assert out["wall"] > 0 and out["cpu"] > 0 and out["others_cores"] >= 0


def test_unknown_mode_is_refused(speed_bench):
    with pytest.raises(SystemExit):
        speed_bench.main(["--modes", "forced,fast"])


def test_each_compute_type_is_compared_with_its_own_bare_replay(speed_bench):
    bare = speed_bench.BARE_SUFFIX
    records = [_record("transformers", 0, 40.0), _record("ct2 int8", 0, 10.0), _record("ct2 int8" + bare, 0, 8.0),
               _record("ct2 float32", 0, 20.0), _record("ct2 float32" + bare, 0, 20.0)]
    (entry,) = speed_bench.summarize(records, "transformers")
    assert entry["ratios"]["ct2 int8 overhead vs bare"]["median"] == 0.25
    assert entry["ratios"]["ct2 float32 overhead vs bare"]["median"] == 0.0
    assert entry["ratios"]["ct2 float32 speedup"]["median"] == 2.0
    assert "ct2 int8 bare speedup" not in entry["ratios"]
