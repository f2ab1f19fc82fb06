"""A translation cache keyed by model + decoding settings + input sentence.

News articles repeat themselves (datelines, boilerplate, quotes re-used across updates); retranslating an
edited article should cost only the changed sentences. In memory by default (LRU); optionally a sqlite file
shared across processes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

from xling.mt.base import Hypothesis


class TranslationCache:
    def __init__(self, max_entries: int = 20_000, path: str | Path | None = None):
        self.max_entries = max_entries
        self._memory: OrderedDict[str, Hypothesis] = OrderedDict()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS hyp (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.commit()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(signature: str, sentence: str) -> str:
        return hashlib.sha256(f"{signature}\x00{sentence}".encode()).hexdigest()

    def get(self, key: str) -> Hypothesis | None:
        with self._lock:
            hyp = self._memory.get(key)
            if hyp is not None:
                self._memory.move_to_end(key)
            elif self._db is not None:
                row = self._db.execute("SELECT value FROM hyp WHERE key = ?", (key,)).fetchone()
                if row:
                    data = json.loads(row[0])
                    hyp = Hypothesis(text=data["text"], tokens=tuple(data["tokens"]), score=data["score"],
                                     flags=tuple(data["flags"]))
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
                self._db.execute("INSERT OR REPLACE INTO hyp (key, value) VALUES (?, ?)", (key, value))
                self._db.commit()

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
                self._db.execute("DELETE FROM hyp")
                self._db.commit()
