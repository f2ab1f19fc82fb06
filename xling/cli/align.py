"""``xling align SOURCE TARGET --presegmented``: align two files of sentences, one bead per line."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="source sentences, one per line (UTF-8)")
    parser.add_argument("target", help="target sentences, one per line (UTF-8)")
    parser.add_argument("--presegmented", action="store_true", required=True,
                        help="the files hold one sentence per line (the only input format for now)")
    parser.add_argument("--source-translation", metavar="FILE",
                        help="machine translation of SOURCE into the target language, line by line")
    parser.add_argument("--target-translation", metavar="FILE",
                        help="machine translation of TARGET into the source language, line by line")
    parser.add_argument("--scores", action="store_true", help="append each bead's score after a tab")


def read_lines(path: str) -> list[str]:
    """Lines of a UTF-8 file without their line ends; a final newline does not make an empty sentence."""
    from xling.text.reading import read_text

    text = read_text(path)
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


def run(args: argparse.Namespace) -> int:
    from xling.alignment.aligner import align
    from xling.errors import InputError

    source, target = read_lines(args.source), read_lines(args.target)
    translations = {}
    for option, path, size, name in (("source_translations", args.source_translation, len(source), "SOURCE"),
                                     ("target_translations", args.target_translation, len(target), "TARGET")):
        if path:
            lines = read_lines(path)
            if len(lines) != size:
                raise InputError(f"{path} has {len(lines)} lines but {name} has {size}: it must be line-parallel")
            translations[option] = [line.rstrip("\r") for line in lines]
    beads = align([s.rstrip("\r") for s in source], [t.rstrip("\r") for t in target], **translations)
    for bead in beads:
        print(f"{bead.to_string()}\t{bead.score:.4f}" if args.scores else bead.to_string())
    return 0
