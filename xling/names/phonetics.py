"""Names by sound across scripts: one consonant skeleton for Arabic and Latin spellings, and its similarity.

Arabic writes names with few vowels; English writes the same name with vowels and digraphs (sh, kh, ph).
Both are reduced to a *consonant skeleton* over shared classes (b/p, f/v, j/g, k/q/c, s/sh ...), so
بوتين and Putin both become ``BTN``. The entity linker compares skeletons with a weighted edit distance
(:func:`skeleton_similarity`); the sentence aligner needs exact matches to use them as features and
compares :func:`skeleton_key`, the same skeleton with the classes the distance calls near merged.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from xling.names.arabic import clitic_splits, normalize_arabic
from xling.text.scripts import ARABIC_LETTER

# -- romanization to a consonant skeleton --------------------------------------------------------------
# Classes: B(b,p) T(t,th) D(d) F(f,v,ph) J(j,g,gh) K(k,q,c,ck,kh) H(h) L M N R S(s,sh,ch,ts) Z(z) W Y.
# Long vowels (ا و ي), ع and ء carry no consonant; و/ي count as W/Y only at the start of a word.

_AR_CONSONANTS = {
    "ب": "B", "پ": "B", "ت": "T", "ط": "T", "ث": "T", "ج": "J", "چ": "S", "ح": "H", "خ": "K", "د": "D",
    "ض": "D", "ذ": "Z", "ر": "R", "ز": "Z", "ظ": "Z", "س": "S", "ش": "S", "ص": "S", "غ": "J", "گ": "J",
    "ف": "F", "ڤ": "F", "ق": "K", "ك": "K", "ل": "L", "م": "M", "ن": "N", "ه": "H",
}


def collapse(skeleton: str) -> str:
    """Doubled classes as one (a doubled letter is one sound; so is a class split across two words)."""
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
    return collapse("".join(out))


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
    return collapse("".join(out))


@functools.lru_cache(maxsize=65536)
def skeleton(name: str) -> str:
    """Skeleton of a word or a whole name in either script: "Putin" and "بوتين" -> "BTN".

    Words are concatenated; Arabic proclitics are not stripped (see :func:`name_similarity`).
    """
    parts = []
    for word in re.findall(r"\w+", name):
        parts.append(romanize_arabic(word) if ARABIC_LETTER.search(word) else romanize_english(word))
    return collapse("".join(parts))


#: Near classes merged and the weak classes dropped: what is left must match exactly.
_KEY_CLASSES = str.maketrans({"D": "T", "Z": "S", "J": "K", "H": None, "W": None, "Y": None})


def skeleton_key(skeleton: str) -> str:
    """A skeleton for exact matching: d/t, z/s and j/g/k as one class each, h and initial w/y dropped.

    Transliteration is least consistent about exactly these (Riyadh/الرياض: RDH/RD, both RT), so callers
    that compare skeletons by equality rather than by :func:`skeleton_distance` compare these keys.
    """
    return collapse(skeleton.translate(_KEY_CLASSES))


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
        best = max(best, skeleton_similarity(collapse(romanize_arabic(stem) + rest), target))
    return best
