"""Numbers in text: digits of any script with their separators, values, scale words, number words and months.

One extractor serves both users of numbers. The aligner turns :func:`numerals` into anchor features
("1,500", "1.500" and "١٬٥٠٠" are one feature); the number-mismatch check compares the values of
:func:`numbers_in` between a source and its translation. Digits of every Unicode decimal system (ASCII,
Arabic-Indic ٠-٩, Eastern ۰-۹, Devanagari, fullwidth...) read the same, and the Arabic decimal and
thousands separators ٫ ٬ read as ``.`` and ``,``.

Given the text's language, a separator is read with that language's CLDR symbols (Babel): "3,5" is 3.5 in
French and Russian, "1.500" is 1500 in German; scale words ("millions", "млрд", "万") come from CLDR's
compact number formats and month names from its calendars, in every locale. English and Arabic keep
their own number words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from xling.names.arabic import clitic_splits, normalize_arabic
from xling.text.scripts import ARABIC_LETTERS, script_of

# -- digits ----------------------------------------------------------------------------------------------

#: Arabic decimal separator and thousands separator.
_SEPARATORS = {0x066B: ".", 0x066C: ","}


class _DigitTable(dict):
    """A ``str.translate`` table filled on demand: each decimal digit to its ASCII digit, others to themselves."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        value = str(unicodedata.decimal(ch)) if ch.isdecimal() else ch
        self[code] = value
        return value


_DIGITS = _DigitTable(_SEPARATORS)


def normalize_digits(text: str) -> str:
    """Every decimal digit (``str.isdecimal``, any script) as its ASCII digit, ٫ as ``.`` and ٬ as ``,``.

    One character in, one character out, so offsets into the result are offsets into ``text``.
    """
    return text.translate(_DIGITS)


# -- numerals: digits with separators --------------------------------------------------------------------

#: Spaces that separate thousands in typeset numbers ("24 350" with a no-break or thin space).
_GROUP_SPACES = "\u00a0\u2009\u202f"
#: Digits with separators: ``.`` and ``,`` between digits, or a typographic space before a group of three.
#: A numeral does not start right after a separator (".5" is not 5); it may start right after a letter
#: (an Arabic clitic: و1200 ب50; a code: A4 MH17, see :attr:`Numeral.glued`).
_NUMERAL = re.compile(rf"[0-9]+(?:[.,][0-9]+|[{_GROUP_SPACES}][0-9]{{3}}(?![0-9]))*")


def parse_numeral(numeral: str, lang: str | None = None) -> float:
    """``1,500`` -> 1500, ``2.5`` -> 2.5, ``1,5`` -> 1.5, ``1.234.567`` -> 1234567, ``1,234.5`` -> 1234.5.

    Digits of any script and the Arabic separators are read too (``١٬٥٠٠`` -> 1500). With both separators,
    the last one is the decimal mark; with one, it separates thousands when it repeats or (a comma) when three
    digits follow it, else it is the decimal mark. Given ``lang``, a lone separator that is the language's
    decimal mark is one ("1,500" is 1.5 in French), and its grouping mark before groups of three groups
    ("1.500" is 1500 in German).
    """
    numeral = re.sub(f"[{_GROUP_SPACES}]", "", normalize_digits(numeral))
    seps = [c for c in numeral if c in ".,"]
    if not seps:
        return float(numeral)
    if len(set(seps)) == 2:
        decimal = seps[-1]
        whole, _, fraction = numeral.rpartition(decimal)
        return float(re.sub("[.,]", "", whole) + "." + fraction)
    sep = seps[0]
    groups = numeral.split(sep)
    if lang and len(groups) == 2:
        decimal, group = separators(lang)
        if sep == decimal != group:
            return float(".".join(groups))
        if sep == group != decimal and len(groups[-1]) == 3:
            return float("".join(groups))
    if len(groups) > 2 or (sep == "," and len(groups[-1]) == 3):
        return float("".join(groups))
    return float(".".join(groups))


@functools.lru_cache(maxsize=256)
def separators(lang: str) -> tuple[str, str]:
    """``(decimal mark, grouping mark)`` of ``lang``'s Latin-digit numbers in CLDR, as ASCII where they are
    ``.`` or ``,`` (``("", "")`` for a language CLDR does not know): French ``(",", "\u202f")``."""
    locale = _locale(lang)
    if locale is None:
        return "", ""
    symbols = locale.number_symbols.get("latn") or {}
    return normalize_digits(symbols.get("decimal", "")), normalize_digits(symbols.get("group", ""))


@functools.lru_cache(maxsize=256)
def _locale(lang: str):
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse((lang or "").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@dataclass(frozen=True)
class Numeral:
    """Digits with their separators at ``start:end``; ``text`` is their ASCII form ("1,500" for "١٬٥٠٠")."""

    start: int
    end: int
    text: str
    #: Written right after a Latin letter (A4, MH17, x2): a code or a factor rather than a quantity.
    glued: bool = False

    @property
    def digits(self) -> str:
        """The digits without separators: "1,500", "1.500" and "1 500" all give "1500"."""
        return re.sub("[^0-9]", "", self.text)

    @property
    def value(self) -> float:
        return parse_numeral(self.text)


def numerals(text: str) -> list[Numeral]:
    """Every numeral of ``text``, in order, with offsets into ``text``."""
    flat = normalize_digits(text)
    out = []
    for m in _NUMERAL.finditer(flat):
        before = flat[m.start() - 1] if m.start() else ""
        glued = before.isalpha() and script_of(before) == "Latin"
        out.append(Numeral(m.start(), m.end(), m.group(), glued))
    return out


# -- numbers: numerals with their scale, number words, months --------------------------------------------

_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th)\b", re.IGNORECASE)
_EN_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_AR_SCALES = {"الف": 1e3, "الاف": 1e3, "مليون": 1e6, "ملايين": 1e6, "مليار": 1e9, "مليارات": 1e9,
              "بليون": 1e9, "تريليون": 1e12}
_EN_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_EN_WORDS.update({w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split())
                  if w != "_"})
_EN_WORDS.update({"hundred": 100, "dozen": 12})
_AR_WORDS = {
    **dict.fromkeys(["اثنان", "اثنين", "اثنتان", "اثنتين"], 2), **dict.fromkeys(["ثلاث", "ثلاثه"], 3),
    **dict.fromkeys(["اربع", "اربعه"], 4), **dict.fromkeys(["خمس", "خمسه"], 5), **dict.fromkeys(["سته"], 6),
    **dict.fromkeys(["سبع", "سبعه"], 7), **dict.fromkeys(["ثماني", "ثمانيه", "ثمان"], 8),
    **dict.fromkeys(["تسع", "تسعه"], 9), **dict.fromkeys(["عشر", "عشره"], 10),
    **dict.fromkeys(["عشرون", "عشرين"], 20), **dict.fromkeys(["ثلاثون", "ثلاثين"], 30),
    **dict.fromkeys(["اربعون", "اربعين"], 40), **dict.fromkeys(["خمسون", "خمسين"], 50),
    **dict.fromkeys(["ستون", "ستين"], 60), **dict.fromkeys(["سبعون", "سبعين"], 70),
    **dict.fromkeys(["ثمانون", "ثمانين"], 80), **dict.fromkeys(["تسعون", "تسعين"], 90),
    **dict.fromkeys(["مئه", "مائه"], 100), **dict.fromkeys(["مئتان", "مئتين", "مائتان", "مائتين"], 200),
    **dict.fromkeys(["الف"], 1000), **dict.fromkeys(["الفان", "الفين"], 2000),
    **dict.fromkeys(["مليون"], 1e6), **dict.fromkeys(["مليار"], 1e9),
}
_EN_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
_AR_WORD = re.compile(f"[{ARABIC_LETTERS}]+")


@dataclass(frozen=True)
class NumberMention:
    """A number in the text; ``written`` is True for digits (strong evidence), False for number words."""

    value: float
    start: int
    end: int
    written: bool = True


def numbers_in(text: str, start: int, end: int, lang: str) -> list[NumberMention]:
    """Numbers in ``text[start:end]``: digits in any script with their scale word, and number words.

    Numerals glued to a Latin letter (A4, x2) are codes, not quantities, and are left out. Ordinals (21st),
    number words and month names are weak mentions (``written=False``): they match a number on the other
    side but are not reported missing themselves.
    """
    flat = normalize_digits(text[start:end])  # same length: offsets stay valid
    out: list[NumberMention] = []
    kind = _kind(lang)
    for numeral in numerals(flat):
        if numeral.glued:
            continue
        value = parse_numeral(numeral.text, lang if kind == _OTHER else None)
        if _ORDINAL_SUFFIX.match(flat, numeral.end):  # "21st": a date or rank, often written out on the other side
            out.append(NumberMention(value, start + numeral.start, start + numeral.end, written=False))
            continue
        scale, scale_end = _scale_after(flat, numeral.end, lang)
        out.append(NumberMention(value * scale, start + numeral.start, start + scale_end))
    if kind == _OTHER:
        months, month_number = _months_of(lang)
        for month in months.finditer(flat):
            out.append(NumberMention(month_number[month.group(1).casefold()], start + month.start(),
                                     start + month.end(), written=False))
        return sorted(out, key=lambda n: n.start)
    months, month_number = _months("en" if lang == "en" else "ar")
    for month in months.finditer(flat if lang == "en" else normalize_arabic(flat)):
        if lang == "en":  # normalize_arabic changes offsets, so Arabic months carry no span (they only match)
            out.append(NumberMention(month_number[month.group()], start + month.start(), start + month.end(),
                                     written=False))
        else:
            out.append(NumberMention(month_number[month.group()], start, start, False))
    taken = [(n.start - start, n.end - start) for n in out]
    words = _EN_WORD.finditer(flat.lower()) if lang == "en" else _AR_WORD.finditer(flat)
    for w in words:
        if any(a <= w.start() < b for a, b in taken):
            continue
        value = _word_value(w.group(), lang)
        if value is not None:
            scale, scale_end = _scale_after(flat, w.end(), lang)
            out.append(NumberMention(value * scale, start + w.start(), start + scale_end, written=False))
    return sorted(out, key=lambda n: n.start)


@functools.cache
def _months(lang: str) -> tuple[re.Pattern[str], dict[str, int]]:
    """Month names (CLDR, plus the Levantine كانون الثاني... for Arabic) as weak numbers: 12 matches December."""
    from babel import Locale

    locales = ["en"] if lang == "en" else ["ar", "ar_SY"]
    names: dict[str, int] = {}
    for code in locales:
        for number, name in Locale.parse(code).months["format"]["wide"].items():
            key = name if lang == "en" else normalize_arabic(name)
            if len(key) >= 3:  # آب (August) is also "father"
                names[key] = number
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), names


#: What :func:`numbers_in` reads a language as: English, Arabic (its words and clitics), or any other.
_ENGLISH, _ARABIC, _OTHER = "en", "ar", "other"
#: Languages written without spaces: a scale word follows the digits directly and the next word too (10万人).
_SPACELESS_LANGS = frozenset({"zh", "ja", "th", "lo", "km", "my"})
#: Languages written in Arabic script whose numbers read as Arabic's (their own scale words come from CLDR).
_ARABIC_LANGS = frozenset({"ar"})


def _kind(lang: str) -> str:
    base = (lang or "").split("-")[0].split("_")[0].lower()
    if base == _ENGLISH:
        return _ENGLISH
    if base in _ARABIC_LANGS or not base or _locale(base) is None:
        return _ARABIC  # the Arabic pipeline's default for an undetermined side
    return _OTHER


@functools.lru_cache(maxsize=64)
def _scales_of(lang: str) -> tuple[re.Pattern[str] | None, dict[str, float]]:
    """Scale words of ``lang`` from CLDR's compact number formats ("0 millions" -> millions: 1e6, "0 млрд")."""
    locale = _locale(lang)
    words: dict[str, float] = {}
    if locale is not None:
        for width in ("long", "short"):
            for plural in (locale.compact_decimal_formats.get(width) or {}).values():
                for key, pattern in plural.items():
                    text = str(getattr(pattern, "pattern", pattern))
                    zeros = text.count("0")
                    word = re.sub(r"[0\s\u00a0\u202f'’]+", " ", text.split(";")[0]).strip().strip(".")
                    if zeros and word and not re.search(r"[0-9#¤%]", word):
                        words.setdefault(word.casefold(), float(key) / 10 ** (zeros - 1))
    words = {w: v for w, v in words.items() if v >= 1000}
    if not words:
        return None, words
    body = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    after = "" if lang.split("-")[0] in _SPACELESS_LANGS else "(?!\\w)"  # 10万人: no space, no word end
    return re.compile(f"[\\s\u00a0\u202f]*({body})\\.?{after}", re.IGNORECASE), words


@functools.lru_cache(maxsize=64)
def _months_of(lang: str) -> tuple[re.Pattern[str], dict[str, int]]:
    """Month names of ``lang`` (CLDR, formatting and stand-alone forms: февраля, февраль) as weak numbers."""
    locale = _locale(lang)
    from xling.names.inflection import stems

    names: dict[str, int] = {}
    if locale is not None:
        for context in ("format", "stand-alone"):
            for number, name in (locale.months.get(context, {}).get("wide") or {}).items():
                if len(name) >= 3:
                    names.setdefault(name.casefold(), number)
                    names.setdefault(stems(name, lang)[-1], number)  # феврал-: февраль, февраля, феврале
    if not names:
        return re.compile(r"(?!x)x"), names
    body = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(rf"(?<!\w)({body})\w{{0,3}}(?!\w)", re.IGNORECASE), names


def _scale_after(text: str, pos: int, lang: str) -> tuple[float, int]:
    if _kind(lang) == _OTHER:
        pattern, words = _scales_of(lang)
        m = pattern.match(text, pos, pos + 40) if pattern is not None else None
        if m:
            return words[m.group(1).casefold()], m.end(1)
        return 1.0, pos
    m = re.match(r"\s+(\S+)", text[pos : pos + 40])
    if m:
        word = m.group(1).lower().strip(".,;:!?\"'")
        scales = _EN_SCALES if lang == "en" else _AR_SCALES
        key = word if lang == "en" else normalize_arabic(word)
        if key in scales:
            return scales[key], pos + m.start(1) + len(word)
    return 1.0, pos


def _word_value(word: str, lang: str) -> float | None:
    if lang == "en":
        if "-" in word:
            a, b = word.split("-", 1)
            if a in _EN_WORDS and b in _EN_WORDS and _EN_WORDS[a] >= 20 and _EN_WORDS[b] < 10:
                return float(_EN_WORDS[a] + _EN_WORDS[b])
            return None
        value = _EN_WORDS.get(word)
        return None if value is None or word in ("one", "zero") else float(value)
    for _, stem in clitic_splits(normalize_arabic(word)):
        if stem in _AR_WORDS:
            return float(_AR_WORDS[stem])
    return None
