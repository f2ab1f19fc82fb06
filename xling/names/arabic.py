"""Arabic words of names: normalization, clitic stripping, tokens with offsets.

Arabic writes one name in several spellings (أوشاكوف/اوشاكوف, ة/ه, ى/ي) and glues conjunctions,
prepositions and the article to it (وبوتين, الكرملين). Everything here works on one word or name at a
time and keeps the offsets back into the original text, because mentions are spans of the verbatim text.
How names sound across scripts (skeletons, similarity) is :mod:`xling.names.phonetics`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence

from xling.text.scripts import ARABIC_DIACRITICS, ARABIC_INDIC_DIGITS, ARABIC_LETTER, ARABIC_LETTERS, TATWEEL

# -- Arabic normalization -----------------------------------------------------------------------------

#: Harakat, Quranic marks, the superscript alef and tatweel: dropped, they vary freely between writers.
_DIACRITICS = re.compile(f"[{ARABIC_DIACRITICS}{TATWEEL}]")
_LETTER_MAP = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",  # alef with hamza/madda/wasla
        "ى": "ي", "ی": "ي", "ئ": "ي",  # alef maqsura, Farsi yeh, yeh with hamza
        "ؤ": "و",
        "ة": "ه",  # ta marbuta
        "ک": "ك",  # keheh
    }
)
#: An Arabic word as written: letters, Arabic-Indic digits, diacritics and tatweel.
ARABIC_WORD = re.compile(f"[{ARABIC_LETTERS}{ARABIC_INDIC_DIGITS}{ARABIC_DIACRITICS}{TATWEEL}]+")


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
