"""Offline language identification: Unicode script facts first, then py3langid for the rest.

``identify(text)`` returns a :class:`Detection`; ``detect_language(text)`` just its code.

1. URLs, e-mail addresses, @handles, digits and punctuation are removed; only letters, combining marks and
   spaces remain (the first :data:`MAX_CHARS` characters of that are enough to decide).
2. Letters are counted by script. Han, kana and Hangul count :data:`CJK_WEIGHT` letters each, since one
   such character carries about as much as a short word. Under :data:`MIN_LETTERS` letters the answer is
   ``"und"`` (too short); when no script has :data:`DOMINANT_SHARE` of the letters it is ``"und"`` (mixed).
3. Scripts that decide the language on their own: Hebrew (``he``, or ``yi`` when Yiddish words and
   spellings outnumber Hebrew ones), kana (``ja``), Hangul (``ko``), Han alone (``zh``), Greek, Armenian,
   Georgian, Thai and the other single-language scripts in :data:`SCRIPT_LANGUAGE`. Their confidence is the
   dominant script's share of the letters. (So a Japanese headline written in kanji only reads as ``zh``.)
4. Otherwise (Latin, Cyrillic, Arabic, Devanagari, ...) py3langid (BSD-3-Clause, model inside the wheel)
   ranks its 139 languages on the words in the dominant script; regional and historical variants are
   folded into their ISO 639-1 language (``ary``/``arz`` -> ``ar``, ``yue``/``wuu`` -> ``zh``, ...) and
   their probabilities summed. Below ``min_confidence`` the answer is ``"und"`` with the best guesses in
   ``alternatives``. Languages without an ISO 639-1 code keep their ISO 639-3 code (``ceb``, ``pcm``).

The model (about 120 MB in memory, 0.5 s to load) is loaded on first use, once per process, under a lock;
importing this module loads nothing. eval/langid_bench.py compares the libraries (see eval/README.md).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from xling.text.scripts import script_of

#: Fewer letters than this (after cleaning; CJK characters count CJK_WEIGHT each) cannot be told apart.
MIN_LETTERS = 12
#: Letter weight of a Han, kana or Hangul character.
CJK_WEIGHT = 3
#: Share of the (weighted) letters the main script needs; below it the text is "mixed scripts".
DOMINANT_SHARE = 0.6
#: Below this probability the library's answer is reported as "und" (low confidence).
MIN_CONFIDENCE = 0.4
#: Characters of cleaned text looked at; the rest of a long document adds nothing.
MAX_CHARS = 20_000

#: Scripts written (in news) by one language only.
SCRIPT_LANGUAGE = {
    "Greek": "el", "Armenian": "hy", "Georgian": "ka", "Thai": "th", "Lao": "lo", "Khmer": "km",
    "Sinhala": "si", "Tamil": "ta", "Telugu": "te", "Kannada": "kn", "Malayalam": "ml", "Gujarati": "gu",
    "Gurmukhi": "pa",
}
_CJK = ("Han", "Kana", "Hangul")

#: py3langid labels folded into an ISO 639-1 language (variants, historical forms, old codes).
FOLD = {"ary": "ar", "arz": "ar", "hbo": "he", "grc": "el", "yue": "zh", "wuu": "zh", "uzs": "uz",
        "gug": "gn", "sdh": "ku", "nb": "no", "iw": "he", "ji": "yi", "in": "id"}
#: py3langid's class for non-linguistic content (numbers, markup, identifiers).
NOT_LANGUAGE = "zxx"


@dataclass(frozen=True)
class Detection:
    """What :func:`identify` found.

    ``lang``: ISO 639-1 code (ISO 639-3 where the language has none), or ``"und"`` (undetermined).
    ``confidence``: 0-1; the library's probability, or the deciding script's share of the letters.
    ``alternatives``: the next most likely languages with their probabilities, best first, never ``lang``
    (for ``"und"``: the best guesses, if there were any); empty when a script rule decided.
    ``reason``: one line saying how the answer was reached, or why there is none.
    """

    lang: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["alternatives"] = [list(pair) for pair in self.alternatives]
        return d


def detect_language(text: str) -> str:
    """ISO 639-1 code of the language of ``text`` ("ar", "fa", "fr", "zh", "he", ...), or "und"."""
    return identify(text).lang


# -- cleaning and scripts -------------------------------------------------------------------------------------

_NOISE = re.compile(r"(?:https?://|ftp://|www\.)\S+|\S+@\S+\.\w+|(?<!\w)@\w+", re.IGNORECASE)


def clean(text: str) -> str:
    """Letters, combining marks and single spaces only: no URLs, e-mail, @handles, digits or punctuation."""
    text = _NOISE.sub(" ", text)
    kept = [ch if unicodedata.category(ch)[0] in "LM" else " " for ch in text]
    return " ".join("".join(kept).split())


def script_counts(text: str) -> Counter[str]:
    """Letters per script, CJK characters weighted by :data:`CJK_WEIGHT`."""
    counts: Counter[str] = Counter()
    for ch in text:
        script = script_of(ch)
        if script is not None:
            counts[script] += CJK_WEIGHT if script in _CJK else 1
    return counts


def _in_script(text: str, script: str) -> str:
    """The words of ``text`` whose letters are mostly in ``script``."""
    words = []
    for word in text.split():
        letters = [s for s in map(script_of, word) if s is not None]
        if letters and letters.count(script) * 2 > len(letters):
            words.append(word)
    return " ".join(words)


# -- Yiddish or Hebrew ----------------------------------------------------------------------------------------

# Common words after removing points (niqqud, YIVO marks). "אין" is both Hebrew and Yiddish: left out.
_YIDDISH_WORDS = frozenset(
    "און איז דער דאס פון האט נישט ניט זיך מיט אויף וואס אז זיי ער זי מען צו אויך נאך ביי פאר געווען ווערן "
    "וועט וועלן זענען זיינען איך דו מיר מיך אונדז ווען ווי גאר אבער אלע היינט דעם א אן".split())
_HEBREW_WORDS = frozenset(
    "של את על הוא היא לא עם כי זה זו גם אם אבל יותר היה היתה כל אחרי בין רק עוד אני הם הן לפי כך מה אשר "
    "ביום אמר אמרה כדי שלא אך".split())
# Ligatures U+05F0-U+05F2 (װ ױ ײ), their pointed forms, alef with patah/qamats, pe/fe with rafe or dagesh.
_YIDDISH_SPELLING = re.compile("[\u05f0-\u05f2\ufb1f\ufb2e\ufb2f\ufb4e]|\u05d0[\u05b7\u05b8]|\u05e4\u05bf")
_POINTS = re.compile("[\u0591-\u05c7]")


def _yiddish_score(text: str) -> tuple[int, int]:
    """(Yiddish evidence, Hebrew evidence) in Hebrew-script text: function words, spellings, endings."""
    yi = he = 0
    for raw in text.split():
        if _YIDDISH_SPELLING.search(raw):
            yi += 2
        word = _POINTS.sub("", unicodedata.normalize("NFD", raw))
        word = unicodedata.normalize("NFC", word).replace("\u05f0", "וו").replace("\u05f2", "יי")
        if word in _YIDDISH_WORDS:
            yi += 1
        elif word in _HEBREW_WORDS:
            he += 1
        elif len(word) >= 4 and (word.endswith("ען") or word.startswith("גע")):  # -en plurals, ge- participles
            yi += 1
    return yi, he


# -- the library ----------------------------------------------------------------------------------------------

_model: Any = None
_model_lock = threading.Lock()


def _identifier() -> Any:
    """py3langid's identifier with normalized probabilities, loaded once per process (thread-safe)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _model


def _rank(text: str) -> list[tuple[str, float]]:
    """Languages by probability, best first, variants folded into their ISO 639-1 language."""
    merged: dict[str, float] = {}
    for label, prob in _identifier().rank(text):
        code = FOLD.get(label, label)
        merged[code] = merged.get(code, 0.0) + float(prob)
    return sorted(merged.items(), key=lambda kv: kv[1], reverse=True)


# -- identify -------------------------------------------------------------------------------------------------

def identify(text: str, *, candidates: int = 3, min_confidence: float = MIN_CONFIDENCE) -> Detection:
    """The language of ``text``, how sure, the runners-up (up to ``candidates``) and why; see the module doc."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    cleaned = clean(text[: MAX_CHARS * 4])[:MAX_CHARS]
    counts = script_counts(cleaned)
    total = sum(counts.values())
    if total == 0:
        return Detection("und", 0.0, (), "no letters (after removing URLs, digits and punctuation)")
    if total < MIN_LETTERS:
        return Detection("und", 0.0, (), f"too short: {total} letters, need {MIN_LETTERS}")

    cjk = sum(counts[s] for s in _CJK)
    script, top = counts.most_common(1)[0]
    if script in _CJK or cjk > top:
        script, top = "CJK", cjk
    share = top / total
    if share < DOMINANT_SHARE:
        mix = ", ".join(f"{s} {n / total:.0%}" for s, n in counts.most_common(3))
        return Detection("und", round(share, 3), (),
                         f"mixed scripts ({mix}): none has {DOMINANT_SHARE:.0%} of the letters")
    conf = round(share, 3)
    of = f"{share:.0%} of letters"

    if script == "CJK":
        if counts["Hangul"] > counts["Kana"] and counts["Hangul"] >= 0.1 * cjk:
            return Detection("ko", conf, (), f"Hangul (CJK characters: {of})")
        if counts["Kana"] > 0 and counts["Kana"] >= 0.05 * (counts["Kana"] + counts["Han"]):
            return Detection("ja", conf, (), f"kana among the Han characters (CJK characters: {of})")
        return Detection("zh", conf, (), f"Han characters without kana or Hangul ({of})")
    if script == "Hebrew":
        yi, he = _yiddish_score(cleaned)
        if yi >= 2 and yi > 2 * he:
            return Detection("yi", conf, (), f"Hebrew script ({of}) with Yiddish words and spellings "
                                             f"(evidence {yi} Yiddish, {he} Hebrew)")
        return Detection("he", conf, (), f"Hebrew script ({of})")
    if script in SCRIPT_LANGUAGE:
        return Detection(SCRIPT_LANGUAGE[script], conf, (), f"{script} script ({of})")

    try:
        ranked = _rank(_in_script(cleaned, script) if share < 1 else cleaned)
    except ImportError:
        return Detection("und", 0.0, (), f"{script} script ({of}), and the language-ID library py3langid is "
                                         f"not installed (pip install py3langid)")
    if ranked[0][0] == NOT_LANGUAGE:
        guesses = tuple((c, round(p, 3)) for c, p in ranked[1:candidates + 1])
        return Detection("und", 0.0, guesses, "no language: py3langid classes it as non-linguistic (zxx)")
    ranked = [(code, round(p, 3)) for code, p in ranked if code != NOT_LANGUAGE]
    best, prob = ranked[0]
    if prob < min_confidence:
        return Detection("und", prob, tuple(ranked[:candidates]),
                         f"low confidence: best guess '{best}' at {prob:.2f}, need {min_confidence:.2f}")
    return Detection(best, prob, tuple(ranked[1:candidates + 1]), f"py3langid on {script} script ({of})")
