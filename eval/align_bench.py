#!/usr/bin/env python3
"""Sentence-alignment benchmark on two dev sets: Text+Berg German-French and MAC-Dev Chinese-English.

Text+Berg dev (Sennrich & Volk 2010; default ``../shared/data/textberg-dev``): dev.de aligned with dev.fr,
with the Google MT of the source (eval1957.google.fr), of both sides (+ eval1957.google.de), the Europarl
SMT of the source, model-free, and ablations. MAC-Dev (Bertalign's benchmark of six Chinese novels in
English translation; ``--mac DIR`` with ``zh/NNN``, ``zh/NNN.trans``, ``en/NNN``, ``gold/NNN.align``): every
document aligned with the MT of the source (the ``.trans`` lines, one per Chinese sentence), model-free,
and the same ablations; scores are summed over the documents as Vecalign's ``score_multiple`` does.
Both tables score strict/lax precision, recall and F1 as Vecalign's score.py does, and give the seconds
(wall and CPU) of each system. ``Gale-Church (ours)`` is the plain reference: character lengths, the
ratio from the two documents, s2 = 6.8, Gale & Church's six bead types and priors, nothing else.
``--speed`` times Text+Berg dev x4 (1,872 x 2,216 sentences) with and without MT.

    python eval/align_bench.py [--textberg DIR] [--mac DIR] [--speed] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from xling.alignment.aligner import (  # noqa: E402
    BEAD_PRIORS,
    GALE_CHURCH_PRIORS,
    align,
    corpus_alignment_scores,
    read_beads,
)
from xling.document import Bead  # noqa: E402

DEFAULT_TEXTBERG = REPO.parent / "shared" / "data" / "textberg-dev"
TEXTBERG_FILES = ("dev.de", "dev.fr", "dev.defr")
PUBLISHED_TEXTBERG = {"Gale-Church": 0.68, "Bleualign": 0.81, "Vecalign (LASER)": 0.90, "SentAlign": 0.93, "Bertalign": 0.94}
PUBLISHED_MAC = {"Gale-Church": 0.485, "Bleualign": 0.641, "Vecalign": 0.863, "Bertalign": 0.911}
#: MT files of the Text+Berg dev set: the source (German) into French, the target into German.
GOOGLE_FR, GOOGLE_DE, EUROPARL_FR = "eval1957.google.fr", "eval1957.google.de", "eval1957.europarlfull.fr"
#: The MAC-Dev MT of a Chinese document: ``zh/NNN`` + this suffix.
MAC_MT_SUFFIX = ".trans"
#: Options of the plain Gale & Church reference.
GALE_CHURCH = {"anchors": False, "adaptive": False, "bead_types": tuple(GALE_CHURCH_PRIORS)}
#: Ablations run on both sets: name -> (with MT, align() options).
ABLATIONS: dict[str, tuple[bool, dict]] = {
    "  MT, no boundary cost": (True, {"boundary_weight": 0.0}),
    "  MT, all bead types": (True, {"bead_types": tuple(BEAD_PRIORS)}),
    "  MT, fixed length model": (True, {"adaptive": False}),
    "  model-free, all bead types": (False, {"bead_types": tuple(BEAD_PRIORS)}),
    "  model-free, fixed length model": (False, {"adaptive": False}),
    "  model-free, length only": (False, {"anchors": False}),
    "Gale-Church (ours)": (False, GALE_CHURCH),
}


class Document:
    """One document pair with its gold beads and its MT (of the source, and optionally of the target)."""

    def __init__(self, source: list[str], target: list[str], gold: list[Bead], source_mt: list[str] | None,
                 target_mt: list[str] | None = None, other_mt: list[str] | None = None):
        self.source, self.target, self.gold = source, target, gold
        self.source_mt, self.target_mt, self.other_mt = source_mt, target_mt, other_mt


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def textberg(data: Path) -> list[Document]:
    optional = [lines(data / name) if (data / name).exists() else None for name in (GOOGLE_FR, GOOGLE_DE, EUROPARL_FR)]
    return [Document(lines(data / "dev.de"), lines(data / "dev.fr"), read_beads((data / "dev.defr").read_text(encoding="utf-8")),
                     *optional)]


def mac(data: Path) -> list[Document]:
    docs = []
    for gold in sorted((data / "gold").glob("*.align")):
        name = gold.stem
        docs.append(Document(lines(data / "zh" / name), lines(data / "en" / name), read_beads(gold.read_text(encoding="utf-8")),
                             lines(data / "zh" / f"{name}{MAC_MT_SUFFIX}")))
    if not docs:
        raise FileNotFoundError(f"{data / 'gold'} has no .align files")
    return docs


def timed(run: Callable[[], list]) -> tuple[list, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def score(name: str, docs: list[Document], pick: Callable[[Document], dict]) -> dict:
    """Align every document with the options ``pick`` gives it, score them together."""
    results, wall, cpu = timed(lambda: [align(d.source, d.target, **pick(d)) for d in docs])
    scores = corpus_alignment_scores([(d.gold, r) for d, r in zip(docs, results)])
    return {"system": name, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), **scores}


def systems(docs: list[Document]) -> list[tuple[str, Callable[[Document], dict]]]:
    """The systems that the documents' MT files allow, then the ablations."""
    out: list[tuple[str, Callable[[Document], dict]]] = [
        ("xling + MT of the source", lambda d: {"source_translations": d.source_mt}),
    ]
    if all(d.target_mt for d in docs):
        out.append(("xling + MT both ways", lambda d: {"source_translations": d.source_mt, "target_translations": d.target_mt}))
    if all(d.other_mt for d in docs):
        out.append(("xling + Europarl SMT", lambda d: {"source_translations": d.other_mt}))
    out.append(("xling model-free", lambda d: {}))
    for name, (with_mt, options) in ABLATIONS.items():
        out.append((name, lambda d, w=with_mt, o=options: {**o, **({"source_translations": d.source_mt} if w else {})}))
    return out


def run(docs: list[Document]) -> list[dict]:
    return [score(name, docs, pick) for name, pick in systems(docs)]


def speed(data: Path, copies: int = 4) -> list[dict]:
    """Seconds for Text+Berg dev repeated ``copies`` times (more than 2,000 x 2,000 at 4), with and without MT."""
    doc = textberg(data)[0]
    source, target, mt = doc.source * copies, doc.target * copies, doc.source_mt * copies
    rows = []
    for name, options in (("with MT", {"source_translations": mt}), ("model-free", {})):
        _, wall, cpu = timed(lambda: align(source, target, **options))
        rows.append({"input": f"{len(source)} x {len(target)}, {name}", "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)})
    return rows


def print_table(title: str, rows: list[dict], published: dict[str, float]) -> None:
    print(title)
    print(f"{'system':<34} {'P strict':>8} {'R strict':>8} {'F1 strict':>9} {'F1 lax':>7} {'seconds':>8} {'CPU s':>7}")
    for r in rows:
        print(f"{r['system']:<34} {r['precision_strict']:8.3f} {r['recall_strict']:8.3f} "
              f"{r['f1_strict']:9.3f} {r['f1_lax']:7.3f} {r['seconds']:8.2f} {r['cpu_seconds']:7.2f}")
    print("published strict F1: " + ", ".join(f"{k} {v:.3f}" for k, v in published.items()))
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, help="Text+Berg data directory (same as --textberg)")
    parser.add_argument("--textberg", type=Path, help=f"Text+Berg dev directory (default {DEFAULT_TEXTBERG})")
    parser.add_argument("--mac", type=Path, help="MAC-Dev directory (zh/, en/, gold/); skipped when not given")
    parser.add_argument("--speed", action="store_true", help="time Text+Berg dev x4 (over 2,000 x 2,000) too")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    tb_dir = args.textberg or args.data or DEFAULT_TEXTBERG
    missing = [f for f in TEXTBERG_FILES if not (tb_dir / f).exists()]
    if missing:
        parser.error(f"{tb_dir} lacks {', '.join(missing)}")
    if args.mac and not (args.mac / "gold").is_dir():
        parser.error(f"{args.mac} has no gold/ folder")
    report: dict = {
        "textberg": {"data": str(tb_dir), "results": run(textberg(tb_dir)), "published_test_f1_strict": PUBLISHED_TEXTBERG},
    }
    if args.mac:
        report["mac"] = {"data": str(args.mac), "results": run(mac(args.mac)), "published_f1_strict": PUBLISHED_MAC}
    if args.speed:
        report["speed"] = speed(tb_dir)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print_table(f"Text+Berg de-fr dev ({tb_dir})", report["textberg"]["results"], PUBLISHED_TEXTBERG)
    if "mac" in report:
        print_table(f"MAC-Dev zh-en ({args.mac})", report["mac"]["results"], PUBLISHED_MAC)
    for r in report.get("speed", []):
        print(f"speed: {r['input']}: {r['seconds']:.2f} s (CPU {r['cpu_seconds']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
