"""``xling batch INPUT OUTPUT``: translate (or compare) a corpus into Parquet/JSONL shards; resumable."""

from __future__ import annotations

import argparse
import json
import sys

from xling.batch.runner import (
    DEFAULT_LOG_EVERY,
    DEFAULT_SHARD_ROWS,
    EMBEDDED,
    ENGINES,
    MODES,
    PROGRESS_MODES,
    TRANSLATE,
    translate_corpus,
)
from xling.batch.sinks import DEFAULT_FIELDS, FIELDS, OUTPUT_FORMATS, PARQUET
from xling.batch.sources import DEFAULT_TEXT_COLUMN, INPUT_FORMATS
from xling.cli.translate import add_model_arguments
from xling.errors import InputError
from xling.text.reading import MAX_INPUT_CHARS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="JSONL, Parquet or CSV file, folder of .txt files, datasets save_to_disk "
                        "folder, or a hub dataset id")
    parser.add_argument("output", help="output folder: shards, errors-*.jsonl, manifest.jsonl, summary.json")
    parser.add_argument("--mode", choices=MODES, default=TRANSLATE,
                        help="translate each text (default), or compare it with --target-column's text")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, help="default: from the path")
    parser.add_argument("--text-column", default=DEFAULT_TEXT_COLUMN,
                        help=f"field holding the article (default {DEFAULT_TEXT_COLUMN})")
    parser.add_argument("--id-column", help="field holding the row id (default: a hash of the text)")
    parser.add_argument("--target-column", help="compare mode: field holding the translation to compare with")
    parser.add_argument("--split", help="split of a datasets input with several")
    parser.add_argument("--target-lang", default="auto", help="compare mode: language of the target texts")
    parser.add_argument("--fields", help=f"comma-separated output fields (default {','.join(DEFAULT_FIELDS)}; "
                        f"any of {', '.join(FIELDS)})")
    parser.add_argument("--format", dest="output_format", choices=OUTPUT_FORMATS, default=PARQUET,
                        help=f"shard format (default {PARQUET})")
    parser.add_argument("--shard-rows", type=int, default=DEFAULT_SHARD_ROWS,
                        help=f"rows per shard, the unit of batching and resuming (default {DEFAULT_SHARD_ROWS})")
    parser.add_argument("--max-chars", type=int, default=MAX_INPUT_CHARS,
                        help=f"longer texts are recorded as 'oversized' errors (default {MAX_INPUT_CHARS:,})")
    parser.add_argument("--engine", choices=ENGINES, default=EMBEDDED,
                        help="embedded: this process (default); ray: Ray Data actors (pip install 'xling[ray]')")
    parser.add_argument("--workers", type=int, default=1, help="ray: actors, each holding one model (default 1)")
    parser.add_argument("--threads-per-worker", type=int,
                        help="threads of each worker's model (default: the CPUs shared among the workers)")
    parser.add_argument("--ray-address", help="ray: an existing cluster (auto, HOST:6379, ray://HOST:10001); "
                        "default: a local Ray started for the run")
    add_model_arguments(parser)
    parser.add_argument("--unit", choices=["sentence", "paragraph"], default="sentence",
                        help="translate sentence by sentence (default) or whole paragraphs")
    parser.add_argument("--max-sentence-tokens", type=int, help="longer sentences are split (default 200)")
    parser.add_argument("--batch-tokens", type=int, help="padded source tokens per model batch (default 4096)")
    parser.add_argument("--cache", metavar="FILE", help="sqlite translation cache shared across runs")
    parser.add_argument("--no-annotate", action="store_true", help="skip entity linking and QA checks")
    parser.add_argument("--overwrite", action="store_true", help="delete an earlier run in OUTPUT instead of resuming")
    parser.add_argument("--progress", choices=PROGRESS_MODES,
                        help="bar (default on a terminal), log (one line per --log-every rows), none")
    parser.add_argument("--log-every", type=int, default=DEFAULT_LOG_EVERY,
                        help=f"rows between progress lines (default {DEFAULT_LOG_EVERY})")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: argparse.Namespace) -> int:
    fields = [f.strip() for f in args.fields.split(",") if f.strip()] if args.fields else None
    try:
        summary = translate_corpus(
            args.input, args.output, mode=args.mode, input_format=args.input_format, text_column=args.text_column,
            id_column=args.id_column, target_column=args.target_column, split=args.split,
            source_lang=args.source_lang, target_lang=args.target_lang, fields=fields,
            output_format=args.output_format, shard_rows=args.shard_rows, max_chars=args.max_chars,
            engine=args.engine, workers=args.workers, threads_per_worker=args.threads_per_worker,
            ray_address=args.ray_address, model=args.model, models_dir=args.models_dir, backend=args.backend,
            compute_type=args.compute_type, device=args.device, beam_size=args.beam_size, unit=args.unit,
            max_sentence_tokens=args.max_sentence_tokens, batch_tokens=args.batch_tokens, cache=args.cache,
            annotate=not args.no_annotate, overwrite=args.overwrite, progress=args.progress,
            log_every=args.log_every,
        )
    except ValueError as err:  # a bad combination of options (an InputError, also a ValueError, goes up)
        if isinstance(err, InputError):
            raise
        print(f"xling batch: error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(summary.report(), file=sys.stderr)
    return 0
