"""Inflected names: the stems a word of a name can have once its case ending is taken off.

Russian, Polish, Czech, Finnish... decline names (Путин, Путина, Путину, Путиным; Biden, Bidena, Bidenem),
so a name is recognised under several spellings in one text. :func:`stems` gives every reading of a word
as stem + one ending of its language (``xling/data/inflection.tsv``, written for xling), unstripped first;
two words are forms of one name when their stem sets meet (:func:`same_word`), which groups
Путин/Путина/Путину and Байден/Байденом, and finds Женева in Женеве. Arabic clitics are
:func:`xling.names.arabic.clitic_splits`; Arabic-script words are folded by
:func:`xling.names.arabic.normalize_arabic`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources

from xling.names.arabic import normalize_arabic
from xling.names.tokens import strip_marks

#: A stem keeps at least this many letters (Мали is not Мал + и).
MIN_STEM = 3
#: An ending made of this mark cuts the word at the apostrophe (Turkish Putin'in).
APOSTROPHE = "'"
_APOSTROPHES = "'\u2019"


@functools.cache
def _endings() -> dict[str, tuple[str, ...]]:
    text = resources.files("xling").joinpath("data/inflection.tsv").read_text(encoding="utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, endings = line.split("\t")
        table[lang] = tuple(sorted(set(endings.split()), key=len, reverse=True))
    return table


def inflecting(lang: str) -> bool:
    """Whether names take case endings in ``lang`` (it has a row in ``inflection.tsv``)."""
    return _base(lang) in _endings()


def _base(lang: str) -> str:
    return (lang or "").split("-")[0].split("_")[0].lower()


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A word's comparable form: case-folded, ё as е, Arabic-script spelling folded, apostrophes as '."""
    w = word.casefold().replace("ё", "е").replace("\u2019", "'")
    return normalize_arabic(w)


@functools.lru_cache(maxsize=65536)
def stems(word: str, lang: str) -> tuple[str, ...]:
    """Every reading of ``word`` as stem + case ending of ``lang``, as folded stems, the whole word first:
    ``stems("Путина", "ru") == ("путина", "путин")``. One reading (the word) where ``lang`` does not inflect."""
    w = fold(word)
    out = [w]
    endings = _endings().get(_base(lang), ())
    if APOSTROPHE in endings:
        cut = w.find("'")
        if cut >= MIN_STEM:
            out.append(w[:cut])
        return tuple(out)
    for ending in endings:
        if w.endswith(ending) and len(w) - len(ending) >= MIN_STEM:
            stem = w[: -len(ending)]
            if stem not in out:
                out.append(stem)
    return tuple(out)


def same_word(a: str, b: str, lang: str) -> bool:
    """Whether two words are forms of one name word in ``lang`` (their stems meet; marks ignored)."""
    if fold(a) == fold(b):
        return True
    sa = set(stems(a, lang)) | {strip_marks(s) for s in stems(a, lang)}
    sb = set(stems(b, lang)) | {strip_marks(s) for s in stems(b, lang)}
    return not sa.isdisjoint(sb)


def same_words(a: Sequence[str], b: Sequence[str], lang: str) -> bool:
    """Whether two word sequences are one name word for word (:func:`same_word`)."""
    return len(a) == len(b) and all(same_word(x, y, lang) for x, y in zip(a, b))


def contains_name(longer: Sequence[str], shorter: Sequence[str], lang: str) -> bool:
    """Whether ``shorter`` is ``longer`` or a run of its words, inflection aside ("Путина" in "Владимир Путин")."""
    n = len(shorter)
    return n > 0 and any(same_words(longer[i : i + n], shorter, lang) for i in range(len(longer) - n + 1))





#: At most this many readings of a whole name (a stem per word, combined).
MAX_NAME_READINGS = 8


@functools.lru_cache(maxsize=65536)
def name_readings(name: str, lang: str) -> tuple[str, ...]:
    """A name with its words' case endings taken off, as strings, the name itself first:
    ``name_readings("Сергея Лаврова", "ru")`` has "сергея лаврова", "сергея лавров", "серге лавров"..."""
    import itertools

    from xling.names.tokens import words

    parts = [stems(w, lang) for _, _, w in words(name)]
    if not parts:
        return (name,)
    out = [name]
    for combo in itertools.islice(itertools.product(*parts), 1, MAX_NAME_READINGS):
        reading = " ".join(combo)
        if reading not in out:
            out.append(reading)
    return tuple(out)
__all__ = ["MIN_STEM", "MAX_NAME_READINGS", "inflecting", "fold", "stems", "same_word", "same_words", "contains_name",
           "name_readings"]
