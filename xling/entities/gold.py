"""Scoring entity links against a paragraph-parallel gold table (for tests and ``eval/entity_bench.py``).

The table (TSV, ``#`` comments) has the columns ``paragraph``, ``entity`` and one per language code, each
cell listing that language's mentions of the entity in that paragraph, verbatim, separated by ``|``. A
*gold link* of a pair of languages is an entity named in one paragraph in both; it is linked when one
entity of the document has a mention of it in that paragraph on each side. A *wrong link* is an entity
of the document whose mentions are gold mentions of two different gold entities.
"""

from __future__ import annotations

import bisect
import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from xling.document import Document
from xling.errors import InputError

#: Columns of the gold table before the language columns.
FIXED_COLUMNS = ("paragraph", "entity")
#: Issue codes that an entity error raises (a faithful translation must raise none).
ENTITY_CODES = ("entity-missing", "entity-extra", "entity-inconsistent")


@dataclass
class PairScore:
    """Linking results of one document against the gold table."""

    gold: int = 0
    linked: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.linked / self.gold if self.gold else 1.0


def read_gold(path: str | Path) -> list[dict[str, str]]:
    """The rows of a gold table; a missing column raises InputError."""
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))
    if rows and any(c not in rows[0] for c in FIXED_COLUMNS):
        raise InputError(f"{path}: a gold table needs the columns {', '.join(FIXED_COLUMNS)}")
    return rows


def _forms(cell: str | None) -> set[str]:
    return {f for f in (cell or "").split("|") if f}


def score(doc: Document, gold: list[dict[str, str]], source_lang: str, target_lang: str) -> PairScore:
    """How many gold links of ``doc`` (source in ``source_lang``, target in ``target_lang``) are linked."""
    langs = {"source": source_lang, "target": target_lang}
    starts = {side: [s.start for s in doc.side(side).sentences] for side in langs}

    def paragraph(side: str, pos: int) -> int:
        sentences = doc.side(side).sentences
        return sentences[max(0, bisect.bisect_right(starts[side], pos) - 1)].paragraph

    gold_of: dict[tuple[str, int, str], str] = {}
    for row in gold:
        for side, lang in langs.items():
            for form in _forms(row.get(lang)):
                gold_of[(side, int(row["paragraph"]), form)] = row["entity"]
    result = PairScore()
    where: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    for e in doc.entities:
        named = set()
        for m in e.mentions:
            key = (m.side, paragraph(m.side, m.start), doc.side(m.side).text[m.start : m.end])
            where[key].add(e.id)
            if key in gold_of:
                named.add(gold_of[key])
        if len(named) > 1:
            result.wrong.append(f"{e.id} ({e.name}): {', '.join(sorted(named))}")
    for row in gold:
        p = int(row["paragraph"])
        a, b = _forms(row.get(source_lang)), _forms(row.get(target_lang))
        if not a or not b:
            continue
        result.gold += 1
        ids_a = set().union(*(where.get(("source", p, f), set()) for f in a))
        ids_b = set().union(*(where.get(("target", p, f), set()) for f in b))
        if ids_a & ids_b:
            result.linked += 1
        else:
            result.missed.append(f"paragraph {p}: {row['entity']}")
    result.false_alarms = [f"{i.code}: {i.message}" for i in doc.issues if i.code in ENTITY_CODES]
    return result


__all__ = ["FIXED_COLUMNS", "ENTITY_CODES", "PairScore", "read_gold", "score"]
