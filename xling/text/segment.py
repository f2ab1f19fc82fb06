"""Paragraphs and sentences as character spans of the verbatim text, and the copy of a sentence the model sees.

Every later stage (translation, alignment, entity linking, QA, rendering) points back into the user's text,
so segmentation never edits or re-joins it: it only returns ``(start, end)`` spans. A span is *trimmed*:
it starts and ends with a visible character, so whitespace and stray invisible characters (NBSP, BOM, bidi
marks, zero-width spaces) always fall in the gaps between spans, and concatenating spans and gaps gives
the input back exactly.

Sentence rules are per language and data-driven (:data:`LANGUAGES`): which characters end a sentence, and
after which words a period does not. Unknown languages fall back to the Latin-script rules (German's
table). Every scan is one linear regex pass, so a 1 MB article segments in well under a second.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from xling.document import Sentence, Span
from xling.errors import InputError
from xling.text.scripts import ARABIC_PRESENTATION_FORMS, TATWEEL

# -- characters -----------------------------------------------------------------------------------------------

#: Characters that end a line, hence a paragraph (the set :meth:`str.splitlines` uses).
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
#: Quotes and brackets that close a sentence's last clause: ``...".`` ``...».`` ``...).`` stay in the sentence.
CLOSERS = "\"'»”’›)]}"
#: Quotes and brackets a sentence may open with; skipped when looking at the next sentence's first word.
OPENERS = "\"'«“‘‹([{"
#: A sentence never starts with these, so a terminal followed by one is not a boundary.
NON_STARTERS = ",;:،؛)]}»”’›.!?؟…۔"

# Format characters (Unicode Cf) that are visible signs written before numbers, not stray marks.
_VISIBLE_FORMAT = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc"})


@cache
def _invisible_chars() -> frozenset[str]:
    """Whitespace, controls and format characters: never content, so spans never start or end with them.

    Read from the running Python's Unicode tables on first use (planes 0, 1 and 14 hold every Cf/Z*/Cc
    character; the other planes are CJK, private use or unassigned).
    """
    code_points = (*range(0x20000), *range(0xE0000, 0xE1000))
    return frozenset(
        ch
        for ch in map(chr, code_points)
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES and ch not in _VISIBLE_FORMAT
    )


def _char_class(chars: str | frozenset[str]) -> str:
    """The body of a regex character class matching exactly ``chars`` (escaped, consecutive runs merged)."""
    points = sorted({ord(c) for c in chars})
    parts: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        lo, hi = f"\\U{points[i]:08x}", f"\\U{points[j]:08x}"
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "".join(parts)


@dataclass(frozen=True)
class _Patterns:
    visible: re.Pattern[str]
    line: re.Pattern[str]
    space_run: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    invisible = _char_class(_invisible_chars())
    return _Patterns(
        visible=re.compile(f"[^{invisible}]"),
        line=re.compile(f"[^{_char_class(LINE_BREAKS)}]+"),
        space_run=re.compile(f"[{invisible}]+"),
    )


# -- per-language rules ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageRules:
    """What ends a sentence in one language; adding a language adds data, not code.

    Word lists hold words as written (case-sensitive), without their final period:

    - ``abbreviations``: a period after them never ends a sentence (``Mr.``, ``e.g.``, ``U.S.``);
    - ``number_abbreviations``: it does not when a number follows (``No. 5``, ``Jan. 5``), since ``No.``
      and ``Jan.`` also end sentences;
    - ``final_abbreviations``: it does before a capitalised (or uncased, e.g. Arabic) word, as any word's
      period does, but not before a number or symbol (``etc. The`` ends, ``5 p.m. 2021`` does not), nor
      before one of the ``continuations`` (``5 p.m. Monday``, ``10 a.m. GMT``: news style dates a time
      by its day or zone);
    - ``place_abbreviations``: final after a capitalised name (``Main St. The house``: Street), never
      final otherwise (``in St. Louis``: Saint);
    - ``unit_abbreviations``: final right after a number (``в 2020 г. Он``: год, the year), never final
      otherwise (``г. Москва``: город, the city);
    - ``ordinal_before`` (lowercase) / ``ordinal_after``: a number of up to three digits with a period is an
      ordinal, not a sentence end, after one of the first words or before one of the second (German
      ``am 3. Januar``, ``der 2. Weltkrieg``).

    ``glued``: a terminal directly followed by a letter still ends the sentence (``الجمعة.وقال``: Arabic
    news is often typed without a space after the period). ``spaceless``: sentences follow each other with
    no space at all (Chinese, Japanese: ``。」他说``), so a terminal ends the sentence before any visible
    character but a non-starter, except between digits (``３．５``) and an ASCII ``!?`` inside a Latin word
    (``Yahoo!ニュース``). ``cased``: a lowercase next word continues the sentence (``"Why?" he asked``);
    False for caseless scripts, where a Latin word such as ``iPhone`` may open the next sentence.
    ``quote_particles``: after a closing quote, a word starting with one of these continues the sentence
    (Japanese ``「…。」と述べた``) unless it starts with one of the ``quote_particle_exceptions``
    (``ところが``). ``closers``/``openers``/``non_starters``: as :data:`CLOSERS`, :data:`OPENERS` and
    :data:`NON_STARTERS`, per language; ``closer_spaces``: spaces that may stand between a terminal and its
    closing quote (French ``gagnerons. » Il``). Single letters (initials: ``J.``, ``د.``, ``أ.ف.ب``) never
    end a sentence in any language.
    """

    terminals: str
    abbreviations: frozenset[str] = frozenset()
    number_abbreviations: frozenset[str] = frozenset()
    final_abbreviations: frozenset[str] = frozenset()
    continuations: frozenset[str] = frozenset()
    place_abbreviations: frozenset[str] = frozenset()
    unit_abbreviations: frozenset[str] = frozenset()
    ordinal_before: frozenset[str] = frozenset()
    ordinal_after: frozenset[str] = frozenset()
    glued: bool = False
    spaceless: bool = False
    cased: bool = True
    quote_particles: tuple[str, ...] = ()
    quote_particle_exceptions: tuple[str, ...] = ()
    closers: str = CLOSERS
    openers: str = OPENERS
    non_starters: str = NON_STARTERS
    closer_spaces: str = ""

    @property
    def boundary(self) -> re.Pattern[str]:
        """A run of terminals with the closing quotes/brackets attached: ``?!``, ``...``, ``."``, ``.»)``."""
        return _boundary_pattern(self.terminals, self.closers, self.closer_spaces)


@cache
def _boundary_pattern(terminals: str, closers: str = CLOSERS, spaces: str = "") -> re.Pattern[str]:
    t, c = re.escape(terminals), re.escape(closers)
    if spaces:  # ". »": each closer may follow a space
        s = re.escape(spaces)
        return re.compile(f"[{t}]+(?:(?:[{s}]*[{c}])+[{t}]*)*")
    return re.compile(f"[{t}]+(?:[{c}]+[{t}]+)*[{c}]*")


def _words(text: str) -> frozenset[str]:
    return frozenset(map(_bare, text.split()))


def _bare(word: str) -> str:
    """A word without diacritics or tatweel, so ``هـ`` and ``دُ`` compare like their plain letters."""
    if word.isascii():
        return word
    return "".join(ch for ch in word if ch != TATWEEL and not unicodedata.category(ch).startswith("M")) or word


LATIN_TERMINALS = ".!?…"
ARABIC_TERMINALS = ".!?؟…۔"
_MONTHS = "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"

#: The registry of sentence rules by language code; :func:`rules_for` falls back to :data:`LATIN`.
LANGUAGES: dict[str, LanguageRules] = {
    "en": LanguageRules(
        terminals=LATIN_TERMINALS,
        abbreviations=_words(
            "Mr Mrs Ms Messrs Dr Prof Gen Lt Col Maj Capt Cmdr Adm Sgt Cpl Rep Sen Gov Pres Amb Rev Hon Supt "
            "Mt Ft vs v e.g i.e E.g I.e cf al approx Dept Univ Ph.D M.D B.A M.A U.S U.K U.N U.S.A U.A.E E.U"
        ),
        number_abbreviations=_words(f"No Nos no nos Art art p pp Vol vol Fig fig Ch ch Sec sec {_MONTHS}"),
        final_abbreviations=_words("etc Inc Ltd Co Corp Bros Jr Sr a.m p.m A.M P.M Ave Blvd Rd"),
        continuations=_words(
            "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thurs Fri Sat Sun "
            "January February March April May June July August September October November December "
            f"{_MONTHS} GMT UTC EST EDT CST CDT MST MDT PST PDT BST CET CEST ET PT local"
        ),
        place_abbreviations=_words("St"),
    ),
    "ar": LanguageRules(
        terminals=ARABIC_TERMINALS,
        # هـ: Hijri year; ق.م: BC; أ.د: professor-doctor; ص.ب: PO box. Single letters are initials anyway.
        abbreviations=_words("هـ ق.م أ.د ص.ب ج.م.ع"),
        number_abbreviations=_words("رقم"),
        final_abbreviations=_words("إلخ الخ"),
        glued=True,
    ),
}
for _code in ("fa", "ur", "ps", "sd", "ckb", "ug"):  # other Arabic-script languages
    LANGUAGES[_code] = LanguageRules(terminals=ARABIC_TERMINALS, glued=True)

#: German quotes: „…“ and »…«, besides the English ones.
_GERMAN_CLOSERS, _GERMAN_OPENERS = CLOSERS + "“‘«", OPENERS + "„‚»"
_GERMAN_MONTHS = "Januar Jänner Februar März April Mai Juni Juli August September Oktober November Dezember"
_GERMAN_MONTH_ABBREVIATIONS = "Jan Feb Febr Apr Aug Sep Sept Okt Nov Dez"

#: The fallback for languages without a table of their own, and German's table (``rules_for("de")``): the
#: abbreviations are common to Central European writing, and German marks ordinals with a period
#: (``am 3. Januar``, ``der 2. Weltkrieg``), as Danish, Norwegian, Czech, Polish, Finnish and Turkish do.
LATIN = LanguageRules(
    terminals=LATIN_TERMINALS,
    abbreviations=_words(
        "Dr Prof Dipl Ing Hr Hrn Fr Frl St Nr bzw bspw ca vgl z.B z.T u.a d.h o.ä s.o s.u Mio Mrd Tsd Abs Bd "
        "Hrsg inkl evtl ggf gem lt sog zzgl Tel Jh Jhs"
    ),
    number_abbreviations=_words(f"Art S {_GERMAN_MONTH_ABBREVIATIONS}"),
    final_abbreviations=_words("usw etc u.Ä u.ä u.v.m"),
    ordinal_before=_words(
        "der die das dem den des am im vom zum zur beim ins ans aufs ihr ihre ihrem ihren ihres sein seine "
        "seinem seinen seines unser unsere unserem unseren jeder jede jedes jedem jeden dieser diese dieses "
        "diesem diesen"
    ),
    ordinal_after=_words(
        f"{_GERMAN_MONTHS} {_GERMAN_MONTH_ABBREVIATIONS} Jahrhundert Jahrhunderts Jh Jahrestag Jahrestags "
        "Geburtstag Geburtstags Weltkrieg Weltkriegs Bundesliga Liga Klasse Platz Runde Spieltag Mal Stock Etage "
        "Auflage"
    ),
    closers=_GERMAN_CLOSERS,
    openers=_GERMAN_OPENERS,
)
LANGUAGES["de"] = LATIN

LANGUAGES.update({
    # French: « … » take a (narrow) no-break space inside; M. is an initial anyway; av. J.-C., p. ex.
    "fr": LanguageRules(
        terminals=LATIN_TERMINALS,
        abbreviations=_words("MM Mme Mmes Mlle Mlles Me Mgr Dr Pr St Ste av apr ex cf env bd boul"),
        number_abbreviations=_words("no nos n art vol p pp chap janv févr avr juil sept oct nov déc"),
        final_abbreviations=_words("etc J.-C hab"),
        closer_spaces=" \xa0\u202f\u2009",
    ),
    "es": LanguageRules(
        terminals=LATIN_TERMINALS,
        # EE. UU.: Estados Unidos (doubled initials for a plural), FF. AA.: Fuerzas Armadas
        abbreviations=_words("Sr Sra Srta Sres Sras Dr Dra Ud Uds Vd Vds Dña Lic Ing Prof Excmo Excma Sto Sta "
                             "EE FF CC aprox"),
        number_abbreviations=_words("núm pág págs art vol"),
        final_abbreviations=_words("etc UU AA OO EE.UU FF.AA"),
    ),
    "it": LanguageRules(
        terminals=LATIN_TERMINALS,
        abbreviations=_words("Sig Sigg Sig.ra Sig.na dott Dott dr Dr prof Prof avv Avv ing Ing on On sen Sen "
                             "mons Mons card Card geom arch rag gen Gen col Col magg ten Ten p.es ca"),
        number_abbreviations=_words("n pag pagg art fig vol"),
        final_abbreviations=_words("ecc S.p.A S.r.l s.p.a s.r.l"),
    ),
    # Russian: г. is the year after a number and the city before a name; т. е. and т. д. are initials, but
    # и т. д. / и т. п. / и др. (etc.) end sentences
    "ru": LanguageRules(
        terminals=LATIN_TERMINALS,
        abbreviations=_words("им ул пр просп пер наб пл проф акад тов св см ср стр рис гл"),
        number_abbreviations=_words("ст янв фев февр мар апр авг сент окт нояб дек"),
        final_abbreviations=_words("д п др т.д т.п"),
        unit_abbreviations=_words("г гг млн млрд тыс руб долл км"),
        closers=CLOSERS + "“",
        openers=OPENERS + "„",
    ),
    # Greek: ";" (U+037E or the ASCII semicolon) is the question mark (so is a stray "?"); the ano teleia "·"
    # is a semicolon
    "el": LanguageRules(
        terminals=".!?;\u037e…",
        abbreviations=_words("κκ Δρ Καθ δηλ βλ"),
        number_abbreviations=_words("αρ αριθ"),
        final_abbreviations=_words("κ.λπ κλπ κτλ κ.ά π.Χ μ.Χ"),
        non_starters=NON_STARTERS + "\u037e\u0387",
    ),
    # Armenian: ։ (verjaket) is the full stop, often typed as ":"; "." is the mijaket (a colon); ՞ and ՜
    # stand on the stressed vowel of a word, inside the sentence
    "hy": LanguageRules(terminals="\u0589:!?…", non_starters=NON_STARTERS + "\u0589\u055d"),
    # Hebrew: Latin punctuation (and the sof pasuq ׃), no letter case
    "he": LanguageRules(terminals=LATIN_TERMINALS + "\u05c3", cased=False),
    "ko": LanguageRules(terminals=LATIN_TERMINALS, cased=False),
})

#: Chinese and Japanese: full-width terminals with no space after them, corner brackets and full-width quotes.
CJK_TERMINALS = "。｡．！？!?…‼⁇⁈⁉"
_CJK_CLOSERS = CLOSERS + "」』）］｝】〕〗〙〛》〉＂＇"
_CJK_OPENERS = OPENERS + "「『（［｛【〔〖〘〚《〈"
_CJK_NON_STARTERS = NON_STARTERS + "，、；：。｡．！？‼⁇⁈⁉」』）］｝】〕〗〙〛》〉・"
_CJK = dict(terminals=CJK_TERMINALS, spaceless=True, cased=False, closers=_CJK_CLOSERS, openers=_CJK_OPENERS,
            non_starters=_CJK_NON_STARTERS)
LANGUAGES["zh"] = LanguageRules(**_CJK)
# 「…。」と述べた: the quotative particle と (って) carries the quote into the sentence; ところが, とはいえ... open one
LANGUAGES["ja"] = LanguageRules(
    **_CJK,
    quote_particles=("と", "って"),
    quote_particle_exceptions=("ところ", "とはいえ", "とにかく", "ともかく", "ともあれ", "とりあえず", "とても"),
)

#: Devanagari (and Bengali, Gurmukhi): the danda । and double danda ॥; Marathi writes the period instead.
INDIC_TERMINALS = "।॥?!…"
for _code in ("hi", "ne", "sa", "mr", "bn", "pa"):
    LANGUAGES[_code] = LanguageRules(
        terminals=INDIC_TERMINALS + ("." if _code == "mr" else ""),
        glued=True,
        cased=False,
        non_starters=NON_STARTERS + "।॥",
    )

#: Other spellings of the registered codes (ISO 639-2/3, macrolanguage members).
_ALIASES = {"ara": "ar", "arb": "ar", "eng": "en", "fas": "fa", "per": "fa", "pes": "fa", "urd": "ur",
            "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "spa": "es", "ita": "it", "rus": "ru",
            "ell": "el", "gre": "el", "hye": "hy", "arm": "hy", "heb": "he", "iw": "he", "kor": "ko",
            "zho": "zh", "chi": "zh", "cmn": "zh", "yue": "zh", "wuu": "zh", "jpn": "ja", "hin": "hi",
            "nep": "ne", "npi": "ne", "mar": "mr", "ben": "bn", "pan": "pa", "san": "sa"}


def rules_for(lang: str) -> LanguageRules:
    """The rules for ``lang`` (``ar``, ``ar-EG``, ``ara``, ``en_US`` ...), or the Latin-script rules."""
    if not isinstance(lang, str) or not lang.strip():
        raise InputError(f"language must be a code such as 'ar' or 'en', not {lang!r}")
    base = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
    return LANGUAGES.get(_ALIASES.get(base, base), LATIN)


# -- spans -------------------------------------------------------------------------------------------------------


def _check(text: object, start: int = 0, end: int | None = None) -> int:
    if not isinstance(text, str):
        raise InputError(f"text must be a str, not {type(text).__name__}")
    end = len(text) if end is None else end
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
        raise ValueError(f"span ({start}, {end}) is not inside the text (length {len(text)})")
    return end


def trim(text: str, start: int, end: int) -> Span | None:
    """``[start, end)`` without leading/trailing invisible characters, or None if nothing visible is left."""
    m = _patterns().visible.search(text, start, end)
    if m is None:
        return None
    invisible = _invisible_chars()
    while text[end - 1] in invisible:  # stops at the visible character found above
        end -= 1
    return m.start(), end


def _lines(text: str, start: int, end: int) -> Iterator[Span]:
    for m in _patterns().line.finditer(text, start, end):
        yield m.span()


def paragraph_spans(text: str) -> list[Span]:
    """One trimmed span per line that has visible content (blank lines and single newlines both separate)."""
    _check(text)
    return [span for line in _lines(text, 0, len(text)) if (span := trim(text, *line)) is not None]


def sentence_spans(text: str, lang: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Trimmed, non-empty sentence spans inside ``text[start:end]``, in absolute offsets.

    A line break always ends a sentence; inside a line a terminal run does unless :func:`_ends_sentence`
    finds a decimal, abbreviation, initial, list number or a lowercase continuation.
    """
    end = _check(text, start, end)
    rules = rules_for(lang)
    spans: list[Span] = []
    for line_start, line_end in _lines(text, start, end):
        piece_start = line_start
        for cut in _cuts(text, line_start, line_end, rules):
            if (span := trim(text, piece_start, cut)) is not None:
                spans.append(span)
            piece_start = cut
        if (span := trim(text, piece_start, line_end)) is not None:
            spans.append(span)
    return spans


def segment(text: str, lang: str) -> tuple[tuple[Span, ...], tuple[Sentence, ...]]:
    """Paragraph spans, and sentences tagged with their paragraph index; every paragraph has a sentence."""
    paragraphs = tuple(paragraph_spans(text))
    sentences = tuple(
        Sentence(s, e, index)
        for index, (p_start, p_end) in enumerate(paragraphs)
        for s, e in sentence_spans(text, lang, p_start, p_end)
    )
    return paragraphs, sentences


# -- sentence boundaries -----------------------------------------------------------------------------------------

_WORD_LIMIT = 40  # longer "words" are never abbreviations or initials; bounds the look-back
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")


def _cuts(text: str, start: int, end: int, rules: LanguageRules) -> Iterator[int]:
    """Positions in one line (just after a terminal run and its closers) where a new sentence starts."""
    invisible = _invisible_chars()
    visible = _patterns().visible
    sentence_start = start
    for m in rules.boundary.finditer(text, start, end):
        after = m.end()
        if after >= end:
            break
        if text[after] in invisible:
            nxt = visible.search(text, after, end)
            if nxt is None:
                break
            next_pos = nxt.start()
        elif rules.glued and _glued_letter(text[after]) and text[after - 1] not in rules.closers:
            next_pos = after  # الجمعة.وقال
        elif rules.spaceless and _spaceless_cut(text, m, start):
            next_pos = after  # 。他说, 。」他说
        else:
            continue  # 3.5, U.S, example.com, ."x
        if _ends_sentence(text, m, next_pos, end, rules, sentence_start):
            yield after
            sentence_start = next_pos


def _glued_letter(ch: str) -> bool:
    """A letter that may follow a terminal without a space; Latin ones do not (Aljazeera.Net, e.g.The)."""
    return ch.isalpha() and not ch.isascii()


def _spaceless_cut(text: str, m: re.Match[str], start: int) -> bool:
    """Whether a terminal run with no space after it may end a sentence in a spaceless script (Chinese).

    Not between digits (``３．５``), and not an ASCII ``!?`` right after a Latin letter or digit
    (``Yahoo!ニュース``); the character before the run is looked at only inside the range (from ``start``).
    """
    before = text[m.start() - 1] if m.start() > start else ""
    if before.isdigit() and text[m.end()].isdigit():
        return False
    return not (m.group()[0].isascii() and before.isascii() and before.isalnum())


def _ends_sentence(
    text: str, m: re.Match[str], next_pos: int, end: int, rules: LanguageRules, sentence_start: int
) -> bool:
    """Whether the terminal run ``m`` ends a sentence, given the next visible character at ``next_pos``."""
    glued = next_pos == m.end()
    invisible = _invisible_chars()
    # openers and the spaces between them ('. " «Next'); nothing visible after them ends the sentence, so a
    # paragraph and the same paragraph with a trailing space cut alike
    while next_pos < end and (text[next_pos] in rules.openers or text[next_pos] in invisible):
        next_pos += 1
    if next_pos >= end:
        return True
    first = text[next_pos]
    if first in rules.non_starters or (rules.cased and first.islower()):
        return False  # '"Why?" he asked.' - and no sentence starts with a comma
    if rules.quote_particles and m.group()[-1] in rules.closers and _continues_quote(text, next_pos, end, rules):
        return False  # 「…。」と述べた
    if m.group().rstrip(rules.closers + rules.closer_spaces) != ".":
        return True  # ! ? ؟ … and runs such as ?! or ... are unambiguous
    word_start = m.start()
    limit = max(sentence_start, word_start - _WORD_LIMIT)
    while word_start > limit and text[word_start - 1] not in invisible:
        word_start -= 1
    word = _bare(text[word_start : m.start()].lstrip(rules.openers))
    if not word:
        return True  # a detached period: "word . Next", the last dot of ". . ."
    if word in rules.place_abbreviations:
        if not _follows_name(text, word_start, limit):
            return False
    elif word in rules.unit_abbreviations:
        if not (first.isalpha() and _previous_word(text, word_start, limit)[:1].isdigit()):
            return False
    elif word in rules.final_abbreviations:
        if not first.isalpha() or _next_word(text, next_pos, end) in rules.continuations:
            return False
    elif word in rules.abbreviations or _INITIALS.fullmatch(word):
        return False
    if word in rules.number_abbreviations and first.isdigit():
        return False
    if glued and len(word) < 2:
        return False  # a list number glued to its item: 1.البند
    if (rules.ordinal_before or rules.ordinal_after) and word.isdigit() and len(word) <= 3 and (
        _previous_word(text, word_start, limit).lower() in rules.ordinal_before
        or _next_word(text, next_pos, end) in rules.ordinal_after
    ):
        return False  # am 3. Januar, der 2. Weltkrieg
    # "1. First point": a short number opening the sentence is a list marker, not a sentence.
    opens_sentence = trim(text, sentence_start, word_start) is None
    return not (opens_sentence and word.isdigit() and len(word) <= 3)


def _next_word(text: str, pos: int, end: int) -> str:
    """The word starting at ``pos`` without trailing punctuation (``Monday,`` -> ``Monday``)."""
    stop = pos
    while stop < end and (text[stop].isalnum() or text[stop] in "'’"):
        stop += 1
    return text[pos:stop]


def _continues_quote(text: str, pos: int, end: int, rules: LanguageRules) -> bool:
    """Whether the text at ``pos`` (just after a closing quote) starts with a quotative particle."""
    return text.startswith(rules.quote_particles, pos, end) and not text.startswith(
        rules.quote_particle_exceptions, pos, end
    )


def _previous_word(text: str, word_start: int, limit: int) -> str:
    """The word (letters, digits, hyphens) before ``word_start``, across the spaces, not before ``limit``."""
    invisible = _invisible_chars()
    k = word_start
    while k > limit and text[k - 1] in invisible:
        k -= 1
    stop = k
    while k > limit and (text[k - 1].isalnum() or text[k - 1] == "-"):
        k -= 1
    return text[k:stop]


def _follows_name(text: str, word_start: int, limit: int) -> bool:
    """Whether the word before ``word_start`` (one space back) is capitalised: ``Main St.``, not ``in St.``."""
    invisible = _invisible_chars()
    k = word_start
    while k > limit and text[k - 1] in invisible:
        k -= 1
    stop = k
    while k > limit and text[k - 1].isalpha():
        k -= 1
    return stop > k and text[k].isupper()


# -- what the model sees -----------------------------------------------------------------------------------------

_PRESENTATION_FORMS = re.compile(f"[{ARABIC_PRESENTATION_FORMS}]+")


@cache
def _model_input_table() -> dict[int, None]:
    drop = {ch for ch in _invisible_chars() if not ch.isspace()} | {TATWEEL}
    return dict.fromkeys(map(ord, drop))  # bidi marks, ZWSP/ZWJ/ZWNJ, BOM, soft hyphen, stray controls


def model_input(text: str) -> str:
    """The normalized copy of a sentence that the MT model is given.

    opus-mt's training data had format characters, odd spaces and tatweel removed, but MarianTokenizer
    passes them through (as unknown pieces that derail decoding). NFC makes precomposed and decomposed
    forms tokenize alike; Arabic presentation forms (from PDF copy-paste) become plain letters.
    """
    if not isinstance(text, str):
        raise InputError(f"text must be a str, not {type(text).__name__}")
    text = text.translate(_model_input_table())
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return " ".join(unicodedata.normalize("NFC", text).split())


# -- long sentences ----------------------------------------------------------------------------------------------

#: Where to cut an over-long sentence, best first: after a terminal that was not taken as a boundary, after
#: ``؛ ; ；``, after ``، , : ，、``. The ASCII marks count only before a space (1,000 / 10:30), ``، ؛`` and the
#: full-width ``；，、`` (Chinese and Japanese have no spaces) anywhere.
_CLAUSE_RANKS = (
    re.compile(rf"[{re.escape(ARABIC_TERMINALS)}]+[{re.escape(CLOSERS)}]*(?=\s)"),
    re.compile(rf"[؛；][{re.escape(_CJK_CLOSERS)}]*|;[{re.escape(CLOSERS)}]*(?=\s)"),
    re.compile(rf"[،，、][{re.escape(_CJK_CLOSERS)}]*|[,:][{re.escape(CLOSERS)}]*(?=\s)"),
)
#: Plan each piece a little under the budget so proportional cuts rarely need a second pass.
_FILL = 0.9


def split_long(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], budget: int
) -> list[Span]:
    """Split a sentence span whose token count exceeds ``budget`` into consecutive trimmed spans within it.

    Pieces are balanced (balanced pieces translate better than a huge one and a tiny one): the token count
    fixes how many pieces are needed, and each cut is taken near its evenly spaced target at the best
    boundary within reach - clause punctuation, then whitespace, then, as a last resort, between
    characters. Pieces still over budget are split again. ``count_tokens`` receives :func:`model_input`
    of a piece and runs O(pieces x log length) times. A single character over budget stays one piece.
    """
    end = _check(text, start, end)
    if not isinstance(budget, int) or budget < 1:
        raise ValueError(f"budget must be a positive number of tokens, not {budget!r}")
    span = trim(text, start, end)
    if span is None:
        return []
    return _split(text, span[0], span[1], count_tokens, budget)


def _split(text: str, start: int, end: int, count_tokens: Callable[[str], int], budget: int) -> list[Span]:
    tokens = count_tokens(model_input(text[start:end]))
    if tokens <= budget:
        return [(start, end)]
    cuts = _plan_cuts(text, start, end, max(2, math.ceil(tokens / (budget * _FILL))))
    if not cuts:
        return [(start, end)]
    out: list[Span] = []
    for a, b in zip([start, *cuts], [*cuts, end]):
        if (piece := trim(text, a, b)) is not None:
            out.extend(_split(text, piece[0], piece[1], count_tokens, budget))
    return out


def _plan_cuts(text: str, start: int, end: int, pieces: int) -> list[int]:
    """Cut positions near ``start + i/pieces`` of the span, each at the best boundary within a window."""
    length = end - start
    pieces = min(pieces, length)
    radius = max(1, length // (4 * pieces))
    cuts: list[int] = []
    for i in range(1, pieces):
        target = start + (length * i) // pieces
        lo = max(cuts[-1] + 1 if cuts else start + 1, target - radius)
        hi = min(end - 1, target + radius)
        if lo <= hi:
            cuts.append(_best_cut(text, lo, hi, target))
    return cuts


def _best_cut(text: str, lo: int, hi: int, target: int) -> int:
    """The cut in ``[lo, hi]`` nearest ``target`` among those of the best rank available there."""
    for rank in _CLAUSE_RANKS:
        found = [m.end() for m in rank.finditer(text, lo - 1, hi + 1) if lo <= m.end() <= hi]
        if found:
            return min(found, key=lambda p: abs(p - target))
    spaces = [m.start() for m in _patterns().space_run.finditer(text, lo, hi + 1)]
    if spaces:
        return min(spaces, key=lambda p: abs(p - target))
    cut = target
    while cut < hi and unicodedata.category(text[cut]).startswith("M"):
        cut += 1  # keep a letter with its diacritics
    return cut
