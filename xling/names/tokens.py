"""Words of any script with their offsets: letters, digits and the combining marks between them.

Python's ``\\w`` leaves out combining marks, which cuts Devanagari (ब्लिंकन), Hebrew with points, Thai and
decomposed Latin into pieces. :func:`word_pattern` is ``\\w`` plus every mark (Unicode category M), built
once on first use. Chinese and Japanese write names without spaces: :func:`words` yields each run of Han
or kana as one word (katakana names are cut at the middle dot ・, which is not a word character).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

#: Scripts written without spaces between words: names in them are found as substrings of runs.
SPACELESS_SCRIPTS = frozenset({"Han", "Kana", "Thai", "Lao", "Khmer", "Myanmar"})


@functools.cache
def _mark_class() -> str:
    """A regex character-class body of every combining mark (category M), as ranges."""
    ranges: list[list[int]] = []
    for code in (*range(0x30000), *range(0xE0100, 0xE01F0)):  # no marks elsewhere
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)


@functools.cache
def word_pattern() -> re.Pattern[str]:
    """A word: letters (and digits) with the combining marks inside and after them; no underscore."""
    return re.compile(f"(?:[^\\W_]|['\u2019](?=[^\\W\\d_])|[{_mark_class()}])+")


def words(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, str]]:
    """The words of ``text[start:end]`` as ``(start, end, word)``, offsets into ``text``.

    An apostrophe between letters stays inside a word (O'Brien, l'OTAN: callers split elisions).
    """
    for m in word_pattern().finditer(text, start, len(text) if end is None else end):
        word = m.group()
        if word[:1] in "'\u2019":
            continue
        yield m.start(), m.end(), word


def strip_marks(text: str) -> str:
    """``text`` without combining marks (NFD, marks dropped, NFC): Genève -> Geneve, Πούτιν -> Πουτιν."""
    return unicodedata.normalize("NFC", "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.category(c).startswith("M")))


__all__ = ["SPACELESS_SCRIPTS", "word_pattern", "words", "strip_marks"]
