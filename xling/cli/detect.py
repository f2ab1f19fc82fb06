"""``xling detect [FILE|-]``: print the language code of the text (``und`` when it cannot tell), or ``--json``."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default="-", help="UTF-8 text file, or - for standard input (default)")
    parser.add_argument("--candidates", type=int, default=3, help="alternatives listed with --json (default 3)")
    parser.add_argument("--json", action="store_true",
                        help='print {"lang", "confidence", "alternatives": [[code, p], ...], "reason"}')


def run(args: argparse.Namespace) -> int:
    from xling.text.detect import identify
    from xling.text.reading import read_text

    found = identify(read_text(args.file), candidates=args.candidates)
    if args.json:
        json.dump(found.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(found.lang + "\n")
        if found.lang == "und":
            print(f"xling detect: {found.reason}", file=sys.stderr)
    return 0
