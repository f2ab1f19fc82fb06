"""A bilingual Arabic-English name lexicon: CLDR through Babel, plus a small curated list for what CLDR lacks.

CLDR gives the names of ~290 countries, territories and regions and ~420 exemplar cities in both
languages (``Locale('ar').territories``, ``Locale('ar').time_zones[zone]['city']``), maintained by the
Unicode consortium; ``xling/data/lexicon.tsv`` adds organisations (NATO, the Kremlin), cities without a
time zone (Geneva, Washington) and common variant spellings (أميركا/أمريكا). Demonyms link to their
country: English ones from the curated column and from regular suffixes (Russia -> Russian, Ukraine ->
Ukrainian, Iraq -> Iraqi), Arabic nisba adjectives derived from the Arabic name (روسيا -> روسي، روسية،
روسيون). The lexicon is built on first use and kept in memory.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

from xling.names.arabic import arabic_key, normalize_arabic

NAME = "name"
DEMONYM = "demonym"
#: Label of the curated row listing Arabic forms that are common words (مالي "financial", نوم "sleep"):
#: never looked up alone, whatever CLDR says.
STOP = "STOP"


@dataclass(eq=False)
class LexEntry:
    """One real-world name: its label, English forms (the first one is displayed) and Arabic forms."""

    key: str
    label: str
    english: list[str] = field(default_factory=list)
    arabic: list[str] = field(default_factory=list)
    demonyms: list[str] = field(default_factory=list)
    country: bool = False


def english_key(text: str) -> str:
    """Lookup key of an English name: case-folded, without a leading "the" or a possessive 's."""
    t = re.sub(r"[\u2019']s?$", "", text.strip())
    t = re.sub(r"^the\s+", "", t, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", t).casefold()


def arabic_lookup_key(text: str) -> str:
    return arabic_key(re.findall(r"\w+", normalize_arabic(text)))


class Lexicon:
    """Name lookups in both directions; each hit says whether it is a name or a demonym."""

    def __init__(self, entries: list[LexEntry]):
        stop = {arabic_lookup_key(f) for e in entries if e.label == STOP for f in e.arabic}
        entries = [e for e in entries if e.label != STOP]
        self.entries = entries
        self._english: dict[str, tuple[LexEntry, str]] = {}
        self._arabic: dict[str, list[tuple[LexEntry, str]]] = {}
        for entry in entries:
            for form in entry.english:
                self._english.setdefault(english_key(form), (entry, NAME))
            for form in entry.arabic:
                self._add_arabic(arabic_lookup_key(form), entry, NAME)
        for entry in entries:  # demonyms after names, so that a name always wins a clash
            for form in entry.demonyms:
                self._english.setdefault(english_key(form), (entry, DEMONYM))
        for rule in _ENGLISH_DEMONYM_RULES:
            for entry in entries:
                if entry.country:
                    for form in entry.english[:1]:
                        for demonym in rule(form):
                            self._english.setdefault(english_key(demonym), (entry, DEMONYM))
        for entry in entries:
            if entry.country:
                for form in entry.arabic:
                    for nisba in arabic_nisbas(form):
                        self._add_arabic(nisba, entry, DEMONYM)
        for key in stop:
            self._arabic.pop(key, None)
        self.max_arabic_words = max((k.count(" ") + 1 for k in self._arabic), default=1)
        self.max_english_words = max((k.count(" ") + 1 for k in self._english), default=1)

    def english(self, text: str) -> tuple[LexEntry, str] | None:
        """The entry an English name or demonym refers to ("Russia's", "the Kremlin", "Ukrainians")."""
        key = english_key(text)
        hit = self._english.get(key)
        if hit is None and key.endswith("s"):
            hit = self._english.get(key[:-1])
            if hit is not None and hit[1] != DEMONYM:
                hit = None
        return hit

    def _add_arabic(self, key: str, entry: LexEntry, kind: str) -> None:
        hits = self._arabic.setdefault(key, [])
        if all(e is not entry for e, _ in hits) and not (kind == DEMONYM and hits):
            hits.append((entry, kind))

    def arabic(self, key: str) -> tuple[LexEntry, str] | None:
        """The main entry for an Arabic lookup key (see :func:`xling.names.arabic.arabic_key`): the country before its city."""
        hits = self._arabic.get(key)
        return hits[0] if hits else None

    def arabic_all(self, key: str) -> list[tuple[LexEntry, str]]:
        """Every entry an Arabic form can name: الجزائر is Algeria and Algiers, عمان is Oman and Amman."""
        return list(self._arabic.get(key, ()))


def _plus_n(name: str) -> list[str]:
    return [name + "n"] if name.endswith("a") else []


def _e_to_ian(name: str) -> list[str]:
    return [name[:-1] + "ian"] if name.endswith("e") else []


def _plus_i(name: str) -> list[str]:
    return [name + "i"] if name[-1:] in ("q", "l", "n", "t", "r") else []


def _plus_ian(name: str) -> list[str]:
    return [name + "ian"] if name[-1:] not in "aeiouy" else []


_ENGLISH_DEMONYM_RULES = (_plus_n, _e_to_ian, _plus_i, _plus_ian)
_NISBA_SUFFIXES = ("ي", "يه", "يون", "يين", "يان", "يتان")


def arabic_nisbas(name: str) -> list[str]:
    """Nisba adjectives (and their plurals) of a one-word Arabic place name: روسيا -> روسي، روسيه، روسيون...

    The article is stripped only where it is written as one (العراق), never from a root alef (ألمانيا).
    """
    words = re.findall(r"\w+", name)
    if len(words) != 1:
        return []
    word = words[0]
    stem = normalize_arabic(word[2:] if word.startswith("ال") and len(word) > 4 else word)
    for ending in ("يه", "يا", "ا", "ه"):  # يه: a name that is itself a nisba (السعودية -> سعودي)
        if stem.endswith(ending) and len(stem) - len(ending) >= 3:
            stem = stem[: -len(ending)]
            break
    if len(stem) < 3:
        return []
    forms = [stem + suffix for suffix in _NISBA_SUFFIXES]
    return forms + ["ال" + form for form in forms]


def _cldr_entries() -> list[LexEntry]:
    from babel import Locale

    ar, en = Locale("ar"), Locale("en")
    entries = []
    for code, name in en.territories.items():
        ar_name = ar.territories.get(code)
        if not ar_name or code in ("001", "ZZ") or "-" in code:
            continue
        label = "ORG" if code in ("UN", "EU") else "LOC"
        entries.append(LexEntry(f"cldr:{code}", label, [name], [ar_name], country=code.isalpha()))
    countries = {english_key(e.english[0]) for e in entries}
    for zone, names in ar.time_zones.items():
        city_ar = names.get("city")
        if not city_ar or zone.startswith(("Etc/", "Antarctica/")) or zone.count("/") > 1:
            continue  # research stations (Casey, Davis, Palmer are surnames) and US county seats add only noise
        city_en = en.time_zones.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
        if english_key(city_en) in countries:
            continue  # Asia/Kuwait's city is "Kuwait": the country entry already has both names
        entries.append(LexEntry(f"cldr:{zone}", "LOC", [city_en], [city_ar]))
    return entries


def _curated_entries() -> list[LexEntry]:
    text = resources.files("xling").joinpath("data/lexicon.tsv").read_text(encoding="utf-8")
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t") + [""] * 3
        label, english, arabic, demonyms = cols[:4]
        split = lambda s: [x for x in s.split("|") if x]  # noqa: E731
        if label == STOP:
            entries.append(LexEntry(STOP, STOP, [], split(arabic)))
            continue
        entries.append(LexEntry(f"curated:{split(english)[0]}", label, split(english), split(arabic), split(demonyms)))
    return entries


@functools.cache
def default_lexicon() -> Lexicon:
    """CLDR + curated lexicon, built once per process (about 50 ms)."""
    cldr = _cldr_entries()
    by_name = {english_key(e.english[0]): e for e in cldr}
    entries = []
    for entry in _curated_entries():
        if entry.label == STOP:
            entries.append(entry)
            continue
        base = by_name.get(english_key(entry.english[0]))
        if base is not None:  # extend the CLDR entry with variants and demonyms
            base.label = entry.label
            base.english += [f for f in entry.english if f not in base.english]
            base.arabic += [f for f in entry.arabic if f not in base.arabic]
            base.demonyms += entry.demonyms
            base.country = base.country or bool(entry.demonyms)
        else:
            entry.country = bool(entry.demonyms)
            entries.append(entry)
    return Lexicon(entries + cldr)
