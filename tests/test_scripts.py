"""xling.text.scripts: scripts of characters and texts, and the Arabic character classes."""

from __future__ import annotations

import re
import unicodedata

import pytest

from xling.text.scripts import (
    ARABIC_LETTER,
    ARABIC_RANGES,
    RTL_SCRIPTS,
    lang_script,
    main_script,
    script_of,
    script_share,
)


@pytest.mark.parametrize(
    "ch, script",
    [("a", "Latin"), ("é", "Latin"), ("Ａ", "Latin"), ("ب", "Arabic"), ("ﻻ", "Arabic"), ("ـ", "Arabic"),
     ("ש", "Hebrew"), ("Ж", "Cyrillic"), ("क", "Devanagari"), ("中", "Han"), ("あ", "Kana"), ("한", "Hangul"),
     ("1", None), ("٣", None), ("؟", None), ("\u064e", None), (" ", None)],
)
def test_script_of_letters_only(ch: str, script: str | None) -> None:
    assert script_of(ch) == script


def test_arabic_ranges_hold_every_arabic_letter_and_no_bom() -> None:
    arabic = re.compile(f"[{ARABIC_RANGES}]")
    for code in range(0x10000):
        ch = chr(code)
        if unicodedata.name(ch, "").startswith("ARABIC LETTER") and unicodedata.category(ch).startswith("L"):
            assert arabic.match(ch) and script_of(ch) == "Arabic", hex(code)
    assert not arabic.match("\ufeff")
    assert ARABIC_LETTER.search("قال") and not ARABIC_LETTER.search("، ؟ ١٢")


def test_text_scripts() -> None:
    assert script_share("Putin بوتين", "latin") == script_share("Putin بوتين", "Arabic") == 0.5
    assert script_share("123 ...", "Latin") == 0.0
    assert main_script("قال Putin إن") == "Arabic" and main_script("12") is None
    assert lang_script("ar") == lang_script("fa-IR") == "Arabic" and lang_script("en-GB") == "Latin"
    assert lang_script("xx") is None and "Arabic" in RTL_SCRIPTS and "Latin" not in RTL_SCRIPTS
