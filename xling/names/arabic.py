"""Names across scripts: Arabic normalization, clitic stripping, a shared consonant skeleton, similarity.

Arabic writes names with few vowels and several spellings (أوشاكوف/اوشاكوف, ة/ه, ى/ي); English writes
the same name with vowels and digraphs (sh, kh, ph). Both sides are reduced to a *consonant skeleton*
over equivalence classes (b/p, f/v, j/g, k/q/c, s/sh ...) and compared with a weighted edit distance, so
بوتين and Putin both become ``BTN``. Everything here works on one word or name at a time and keeps the
offsets back into the original text, because mentions are spans of the verbatim text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence

# -- Arabic normalization -----------------------------------------------------------------------------

#: Harakat, Quranic marks and the superscript alef: dropped, they vary freely between writers.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # includes tatweel U+0640
_LETTER_MAP = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",  # alef with hamza/madda/wasla
        "ى": "ي", "ی": "ي", "ئ": "ي",  # alef maqsura, Farsi yeh, yeh with hamza
        "ؤ": "و",
        "ة": "ه",  # ta marbuta
        "ک": "ك",  # keheh
    }
)
ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0660-\u0669\u066e-\u06d3\u06d5\u06fa-\u06ff\u064b-\u065f\u0670\u0640]+")
ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff]")


def normalize_arabic(text: str) -> str:
    """Fold the spelling variation of Arabic names: alef/hamza forms, ta marbuta, alef maqsura, tatweel, diacritics."""
    return _DIACRITICS.sub("", text).translate(_LETTER_MAP)


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Like :func:`normalize_arabic`, plus for each output character its index in ``text``."""
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if _DIACRITICS.match(ch):
            continue
        out.append(ch.translate(_LETTER_MAP))
        offsets.append(i)
    return "".join(out), offsets


# -- clitics -------------------------------------------------------------------------------------------

_CONJUNCTIONS = ("و", "ف")
_PREPOSITIONS = ("ب", "ل", "ك")
#: A stripped reading must leave this many letters (ك + ان is not a reading of كان).
MIN_STEM = 3


@functools.lru_cache(maxsize=65536)
def clitic_splits(word: str) -> tuple[tuple[int, str], ...]:
    """Every reading of a normalized word as proclitics + stem, as ``(prefix_length, stem)``, unstripped first.

    Proclitics are an optional conjunction (و ف), an optional preposition (ب ل ك) and an optional article
    (ال; ل + ال is written لل). Stripping is ambiguous (بوتين starts with ب, فيينا with ف), so callers try
    all readings and keep the one that matches something.
    """
    seen: dict[str, int] = {}

    def add(prefix: int, stem: str | None = None) -> None:
        stem = word[prefix:] if stem is None else stem
        if (prefix == 0 or len(stem) >= MIN_STEM) and stem not in seen:
            seen[stem] = prefix

    for conj in ("",) + _CONJUNCTIONS:
        if conj and not word.startswith(conj):
            continue
        p1 = len(conj)
        add(p1)
        rest = word[p1:]
        if rest.startswith("لل") and len(rest) > 4:  # لل = ل + ال (للولايات): the stem regains its alef
            add(p1 + 1, "ا" + rest[1:])
            add(p1 + 2)
        for prep in ("",) + _PREPOSITIONS:
            if prep and not rest.startswith(prep):
                continue
            p2 = p1 + len(prep)
            add(p2)
            if word.startswith("ال", p2) and len(word) - p2 > 3:
                add(p2 + 2)
    return tuple((prefix, stem) for stem, prefix in seen.items())


def strip_article(word: str) -> str:
    """The word without a leading ال (only when enough is left to be a word)."""
    return word[2:] if word.startswith("ال") and len(word) > 4 else word


# -- romanization to a consonant skeleton --------------------------------------------------------------
# Classes: B(b,p) T(t,th) D(d) F(f,v,ph) J(j,g,gh) K(k,q,c,ck,kh) H(h) L M N R S(s,sh,ch,ts) Z(z) W Y.
# Long vowels (ا و ي), ع and ء carry no consonant; و/ي count as W/Y only at the start of a word.

_AR_CONSONANTS = {
    "ب": "B", "پ": "B", "ت": "T", "ط": "T", "ث": "T", "ج": "J", "چ": "S", "ح": "H", "خ": "K", "د": "D",
    "ض": "D", "ذ": "Z", "ر": "R", "ز": "Z", "ظ": "Z", "س": "S", "ش": "S", "ص": "S", "غ": "J", "گ": "J",
    "ف": "F", "ڤ": "F", "ق": "K", "ك": "K", "ل": "L", "م": "M", "ن": "N", "ه": "H",
}
_AR_SILENT = set("اوىيعءئؤأإآة")


def _collapse(skeleton: str) -> str:
    return re.sub(r"(.)\1+", r"\1", skeleton)


@functools.lru_cache(maxsize=65536)
def romanize_arabic(word: str) -> str:
    """Consonant skeleton of one Arabic word (normalized first): أوشاكوف -> SKF, ويلمنغتون -> WLMNJTN."""
    # تش writes English ch (تشرشل = Churchill), تس writes ts/tz/z (شولتس = Scholz): one class each
    w = normalize_arabic(word).replace("تش", "چ").replace("تس", "س")
    out = []
    for i, ch in enumerate(w):
        if i == 0 and ch in "وي":
            out.append("W" if ch == "و" else "Y")
        elif ch == "ه" and i == len(w) - 1 and i > 0:
            continue  # ta marbuta / final h is not heard in English renderings
        elif ch in _AR_CONSONANTS:
            out.append(_AR_CONSONANTS[ch])
    return _collapse("".join(out))


_EN_DIGRAPHS = [
    ("sch", "S"), ("tch", "S"), ("sh", "S"), ("ch", "S"), ("zh", "J"), ("kh", "K"), ("gh", "J"), ("ph", "F"),
    ("th", "T"), ("ck", "K"), ("qu", "K"), ("dj", "J"), ("dzh", "J"), ("ts", "S"), ("tz", "S"), ("x", "KS"),
]
_EN_LETTERS = {
    "b": "B", "p": "B", "t": "T", "d": "D", "f": "F", "v": "F", "j": "J", "g": "J", "k": "K", "q": "K",
    "c": "K", "h": "H", "l": "L", "m": "M", "n": "N", "r": "R", "s": "S", "z": "Z",
}


@functools.lru_cache(maxsize=65536)
def romanize_english(word: str) -> str:
    """Consonant skeleton of one Latin-script word in the same classes: Ushakov -> SKF, Wilmington -> WLMNJTN."""
    import unicodedata

    w = "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if c.isalpha() and c.isascii())
    w = re.sub(r"'s$", "", w)
    out = []
    i = 0
    while i < len(w):
        if i == 0 and w[0] in "wy":
            out.append("W" if w[0] == "w" else "Y")
            i += 1
            continue
        for graph, cls in _EN_DIGRAPHS:
            if w.startswith(graph, i):
                out.append(cls)
                i += len(graph)
                break
        else:
            ch = w[i]
            if ch == "c" and w[i + 1 : i + 2] in ("e", "i", "y"):
                out.append("S")
            elif ch in _EN_LETTERS:
                out.append(_EN_LETTERS[ch])
            i += 1
    return _collapse("".join(out))


def skeleton(name: str) -> str:
    """Skeleton of a whole name in either script (words concatenated; Arabic proclitics are not stripped)."""
    parts = []
    for word in re.findall(r"\w+", name):
        parts.append(romanize_arabic(word) if ARABIC_LETTER.search(word) else romanize_english(word))
    return _collapse("".join(parts))


# -- distance and similarity ---------------------------------------------------------------------------

_NEAR = {frozenset("SZ"), frozenset("KJ"), frozenset("HK"), frozenset("DZ"), frozenset("TS")}
_CHEAP_INDEL = set("HWY")


@functools.lru_cache(maxsize=65536)
def skeleton_distance(a: str, b: str) -> float:
    """Weighted edit distance: near classes (s/z, k/g, h/kh) substitute for 0.5; h, w, y come and go for 0.5."""
    prev = [0.0]
    for ch in b:
        prev.append(prev[-1] + (0.5 if ch in _CHEAP_INDEL else 1.0))
    for ca in a:
        cur = [prev[0] + (0.5 if ca in _CHEAP_INDEL else 1.0)]
        for j, cb in enumerate(b, 1):
            sub = 0.0 if ca == cb else 0.5 if frozenset((ca, cb)) in _NEAR else 1.0
            cur.append(
                min(
                    prev[j - 1] + sub,
                    prev[j] + (0.5 if ca in _CHEAP_INDEL else 1.0),
                    cur[j - 1] + (0.5 if cb in _CHEAP_INDEL else 1.0),
                )
            )
        prev = cur
    return prev[-1]


def skeleton_similarity(a: str, b: str) -> float:
    """1 - distance / longer length, in [0, 1]; skeletons of one or two classes must match exactly."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if min(len(a), len(b)) <= 2:
        return 0.0
    return max(0.0, 1.0 - skeleton_distance(a, b) / max(len(a), len(b)))


def name_similarity(arabic: str, english: str) -> float:
    """How likely an Arabic name and an English name are one name written in two scripts (0..1).

    The Arabic side's first word is tried with and without proclitics (وبوتين, الكرملين); the best reading wins.
    """
    words = re.findall(r"\w+", normalize_arabic(arabic))
    if not words:
        return 0.0
    target = skeleton(english)
    rest = "".join(romanize_arabic(w) for w in words[1:])
    best = 0.0
    for _, stem in clitic_splits(words[0]):
        best = max(best, skeleton_similarity(_collapse(romanize_arabic(stem) + rest), target))
    return best


# -- tokens with offsets -------------------------------------------------------------------------------


def arabic_tokens(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, str]]:
    """Arabic words of ``text[start:end]`` as ``(start, end, normalized)`` with offsets into ``text``."""
    for m in ARABIC_WORD.finditer(text, start, len(text) if end is None else end):
        norm = normalize_arabic(m.group())
        if norm and ARABIC_LETTER.search(norm):
            yield m.start(), m.end(), norm


def stem_offset(token: str, prefix_length: int) -> int:
    """Offset in the verbatim ``token`` where the stem starts after ``prefix_length`` normalized characters."""
    if prefix_length == 0:
        return 0
    _, offsets = normalize_with_offsets(token)
    return offsets[prefix_length] if prefix_length < len(offsets) else len(token)


def arabic_key(words: Sequence[str]) -> str:
    """Lookup key of a (normalized) Arabic name: its words joined by one space, article kept (الغرب is not غرب)."""
    return " ".join(words)
