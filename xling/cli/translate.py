"""``xling translate [FILE|-]``: print the English text, or the whole document with ``--json``."""

from __future__ import annotations

import argparse
import json
import sys


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs the translation model."""
    parser.add_argument("--model", help="hub id or local directory of an opus-mt (Marian) model: forces that model "
                        "(default: $XLING_MODEL, else the opus-mt model of the source language)")
    parser.add_argument("--models-dir", metavar="DIR", help="local models in subfolders named like the hub id's "
                        "last part (DIR/opus-mt-fr-en/); default $XLING_MODELS")
    parser.add_argument("--backend", choices=["transformers", "ct2"], help="inference engine (default: $XLING_BACKEND or transformers)")
    parser.add_argument("--compute-type", help="ct2 only: int8 (default), float32, int8_float32, ...")
    parser.add_argument("--beam-size", type=int, help="beam size (default 4; 1 = greedy)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--source-lang", default="auto",
                        help="source language, ISO 639-1 (default auto: detected, or the forced model's)")


def model_argument(args: argparse.Namespace):  # -> str | EnginePool | None
    """What ``--model`` / ``--models-dir`` ask for: one model, a pool over a models folder, or routing."""
    if args.model:
        return args.model
    if getattr(args, "models_dir", None):
        from xling.mt.engine import EnginePool

        return EnginePool(models_dir=args.models_dir, backend=args.backend, device=args.device,
                          compute_type=args.compute_type)
    return None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default="-", help="UTF-8 text file, or - for standard input (default)")
    add_model_arguments(parser)
    parser.add_argument("--unit", choices=["sentence", "paragraph"], default="sentence",
                        help="translate sentence by sentence (default) or whole paragraphs, aligned afterwards")
    parser.add_argument("--max-sentence-tokens", type=int, default=200,
                        help="longer sentences are split at clause boundaries (default 200)")
    parser.add_argument("--batch-tokens", type=int, default=4096,
                        help="padded source tokens per model batch (default 4096); lower it to save memory")
    parser.add_argument("--cache", metavar="FILE",
                        help="sqlite translation cache shared across runs (default: in memory only)")
    parser.add_argument("--glossary", help="TSV file: Arabic name <TAB> English rendering, applied everywhere")
    parser.add_argument("--consistent-names", action="store_true",
                        help="render each name the same way everywhere (the majority rendering)")
    parser.add_argument("--json", action="store_true", help="print the whole document as JSON")
    parser.add_argument("--no-report", action="store_true", help="do not print entities and issues to stderr")


def read_glossary(path: str) -> dict[str, str]:
    from xling.errors import InputError
    from xling.text.reading import read_text

    glossary = {}
    for n, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise InputError(f"{path}:{n}: expected 'Arabic<TAB>English', got {line!r}")
        glossary[parts[0].strip()] = parts[1].strip()
    return glossary


def run(args: argparse.Namespace) -> int:
    from xling.pipeline.translation import translate
    from xling.text.reading import read_text

    text = read_text(args.file)
    cache = True
    if args.cache:
        from xling.mt.cache import TranslationCache

        cache = TranslationCache(path=args.cache)
    doc = translate(
        text,
        model=model_argument(args),
        backend=args.backend,
        compute_type=args.compute_type,
        beam_size=args.beam_size,
        device=args.device,
        source_lang=args.source_lang,
        unit=args.unit,
        max_sentence_tokens=args.max_sentence_tokens,
        batch_tokens=args.batch_tokens,
        cache=cache,
        glossary=read_glossary(args.glossary) if args.glossary else None,
        consistent_names=args.consistent_names,
    )
    if args.json:
        json.dump(doc.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    sys.stdout.write(doc.target.text + "\n")
    if not args.no_report and (doc.entities or doc.issues):
        from xling.render.report import format_entities, format_issues

        print("\n" + format_entities(doc) + "\n" + format_issues(doc), file=sys.stderr)
    return 0
