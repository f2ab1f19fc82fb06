"""xling batch / translate_corpus on the embedded engine: formats, equality with xling.translate, errors, resume.

The tiny fixture model's translations are meaningless; the tests compare the batch output with what
``xling.translate`` (and ``xling.compare``) make of each article alone, never judge a translation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xling
from tests.conftest import REPO_ROOT
from xling.batch import read_errors, read_rows, shard_records, translate_corpus
from xling.batch.runner import ENGINES, MODES, ModelSpec, Progress, batch_backend
from xling.batch.sinks import DEFAULT_FIELDS, MANIFEST, Output, document_fields
from xling.batch.sources import (
    BINARY,
    EMPTY,
    INVALID_RECORD,
    MISSING_TEXT,
    OVERSIZED,
    UNDECODABLE,
    Columns,
    JsonlSource,
    content_id,
    open_source,
)
from xling.cli import main

N_ARTICLES = 40
#: CTranslate2 conversions of the fixture model, kept beside it (keyed on its files: converted once, not per
#: module or run, which on a busy 2-core machine costs 5-10 s each, also in each Ray actor).
CT2_CACHE = REPO_ROOT / ".test-models" / "xling-cache"
MAX_CHARS = 2000


def articles(seed_text: str, n: int = N_ARTICLES) -> list[tuple[str, str]]:
    """``n`` distinct two-paragraph articles made of the seed's paragraphs, with ids."""
    paragraphs = [p for p in seed_text.split("\n") if p.strip()]
    k = len(paragraphs)
    return [(f"a{i:02d}", paragraphs[i % k] + "\n\n" + paragraphs[(7 * i + 3) % k]) for i in range(n)]


#: Bad rows (as raw JSONL lines) and the error code each must end with.
BAD_LINES: list[tuple[bytes, str]] = [
    (b'{"id": "empty", "text": "  \\n  "}', EMPTY),
    (b'{"id": "controls", "text": "' + b"\\u0001" * 12 + b' abc"}', BINARY),
    (b'{"id": "big", "text": "' + "\u0628".encode() * (MAX_CHARS + 1) + b'"}', OVERSIZED),
    (b'{"id": "latin1", "text": "caf\xe9 au lait"}', UNDECODABLE),
    (b"\x00\x01\x02 binary \x00", BINARY),
    (b"this is not json", INVALID_RECORD),
    (b'{"id": "no-text", "body": "nothing under text"}', MISSING_TEXT),
    (b'{"id": "null", "text": null}', MISSING_TEXT),
    (b'{"id": "huge-line", "text": "' + b"x" * (7 * MAX_CHARS + (1 << 16)) + b'"}', OVERSIZED),
]


def write_jsonl(path: Path, rows: list[tuple[str, str]], bad: bool = True) -> Path:
    with open(path, "wb") as fh:
        for i, (ident, text) in enumerate(rows):
            fh.write(json.dumps({"id": ident, "text": text}, ensure_ascii=False).encode() + b"\n")
            if bad and i % 4 == 1 and i // 4 < len(BAD_LINES):
                fh.write(BAD_LINES[i // 4][0] + b"\n")
        fh.write(b"\n")  # a blank line is no row
    return path


@pytest.fixture(scope="module")
def corpus(seed_text: str) -> list[tuple[str, str]]:
    return articles(seed_text)


@pytest.fixture(scope="module")
def model(tiny_model_dir: Path) -> str:
    return str(tiny_model_dir)


@pytest.fixture(scope="module", autouse=True)
def ct2_cache():
    """CTranslate2 conversions of the fixture model (the batch default backend) go to :data:`CT2_CACHE`."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XLING_CACHE", str(CT2_CACHE))
    mp.delenv("XLING_MODEL", raising=False)
    mp.delenv("XLING_BACKEND", raising=False)
    yield
    mp.undo()


#: The batch default backend (CTranslate2 when installed) at the default beam: a list through ``xling.translate``
#: equals each article alone on both backends (see test_ct2_beam_search_does_not_depend_on_the_batch).
BACKEND = batch_backend()
BEAM = 4


def translate_alone(corpus, model: str, backend: str, beam_size: int) -> list[dict[str, str]]:
    """xling.translate of each article alone (its own engine, no cache shared with the batch runs)."""
    engine = xling.Engine(model, backend=backend, beam_size=beam_size, cache=False)
    return [document_fields(ident, xling.translate(text, model=engine), DEFAULT_FIELDS) for ident, text in corpus]


@pytest.fixture(scope="module")
def expected(corpus, model) -> list[dict[str, str]]:
    return translate_alone(corpus, model, BACKEND, BEAM)


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory, corpus) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("corpus") / "corpus.jsonl", corpus)


def run_cli(*args: str) -> int:
    return main(["batch", *args])


def test_jsonl_through_the_cli_equals_translate_alone(jsonl, model, expected, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_cli(str(jsonl), str(out), "--model", model, "--id-column", "id", "--shard-rows", "8",
                   "--max-chars", str(MAX_CHARS), "--progress", "log", "--log-every", "16",
                   "--beam-size", str(BEAM)) == 0
    rows = list(read_rows(out))
    assert rows == expected
    err = capsys.readouterr().err
    assert "xling batch: " in err and "rows/s" in err and f"{N_ARTICLES} articles" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["articles"] == N_ARTICLES and summary["rows"] == N_ARTICLES + len(BAD_LINES)
    assert summary["sentences"] == sum(len(json.loads(r["document"])["sentences"]["source"]) for r in rows)
    issues: dict[str, int] = {}
    for r in rows:
        for issue in json.loads(r["document"])["issues"]:
            issues[issue["code"]] = issues.get(issue["code"], 0) + 1
    assert summary["issues"] == issues and summary["articles_per_second"] > 0
    assert [s.worker["pid"] for s in shard_records(out)] == [os.getpid()] * len(shard_records(out))


def test_transformers_at_beam_4_equals_translate_alone(corpus, model, tmp_path):
    few = corpus[:6]  # transformers decodes the tiny model ~10x slower than CTranslate2
    path = write_jsonl(tmp_path / "few.jsonl", few, bad=False)
    out = tmp_path / "out"
    assert run_cli(str(path), str(out), "--model", model, "--id-column", "id", "--shard-rows", "4",
                   "--backend", "transformers", "--beam-size", "4", "--progress", "none") == 0
    assert list(read_rows(out)) == translate_alone(few, model, "transformers", 4)


def test_bad_rows_end_in_the_errors_output(jsonl, model, tmp_path):
    out = tmp_path / "out"
    summary = translate_corpus(jsonl, out, model=model, id_column="id", shard_rows=8, max_chars=MAX_CHARS,
                               output_format="jsonl", progress="none")
    errors = list(read_errors(out))
    assert [e["code"] for e in errors] == [code for _, code in BAD_LINES]
    assert {e["id"] for e in errors} >= {"empty", "controls", "big", "latin1", "no-text", "null"}
    assert all(e["message"] for e in errors)
    expected_counts: dict[str, int] = {}
    for _, code in BAD_LINES:
        expected_counts[code] = expected_counts.get(code, 0) + 1
    assert sorted(summary.errors.items()) == sorted(expected_counts.items())
    assert summary.error_count == len(BAD_LINES) and summary.articles == N_ARTICLES
    assert "cp1252" in next(e for e in errors if e["id"] == "latin1")["message"]  # the reader's hint, kept


def test_a_run_killed_with_sigkill_resumes_exactly_once(jsonl, model, expected, tmp_path):
    out = tmp_path / "out"
    args = [sys.executable, "-m", "xling", "batch", str(jsonl), str(out), "--model", model, "--id-column", "id",
            "--shard-rows", "1", "--max-chars", str(MAX_CHARS), "--format", "jsonl", "--progress", "none",
            "--beam-size", str(BEAM)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    manifest = out / MANIFEST
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if manifest.exists() and manifest.read_bytes().count(b"\n") >= 6:  # header + 5 shards
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
    proc.stderr.close()  # type: ignore[union-attr]
    done_before = len(shard_records(out))
    assert 5 <= done_before < N_ARTICLES + len(BAD_LINES)
    summary = translate_corpus(jsonl, out, model=model, id_column="id", shard_rows=1, max_chars=MAX_CHARS,
                               output_format="jsonl", progress="none", beam_size=BEAM)
    assert summary.resumed_shards >= done_before
    rows = list(read_rows(out))
    ids = [r["id"] for r in rows] + [e["id"] for e in read_errors(out)]
    assert len(ids) == len(set(ids)) == N_ARTICLES + len(BAD_LINES)
    assert rows == expected
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]


def test_resume_after_a_torn_manifest_line_and_a_half_written_shard(jsonl, model, expected, tmp_path):
    out = tmp_path / "out"
    common = dict(model=model, id_column="id", shard_rows=8, max_chars=MAX_CHARS, progress="none", beam_size=BEAM)
    translate_corpus(jsonl, out, **common)
    lines = (out / MANIFEST).read_bytes().split(b"\n")
    # killed after shard 2's file was renamed into place but while its manifest line was being appended,
    # with shard 3's temporary file half written: shards 2.. are redone, and nothing is duplicated
    (out / MANIFEST).write_bytes(b"\n".join(lines[:3]) + b"\n" + lines[3][:17])
    (out / ".tmp-part-00003").write_bytes(b"PAR1 half")
    summary = translate_corpus(jsonl, out, **common)
    assert summary.resumed_shards == 2 and summary.articles == N_ARTICLES
    assert list(read_rows(out)) == expected
    assert not (out / ".tmp-part-00003").exists()
    assert [s.index for s in shard_records(out)] == list(range(len(shard_records(out))))


def test_resume_refuses_other_settings_or_a_changed_input(jsonl, model, tmp_path, corpus):
    out = tmp_path / "out"
    translate_corpus(jsonl, out, model=model, shard_rows=16, max_chars=MAX_CHARS, progress="none",
                     annotate=False, fields=["id", "target"])
    with pytest.raises(xling.InputError, match="differs in: shard_rows"):
        translate_corpus(jsonl, out, model=model, shard_rows=8, max_chars=MAX_CHARS, progress="none",
                         annotate=False, fields=["id", "target"])
    changed = write_jsonl(tmp_path / "changed.jsonl", corpus[:3], bad=False)
    with pytest.raises(xling.InputError, match="differs in: input"):
        translate_corpus(changed, out, model=model, shard_rows=16, max_chars=MAX_CHARS, progress="none",
                         annotate=False, fields=["id", "target"])
    summary = translate_corpus(changed, out, model=model, shard_rows=16, max_chars=MAX_CHARS, progress="none",
                               annotate=False, fields=["id", "target"], overwrite=True)
    assert summary.articles == 3 and [r["id"] for r in read_rows(out)] == [content_id(t) for _, t in corpus[:3]]
    assert set(next(read_rows(out))) == {"id", "target"}


def test_every_input_format_gives_the_same_rows(tmp_path, corpus, model, expected):
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    few = corpus[:6]
    want = expected[:6]
    table = pa.table({"id": [i for i, _ in few], "text": [t for _, t in few]})
    pq.write_table(table, tmp_path / "c.parquet", row_group_size=4)
    csv_path = tmp_path / "c.csv"
    import csv

    with open(csv_path, "w", newline="", encoding="utf-8") as fh:  # quoted newlines inside the articles
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows(few)
    datasets.Dataset.from_dict({"id": [i for i, _ in few], "text": [t for _, t in few]}).save_to_disk(
        str(tmp_path / "ds"))
    folder = tmp_path / "txt"
    for ident, text in few:
        (folder / ident[:2]).mkdir(parents=True, exist_ok=True)
        (folder / ident[:2] / f"{ident}.txt").write_text(text, encoding="utf-8")
    for name, path in (("parquet", tmp_path / "c.parquet"), ("csv", csv_path), ("dataset", tmp_path / "ds")):
        out = tmp_path / f"out-{name}"
        translate_corpus(path, out, model=model, id_column="id", shard_rows=4, progress="none", beam_size=BEAM)
        assert list(read_rows(out)) == want, name
    out = tmp_path / "out-txt"
    translate_corpus(folder, out, model=model, shard_rows=4, progress="none", beam_size=BEAM)
    rows = list(read_rows(out))
    assert [r["id"] for r in rows] == [f"a0/{i}.txt" for i, _ in few]
    assert [{**r, "id": e["id"]} for r, e in zip(rows, want)] == want


def test_a_txt_folder_with_bad_files(tmp_path, model):
    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "good.txt").write_text("قال الوزير إن المحادثات ستستمر.", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (folder / "cp1256.txt").write_bytes("قال الوزير".encode("cp1256"))
    (folder / "empty.txt").write_text("\n\n", encoding="utf-8")
    (folder / "big.txt").write_text("ب" * 5000, encoding="utf-8")
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    summary = translate_corpus(folder, tmp_path / "out", model=model, max_chars=1000, progress="none")
    assert summary.articles == 1 and [r["id"] for r in read_rows(tmp_path / "out")] == ["good.txt"]
    assert {e["id"]: e["code"] for e in read_errors(tmp_path / "out")} == {
        "big.txt": OVERSIZED, "binary.txt": BINARY, "cp1256.txt": UNDECODABLE, "empty.txt": EMPTY}


def test_compare_mode_equals_compare_alone(tmp_path, seed_text, seed_english, model):
    src = [p for p in seed_text.split("\n") if p.strip()]
    tgt = [p for p in seed_english.split("\n") if p.strip()]
    pairs = [("\n\n".join(src[i : i + 2]), "\n\n".join(tgt[i : i + 2])) for i in range(0, 8, 2)]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"ar": a, "en": b}, ensure_ascii=False) + "\n" for a, b in pairs))
    out = tmp_path / "out"
    assert run_cli(str(path), str(out), "--mode", "compare", "--text-column", "ar", "--target-column", "en",
                   "--model", model, "--progress", "none", "--fields", "id,target_lang,document") == 0
    engine = xling.Engine(model, backend=batch_backend(), cache=False)
    want = [document_fields(content_id(a, b), xling.compare(a, b, model=engine), ("id", "target_lang", "document"))
            for a, b in pairs]
    assert list(read_rows(out)) == want
    assert all(json.loads(r["document"])["mode"] == "compare" for r in want)


def test_ct2_beam_search_does_not_depend_on_the_batch(corpus, model):
    """CTranslate2 takes one max_decoding_length per call (the longest source's); a row that would have been
    stopped at its own cap alone is decoded again under that cap, so a list equals each article alone."""
    pytest.importorskip("ctranslate2")
    texts = [t for _, t in corpus[:8]]
    engine = xling.Engine(model, backend="ct2", beam_size=4, cache=False)
    alone = [xling.translate(t, model=engine, annotate_result=False).to_dict() for t in texts]
    together = [d.to_dict() for d in xling.translate(texts, model=engine, annotate_result=False)]
    assert alone == together


def test_a_forced_model_that_cannot_load_stops_the_run(jsonl, tmp_path):
    with pytest.raises(xling.ModelUnavailable):
        translate_corpus(jsonl, tmp_path / "out", model=str(tmp_path / "no-such-model"), progress="none")
    assert run_cli(str(jsonl), str(tmp_path / "out2"), "--model", str(tmp_path / "nope"), "--progress", "none") == 2


def test_options_are_checked(jsonl, tmp_path, model):
    with pytest.raises(ValueError, match="engine must be one of"):
        translate_corpus(jsonl, tmp_path / "o", engine="spark")
    with pytest.raises(ValueError, match="unknown field"):
        translate_corpus(jsonl, tmp_path / "o", fields=["id", "colour"])
    with pytest.raises(ValueError, match="compare mode needs target_column"):
        translate_corpus(jsonl, tmp_path / "o", mode="compare")
    with pytest.raises(ValueError, match="for engine='ray'"):
        translate_corpus(jsonl, tmp_path / "o", workers=2)
    with pytest.raises(xling.InputError, match="no such file"):
        translate_corpus(tmp_path / "missing.jsonl", tmp_path / "o")
    with pytest.raises(TypeError):
        translate_corpus(jsonl, tmp_path / "o", colour="blue")  # type: ignore[call-arg]
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "part-00000.parquet").write_bytes(b"")
    with pytest.raises(xling.InputError, match="no manifest"):
        translate_corpus(jsonl, tmp_path / "taken", model=model)
    assert set(ENGINES) == {"embedded", "ray"} and set(MODES) == {"translate", "compare"}


def test_progress_log_lines_without_a_terminal(capsys):
    import io

    stream = io.StringIO()
    bar = Progress(10, 2, log_every=3, stream=stream)
    assert bar.mode == "log"
    for _ in range(8):
        bar.update(1, 1)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("xling batch: 10/10 rows (100%)") and "ETA 0s" in lines[-1]


def test_model_spec_describes_what_decides_the_output():
    spec = ModelSpec(model="m", backend="ct2", threads=3, cache_path="c.sqlite", device="cpu")
    assert "threads" not in spec.describe() and spec.describe()["backend"] == "ct2"


def test_threads_per_worker_reach_the_backend_of_either_kind(model, monkeypatch):
    import torch

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # as on a user's machine: nobody chose a count
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        loaded = ModelSpec(model=model, backend="transformers", threads=2).build().backend  # loads it
        assert loaded.threads == 2 and torch.get_num_threads() == 2  # set from threads= when it loaded
        assert ModelSpec(model=model, backend="ct2", threads=2).build().backend.threads == 2
    finally:
        torch.set_num_threads(before)


# -- the readers, alone --------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.one_of(st.text(max_size=30), st.just(""), st.binary(max_size=20)), max_size=30),
       shard_rows=st.integers(1, 7))
def test_jsonl_shards_cover_every_row_once_in_order(tmp_path_factory, lines, shard_rows):
    path = tmp_path_factory.mktemp("jsonl") / "x.jsonl"
    raw = [(json.dumps({"text": x}).encode() if isinstance(x, str) else x.replace(b"\n", b" ")) for x in lines]
    path.write_bytes(b"".join(line + b"\n" for line in raw))
    source = JsonlSource(str(path), Columns(max_chars=100))
    specs = list(source.plan(shard_rows))
    rows = [row for spec in specs for row in source.read(spec)]
    assert [r.position for r in rows] == list(range(len(rows)))
    assert len(rows) == sum(1 for line in raw if line.strip())
    assert all(s.rows <= shard_rows for s in specs) and all(s.rows == shard_rows for s in specs[:-1])
    assert all((r.error is None) == (r.text is not None) for r in rows)


def test_csv_offsets_survive_quoted_newlines(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('id,text\n1,"one\nline two"\n\n2,plain\n3,"a ""quote"""\n', encoding="utf-8")
    source = open_source(path, columns=Columns(id="id"))
    for shard_rows in (1, 2, 3):
        rows = [r for spec in source.plan(shard_rows) for r in source.read(spec)]
        assert [(r.id, r.text) for r in rows] == [("1", "one\nline two"), ("2", "plain"), ("3", 'a "quote"')]


def test_output_refuses_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(xling.InputError, match="not a folder"):
        Output(tmp_path / "file").open({})
