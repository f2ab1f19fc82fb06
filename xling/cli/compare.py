"""``xling compare SOURCE TARGET``: align an article with a translation of it and report the differences."""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xling.document import Document


#: ``--model none``: align on lengths and anchors only (xling.NO_MODEL).
NONE = "none"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="the original article (UTF-8 text file, - for standard input)")
    parser.add_argument("target", help="its translation (UTF-8 text file)")
    parser.add_argument("--model", help="translation model used to compare words: hub id or directory, or "
                        "'none' to align on lengths and anchors only (default: $XLING_MODEL or opus-mt-ar-en)")
    parser.add_argument("--backend", choices=["transformers", "ct2"], help="inference engine for --model")
    parser.add_argument("--models-dir", metavar="DIR", help="local models in subfolders named like the hub id's "
                        "last part (DIR/opus-mt-fr-en/); default $XLING_MODELS")
    parser.add_argument("--source-lang", default="auto", help="language of SOURCE (default auto: detected)")
    parser.add_argument("--target-lang", default="auto", help="language of TARGET (default auto: detected)")
    parser.add_argument("--json", action="store_true", help="print the whole document as JSON")
    parser.add_argument("--width", type=int, default=100, help="report width in characters (default 100)")


def report(doc: Document, width: int = 100) -> str:
    """A readable two-column report: one row per bead (source | target), then the issues."""
    col = max(20, (width - 16) // 2)
    lines = [f"{'bead':<14}  {doc.source.lang:<{col}}  {doc.target.lang}"]
    for bead in doc.alignment:
        left = textwrap.wrap(" ".join(doc.source.sentence_text(i) for i in bead.source), col) or ["—"]
        right = textwrap.wrap(" ".join(doc.target.sentence_text(j) for j in bead.target), col) or ["—"]
        label = bead.to_string()
        for k in range(max(len(left), len(right))):
            a = left[k] if k < len(left) else ""
            b = right[k] if k < len(right) else ""
            lines.append(f"{label if k == 0 else '':<14}  {a:<{col}}  {b}")
    lines.append("")
    lines.append(f"{len(doc.issues)} issue(s)")
    for issue in doc.issues:
        lines.append(f"  {issue.severity:<7} {issue.code}: {issue.message}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from xling.mt.engine import NO_MODEL
    from xling.pipeline.comparison import compare
    from xling.text.reading import read_text

    doc = compare(
        read_text(args.source),
        read_text(args.target),
        model=NO_MODEL if args.model == NONE else _model(args),
        backend=args.backend,
        source_lang=args.source_lang,
        target_lang=args.target_lang,
    )
    print(doc.to_json() if args.json else report(doc, args.width))
    return 0


def _model(args: argparse.Namespace):  # -> str | EnginePool | None
    if args.model or not args.models_dir:
        return args.model
    from xling.mt.engine import EnginePool

    return EnginePool(models_dir=args.models_dir, backend=args.backend)
