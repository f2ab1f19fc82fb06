#!/usr/bin/env python3
"""Entity linking per language pair, model-free compare: gold names linked, wrong links, entity-* false alarms.

1. The story (tests/data/entities/story: the same news story written for xling in Arabic, French, Russian and
   English, paragraph for paragraph, with its gold names in gold.tsv), compared pair by pair: how many gold
   links (a name in one paragraph in both languages) end up in one entity, entities that mix two gold names,
   and entity-missing / entity-extra / entity-inconsistent issues (all false alarms: the versions are
   faithful).
   The held-out story (tests/data/entities/heldout_story: another story, five paragraphs, written after the
   linker was built and measured without tuning) is scored the same way.
2. The paragraph (tests/data/entities/paragraph.tsv) in many languages, each compared with its English:
   whether Vladimir Putin and Joe Biden are linked to the English names, and entity-* issues.

    python eval/entity_bench.py [--pairs ar-fr,ru-en,...] [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from itertools import permutations
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import xling  # noqa: E402
from xling.entities.gold import ENTITY_CODES, read_gold, score  # noqa: E402
from xling.pipeline.comparison import compare  # noqa: E402

DATA = REPO / "tests" / "data" / "entities"
STORY = DATA / "story"
HELDOUT = DATA / "heldout_story"
STORY_LANGS = ("ar", "en", "fr", "ru")
PERSONS = ("putin", "biden")


def story_table(folder: Path, pairs: list[tuple[str, str]], verbose: bool) -> None:
    gold = read_gold(folder / "gold.tsv")
    print("| source → target | gold names linked | wrong links | entity-* false alarms | seconds |")
    print("|---|---|---|---|---|")
    for source, target in pairs:
        start = time.perf_counter()
        doc = compare((folder / f"{source}.txt").read_text("utf-8"), (folder / f"{target}.txt").read_text("utf-8"),
                      model=xling.NO_MODEL, source_lang=source, target_lang=target)
        seconds = time.perf_counter() - start
        r = score(doc, gold, source, target)
        print(f"| {source} → {target} | {r.linked}/{r.gold} ({100 * r.recall:.0f}%) | {len(r.wrong)} | "
              f"{len(r.false_alarms)} | {seconds:.2f} |")
        if verbose:
            for line in r.missed + r.wrong + r.false_alarms:
                print(f"|   | {line} | | | |")


def paragraph_table(verbose: bool) -> None:
    with (DATA / "paragraph.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))
    english, others = rows[0], rows[1:]
    print("| language | Putin linked | Biden linked | entity-* issues |")
    print("|---|---|---|---|")
    total = 0
    for row in others:
        doc = compare(row["text"], english["text"], model=xling.NO_MODEL, source_lang=row["lang"], target_lang="en")
        cells = []
        for key in PERSONS:
            linked = [doc.source.text[m.start : m.end] for e in doc.entities
                      if any(m.side == "target" and doc.target.text[m.start : m.end] == english[key] for m in e.mentions)
                      for m in e.mentions if m.side == "source"]
            ok = linked == [row[key]]
            total += ok
            cells.append(("yes" if ok else "no") + f" ({', '.join(linked) or '-'})")
        alarms = [i.code for i in doc.issues if i.code in ENTITY_CODES]
        print(f"| {row['lang']} | {cells[0]} | {cells[1]} | {len(alarms)} |")
        if verbose and alarms:
            print(f"|   | {'; '.join(i.message for i in doc.issues if i.code in ENTITY_CODES)} | | |")
    print(f"\n{total}/{2 * len(others)} person names linked in {len(others)} languages.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", help="comma-separated source-target pairs (default: every ordered pair)")
    parser.add_argument("--verbose", action="store_true", help="list missed links, wrong links and alarms")
    args = parser.parse_args(argv)
    if args.pairs:
        pairs = [tuple(p.split("-", 1)) for p in args.pairs.split(",")]
        unknown = [p for p in pairs if len(p) != 2 or not set(p) <= set(STORY_LANGS)]
        if unknown:
            parser.error(f"unknown pair(s) {unknown}; the story is in {', '.join(STORY_LANGS)}")
    else:
        pairs = list(permutations(STORY_LANGS, 2))
    print(f"Story ({STORY.relative_to(REPO)}):\n")
    story_table(STORY, pairs, args.verbose)
    print(f"\nHeld-out story ({HELDOUT.relative_to(REPO)}):\n")
    story_table(HELDOUT, pairs, args.verbose)
    print("\nParagraph (tests/data/entities/paragraph.tsv), each language against the English:\n")
    paragraph_table(args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
