"""xling's search (xling.mt.search) against transformers' generate: one batch, and one sentence at a time.

    python eval/search_bench.py                 # tiny fixture model, beam 4, 5 interleaved rounds (~1 min)
    python eval/search_bench.py --beam 1 --json

The seed article's sentences (as ``xling.text.segment`` cuts them) are encoded by the tiny test model's
tokenizer and decoded four ways, in an order that rotates from round to round:

* ``generate, batch``: all sentences in one ``generate`` call, each row capped by its own source length (the
  logits processor xling used before its own search, rebuilt here) at beam ``--beam``;
* ``search, batch``: the same batch through :func:`xling.mt.search.search`;
* ``generate, alone`` / ``search, alone``: each sentence in a call of its own.

Reported: wall and process CPU seconds per round and their medians, the batch/alone ratios, and whether every
output (ids, and scores at beam > 1) equals ``generate``'s. Torch runs one thread (xling's default).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout first, then the fixture-model builder
SEED = ROOT / "seeds" / "000_669c3c74050fa7e2.txt"
MODES = ("generate, batch", "search, batch", "generate, alone", "search, alone")


def seed_sentences() -> list[str]:
    from xling.text.segment import segment

    text = SEED.read_text(encoding="utf-8")
    _, sentences = segment(text, "ar")
    return [text[s.start : s.end] for s in sentences]


def _row_caps(torch: Any, caps: list[int], beams: int, eos_id: int) -> Any:
    """Ends each row at its own cap inside ``generate`` (the reference: what xling did before its search)."""
    from transformers import LogitsProcessor, LogitsProcessorList

    per_row = torch.tensor(caps).repeat_interleave(beams)

    class RowCaps(LogitsProcessor):
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            done = per_row[: scores.shape[0]] - 1 <= input_ids.shape[1] - 1
            if bool(done.any()):
                scores = scores.clone()
                scores[done] = float("-inf")
                scores[done, eos_id] = 0.0
            return scores

    return LogitsProcessorList([RowCaps()])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--beam", type=int, default=4, help="beam size (default 4, xling's default)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch
    from support.models import cached_model

    from xling.mt.base import DecodeOptions, RawOutput
    from xling.mt.engine import Engine
    from xling.mt.search import pad_batch, search

    torch.set_num_threads(1)
    backend = Engine(str(cached_model("tiny", ROOT / ".test-models")), cache=False).backend.load()
    net, rules = backend.net, backend.rules
    options = DecodeOptions(beam_size=args.beam)
    encoded = [backend.encode(s) for s in seed_sentences()]

    def padded(batch: list[list[int]]) -> tuple[Any, Any]:
        return pad_batch(batch, backend.pad_id)

    def generate(batch: list[list[int]]) -> list[RawOutput]:
        ids, mask = padded(batch)
        caps = [options.max_output_tokens(len(e)) for e in batch]
        with torch.inference_mode():
            out = net.generate(input_ids=ids, attention_mask=mask, num_beams=args.beam, max_new_tokens=max(caps),
                               max_length=None, do_sample=False, return_dict_in_generate=True,
                               output_scores=args.beam > 1,
                               logits_processor=_row_caps(torch, caps, args.beam, rules.eos_id))
        results = []
        for row, seq in enumerate(out.sequences.tolist()):
            seq = seq[1:]
            seq = seq[: seq.index(rules.eos_id)] if rules.eos_id in seq else seq
            score = float(out.sequences_scores[row]) if args.beam > 1 else None
            results.append(RawOutput(ids=tuple(seq), score=score))
        return results

    def ours(batch: list[list[int]]) -> list[RawOutput]:
        caps = [options.max_output_tokens(len(e)) for e in batch]
        return search(net, *padded(batch), caps=caps, rules=rules, beam_size=args.beam, with_scores=True)

    runs = {
        "generate, batch": lambda: generate(encoded),
        "search, batch": lambda: ours(encoded),
        "generate, alone": lambda: [generate([e])[0] for e in encoded],
        "search, alone": lambda: [ours([e])[0] for e in encoded],
    }
    ours([encoded[0]]), generate([encoded[0]])  # warm-up
    wall: dict[str, list[float]] = {m: [] for m in MODES}
    cpu: dict[str, list[float]] = {m: [] for m in MODES}
    differing = 0
    loads = [os.getloadavg()]
    for r in range(args.rounds):
        outputs: dict[str, list[RawOutput]] = {}
        for mode in MODES[r % 4:] + MODES[: r % 4]:
            started, cpu_started = time.perf_counter(), time.process_time()
            outputs[mode] = runs[mode]()
            wall[mode].append(time.perf_counter() - started)
            cpu[mode].append(time.process_time() - cpu_started)
        reference = outputs["generate, alone"]
        for mode in MODES:
            for a, b in zip(reference, outputs[mode]):
                same_score = a.score is None or abs(a.score - (b.score or 0.0)) < 1e-4
                differing += a.ids != b.ids or not same_score
        loads.append(os.getloadavg())

    med = {m: statistics.median(wall[m]) for m in MODES}
    result = {
        "model": "tiny fixture (support.models), torch threads 1",
        "beam_size": args.beam,
        "sentences": len(encoded),
        "rounds": args.rounds,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "median_wall_seconds": med,
        "median_cpu_seconds": {m: statistics.median(cpu[m]) for m in MODES},
        "batch_over_alone": {"generate": med["generate, batch"] / med["generate, alone"],
                             "search": med["search, batch"] / med["search, alone"]},
        "search_over_generate": {"batch": med["search, batch"] / med["generate, batch"],
                                 "alone": med["search, alone"] / med["generate, alone"]},
        "outputs_differing_from_generate_alone": differing,
        "load_average_before_each_round_and_after": loads,
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"{len(encoded)} seed sentences, tiny model, beam {args.beam}, torch threads 1, {args.rounds} rounds")
        for m in MODES:
            print(f"  {m:16s} wall {' '.join(f'{x:6.2f}' for x in wall[m])}  (median {med[m]:.2f} s)   "
                  f"cpu {' '.join(f'{x:6.2f}' for x in cpu[m])}")
        b, s = result["batch_over_alone"], result["search_over_generate"]
        print(f"  batch / alone: generate {b['generate']:.2f}, search {b['search']:.2f}   "
              f"search / generate: batch {s['batch']:.2f}, alone {s['alone']:.2f}")
        print(f"  outputs differing from generate's: {differing}")
        print("  load average (1, 5, 15 min) before each round and after: "
              + "  ".join("%.2f %.2f %.2f" % la for la in loads))
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
