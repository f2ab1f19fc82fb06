"""The translation cache file: a bad file is moved aside and rebuilt, a bad row is a miss, processes share it."""

import json
import logging
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from xling.errors import InputError
from xling.mt.base import Hypothesis
from xling.mt.cache import SCHEMA_VERSION, TranslationCache

HYP = Hypothesis(text="The delegation arrived.", tokens=("▁The", "▁delegation", "▁arrived", "."), score=-0.25,
                 flags=("retried",))


def key(n: int) -> str:
    return TranslationCache.key("model|beam=4", f"sentence {n}")


def row(hyp: Hypothesis) -> str:
    return json.dumps({"text": hyp.text, "tokens": list(hyp.tokens), "score": hyp.score, "flags": list(hyp.flags)})


def filled(path: Path, n: int = 300, version: int = SCHEMA_VERSION) -> None:
    """A cache file as xling writes it, with ``n`` entries (written directly, so the file is complete)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE hyp (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(f"PRAGMA user_version = {version}")
        db.executemany("INSERT INTO hyp VALUES (?, ?)",
                       [(key(i), row(Hypothesis(text=f"sentence {i} " * 20, tokens=("▁x",) * 30))) for i in range(n)])
    db.close()


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name.startswith("xling")]


def test_entries_survive_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with TranslationCache(path=path) as cache:
        cache.put(key(1), HYP)
    fresh = TranslationCache(path=path)
    assert fresh.get(key(1)) == HYP and fresh.get(key(2)) is None
    assert (fresh.hits, fresh.misses) == (1, 1)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def truncated(path: Path) -> None:
    filled(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def tiny_header(path: Path) -> None:
    filled(path)
    path.write_bytes(path.read_bytes()[:50])


def other_schema(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes (body) VALUES ('mine')")


def newer_version(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE hyp (key TEXT PRIMARY KEY, value TEXT NOT NULL, extra BLOB)")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")


@pytest.mark.parametrize("spoil", [
    lambda p: p.write_bytes(b"this is not a database, just bytes\n" * 200),
    truncated, tiny_header, other_schema, newer_version,
], ids=["garbage", "truncated", "tiny-header", "other-schema", "newer-version"])
def test_an_unusable_file_is_moved_aside_with_one_warning(spoil, tmp_path: Path, caplog) -> None:
    path = tmp_path / "cache.sqlite"
    spoil(path)
    before = path.read_bytes()
    with caplog.at_level(logging.WARNING):
        cache = TranslationCache(path=path)
    (warning,) = warnings_of(caplog)
    assert str(path) in warning and "moved it to" in warning
    (aside,) = tmp_path.glob("cache.sqlite.corrupt-*")
    assert aside.read_bytes() == before  # kept as it was, for whoever wants to look
    assert cache.get(key(1)) is None
    cache.put(key(1), HYP)
    assert TranslationCache(path=path).get(key(1)) == HYP  # the rebuilt file works
    assert len(warnings_of(caplog)) == 1


@pytest.mark.parametrize("value", [
    "{not json", "[1, 2]", json.dumps({"text": "no tokens"}),
    json.dumps({"text": 3, "tokens": [], "score": None, "flags": []}),
    json.dumps({"text": "x", "tokens": "abc", "score": None, "flags": []}),
    json.dumps({"text": "x", "tokens": [], "score": "high", "flags": []}),
], ids=["not-json", "list", "missing-keys", "text-not-str", "tokens-not-list", "score-not-number"])
def test_a_malformed_row_is_a_miss_and_is_deleted(value: str, tmp_path: Path, caplog) -> None:
    path = tmp_path / "cache.sqlite"
    filled(path, 0)
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO hyp VALUES (?, ?)", [(key(1), value), (key(2), row(HYP))])
    db.close()
    cache = TranslationCache(path=path)
    with caplog.at_level(logging.WARNING):
        assert cache.get(key(1)) is None
        assert cache.get(key(2)) == HYP
    assert cache.misses == 1 and len(warnings_of(caplog)) == 1
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM hyp WHERE key = ?", (key(1),)).fetchone()[0] == 0
    assert not list(tmp_path.glob("*.corrupt-*"))  # one bad row does not cost the whole file


def test_a_missing_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "cache.sqlite"
    TranslationCache(path=path).put(key(1), HYP)
    assert TranslationCache(path=path).get(key(1)) == HYP


def test_paths_that_cannot_be_a_cache_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        TranslationCache(path=tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot create its folder"):
        TranslationCache(path=blocker / "cache.sqlite")


def test_a_file_from_before_the_schema_version_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    filled(path, 0, version=0)  # what earlier versions wrote: the same table, no user_version
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO hyp VALUES (?, ?)", (key(1), row(HYP)))
    db.close()
    assert TranslationCache(path=path).get(key(1)) == HYP
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_the_file_breaking_in_use_falls_back_to_memory(tmp_path: Path, caplog) -> None:
    cache = TranslationCache(path=tmp_path / "cache.sqlite")
    cache._db.close()  # as if the file had gone bad under it  # noqa: SLF001
    with caplog.at_level(logging.WARNING):
        cache.put(key(1), HYP)
        assert cache.get(key(1)) == HYP and cache.get(key(2)) is None
    assert len(warnings_of(caplog)) == 1


def _worker(path: str, worker: int, queue) -> None:
    try:
        cache = TranslationCache(path=path, max_entries=1)  # tiny memory: every get reads the file
        for i in range(150):
            cache.put(key(worker * 1000 + i), Hypothesis(text=f"{worker} {i}", tokens=("▁x",)))
            assert cache.get(key(worker * 1000 + i // 2)).text == f"{worker} {i // 2}"
        del cache
        queue.put("ok")
    except BaseException as err:  # reported to the test, which fails with it
        queue.put(repr(err))


def test_processes_share_one_file(tmp_path: Path) -> None:
    path = str(tmp_path / "cache.sqlite")
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(path, w, queue)) for w in range(4)]
    for p in workers:
        p.start()
    results = [queue.get(timeout=120) for _ in workers]
    for p in workers:
        p.join(timeout=30)
    assert results == ["ok"] * 4
    cache = TranslationCache(path=path)
    assert all(cache.get(key(w * 1000 + 149)).text == f"{w} 149" for w in range(4))
