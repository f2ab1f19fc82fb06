"""xling.text.numbers: digits of every script, separators, numerals with spans and values."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xling.text.numbers import normalize_digits, numbers_in, numerals, parse_numeral

#: The zero of every decimal digit system Unicode knows (ASCII, Arabic-Indic, Eastern, Devanagari, fullwidth...).
ZEROS = [c for c in range(sys.maxunicode + 1) if chr(c).isdecimal() and unicodedata.decimal(chr(c)) == 0]

#: ASCII numerals as people write them: digits, with "." / "," between digit groups.
ascii_numeral = st.from_regex(r"[0-9]{1,4}(?:[.,][0-9]{1,4}){0,3}", fullmatch=True)
#: Text around numerals that holds no digits and no separators.
filler = st.text(alphabet=st.sampled_from(" abcXYZ%-/بتن()"), max_size=6)


def in_system(text: str, zero: int) -> str:
    """``text`` with its ASCII digits written in the digit system starting at ``zero``."""
    return "".join(chr(zero + int(ch)) if "0" <= ch <= "9" else ch for ch in text)


def test_digit_systems_are_contiguous_and_many() -> None:
    assert len(ZEROS) > 50 and 0x0660 in ZEROS and 0x06F0 in ZEROS and 0xFF10 in ZEROS
    for zero in ZEROS:
        assert [unicodedata.decimal(chr(zero + d)) for d in range(10)] == list(range(10))


@given(st.lists(st.tuples(filler, ascii_numeral), max_size=4), filler, st.sampled_from(ZEROS))
def test_every_digit_system_reads_the_same(parts, tail: str, zero: int) -> None:
    ascii_text = "".join(f + n for f, n in parts) + tail
    other = in_system(ascii_text, zero)
    expected = [(n.start, n.end, n.text, n.digits, n.value) for n in numerals(ascii_text)]
    assert [(n.start, n.end, n.text, n.digits, n.value) for n in numerals(other)] == expected
    for _, numeral in parts:
        assert parse_numeral(in_system(numeral, zero)) == parse_numeral(numeral)


@given(st.text())
def test_normalize_digits_keeps_offsets_and_leaves_only_ascii_digits(text: str) -> None:
    flat = normalize_digits(text)
    assert len(flat) == len(text)
    assert all(ch in "0123456789" for ch in flat if ch.isdecimal())
    for a, b in zip(text, flat):
        assert a == b or (a.isdecimal() and int(b) == unicodedata.decimal(a)) or (a, b) in (("٫", "."), ("٬", ","))


@given(st.text(alphabet=st.sampled_from("0123456789٠٣۷.,٫٬ \u00a0\u202fa")))
def test_every_numeral_has_a_value(text: str) -> None:
    for numeral in numerals(text):
        assert numeral.value >= 0
        assert numeral.digits and numeral.digits.isdigit()
        assert normalize_digits(text[numeral.start : numeral.end]) == numeral.text


@pytest.mark.parametrize(
    "text, digits, value",
    [
        ("١٬٥٠٠", "1500", 1500),
        ("۳٫۵", "35", 3.5),
        ("1,500", "1500", 1500),
        ("1.500", "1500", 1.5),
        ("24\u202f350", "24350", 24350),  # a narrow no-break space separates thousands
        ("١٬٢٣٤٫٥", "12345", 1234.5),
        ("१२३", "123", 123),  # Devanagari
        ("１２", "12", 12),  # fullwidth
        ("1,500.000.000", "1500000000", 1500000),  # malformed: the last separator is the decimal mark, no crash
    ],
)
def test_numerals_and_values(text: str, digits: str, value: float) -> None:
    (numeral,) = numerals(text)
    assert (numeral.start, numeral.end, numeral.digits, numeral.value) == (0, len(text), digits, value)


def test_plain_spaces_and_short_groups_do_not_join_numbers() -> None:
    assert [n.digits for n in numerals("in 2021 500 people")] == ["2021", "500"]
    assert [n.digits for n in numerals("17 8153 m")] == ["17", "8153"]
    assert [n.digits for n in numerals("1\u00a023 4")] == ["1", "23", "4"]


def test_glued_numerals_are_codes_for_the_check_and_anchors_for_the_aligner() -> None:
    found = numerals("A4, MH17, و1200 and S.298")
    assert [(n.digits, n.glued) for n in found] == [("4", True), ("17", True), ("1200", False), ("298", False)]
    assert [n.value for n in numbers_in("A4 x2 و1200", 0, 11, "ar")] == [1200]


def test_numbers_in_offsets_are_into_the_whole_text() -> None:
    text = "قبل. بلغ ١٬٥٠٠ مليون"
    start = text.index("بلغ")
    (mention,) = numbers_in(text, start, len(text), "ar")
    assert (mention.value, text[mention.start : mention.end]) == (1.5e9, "١٬٥٠٠ مليون")


# -- every language's separators, scale words and months ---------------------------------------------------


@pytest.mark.parametrize(
    "numeral, lang, value",
    [
        ("3,5", "fr", 3.5), ("3,5", "ru", 3.5), ("3.5", "en", 3.5), ("1.500", "de", 1500), ("1,500", "en", 1500),
        ("1,500", "fr", 1.5), ("1,5", "ar", 1.5), ("١٬٥٠٠", "ar", 1500), ("٣٫٥", "ar", 3.5), ("۳٫۵", "fa", 3.5),
        ("24\u202f350", "fr", 24350), ("24\u00a0350", "ru", 24350), ("1.234,5", "de", 1234.5), ("2,5", "xx", 2.5),
    ],
)
def test_parse_numeral_with_the_language_separators(numeral: str, lang: str, value: float) -> None:
    assert parse_numeral(numeral, lang) == value


def values(text: str, lang: str) -> list[tuple[float, str]]:
    return [(n.value, text[n.start : n.end]) for n in numbers_in(text, 0, len(text), lang) if n.written]


def test_scale_words_of_every_locale_come_from_cldr() -> None:
    assert values("quelque 100\u202f000 soldats et 3,5 milliards de dollars", "fr") == [
        (100000, "100\u202f000"), (3.5e9, "3,5 milliards")]
    assert values("около 100\u00a0000 военных и 3,5 млрд долларов, 2 миллиона", "ru") == [
        (100000, "100\u00a0000"), (3.5e9, "3,5 млрд"), (2e6, "2 миллиона")]
    assert values("2,5 Millionen Euro und 1.500 Soldaten", "de") == [(2.5e6, "2,5 Millionen"), (1500, "1.500")]
    assert values("10万人が参加", "ja") == [(1e5, "10万")]
    assert values("५० मिनट", "hi") == [(50, "५०")]
    assert values("５０分間", "ja") == [(50, "５０")]


def test_month_names_of_every_locale_are_weak_numbers() -> None:
    found = numbers_in("в феврале и 21 января", 0, 21, "ru")
    assert [(n.value, n.written) for n in found] == [(2, False), (21, True), (1, False)]
    assert [(n.value, n.written) for n in numbers_in("le 3 février", 0, 12, "fr")] == [(3, True), (2, False)]
