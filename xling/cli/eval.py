"""``xling eval``: score translations with sacrebleu (BLEU, chrF2, chrF++, TER), as the sacrebleu command would.

Inputs: a test set (``--source``/``--reference`` files, ``--test-set`` name or .tsv/.jsonl, or
``--documents``), and systems to score (``--hypothesis``, ``--system NAME=FILE``); with no system given,
the configured model translates the source. Output: a table (default), ``--json`` (pure JSON on stdout),
``--markdown``, and ``--plot FILE.png``. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xling.eval.testsets import TestSet


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from xling.cli.translate import add_model_arguments

    data = parser.add_argument_group("test set")
    data.add_argument("--source", "-s", metavar="FILE", help="source segments, one per line (needed to translate)")
    data.add_argument("--reference", "-r", metavar="FILE", action="append", default=[],
                      help="reference translations, one per line; repeat for several references")
    data.add_argument("--test-set", "-t", metavar="NAME",
                      help="flores200[:devtest|dev], tatoeba[:test], a sacrebleu set (iwslt17), "
                           "or a .tsv/.jsonl file with source and reference columns")
    data.add_argument("--language-pair", "-l", default="ar-en", metavar="SRC-TGT", help="default: ar-en")
    data.add_argument("--documents", nargs="+", metavar="PATH",
                      help="whole articles translated through xling.translate: SOURCE_DIR REFERENCE_DIR "
                           "(*.txt paired by name) or one JSONL file ({id, source, reference} per line)")
    data.add_argument("--doc-unit", choices=["paragraph", "document"], default="paragraph",
                      help="with --documents: score paragraph by paragraph (default) or whole articles")
    data.add_argument("--limit", type=int, metavar="N", help="use only the first N segments (quick runs)")
    data.add_argument("--list", action="store_true", help="list the named test sets for the language pair and exit")

    systems = parser.add_argument_group("systems")
    systems.add_argument("--hypothesis", "-i", metavar="FILE", dest="systems", action="append", type=_hypothesis,
                         default=[], help="existing output to score, one segment per line (repeatable; named after "
                                          "the file)")
    systems.add_argument("--system", metavar="NAME=FILE", dest="systems", action="append", type=_named_system,
                         help="a named system output (repeatable); systems keep their command-line order")
    systems.add_argument("--baseline", metavar="NAME", help="system the others are tested against (default: first)")
    systems.add_argument("--translate", action="store_true",
                         help="also translate the source with the model when systems are given")
    systems.add_argument("--name", help="name of the model's system (default: the model's name)")
    systems.add_argument("--input-unit", choices=["sentence", "line"], default="sentence",
                         help="what the model is fed: our sentences (default, as in the product) or whole lines "
                              "(as opus-mt's published benchmarks)")
    systems.add_argument("--max-sentence-tokens", type=int, default=200, metavar="N",
                         help="longer sentences are split (default 200)")
    systems.add_argument("--write-hypotheses", metavar="FILE", help="save the model's output, one segment per line")
    add_model_arguments(parser)

    stats = parser.add_argument_group("statistics")
    stats.add_argument("--metrics", "-m", nargs="+", default=None, metavar="METRIC",
                       help="subset of BLEU chrF2 chrF++ TER (default: all four)")
    stats.add_argument("--confidence", "-ci", action="store_true",
                       help="95%% confidence intervals by bootstrap resampling")
    stats.add_argument("--confidence-n", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    stats.add_argument("--paired", nargs="+", choices=["bs", "ar", "none"], default=["bs", "ar"],
                       help="paired tests against the baseline when there are several systems: "
                            "bs (bootstrap), ar (approximate randomization), none (default: bs ar)")
    stats.add_argument("--paired-bs-n", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    stats.add_argument("--paired-ar-n", type=int, default=10000, metavar="N", help="AR trials (default 10000)")
    stats.add_argument("--worst", type=int, default=10, metavar="N",
                       help="list the N lowest-chrF segments of each system (default 10; 0: none)")

    out = parser.add_argument_group("output")
    fmt = out.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the report as JSON (only JSON on stdout)")
    fmt.add_argument("--markdown", action="store_true", help="print the report as Markdown")
    out.add_argument("--plot", metavar="FILE.png", help="also draw the scores with their intervals")


def _hypothesis(path: str) -> tuple[str, str]:
    return (Path(path).name, path)


def _named_system(spec: str) -> tuple[str, str]:
    name, sep, path = spec.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=FILE, not {spec!r}")
    return (name, path)


def _system_specs(args: argparse.Namespace) -> list[tuple[str, str]]:
    from xling.errors import InputError

    names = [n for n, _ in args.systems]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"two systems are named {dupes[0]!r}; name them with --system NAME=FILE")
    return list(args.systems)


def _progress(message: str) -> None:
    print(f"xling eval: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from xling.eval import hypotheses as hyp
    from xling.eval import scoring as ev
    from xling.eval import testsets
    from xling.errors import InputError

    if args.list:
        for name, description in testsets.describe_test_sets(args.language_pair):
            print(f"{name:<22} {description}")
        return 0
    specs = _system_specs(args)
    want_model = args.translate or not specs
    settings: dict[str, dict] = {}
    labels = None

    if args.documents:
        if args.source or args.test_set or args.reference:
            raise InputError("--documents replaces --source/--reference/--test-set; give one kind of test set")
        if specs:
            raise InputError("--documents scores the model's own output; --system/--hypothesis do not apply")
        if len(args.documents) > 2:
            raise InputError("--documents takes SOURCE_DIR REFERENCE_DIR, or one JSONL file")
        if args.limit:
            raise InputError("--limit applies to segment test sets, not --documents")
        docs = testsets.load_documents(*args.documents, langpair=args.language_pair)
        _progress(f"translating {len(docs)} document(s)")
        translations = hyp.translate_documents(
            docs, model=args.model, backend=args.backend, beam_size=args.beam_size, device=args.device,
            compute_type=args.compute_type, max_sentence_tokens=args.max_sentence_tokens,
            source_lang=args.source_lang, annotate_result=False)
        units = hyp.document_segments(docs, translations, args.doc_unit)
        name = args.name or Path(translations[0].settings.model).name
        test = testsets.TestSet(f"{docs.name} ({args.doc_unit}s)", (tuple(units.references),),
                                tuple(units.sources), args.language_pair, origin=docs.origin)
        systems = {name: units.hypotheses}
        settings[name] = translations[0].settings.to_dict()
        labels = units.labels
    else:
        test = _load_segments(args)
        systems = {}
        for name, path in specs:
            systems[name] = testsets.read_lines(path, "hypothesis file")
        if want_model:
            if test.sources is None:
                raise InputError("give --source (or --test-set) to translate, or --hypothesis to score existing output")
            _progress(f"translating {len(test)} segments")
            hyps, used = hyp.translate_segments(
                test.sources, model=args.model, backend=args.backend, beam_size=args.beam_size,
                input_unit=args.input_unit, max_sentence_tokens=args.max_sentence_tokens,
                source_lang=test.source_lang if args.source_lang in (None, "auto") else args.source_lang,
                target_lang=test.target_lang,
                device=args.device, compute_type=args.compute_type)
            name = args.name or Path(used.model).name
            if name in systems:
                raise InputError(f"a system is already named {name!r}; name the model's output with --name")
            systems[name] = hyps
            settings[name] = used.to_dict()
            if args.write_hypotheses:
                Path(args.write_hypotheses).write_text("".join(h + "\n" for h in hyps), encoding="utf-8")

    report = ev.evaluate(
        systems, test.references, sources=test.sources, baseline=args.baseline,
        metrics=args.metrics or ev.DEFAULT_METRICS,
        confidence=args.confidence_n if args.confidence else 0,
        paired=[] if "none" in args.paired else args.paired,
        paired_n={"bs": args.paired_bs_n, "ar": args.paired_ar_n},
        worst=args.worst, target_lang=test.target_lang, test_set=test.name, labels=labels,
        settings=settings, langpair=test.langpair,
    )
    if args.plot:
        report.plot(args.plot)
        _progress(f"plot written to {args.plot}")
    if args.json:
        print(report.to_json())
    elif args.markdown:
        print(report.to_markdown(), end="")
    else:
        print(report.to_text(), end="")
    return 0


def _load_segments(args: argparse.Namespace) -> TestSet:
    """The segment-level test set named by --test-set or given as --source/--reference files."""
    from xling.errors import InputError
    from xling.eval.testsets import TestSet, from_files, load_test_set, read_lines

    if args.test_set:
        if args.reference:
            raise InputError("--test-set brings its own references; drop --reference (or drop --test-set)")
        test = load_test_set(args.test_set, args.language_pair)
        if args.source:  # an explicit source overrides (e.g. a pre-processed copy); lengths are checked
            test = TestSet(test.name, test.references, tuple(read_lines(args.source, "source file")),
                           test.langpair, test.origin)
    else:
        if not args.reference:
            raise InputError("give --reference FILE (or --test-set NAME, or --documents)")
        test = from_files(args.reference, args.source, langpair=args.language_pair)
    return test.head(args.limit)
