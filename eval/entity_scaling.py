#!/usr/bin/env python3
"""Entity linking and QA checks on one name repeated N times: seconds must grow about linearly with N.

A source of N repeats of "بوتين " in sentences of 10 words against an English target of "Putin " repeats,
in two shapes: one bead per sentence pair ("beads") and the whole document as one bead ("one bead"); and,
as segment() leaves the worker's unpunctuated input, one sentence a side with "Putin, " repeats, so that
every Putin is an English mention of its own ("sentence").
Times link_entities, run_checks (all registered QA checks) and harmonize_names(consistent_names=True),
wall-clock and CPU, for 2,000 / 4,000 / 8,000 / 16,000 repeats (16,000 is the 96k-character input that held
the translate worker for 200 s).

    python eval/entity_scaling.py [N ...] [--profile]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from xling.document import Bead, Document, Sentence, Settings, Side
from xling.entities.consistency import harmonize_names
from xling.entities.link import link_entities
from xling.qa.checks import run_checks

WORDS_PER_SENTENCE = 10
SHAPES = ("beads", "one bead", "sentence")


def _side(lang: str, word: str, n: int, per_sentence: int = WORDS_PER_SENTENCE) -> Side:
    text = (word + " ") * n
    step = len(word) + 1
    sentences = []
    for first in range(0, n, per_sentence):
        last = min(n, first + per_sentence)
        sentences.append(Sentence(first * step, last * step - 1, 0))
    return Side(lang, text, ((0, len(text)),), tuple(sentences))


def repeated_doc(n: int, shape: str = "beads") -> Document:
    """N repeats of بوتين / Putin, ten words a sentence, one bead per sentence pair or one bead for all;
    or ("sentence") one sentence of بوتين / "Putin," a side."""
    if shape == "sentence":
        source, target = _side("ar", "بوتين", n, n), _side("en", "Putin,", n, n)
        return Document("compare", Settings(), source, target, (Bead((0,), (0,)),))
    source, target = _side("ar", "بوتين", n), _side("en", "Putin", n)
    count = len(source.sentences)
    if shape == "beads":
        beads = tuple(Bead((i,), (i,)) for i in range(count))
    else:
        beads = (Bead(tuple(range(count)), tuple(range(count))),)
    return Document("compare", Settings(), source, target, beads)


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[2000, 4000, 8000, 16000])
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size, one-bead shape")
    args = parser.parse_args()
    print(f"loadavg: {Path('/proc/loadavg').read_text().strip()}")
    print(f"{'repeats':>8} {'shape':>9} {'link wall/cpu s':>16} {'checks wall/cpu s':>18} "
          f"{'harmonize wall/cpu s':>21} {'total wall s':>13} {'entities':>8} {'issues':>7}")
    for n in args.sizes:
        for shape in SHAPES:
            doc = repeated_doc(n, shape)
            linked, lw, lc = timed(link_entities, doc)
            checked, cw, cc = timed(run_checks, linked)
            _, hw, hc = timed(harmonize_names, linked, consistent_names=True)
            print(f"{n:>8} {shape:>9} {lw:>8.2f}/{lc:<7.2f} {cw:>9.2f}/{cc:<8.2f} {hw:>10.2f}/{hc:<10.2f} "
                  f"{lw + cw + hw:>13.2f} {len(linked.entities):>8} {len(checked.issues):>7}", flush=True)
    if args.profile:
        import cProfile
        import pstats

        doc = repeated_doc(max(args.sizes), "one bead")
        with cProfile.Profile() as prof:
            run_checks(link_entities(doc))
        pstats.Stats(prof).sort_stats("cumulative").print_stats(20)
    print(f"loadavg: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
