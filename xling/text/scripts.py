"""Writing scripts: which script a character or a text is written in, and the Arabic character classes.

Every module that asks "is this Arabic?" or "is this Latin?" asks here: the RTL runs of the HTML view, the
untranslated-Arabic check, the aligner's choice between name skeletons and cognates, the input language
check, and the Arabic word and letter patterns of the name code. A letter's script is named like Unicode's
Script property values, after the first word of the letter's Unicode name ("Latin", "Cyrillic",
"Devanagari"; "Han", "Kana", "Hangul" for East Asian letters); Arabic letters are recognized by their
Unicode blocks (:data:`ARABIC_RANGES`), the same ranges the regex patterns use.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

# -- Arabic character classes (bodies of regex character classes, to combine in patterns) ---------------

#: Arabic Presentation Forms-A and -B: contextual glyphs and ligatures (PDF copy-paste), without U+FEFF, the
#: byte-order mark at the end of the B block.
ARABIC_PRESENTATION_FORMS = "\ufb50-\ufdff\ufe70-\ufefc"
#: Every Arabic-script block: Arabic, Arabic Supplement, Arabic Extended-B and -A, the presentation forms,
#: Arabic Extended-C and the Arabic Mathematical Alphabetic Symbols. Letters, marks, Arabic digits and
#: Arabic punctuation alike.
ARABIC_RANGES = (
    "\u0600-\u06ff\u0750-\u077f\u0870-\u089f\u08a0-\u08ff"
    + ARABIC_PRESENTATION_FORMS
    + "\U00010ec0-\U00010eff\U0001ee00-\U0001eeff"
)
#: The letters of the Arabic block that Arabic, Persian and Urdu news is written with (hamza to yeh, the
#: extended letters from U+066E, ae, and the Sindhi/Persian letters from U+06FA). Tatweel (U+0640) and the
#: superscript alef (U+0670) lie inside these ranges; :data:`ARABIC_DIACRITICS` says they are dropped.
ARABIC_LETTERS = "\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff"
#: Harakat, the superscript alef and the Quranic annotation marks: writers add or leave them freely.
ARABIC_DIACRITICS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
#: The kashida, a stretching stroke with no sound.
TATWEEL = "\u0640"
#: Arabic-Indic digits (٠-٩); the Eastern (Persian) ones are U+06F0-U+06F9.
ARABIC_INDIC_DIGITS = "\u0660-\u0669"

#: One Arabic letter (a word with at least one of these is an Arabic word).
ARABIC_LETTER = re.compile(f"[{ARABIC_LETTERS}]")
_ARABIC_CHAR = re.compile(f"[{ARABIC_RANGES}]")

# -- scripts of characters and texts ---------------------------------------------------------------------

#: Scripts written right to left (the living ones with letters in Unicode).
RTL_SCRIPTS = frozenset({"Arabic", "Hebrew", "Syriac", "Thaana", "Nko", "Samaritan", "Mandaic", "Adlam"})

#: The script each supported language is written in, for cheap checks of pasted input.
LANG_SCRIPTS = {"ar": "Arabic", "fa": "Arabic", "ur": "Arabic", "en": "Latin", "fr": "Latin", "de": "Latin",
                "es": "Latin", "it": "Latin", "pt": "Latin", "nl": "Latin", "tr": "Latin"}

#: First words of Unicode letter names that are not the script's name.
_NAME_SCRIPT = {"CJK": "Han", "IDEOGRAPHIC": "Han", "BOPOMOFO": "Han", "HIRAGANA": "Kana", "KATAKANA": "Kana",
                "KATAKANA-HIRAGANA": "Kana", "HANGUL": "Hangul"}


@functools.lru_cache(maxsize=65536)
def script_of(ch: str) -> str | None:
    """The script of a letter: "Arabic", "Latin", "Hebrew", "Han", "Kana", "Hangul"...; None for a non-letter.

    Letters in the Arabic blocks are "Arabic"; other letters are named by the first word of their Unicode
    name (FULLWIDTH/HALFWIDTH skipped). Digits, marks, spaces, punctuation and symbols have no script here.
    """
    if not unicodedata.category(ch).startswith("L"):
        return None
    if _ARABIC_CHAR.match(ch):
        return "Arabic"
    words = unicodedata.name(ch, "").split()
    if words[:1] in (["FULLWIDTH"], ["HALFWIDTH"]) and len(words) > 1:
        words = words[1:]
    if not words or words[0] in ("MODIFIER", "LETTER"):  # MODIFIER LETTER ...: no script of its own
        return None
    return _NAME_SCRIPT.get(words[0], words[0].title())


def script_share(text: str, script: str) -> float:
    """Share of the letters of ``text`` in ``script`` ("Arabic", "Latin"...; any case); 0.0 without letters."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    script = script.title()
    return sum(1 for ch in letters if script_of(ch) == script) / len(letters)


def main_script(text: str) -> str | None:
    """The script most letters of ``text`` are written in; None without letters."""
    counts = Counter(s for s in map(script_of, text) if s is not None)
    return counts.most_common(1)[0][0] if counts else None


def lang_script(lang: str) -> str | None:
    """The script ``lang`` ("ar", "en-GB"...) is written in, if known."""
    return LANG_SCRIPTS.get(lang.split("-")[0].lower())
