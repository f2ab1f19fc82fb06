"""A translation cache keyed by model + decoding settings + input sentence.

News articles repeat themselves (datelines, boilerplate, quotes re-used across updates); retranslating an
edited article should cost only the changed sentences. In memory by default (LRU); optionally a sqlite file
shared across processes.

A cache file is only an optimization, so a bad one never stops a translation: on open it is checked
(``PRAGMA quick_check`` and the schema, marked with ``PRAGMA user_version``); a corrupt, truncated or foreign
file is moved aside to ``FILE.corrupt-<timestamp>`` with one logged warning and a new cache starts in its
place. A malformed row is a miss (and is deleted); a missing folder is created. Processes share the file
through sqlite's locking (WAL mode where the file system allows it, a lock timeout on every connection).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path

from xling.errors import InputError
from xling.mt.base import Hypothesis

log = logging.getLogger(__name__)

#: Marks the file's layout (``PRAGMA user_version``); a file with another version is not read.
SCHEMA_VERSION = 1
_COLUMNS = ["key", "value"]
#: Seconds to wait for another process's lock on the file before giving up.
LOCK_TIMEOUT = 30.0


class _Unusable(Exception):
    """The file is not a readable cache of this version (the message says why)."""


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _is_corruption(err: sqlite3.Error) -> bool:
    """Corrupt or not a database at all, as opposed to locked, read-only or unopenable (OperationalError)."""
    name = getattr(err, "sqlite_errorname", "")
    return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or (
        isinstance(err, sqlite3.DatabaseError) and not isinstance(err, sqlite3.OperationalError)
    )


def _columns(db: sqlite3.Connection) -> list[str]:
    return [row[1] for row in db.execute("PRAGMA table_info(hyp)")]


def _tables(db: sqlite3.Connection) -> set[str]:
    return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _prepare(db: sqlite3.Connection) -> None:
    """Check the file and create the schema in a new one; raises _Unusable for a file that is not our cache."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise _Unusable(f"integrity check failed: {problems[0]}")
    db.execute("BEGIN IMMEDIATE")  # one process creates the schema, the others wait and then see it
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = _tables(db)
        if version == SCHEMA_VERSION and "hyp" in tables and _columns(db) == _COLUMNS:
            pass
        elif version == 0 and (not tables or (tables == {"hyp"} and _columns(db) == _COLUMNS)):
            # a new file, or one written before the schema had a version (the same layout)
            db.execute("CREATE TABLE IF NOT EXISTS hyp (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        else:
            raise _Unusable(f"it is not an xling cache of schema version {SCHEMA_VERSION} "
                            f"(version {version}, tables {', '.join(sorted(tables)) or 'none'})")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # (sqlite has already rolled back after some errors)
            db.execute("ROLLBACK")
        raise


def _decode(value: object) -> Hypothesis | None:
    """The hypothesis a row holds, or None when the row is malformed."""
    try:
        data = json.loads(value)  # type: ignore[arg-type]
        text, tokens, score, flags = data["text"], data["tokens"], data["score"], data["flags"]
    except (TypeError, ValueError, KeyError):
        return None
    if not (isinstance(text, str) and isinstance(tokens, list) and all(isinstance(t, str) for t in tokens)
            and isinstance(flags, list) and all(isinstance(f, str) for f in flags)
            and (score is None or (isinstance(score, (int, float)) and not isinstance(score, bool)))):
        return None
    return Hypothesis(text=text, tokens=tuple(tokens), score=score, flags=tuple(flags))


class TranslationCache:
    def __init__(self, max_entries: int = 20_000, path: str | Path | None = None, *,
                 timeout: float = LOCK_TIMEOUT):
        self.max_entries = max_entries
        self._memory: OrderedDict[str, Hypothesis] = OrderedDict()
        self._lock = threading.Lock()
        self.path = None if path is None else Path(path)
        self.timeout = timeout
        self._warned_rows = False
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self._db = self._open(self.path)
        self.hits = 0
        self.misses = 0

    # -- the file ----------------------------------------------------------------------------------------
    def _open(self, path: Path) -> sqlite3.Connection:
        if path.is_dir():
            raise InputError(f"cache file {path} is a directory: give a file name")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"cache file {path}: cannot create its folder ({err.strerror or err})") from None
        for _ in range(3):  # a rebuilt file that another process moves aside meanwhile: try again
            identity = _identity(path)
            db: sqlite3.Connection | None = None
            try:
                db = sqlite3.connect(str(path), timeout=self.timeout, check_same_thread=False, isolation_level=None)
                _prepare(db)
            except (_Unusable, sqlite3.DatabaseError) as err:
                if db is not None:
                    db.close()
                if isinstance(err, sqlite3.Error) and not _is_corruption(err):
                    raise InputError(f"cache file {path} cannot be used: {err}") from None
                self._move_aside(path, identity, str(err))
                continue
            try:  # readers and a writer at once; not on every file system (then the default journal stays)
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.OperationalError:
                pass
            return db
        raise InputError(f"cache file {path} keeps turning out unusable; delete it or choose another file")

    def _move_aside(self, path: Path, identity: tuple[int, int] | None, reason: str) -> None:
        if identity is None or _identity(path) != identity:
            return  # gone or already replaced by another process: just open it again
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = Path(f"{path}.corrupt-{stamp}")
        n = 1
        while target.exists():
            target, n = Path(f"{path}.corrupt-{stamp}-{n}"), n + 1
        try:
            os.replace(path, target)
        except FileNotFoundError:
            return
        except OSError as err:
            raise InputError(f"cache file {path} is unusable ({reason}) and cannot be moved aside "
                             f"({err.strerror or err}): delete it or choose another file") from None
        for suffix in ("-wal", "-shm", "-journal"):  # its companions belong to the bad file, not the new one
            try:
                os.replace(f"{path}{suffix}", f"{target}{suffix}")
            except OSError:
                pass
        log.warning("translation cache %s is unusable (%s): moved it to %s and started a new one",
                    path, reason, target)

    def _failed(self, err: sqlite3.Error) -> None:
        """The file broke while in use (locked too long, disk full, corrupted meanwhile): go on in memory."""
        log.warning("translation cache %s failed (%s): going on without the file", self.path, err)
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None

    def _load(self, key: str) -> Hypothesis | None:
        assert self._db is not None
        row = self._db.execute("SELECT value FROM hyp WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        hyp = _decode(row[0])
        if hyp is None:
            self._db.execute("DELETE FROM hyp WHERE key = ?", (key,))
            if not self._warned_rows:
                self._warned_rows = True
                log.warning("translation cache %s: dropped a malformed entry (translated anew)", self.path)
        return hyp

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- entries -----------------------------------------------------------------------------------------
    @staticmethod
    def key(signature: str, sentence: str) -> str:
        return hashlib.sha256(f"{signature}\x00{sentence}".encode()).hexdigest()

    def get(self, key: str) -> Hypothesis | None:
        with self._lock:
            hyp = self._memory.get(key)
            if hyp is not None:
                self._memory.move_to_end(key)
            elif self._db is not None:
                try:
                    hyp = self._load(key)
                except sqlite3.Error as err:
                    self._failed(err)
                if hyp is not None:
                    self._remember(key, hyp)
            if hyp is None:
                self.misses += 1
            else:
                self.hits += 1
            return hyp

    def put(self, key: str, hyp: Hypothesis) -> None:
        with self._lock:
            self._remember(key, hyp)
            if self._db is not None:
                value = json.dumps({"text": hyp.text, "tokens": list(hyp.tokens), "score": hyp.score,
                                    "flags": list(hyp.flags)}, ensure_ascii=False)
                try:
                    self._db.execute("INSERT OR REPLACE INTO hyp (key, value) VALUES (?, ?)", (key, value))
                except sqlite3.Error as err:
                    self._failed(err)

    def _remember(self, key: str, hyp: Hypothesis) -> None:
        self._memory[key] = hyp
        self._memory.move_to_end(key)
        while len(self._memory) > self.max_entries:
            self._memory.popitem(last=False)

    def __len__(self) -> int:
        return len(self._memory)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
            if self._db is not None:
                try:
                    self._db.execute("DELETE FROM hyp")
                except sqlite3.Error as err:
                    self._failed(err)
