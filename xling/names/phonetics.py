"""Names by sound across scripts: one consonant skeleton for every script's spelling, and its similarity.

Arabic writes names with few vowels; English writes the same name with vowels and digraphs (sh, kh, ph).
Both are reduced to a *consonant skeleton* over shared classes (b/p, f/v, j/g, k/q/c, s/sh ...), so
بوتين and Putin both become ``BTN``. Other scripts are romanized first by a maintained library (anyascii,
ISC, every script; pypinyin, MIT, for Chinese when installed) and read with the Latin rules: Путин,
Πούτιν, पुतिन, プーチン are ``BTN`` too; Hebrew, an abjad like Arabic, has its own letter table, and
Persian and Urdu letters (پ چ ژ گ ک ی ے ٹ ڈ ڑ ں ھ) are in the Arabic one. The entity linker compares skeletons with a weighted edit distance
(:func:`skeleton_similarity`); the sentence aligner needs exact matches to use them as features and
compares :func:`skeleton_key`, the same skeleton with the classes the distance calls near merged.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from xling.names.arabic import clitic_splits, normalize_arabic
from xling.names.tokens import words as _words
from xling.text.scripts import ARABIC_LETTER, script_of

# -- romanization to a consonant skeleton --------------------------------------------------------------
# Classes: B(b,p) T(t,th) D(d) F(f,v,ph) J(j,g,gh) K(k,q,c,ck,kh) H(h) L M N R S(s,sh,ch,ts) Z(z) W Y.
# Long vowels (ا و ي), ع and ء carry no consonant; و/ي count as W/Y only at the start of a word.
# Lowercase letters are *either* classes, for scripts that write two English sounds with one letter:
# "v" is B or F and may be dropped cheaply (Cyrillic в for English w, Hebrew ב/פ, Japanese ブ for v),
# "r" is L or R (kana and Chinese have one liquid), "j" is J, T, D, K, S or Z (Chinese j/q, Japanese chi:
# the palatalized t of Пу-тин is 普京 Pu-jing).
#: What each either-class matches at no cost.
EITHER = {"v": frozenset("BFv"), "r": frozenset("LRr"), "j": frozenset("JTDKSZj")}

_AR_CONSONANTS = {
    "ب": "B", "پ": "B", "ت": "T", "ط": "T", "ث": "T", "ج": "J", "چ": "S", "ح": "H", "خ": "K", "د": "D",
    "ض": "D", "ذ": "Z", "ر": "R", "ز": "Z", "ظ": "Z", "س": "S", "ش": "S", "ص": "S", "غ": "J", "گ": "J",
    "ف": "F", "ڤ": "F", "ق": "K", "ك": "K", "ل": "L", "م": "M", "ن": "N", "ه": "H",
    # Persian and Urdu letters (ک ی are folded into ك ي by normalize_arabic; ے ہ too)
    "ژ": "J", "ٹ": "T", "ڈ": "D", "ڑ": "R", "ں": "N", "ھ": "H",
}
#: Urdu do-chashmi he after a consonant marks aspiration (بھ = bh), no consonant of its own.
_ASPIRATION = "ھ"


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
        elif ch == _ASPIRATION and i > 0 and w[i - 1] in _AR_CONSONANTS:
            continue
        elif ch in _AR_CONSONANTS:
            out.append(_AR_CONSONANTS[ch])
    return collapse("".join(out))


_EN_DIGRAPHS = [
    ("sch", "S"), ("tch", "S"), ("sh", "S"), ("ch", "S"), ("zh", "J"), ("kh", "K"), ("gh", "J"), ("ph", "F"),
    ("th", "T"), ("ck", "K"), ("qu", "K"), ("dj", "J"), ("dzh", "J"), ("ts", "S"), ("tz", "S"), ("x", "KS"),
    ("gn", "N"),  # Italian and French gn is ny (Ignazio = Иньяцио)
]
_EN_LETTERS = {
    "b": "B", "p": "B", "t": "T", "d": "D", "f": "F", "v": "F", "j": "J", "g": "J", "k": "K", "q": "K",
    "c": "K", "h": "H", "l": "L", "m": "M", "n": "N", "r": "R", "s": "S", "z": "Z",
}


@functools.lru_cache(maxsize=65536)
def romanize_english(word: str) -> str:
    """Consonant skeleton of one Latin-script word in the same classes: Ushakov -> SKF, Wilmington -> WLMNJTN."""
    return _latin_skeleton(word, "")


def _latin_skeleton(word: str, either: str) -> str:
    """:func:`romanize_english` of a Latin spelling; letters in ``either`` ("v", "r") become either-classes."""
    w = word.lower()
    if not w.isascii():
        from anyascii import anyascii  # ł ø ß and the like have no ASCII decomposition

        w = anyascii(unicodedata.normalize("NFC", w)).lower()
    w = "".join(c for c in w if c.isalpha() and c.isascii())
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
            if ch in either:
                out.append(ch)
            elif ch == "c" and w[i + 1 : i + 2] in ("e", "i", "y"):
                out.append("S")
            elif ch in _EN_LETTERS:
                out.append(_EN_LETTERS[ch])
            i += 1
    return collapse("".join(out))


# -- other scripts: a maintained romanizer (anyascii; pypinyin for Chinese when installed), then Latin rules ---

_HEBREW = {
    "ב": "v", "ג": "J", "ד": "D", "ה": "H", "ז": "Z", "ח": "H", "ט": "T", "כ": "K", "ך": "K", "ל": "L",
    "מ": "M", "ם": "M", "נ": "N", "ן": "N", "ס": "S", "פ": "v", "ף": "F", "צ": "S", "ץ": "S", "ק": "K",
    "ר": "R", "ש": "S", "ת": "T",
}
#: Hebrew geresh after ג ז צ writes j, zh, ch (ג׳ורג׳).
_HEBREW_GERESH = {"ג": "J", "ז": "J", "צ": "S"}


@functools.lru_cache(maxsize=65536)
def romanize_hebrew(word: str) -> str:
    """Consonant skeleton of a Hebrew word: like Arabic, an abjad, so ו and י are vowels inside a word
    (v/Y at its start), א and ע carry nothing, ב and פ are b/v and p/f: פוטין -> vTN, בלינקן -> vLNKN."""
    out = []
    letters = [c for c in word if "\u05d0" <= c <= "\u05ea" or c in "'\u05f3"]
    for i, ch in enumerate(letters):
        if ch in "'\u05f3":
            if out and i > 0 and letters[i - 1] in _HEBREW_GERESH:
                out[-1] = _HEBREW_GERESH[letters[i - 1]]
            continue
        if i == 0 and ch in "וי":
            out.append("v" if ch == "ו" else "Y")  # ולדימיר: an initial vav is v (or w: וושינגטון)
        elif ch == "ה" and i == len(letters) - 1 and i > 0:
            continue
        elif ch in _HEBREW:
            out.append(_HEBREW[ch])
    return collapse("".join(out))


#: Pinyin initials (longest first) and their classes; finals carry no consonant except n/ng (N) and er (r).
_PINYIN_INITIALS = [("zh", "J"), ("ch", "S"), ("sh", "S"), ("b", "B"), ("p", "B"), ("m", "M"), ("f", "F"),
                    ("d", "D"), ("t", "T"), ("n", "N"), ("l", "r"), ("g", "J"), ("k", "K"), ("h", "H"),
                    ("j", "j"), ("q", "j"), ("x", "S"), ("r", "r"), ("z", "Z"), ("c", "S"), ("s", "S"),
                    ("y", ""), ("w", "")]


def _pinyin_skeleton(syllable: str, first: bool) -> str:
    s = syllable.lower()
    out = ""
    for initial, cls in _PINYIN_INITIALS:
        if s.startswith(initial):
            out = cls if cls or not first else ("W" if initial == "w" else "Y")
            s = s[len(initial):]
            break
    if s in ("er", "r"):
        return out + "r"
    if s.endswith(("n", "ng")) and len(s) > 1:
        out += "N"
    return out


@functools.lru_cache(maxsize=65536)
def romanize_han(word: str) -> str:
    """Consonant skeleton of a run of Chinese characters, syllable by syllable from its pinyin (pypinyin when
    installed, else anyascii's readings): 拜登 Bai-Deng -> BDN, 拉夫罗夫 La-fu-luo-fu -> rFrF."""
    syllables = _pinyin(word)
    return collapse("".join(_pinyin_skeleton(s, i == 0) for i, s in enumerate(syllables)))


def _pinyin(word: str) -> list[str]:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:
        from anyascii import anyascii

        return re.findall(r"[A-Z][a-z]*", "".join(anyascii(ch).title() for ch in word))
    return [s for s in lazy_pinyin(word) if s.isascii() and s.isalpha()]


@functools.lru_cache(maxsize=65536)
def romanize_kana(word: str) -> str:
    """Consonant skeleton of a Japanese word from anyascii's romaji of its kana (the sokuon ッ and the long
    mark ー dropped: they lengthen, they add no consonant): ラブロフ ra-bu-ro-fu -> rvrF; r is either liquid,
    b may be a v, chi a palatalized t. Kana are phonetic, so no dictionary is needed for names in them
    (pykakasi, which reads kanji too, is GPL-3.0 and not used)."""
    from anyascii import anyascii

    latin = anyascii(word.replace("\u30c3", "").replace("\u30fc", "").replace("\u3063", "")).lower()
    latin = re.sub(r"ch", "j", latin)
    return collapse(_latin_skeleton(latin.replace("b", "v").replace("l", "r"), "vrj"))


#: Greek digraphs for b, d, g (Μπλίνκεν = Blinken) before anyascii reads the letters.
_GREEK_DIGRAPHS = (("μπ", "b"), ("ντ", "d"), ("γκ", "g"), ("γγ", "ng"), ("τσ", "ts"), ("τζ", "j"))
#: Devanagari nukta letters and the anusvara (a nasal: ब्लिंकन = blinkan) before anyascii.
_DEVANAGARI = (("\u091c\u093c", "z"), ("\u092b\u093c", "f"), ("\u0915\u093c", "q"), ("\u0916\u093c", "kh"),
               ("\u0917\u093c", "gh"), ("\u0921\u093c", "r"), ("\u0902", "n"))


@functools.lru_cache(maxsize=65536)
def romanize_other(word: str) -> str:
    """Consonant skeleton of a word in another alphabet (Cyrillic, Greek, Devanagari, Armenian, Georgian,
    Hangul...): anyascii's romanization read with the Latin rules; Cyrillic в and Greek β (English v or w)
    become the either-class "v"."""
    from anyascii import anyascii

    script = script_of(word[0]) if word else None
    w = word.lower()
    if script == "Greek":
        w = unicodedata.normalize("NFD", w)
        w = "".join(c for c in w if not unicodedata.combining(c))
        for graph, latin in _GREEK_DIGRAPHS:
            w = w.replace(graph, latin)
    elif script == "Devanagari":
        w = unicodedata.normalize("NFD", w)
        for graph, latin in _DEVANAGARI:
            w = w.replace(graph, latin)
    either = "v" if script in ("Cyrillic", "Greek", "Devanagari") else ""
    return _latin_skeleton(anyascii(w), either)


def romanize_word(word: str) -> str:
    """Consonant skeleton of one word in any script (the first letter's script picks the rules)."""
    script = next((s for s in map(script_of, word) if s is not None), None)
    if script == "Arabic":
        return romanize_arabic(word)
    if script == "Latin" or script is None:
        return romanize_english(word)
    if script == "Hebrew":
        return romanize_hebrew(word)
    if script == "Han":
        return romanize_han(word)
    if script == "Kana":
        return romanize_kana(word)
    return romanize_other(word)


@functools.lru_cache(maxsize=65536)
def skeleton(name: str) -> str:
    """Skeleton of a word or a whole name in any script: "Putin", "بوتين", "Путин", "פוטין" -> "BTN" or near.

    Words are concatenated; Arabic proclitics are not stripped (see :func:`name_similarity`).
    """
    parts = []
    for _, _, word in _words(name):
        parts.append(romanize_arabic(word) if ARABIC_LETTER.search(word) else romanize_word(word))
    return collapse("".join(parts))


#: Near classes merged and the weak classes dropped: what is left must match exactly.
_KEY_CLASSES = str.maketrans({"D": "T", "Z": "S", "J": "K", "H": None, "W": None, "Y": None,
                              "v": "F", "r": "R", "j": "K"})


def skeleton_key(skeleton: str) -> str:
    """A skeleton for exact matching: d/t, z/s and j/g/k as one class each, h and initial w/y dropped.

    Transliteration is least consistent about exactly these (Riyadh/الرياض: RDH/RD, both RT), so callers
    that compare skeletons by equality rather than by :func:`skeleton_distance` compare these keys.
    """
    return collapse(skeleton.translate(_KEY_CLASSES))


# -- distance and similarity ---------------------------------------------------------------------------

_NEAR = {frozenset("SZ"), frozenset("KJ"), frozenset("HK"), frozenset("DZ"), frozenset("TS")}
_CHEAP_INDEL = set("HWYv")


def _substitution(a: str, b: str) -> float:
    if a == b or b in EITHER.get(a, ()) or a in EITHER.get(b, ()):
        return 0.0
    return 0.5 if frozenset((a, b)) in _NEAR else 1.0


@functools.lru_cache(maxsize=65536)
def skeleton_distance(a: str, b: str) -> float:
    """Weighted edit distance: near classes (s/z, k/g, h/kh) substitute for 0.5; h, w, y come and go for 0.5."""
    prev = [0.0]
    for ch in b:
        prev.append(prev[-1] + (0.5 if ch in _CHEAP_INDEL else 1.0))
    for ca in a:
        cur = [prev[0] + (0.5 if ca in _CHEAP_INDEL else 1.0)]
        for j, cb in enumerate(b, 1):
            sub = _substitution(ca, cb)
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
