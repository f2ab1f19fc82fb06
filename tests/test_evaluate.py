"""xling eval: same numbers and signatures as sacrebleu (API and command), statistics, reports, test sets."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xling.eval import hypotheses
from xling.eval import scoring as ev
from xling.eval import testsets
from xling.errors import InputError, XlingError

# `xling eval` without the other subcommands: the same parser and error handling as xling.cli.main
RUNNER = """
import argparse, sys
from xling.cli import eval as cmd
from xling.errors import XlingError
parser = argparse.ArgumentParser(prog="xling eval")
cmd.add_arguments(parser)
args = parser.parse_args(sys.argv[1:])
try:
    sys.exit(cmd.run(args))
except XlingError as err:
    print(f"xling eval: error: {err}", file=sys.stderr)
    sys.exit(2)
"""

WORDS = "the a cat dog sat on mat , . said president government will meet tomorrow Gaza talks UN".split()


def random_corpus(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 14))) for _ in range(n)]


def write_lines(path: Path, lines: list[str], newline: str = "\n") -> Path:
    path.write_text("".join(line + newline for line in lines), encoding="utf-8", newline="")
    return path


def xling_eval(*argv: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUNNER, *argv], capture_output=True, text=True,
                          timeout=timeout, env=env)


def sacrebleu_cli(*argv: str) -> str:
    out = subprocess.run([sys.executable, "-m", "sacrebleu", *argv, "-w", "6", "-q", "-nc"],
                         capture_output=True, text=True, timeout=120, check=True)
    return out.stdout


def rounded(x: float) -> float:
    return float(f"{x:.6f}")  # what sacrebleu prints with -w 6


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """In-process `xling eval` (fast); returns exit code, stdout, stderr."""
    import argparse

    from xling.cli import eval as cmd

    parser = argparse.ArgumentParser(prog="xling eval")
    cmd.add_arguments(parser)
    try:
        code = cmd.run(parser.parse_args(argv))
    except XlingError as err:
        print(f"error: {err}", file=sys.stderr)
        code = 2
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Two systems and two references of random words, with CRLF endings and trailing blanks on one file."""
    rng = random.Random(7)
    n = 40
    refs = [random_corpus(rng, n), random_corpus(rng, n)]
    sys_a = [r if rng.random() < 0.5 else h for r, h in zip(refs[0], random_corpus(rng, n))]
    sys_b = random_corpus(rng, n)
    return {
        "ref1": write_lines(tmp_path / "ref1.txt", refs[0]),
        "ref2": write_lines(tmp_path / "ref2.txt", [r + "  " for r in refs[1]], newline="\r\n"),
        "a": write_lines(tmp_path / "a.txt", sys_a),
        "b": write_lines(tmp_path / "b.txt", sys_b),
        "src": write_lines(tmp_path / "src.txt", [f"مصدر {i}" for i in range(n)]),
    }


# -- exactly sacrebleu ---------------------------------------------------------------------------------
def api_scores(hyps: list[str], refs: list[list[str]], n_bootstrap: int = 1) -> dict[str, tuple[float, str]]:
    from sacrebleu.metrics import BLEU, CHRF, TER

    out = {}
    for name, metric in (("BLEU", BLEU()), ("chrF2", CHRF()), ("chrF++", CHRF(word_order=2)), ("TER", TER())):
        score = metric.corpus_score(hyps, refs, n_bootstrap=n_bootstrap)
        out[name] = (score.score, metric.get_signature().format())
    return out


sentences = st.lists(st.sampled_from(WORDS + ["Ünïcode", "١٢٣", "x-y", "(", ")", '"']), max_size=12).map(" ".join)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 8), n_refs=st.integers(1, 3))
def test_scores_equal_sacrebleu_api(data: st.DataObject, n: int, n_refs: int) -> None:
    hyps = data.draw(st.lists(sentences, min_size=n, max_size=n))
    refs = [data.draw(st.lists(sentences, min_size=n, max_size=n)) for _ in range(n_refs)]
    report = ev.evaluate(hyps, refs, worst=0)
    expected = api_scores(hyps, refs)
    got = report.systems[0].metrics
    assert set(got) == set(expected)
    for name, (score, signature) in expected.items():
        assert got[name].score == score, name
        assert got[name].signature == signature
        assert got[name].ci95 is None


def test_cli_json_equals_sacrebleu_command(files: dict[str, Path]) -> None:
    refs = [str(files["ref1"]), str(files["ref2"])]
    ours = xling_eval("--hypothesis", str(files["a"]), "-r", refs[0], "-r", refs[1], "--json")
    assert ours.returncode == 0, ours.stderr
    report = json.loads(ours.stdout)  # stdout is pure JSON
    metrics = report["systems"][0]["metrics"]
    cli = {d["name"]: d for d in json.loads(sacrebleu_cli(*refs, "-i", str(files["a"]), "-m", "bleu", "chrf", "ter",
                                                          "-f", "json"))}
    cli_pp = json.loads(sacrebleu_cli(*refs, "-i", str(files["a"]), "-m", "chrf", "--chrf-word-order", "2",
                                      "-f", "json"))
    cli["chrF++"] = cli_pp
    for ours_name, cli_name in (("BLEU", "BLEU"), ("chrF2", "chrF2"), ("chrF++", "chrF++"), ("TER", "TER")):
        assert rounded(metrics[ours_name]["score"]) == cli[cli_name]["score"], ours_name
        assert metrics[ours_name]["signature"] == cli[cli_name]["signature"], ours_name
        assert "ci95" not in metrics[ours_name]
    # and the files are read as sacrebleu reads them (CRLF, trailing blanks)
    from sacrebleu.metrics import BLEU

    lines = [[line.rstrip() for line in open(p, encoding="utf-8", newline="\n")] for p in refs]
    hyps = [line.rstrip() for line in open(files["a"], encoding="utf-8", newline="\n")]
    assert metrics["BLEU"]["score"] == BLEU().corpus_score(hyps, lines).score


def test_confidence_intervals_equal_sacrebleu(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["-i", str(files["a"]), "-r", str(files["ref1"]), "--confidence", "--confidence-n", "60",
                            "--json", "--worst", "0"], capsys)
    assert code == 0
    metrics = json.loads(out)["systems"][0]["metrics"]
    cli = {d["name"]: d for d in json.loads(sacrebleu_cli(str(files["ref1"]), "-i", str(files["a"]), "-m", "bleu",
                                                          "chrf", "ter", "-f", "json", "--confidence", "-cin", "60"))}
    for name in ("BLEU", "chrF2", "TER"):
        m = metrics[name]
        assert m["signature"] == cli[name]["signature"]
        assert "bs:60" in m["signature"]
        assert rounded(m["mean"]) == cli[name]["confidence_mean"]
        half = (m["ci95"][1] - m["ci95"][0]) / 2
        assert abs(half - cli[name]["confidence_var"]) < 2e-6
        assert m["ci95"][0] <= m["mean"] <= m["ci95"][1]


def _parse_paired_table(text: str) -> tuple[list[float], list[tuple[float, float]], dict[str, str]]:
    p_values = [float(p) for p in re.findall(r"\(p = ([0-9.]+)\)", text)]
    means = [(float(m), float(c)) for m, c in re.findall(r"[0-9.]+ \(([0-9.]+) ± ([0-9.]+)\)", text)]
    sigs = dict(re.findall(r"^ - (\S+)\s+(nrefs:\S+)$", text, flags=re.M))
    return p_values, means, sigs


@pytest.mark.parametrize("test", ["bs", "ar"])
def test_paired_tests_equal_sacrebleu(files: dict[str, Path], capsys: pytest.CaptureFixture[str], test: str) -> None:
    code, out, _ = run_cli(["-r", str(files["ref1"]), "-i", str(files["a"]), "--system", f"other={files['b']}",
                            "--paired", test, f"--paired-{test}-n", "50", "--metrics", "BLEU", "chrF2", "TER",
                            "--json", "--worst", "0"], capsys)
    assert code == 0
    report = json.loads(out)
    base, other = report["systems"]
    assert base["baseline"] and not other["baseline"] and base["paired"] == {}
    flag = "--paired-bs" if test == "bs" else "--paired-ar"
    text = sacrebleu_cli(str(files["ref1"]), "-i", str(files["a"]), str(files["b"]), "-m", "bleu", "chrf", "ter",
                         "-f", "text", flag, f"-p{test}n", "50")
    p_values, means, sigs = _parse_paired_table(text)
    ours = other["paired"][test]
    assert [float(f"{ours[m]['p_value']:.4f}") for m in ("BLEU", "chrF2", "TER")] == p_values
    for m in ("BLEU", "chrF2", "TER"):
        assert ours[m]["signature"] == sigs[m]
    if test == "bs":  # rows: baseline BLEU chrF2 TER, then the system's
        for m, (mean, ci) in zip(("BLEU", "chrF2", "TER"), means[3:]):
            assert rounded(ours[m]["mean"]) == mean
            assert abs((ours[m]["ci95"][1] - ours[m]["ci95"][0]) / 2 - ci) < 2e-6
    else:
        assert "mean" not in ours["BLEU"]


def test_paired_tests_separate_small_and_large_differences() -> None:
    rng = random.Random(3)
    refs = random_corpus(rng, 40)
    noise = random_corpus(rng, 40)
    base = [r if i % 2 else h for i, (r, h) in enumerate(zip(refs, noise))]  # half right
    # as good overall, different in detail: five segments got worse, five others better
    close = [(noise[i] if i in (1, 3, 5, 7, 9) else refs[i] if i in (0, 2, 4, 6, 8) else b)
             for i, b in enumerate(base)]
    far = noise  # all wrong
    report = ev.evaluate({"base": base, "close": close, "far": far}, refs, paired_n={"bs": 200, "ar": 200}, worst=0)
    for test in ("bs", "ar"):
        for metric in ev.DEFAULT_METRICS:
            assert not report.system("close").paired[test][metric].significant, (test, metric)
            assert report.system("far").paired[test][metric].significant, (test, metric)


def test_baseline_choice_and_order() -> None:
    refs = ["a b c", "d e f"]
    report = ev.evaluate({"x": refs, "y": ["a b", "d"]}, refs, baseline="y", paired=["bs"],
                         paired_n={"bs": 20}, worst=0)
    assert [s.name for s in report.systems] == ["x", "y"]  # order kept
    assert report.baseline.name == "y"
    assert set(report.system("x").paired) == {"bs"} and report.system("y").paired == {}
    with pytest.raises(InputError, match="baseline 'z'"):
        ev.evaluate({"x": refs}, refs, baseline="z")


# -- worst segments and reports ----------------------------------------------------------------------------
def test_worst_segments_are_the_lowest_chrf() -> None:
    refs = ["the president said the talks will resume", "the cat sat", "good morning", "the UN will meet"]
    hyps = ["the president said talks resume", "zzz", "good morning", "qqq www"]
    report = ev.evaluate(hyps, refs, sources=["s1", "s2", "s3", "s4"], worst=2)
    from sacrebleu.metrics import CHRF

    per_segment = [CHRF().sentence_score(h, [r]).score for h, r in zip(hyps, refs)]
    assert list(report.systems[0].segment_chrf) == per_segment
    expected = sorted(range(4), key=lambda i: (per_segment[i], i))[:2]
    assert [w.index for w in report.worst] == expected
    first = report.worst[0]
    assert (first.source, first.hypothesis, first.references) == (f"s{expected[0] + 1}", hyps[expected[0]],
                                                                  (refs[expected[0]],))
    assert report.to_dict()["worst"][0]["chrF"] == first.chrf


def test_markdown_and_text_reports(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, md, _ = run_cli(["-s", str(files["src"]), "-r", str(files["ref1"]), "-i", str(files["a"]),
                           "--system", f"with|pipe={files['b']}", "--paired", "bs", "--paired-bs-n", "20",
                           "--confidence", "--confidence-n", "20", "--worst", "2", "--markdown"], capsys)
    assert code == 0
    assert "| System" in md and "|---" in md
    assert re.search(r"\| a\.txt \(baseline\)\s+\| [0-9.]+ \(μ = [0-9.]+ ± [0-9.]+\)", md)
    assert "with\\|pipe" in md  # table cells are escaped
    assert "Paired tests against a.txt" in md and "bs p=" in md
    assert "`nrefs:1|bs:20|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`" in md
    assert "مصدر" in md  # sources of the worst segments
    code, text, _ = run_cli(["-r", str(files["ref1"]), "-i", str(files["a"]), "--worst", "1"], capsys)
    assert code == 0 and "BLEU" in text and "HYP:" in text and "REF:" in text and "|---" not in text


def test_plot_is_written_and_matplotlib_stays_lazy(tmp_path: Path) -> None:
    check = subprocess.run([sys.executable, "-c", "import sys, xling.eval.scoring, xling.eval.testsets, xling.cli.eval; "
                            "print('matplotlib' in sys.modules, 'sacrebleu' in sys.modules, 'datasets' in sys.modules)"],
                           capture_output=True, text=True, check=True)
    assert check.stdout.split() == ["False", "False", "False"]
    refs = ["a b c d", "e f g h", "i j k l"]
    report = ev.evaluate({"one": refs, "two": ["a b", "e f", "x"]}, refs, confidence=10, paired=[], worst=0)
    out = tmp_path / "scores.png"
    report.plot(str(out))
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


# -- inputs and errors ---------------------------------------------------------------------------------------
def test_bad_inputs_give_one_clear_error(tmp_path: Path, files: dict[str, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    short = write_lines(tmp_path / "short.txt", ["only one line"])
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    cp1256 = tmp_path / "cp1256.txt"
    cp1256.write_bytes("مرحبا\n".encode("cp1256"))
    cases = [
        (["-r", str(files["ref1"]), "-i", str(short)], "has 1 segments but the references have 40"),
        (["-r", str(files["ref1"]), "-r", str(short), "-i", str(files["a"])], "reference files differ in length"),
        (["-s", str(short), "-r", str(files["ref1"]), "-i", str(files["a"])], "source file .* has 1 lines"),
        (["-r", str(empty), "-i", str(files["a"])], "is empty"),
        (["-r", str(files["ref1"]), "-i", str(cp1256)], "not valid UTF-8.*Windows-1256"),
        (["-r", str(tmp_path / "missing.txt"), "-i", str(files["a"])], "no such file"),
        (["-r", str(files["ref1"]), "-i", str(files["a"]), "--system", f"a.txt={files['b']}"], "two systems"),
        (["-r", str(files["ref1"]), "-i", str(files["a"]), "--baseline", "nope"], "baseline 'nope'"),
        (["-r", str(files["ref1"])], "give --source"),
        (["-i", str(files["a"])], "give --reference"),
        (["-t", "no-such-set", "-i", str(files["a"])], "unknown test set"),
    ]
    for argv, message in cases:
        code, out, err = run_cli(argv, capsys)
        assert code == 2, argv
        assert re.search(message, err), (argv, err)
        assert out == ""


def test_system_option_syntax(tmp_path: Path) -> None:
    result = xling_eval("-r", "x", "--system", "no-equals-sign")
    assert result.returncode == 2 and "NAME=FILE" in result.stderr


def test_parallel_files(tmp_path: Path) -> None:
    tsv = tmp_path / "set.tsv"
    tsv.write_text("source\treference\treference2\nمرحبا\thello\thi\nشكرا\tthanks \tthank you\n", encoding="utf-8")
    t = testsets.load_test_set(str(tsv))
    assert t.sources == ("مرحبا", "شكرا") and t.references == (("hello", "thanks"), ("hi", "thank you"))
    jsonl = tmp_path / "set.jsonl"
    jsonl.write_text('{"source": "مرحبا", "reference": "hello"}\n\n{"source": "شكرا", "references": ["thanks"]}\n',
                     encoding="utf-8")
    t = testsets.load_test_set(str(jsonl))
    assert t.sources == ("مرحبا", "شكرا") and t.references == (("hello", "thanks"),) and len(t) == 2
    assert t.head(1).references == (("hello",),)
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\nc\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2 has 1 tab-separated fields"):
        testsets.load_test_set(str(bad))
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"source": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 1 needs a \"reference\""):
        testsets.load_test_set(str(bad_json))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \t\r\n\u00a0\u2028é"), max_size=40))
def test_lines_are_split_as_sacrebleu_reads_files(text: str) -> None:
    import io

    expected = [line.rstrip() for line in io.StringIO(text, newline="\n")]  # sacrebleu's smart_open + rstrip
    assert testsets.split_lines(text) == expected


# -- remote test sets ----------------------------------------------------------------------------------------
def test_offline_remote_sets_fail_fast_with_one_message(tmp_path: Path) -> None:
    import os

    env = dict(os.environ, XLING_CACHE=str(tmp_path / "xc"), SACREBLEU=str(tmp_path / "sb"), HF_HUB_OFFLINE="1")
    for spec in ("flores200:devtest", "iwslt17", "tatoeba"):
        started = time.monotonic()
        result = xling_eval("--test-set", spec, "--hypothesis", "/dev/null", env=env, timeout=60)
        elapsed = time.monotonic() - started
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert "not cached" in lines[0] and "offline" in lines[0]
        assert elapsed < 20  # the interpreter start dominates; no network wait
    assert "gated" in xling_eval("-t", "flores200", "-i", "/dev/null", env=env).stderr


def test_unreachable_host_is_reported_quickly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("XLING_OFFLINE", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XLING_CACHE", str(tmp_path))
    started = time.monotonic()
    assert not testsets.reachable("192.0.2.1", timeout=0.3)  # TEST-NET-1: never answers
    assert time.monotonic() - started < 2
    monkeypatch.setattr(testsets, "reachable", lambda host, port=443, timeout=3.0: False)
    with pytest.raises(testsets.TestSetUnavailable, match="huggingface.co cannot be reached"):
        testsets.load_test_set("flores200:devtest")
    with pytest.raises(InputError, match="no split 'test'"):
        testsets.load_test_set("flores200:test")


def test_downloaded_sets_are_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XLING_CACHE", str(tmp_path))
    calls = []

    @testsets.register_loader
    class Fake(testsets.Loader):
        name = "fake-set"
        splits = ("test",)

        def fetch(self, split: str, langpair: str) -> tuple[list[str], list[list[str]]]:
            calls.append(split)
            return ["مرحبا", "شكرا"], [["hello"], ["thanks"]]

    try:
        first = testsets.load_test_set("fake-set")
        second = testsets.load_test_set("fake-set:test")
    finally:
        testsets._LOADERS.pop("fake-set")
    assert calls == ["test"]
    assert first.references == second.references == (("hello", "thanks"),)
    assert (tmp_path / "testsets" / "fake-set.test.ar-en.jsonl").is_file()


# -- documents -----------------------------------------------------------------------------------------------
def _document(source: str, target: str) -> object:
    from xling.document import Document, Settings, Side
    from xling.text.segment import paragraph_spans

    return Document("translate", Settings(), Side("ar", source, tuple(paragraph_spans(source))),
                    Side("en", target, tuple(paragraph_spans(target))))


def test_document_units(tmp_path: Path) -> None:
    src_dir, ref_dir = tmp_path / "src", tmp_path / "ref"
    src_dir.mkdir()
    ref_dir.mkdir()
    (src_dir / "one.txt").write_text("فقرة أولى.\n\nفقرة ثانية.\n", encoding="utf-8")
    (ref_dir / "one.txt").write_text("First paragraph.\n\nSecond  paragraph.\n", encoding="utf-8")
    docs = testsets.load_documents(src_dir, ref_dir)
    assert docs.ids == ("one",)
    translated = [_document(docs.sources[0], "First one.\n\nThe second.")]
    units = hypotheses.document_segments(docs, translated, "paragraph")
    assert units.hypotheses == ["First one.", "The second."]
    assert units.references == ["First paragraph.", "Second paragraph."]
    assert units.labels == ["one ¶1", "one ¶2"]
    whole = hypotheses.document_segments(docs, translated, "document")
    assert whole.hypotheses == ["First one. The second."] and len(whole.references) == 1
    with pytest.raises(InputError, match="--doc-unit document"):
        hypotheses.document_segments(docs, [_document(docs.sources[0], "Only one paragraph.")], "paragraph")
    (src_dir / "two.txt").write_text("نص.\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks the reference"):
        testsets.load_documents(src_dir, ref_dir)


# -- translating with the (tiny, random) model -------------------------------------------------------------
def test_translate_and_score_with_tiny_model(tiny_model_dir: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    src = write_lines(tmp_path / "src.txt", ["مرحبا", ""])
    ref = write_lines(tmp_path / "ref.txt", ["Hello", ""])
    hyp_out = tmp_path / "hyp.txt"
    code, out, err = run_cli(["-s", str(src), "-r", str(ref), "--model", str(tiny_model_dir), "--beam-size", "1",
                              "--name", "tiny", "--write-hypotheses", str(hyp_out), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    (system,) = report["systems"]
    assert system["name"] == "tiny"
    assert system["settings"]["beam_size"] == 1 and system["settings"]["eval_input_unit"] == "sentence"
    hyps = testsets.read_lines(hyp_out)
    assert len(hyps) == 2 and hyps[1] == ""  # an empty source segment stays empty
    assert report["worst"][0]["source"] in ("مرحبا", "")
    # scoring the saved output gives the same numbers: what was scored is what was written
    rescored = ev.evaluate(hyps, [["Hello", ""]], worst=0)
    assert rescored.systems[0].metrics["chrF2"].score == system["metrics"]["chrF2"]["score"]


def test_documents_through_the_product(tiny_model_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"id": "a1", "source": "مرحبا\n\nشكرا", "reference": "Hello\n\nThanks"},
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, err = run_cli(["--documents", str(articles), "--model", str(tiny_model_dir), "--beam-size", "1",
                              "--worst", "2", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["test_set"]["segments"] == 2  # paragraph units
    assert sorted(w["label"] for w in report["worst"]) == ["a1 ¶1", "a1 ¶2"]
    assert {w["source"] for w in report["worst"]} == {"مرحبا", "شكرا"}
    assert report["systems"][0]["settings"]["model"] == str(tiny_model_dir)
    code, _, err = run_cli(["--documents", str(articles), "--hypothesis", str(articles)], capsys)
    assert code == 2 and "--documents scores the model's own output" in err


def test_cli_entry_point_routes_to_eval(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    from xling import cli

    code = cli.main(["eval", "-r", str(files["ref1"]), "-i", str(files["a"]), "--json", "--worst", "0"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["systems"][0]["name"] == "a.txt"


def test_evaluate_is_the_public_api() -> None:
    import xling

    import xling.alignment.aligner, xling.pipeline.comparison, xling.eval.scoring  # noqa: E401,F401  (modules, named apart)

    # the package attributes stay the functions even after their modules are imported
    assert callable(xling.align) and callable(xling.compare) and xling.align.__name__ == "align"
    assert xling.evaluate(["a b c"], ["a b c"], worst=0).systems[0].metrics["chrF2"].score == 100.0
    with pytest.raises(InputError, match="one string"):
        ev.evaluate("a b c", ["a b c"])
    with pytest.raises(InputError, match="unknown metric"):
        ev.evaluate(["a"], ["a"], metrics=["METEOR"])
    assert list(ev.evaluate(["a"], ["a"], metrics=["ter", "chrf"], worst=0).systems[0].metrics) == ["TER", "chrF2"]
    with pytest.raises(InputError, match="at least 2"):
        ev.evaluate(["a"], ["a"], confidence=1)
