"""The ``xling`` command: a thin argparse layer over the library.

Each subcommand lives in ``xling/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int``; they are imported only when used so ``xling --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from xling.errors import XlingError
from xling.version import __version__

#: subcommand -> one-line help
COMMANDS: dict[str, str] = {
    "translate": "translate an article (Arabic to English by default)",
    "compare": "align an article with an English version and check it",
    "batch": "translate or compare a corpus (JSONL, Parquet, CSV, .txt folder, datasets) into shards; resumable",
    "align": "align two presegmented files, one sentence per line",
    "eval": "score translations with sacrebleu (BLEU, chrF2, chrF++, TER)",
    "serve": "launch the web page (Gradio)",
    "detect": "identify the language of a text (ISO 639-1 code, offline)",
    "languages": "list the source languages routed into English and their opus-mt models",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xling", description="Translate and compare Arabic and English news.")
    parser.add_argument("--version", action="version", version=f"xling {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(f"xling.cli.{name}")
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except XlingError as err:
        print(f"xling {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xling: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
