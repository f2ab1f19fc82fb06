#!/usr/bin/env python3
"""Sentence-alignment benchmark on the Text+Berg German-French dev set (Sennrich & Volk 2010).

Aligns dev.de with dev.fr with the Google MT of the source (eval1957.google.fr), also with the Google
MT of the target (eval1957.google.de), with the Europarl SMT of the source (eval1957.europarlfull.fr),
model-free (length and anchors only), and two ablations (no boundary cost; length only), and
scores each against the gold beads (dev.defr) with strict/lax precision, recall and F1 as Vecalign's
score.py does. The published figures are for the test half of the same corpus.

    python eval/align_bench.py [DATA_DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from xling.alignment.aligner import align, alignment_scores, read_beads

DEFAULT_DATA = REPO.parent / "shared" / "data" / "textberg-dev"
PUBLISHED = {"Gale-Church": 0.68, "Bleualign": 0.81, "Vecalign (LASER)": 0.90, "SentAlign": 0.93, "Bertalign": 0.94}
#: system -> (MT of the source into French, MT of the target into German, other align() arguments);
#: either MT may be None
SYSTEMS: dict[str, tuple[str | None, str | None, dict]] = {
    "xling + Google MT": ("eval1957.google.fr", None, {}),
    "xling + Google MT both ways": ("eval1957.google.fr", "eval1957.google.de", {}),
    "xling + Europarl SMT": ("eval1957.europarlfull.fr", None, {}),
    "xling model-free": (None, None, {}),
    "  Google, no boundary cost": ("eval1957.google.fr", None, {"boundary_weight": 0.0}),
    "  model-free, length only": (None, None, {"anchors": False}),
}


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def run(data: Path) -> list[dict]:
    source, target = lines(data / "dev.de"), lines(data / "dev.fr")
    gold = read_beads((data / "dev.defr").read_text(encoding="utf-8"))
    rows = []
    for name, (source_mt, target_mt, options) in SYSTEMS.items():
        started = time.perf_counter()
        beads = align(
            source,
            target,
            source_translations=lines(data / source_mt) if source_mt else None,
            target_translations=lines(data / target_mt) if target_mt else None,
            **options,
        )
        seconds = time.perf_counter() - started
        rows.append({"system": name, "seconds": round(seconds, 3), **alignment_scores(gold, beads)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help=f"data directory (default {DEFAULT_DATA})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    missing = [f for f in ("dev.de", "dev.fr", "dev.defr") if not (args.data / f).exists()]
    if missing:
        parser.error(f"{args.data} lacks {', '.join(missing)}")
    rows = run(args.data)
    if args.json:
        print(json.dumps({"data": str(args.data), "results": rows, "published_test_f1_strict": PUBLISHED}, indent=2))
        return 0
    print(f"Text+Berg de-fr dev ({args.data})")
    print(f"{'system':<28} {'P strict':>8} {'R strict':>8} {'F1 strict':>9} {'F1 lax':>7} {'seconds':>8}")
    for r in rows:
        print(f"{r['system']:<28} {r['precision_strict']:8.3f} {r['recall_strict']:8.3f} "
              f"{r['f1_strict']:9.3f} {r['f1_lax']:7.3f} {r['seconds']:8.2f}")
    print("published strict F1 on the test half: " + ", ".join(f"{k} {v:.2f}" for k, v in PUBLISHED.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
