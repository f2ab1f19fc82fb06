"""``xling languages``: the source languages xling routes into English, each with its opus-mt model."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models-dir", metavar="DIR", help="local models in subfolders named like the hub id's "
                        "last part (DIR/opus-mt-fr-en/); default $XLING_MODELS")
    parser.add_argument("--json", action="store_true",
                        help='print [{"code", "name", "model", "local", "note"}, ...]')


def run(args: argparse.Namespace) -> int:
    from xling.mt.routing import languages

    found = languages(args.models_dir)
    if args.json:
        json.dump([info.to_dict() for info in found], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    rows = [("code", "name", "model", "local")]
    rows += [(i.code, i.name, i.model, "yes" if i.local else "no") for i in found]
    widths = [max(len(row[c]) for row in rows) for c in range(3)]
    for row in rows:
        sys.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[3] + "\n")
    return 0
