"""A multilingual name lexicon: CLDR through Babel, plus small curated lists for what CLDR lacks.

CLDR gives the names of ~290 countries, territories and regions and ~420 exemplar cities in both
languages (``Locale('ar').territories``, ``Locale('ar').time_zones[zone]['city']``), maintained by the
Unicode consortium; ``xling/data/lexicon.tsv`` adds organisations (NATO, the Kremlin), cities without a
time zone (Geneva, Washington) and common variant spellings (أميركا/أمريكا). Demonyms link to their
country: English ones from the curated column and from regular suffixes (Russia -> Russian, Ukraine ->
Ukrainian, Iraq -> Iraqi), Arabic nisba adjectives derived from the Arabic name (روسيا -> روسي، روسية،
روسيون). The lexicon is built on first use and kept in memory.

Every other language is looked up the same way (:meth:`Lexicon.lookup`): CLDR's names of the same
territories and cities in that locale (``Locale('ru').territories['CH']`` is Швейцария), the exonyms and short
forms of ``xling/data/exonyms.tsv`` (OTAN, НАТО, США, Genève), and for Latin-script languages the English
forms too (Washington, Kremlin). Names in inflecting languages are matched through their stems
(:mod:`xling.names.inflection`: Женеве finds Женева); those languages have no demonyms here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

import itertools
from collections.abc import Sequence

from xling.names.arabic import arabic_key, normalize_arabic
from xling.names.inflection import fold, stems
from xling.names.tokens import words

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
    #: Forms in other languages (exonyms, short forms): language code -> forms.
    forms: dict[str, list[str]] = field(default_factory=dict)

#: Languages whose names the ``english`` and ``arabic`` fields hold (and that have demonyms).
ENGLISH = "en"
ARABIC = "ar"
_CLDR_PREFIX = "cldr:"
#: Suffix of an ``exonyms.tsv`` language code whose cell lists adjectives, not names (``es/adj``).
ADJECTIVE_SUFFIX = "/adj"
#: At most this many stem readings of a name are tried in a lookup (a stem per word, combined).
_MAX_READINGS = 64


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
        self._other: dict[str, dict[tuple[str, ...], list[LexEntry]]] = {}

    # -- any language -----------------------------------------------------------------------------------

    def lookup(self, text: str, lang: str) -> tuple[LexEntry, str] | None:
        """The entry a name in ``lang`` refers to, with its kind (NAME or DEMONYM): English and Arabic
        through :meth:`english` and :meth:`arabic`, other languages through CLDR, the exonyms and stems."""
        hits = self.lookup_all(text, lang)
        return hits[0] if hits else None

    def lookup_all(self, text: str, lang: str) -> list[tuple[LexEntry, str]]:
        """Every entry a name in ``lang`` can refer to (عمان is Oman and Amman), the main one first."""
        base = _base(lang)
        if base == ENGLISH:
            hit = self.english(text)
            return [hit] if hit is not None else []
        if base == ARABIC:
            return self.arabic_all(arabic_lookup_key(text))
        index = self._index(base)
        found: list[LexEntry] = []
        for key in _readings([w for _, _, w in words(text)], base):
            for entry in index.get(key, ()):
                if entry not in found:
                    found.append(entry)
            if found:
                break
        return [(e, NAME) for e in found]

    def forms(self, entry: LexEntry, lang: str) -> list[str]:
        """How ``entry`` is written in ``lang`` (English and Arabic: its forms and demonyms)."""
        base = _base(lang)
        if base == ENGLISH:
            return entry.english + entry.demonyms
        if base == ARABIC:
            return list(entry.arabic)
        self._index(base)
        return list(entry.forms.get(base, ()))

    def adjectives(self, entry: LexEntry, lang: str) -> list[str]:
        """Adjectives of ``entry`` in ``lang`` other than English and Arabic (the ``lang/adj`` cells of
        ``exonyms.tsv``: estadounidense), which say the place is meant without naming it."""
        return list(entry.forms.get(f"{_base(lang)}{ADJECTIVE_SUFFIX}", ()))

    def max_words(self, lang: str) -> int:
        """The most words a name of ``lang`` in the lexicon has."""
        base = _base(lang)
        if base == ENGLISH:
            return self.max_english_words
        if base == ARABIC:
            return self.max_arabic_words
        return max((len(k) for k in self._index(base)), default=1)

    def all_forms(self, lang: str) -> list[tuple[str, LexEntry]]:
        """Every ``(form, entry)`` of ``lang`` (for scanning text in scripts without word case)."""
        base = _base(lang)
        if base == ARABIC:
            return [(f, e) for e in self.entries for f in e.arabic]
        self._index(base)
        out = [(f, e) for e in self.entries for f in (e.english if base == ENGLISH else e.forms.get(base, ()))]
        return out

    def _index(self, lang: str) -> dict[tuple[str, ...], list[LexEntry]]:
        index = self._other.get(lang)
        if index is not None:
            return index
        index = {}
        cldr = _cldr_names(lang)
        for entry in self.entries:
            name = cldr.get(entry.key)
            forms = entry.forms.setdefault(lang, [])
            if name and name not in forms:
                forms.insert(0, name)
            for form in forms:
                for key in _readings([w for _, _, w in words(form)], lang):
                    index.setdefault(key, [])
                    if entry not in index[key]:
                        index[key].append(entry)
        if _latin_language(lang):
            for entry in self.entries:  # Washington, Kremlin: written as in English
                for form in entry.english:
                    key = tuple(fold(w) for _, _, w in words(form))
                    if key and key not in index:
                        index[key] = [entry]
        self._other[lang] = index
        return index

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


def _base(lang: str) -> str:
    return (lang or "").split("-")[0].split("_")[0].lower()


def _readings(name_words: Sequence[str], lang: str) -> list[tuple[str, ...]]:
    """Lookup keys of a name: its folded words, then its stem readings (Женеве -> женев), at most 64."""
    if not name_words:
        return []
    options = [stems(w, lang) for w in name_words]
    return list(itertools.islice(itertools.product(*options), _MAX_READINGS))


def _latin_language(lang: str) -> bool:
    from xling.text.scripts import lang_script

    return lang_script(lang) == "Latin" or lang in _LATIN_EXTRA


#: Latin-script languages beyond those :func:`xling.text.scripts.lang_script` knows.
_LATIN_EXTRA = frozenset("pl cs sk sl hr bs sr-Latn ro hu fi et lv lt sv da no nb nn is ga cy eu ca gl af sq "
                         "id ms vi tl sw az uz".split())


@functools.cache
def _cldr_names(lang: str) -> dict[str, str]:
    """CLDR's names in ``lang`` of the lexicon's CLDR entries: ``cldr:CH`` -> Швейцария, ``cldr:Europe/Moscow``
    -> Москва. Empty for a language CLDR does not know."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return {}
    names = {f"{_CLDR_PREFIX}{code}": name for code, name in locale.territories.items()}
    for zone, value in locale.time_zones.items():
        city = value.get("city")
        if city:
            names[f"{_CLDR_PREFIX}{zone}"] = city
    return names


def _plus_n(name: str) -> list[str]:
    return [name + "n"] if name.endswith("a") else []


def _e_to_ian(name: str) -> list[str]:
    return [name[:-1] + "ian"] if name.endswith("e") else []


def _plus_i(name: str) -> list[str]:
    return [name + "i"] if name[-1:] in ("q", "l", "n", "t", "r") else []


def _plus_ian(name: str) -> list[str]:
    return [name + "ian"] if name[-1:] not in "aeiouy" else []


def _plus_ese(name: str) -> list[str]:
    """Sudan -> Sudanese, Vietnam -> Vietnamese; a final vowel gives way: China -> Chinese, Malta -> Maltese."""
    if " " in name:
        return []
    return [name[:-1] + "ese"] if name[-1:] in "aeiouy" else [name + "ese"]


_ENGLISH_DEMONYM_RULES = (_plus_n, _e_to_ian, _plus_i, _plus_ian, _plus_ese)
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
        entries.append(LexEntry(f"{_CLDR_PREFIX}{code}", label, [name], [ar_name], country=code.isalpha()))
    countries = {english_key(e.english[0]) for e in entries}
    for zone, names in ar.time_zones.items():
        city_ar = names.get("city")
        if not city_ar or zone.startswith(("Etc/", "Antarctica/")) or zone.count("/") > 1:
            continue  # research stations (Casey, Davis, Palmer are surnames) and US county seats add only noise
        city_en = en.time_zones.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
        if english_key(city_en) in countries:
            continue  # Asia/Kuwait's city is "Kuwait": the country entry already has both names
        entries.append(LexEntry(f"{_CLDR_PREFIX}{zone}", "LOC", [city_en], [city_ar]))
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


def _exonyms() -> list[tuple[str, str, dict[str, list[str]]]]:
    """``(label, English display name, {language: forms})`` rows of ``xling/data/exonyms.tsv``."""
    text = resources.files("xling").joinpath("data/exonyms.tsv").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, english, *cells = line.split("\t")
        forms: dict[str, list[str]] = {}
        for cell in cells:
            lang, _, values = cell.partition("=")
            if not values:
                raise ValueError(f"exonyms.tsv: cell {cell!r} of {english!r} is not code=forms")
            forms.setdefault(lang, []).extend(v for v in values.split("|") if v)
        rows.append((label, english, forms))
    return rows


@functools.cache
def default_lexicon() -> Lexicon:
    """CLDR + curated lexicon + exonyms, built once per process (about 50 ms; other languages on first use)."""
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
    known = {english_key(f): e for e in entries + cldr for f in e.english[:1]}
    for label, english, forms in _exonyms():
        entry = known.get(english_key(english))
        if entry is None:
            entry = LexEntry(f"exonym:{english}", label, [english])
            entries.append(entry)
            known[english_key(english)] = entry
        for lang, values in forms.items():
            entry.forms.setdefault(lang, []).extend(v for v in values if v not in entry.forms.get(lang, []))
    return Lexicon(entries + cldr)
