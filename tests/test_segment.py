"""Segmentation: paragraph and sentence spans, the model's copy of a sentence, and long-sentence splitting."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xling.errors import InputError
from xling.text.segment import (
    LANGUAGES,
    LATIN,
    model_input,
    paragraph_spans,
    rules_for,
    segment,
    sentence_spans,
    split_long,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
AR_SEED = (SEEDS / "000_669c3c74050fa7e2.txt").read_text(encoding="utf-8")
EN_SEED = (SEEDS / "en" / "000_669c3c74050fa7e2.txt").read_text(encoding="utf-8")

LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
VISIBLE_FORMAT = set("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2")


def invisible(ch: str) -> bool:
    """The test's own definition of 'not content', independent of the module's tables."""
    return unicodedata.category(ch) in {"Cf", "Zs", "Zl", "Zp", "Cc"} and ch not in VISIBLE_FORMAT


def assert_partition(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> None:
    """Spans are sorted, disjoint, trimmed and non-empty; the gaps between them hold nothing visible."""
    end = len(text) if end is None else end
    cursor = start
    pieces = []
    for s, e in spans:
        assert cursor <= s < e <= end, (spans, start, end)
        gap = text[cursor:s]
        assert all(invisible(ch) for ch in gap), f"visible text {gap!r} fell between spans"
        assert not invisible(text[s]) and not invisible(text[e - 1]), f"span {text[s:e]!r} is not trimmed"
        pieces += [gap, text[s:e]]
        cursor = e
    tail = text[cursor:end]
    assert all(invisible(ch) for ch in tail), f"visible text {tail!r} fell after the last span"
    assert "".join(pieces) + tail == text[start:end]


def sentences(text: str, lang: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, lang)]


# -- paragraphs ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\n", "  \n\t\xa0\ufeff\u200f\u2066\u200b\r\n\u2029 "])
def test_blank_text_has_no_paragraphs_or_sentences(text):
    assert paragraph_spans(text) == []
    assert segment(text, "ar") == ((), ())
    assert sentence_spans(text, "en") == []


def test_every_kind_of_line_break_separates_paragraphs():
    text = "\ufeffone\r\ntwo\rthree\u2028four\u2029five\n\n\n six \xa0\nseven"
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["one", "two", "three", "four", "five", "six", "seven"]


def test_arabic_seed_paragraphs():
    paragraphs = paragraph_spans(AR_SEED)
    assert len(paragraphs) == 16
    start, end = paragraphs[3]
    assert AR_SEED[start - 1] == "\xa0"  # the fourth paragraph starts with an NBSP, which is left out
    assert AR_SEED[start:end].startswith("وصرّح")
    assert AR_SEED[slice(*paragraphs[-1])] == "أ ف ب"
    assert_partition(AR_SEED, paragraphs)


def test_english_seed_paragraphs():
    paragraphs = paragraph_spans(EN_SEED)
    assert len(paragraphs) == 16
    assert EN_SEED[slice(*paragraphs[-1])] == "AFP"


def test_seed_segments_sentence_for_sentence_like_its_faithful_translation():
    _, ar_sentences = segment(AR_SEED, "ar")
    _, en_sentences = segment(EN_SEED, "en")
    ar_counts = [[s.paragraph for s in ar_sentences].count(i) for i in range(16)]
    assert ar_counts == [[s.paragraph for s in en_sentences].count(i) for i in range(16)]
    assert ar_counts == [1] * 10 + [2, 2, 1, 1, 2, 1]
    last = [s for s in ar_sentences if s.paragraph == 15]
    assert [AR_SEED[s.start : s.end] for s in last] == ["أ ف ب"]
    quoted = [AR_SEED[s.start : s.end] for s in ar_sentences if s.paragraph == 10]
    assert len(quoted) == 2
    assert quoted[0].startswith('وقال أوشاكوف "هذا') and quoted[0].endswith("الأخطر.")
    assert quoted[1] == 'نأمل ألا يحدث ذلك".'


# -- sentences: examples ------------------------------------------------------------------------------------------

EXAMPLES = [
    # English: abbreviations, decimals, initials, quotes, brackets, ellipses, lowercase continuation
    ("en", "Mr. Smith went to Washington. He arrived late.", ["Mr. Smith went to Washington.", "He arrived late."]),
    ("en", "The U.S. index rose 1,000.5 points. Prices fell.", ["The U.S. index rose 1,000.5 points.", "Prices fell."]),
    ("en", "It grew 3.5 percent. Then it shrank.", ["It grew 3.5 percent.", "Then it shrank."]),
    ("en", "J. R. R. Tolkien wrote it. It sold.", ["J. R. R. Tolkien wrote it.", "It sold."]),
    ("en", "Gen. Smith met Sen. Jones in St. Louis on Jan. 5. They talked.",
     ["Gen. Smith met Sen. Jones in St. Louis on Jan. 5.", "They talked."]),
    ("en", "Fruit, e.g. Apples, i.e. Produce, etc. are sold. We sell pears etc. The end.",
     ["Fruit, e.g. Apples, i.e. Produce, etc. are sold.", "We sell pears etc.", "The end."]),
    ("en", "Apple Inc. said so at 5 p.m. on Monday. Acme Corp. The end.",
     ["Apple Inc. said so at 5 p.m. on Monday.", "Acme Corp.", "The end."]),
    ("en", "It began in Jan. 2021 and ended in Jan. Then it restarted.",
     ["It began in Jan. 2021 and ended in Jan.", "Then it restarted."]),
    ("en", "See No. 5 here. No. We refuse.", ["See No. 5 here.", "No.", "We refuse."]),
    ("en", '"Really?" he asked. "Yes."', ['"Really?" he asked.', '"Yes."']),
    ("en", 'He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
    ("en", "(It was late.) We left.", ["(It was late.)", "We left."]),
    ("en", "Wait... What happened?! Nothing … And more.", ["Wait...", "What happened?!", "Nothing …", "And more."]),
    ("en", "He said: yes; then left, quietly. Done", ["He said: yes; then left, quietly.", "Done"]),
    ("en", "1. The first point. 2. The second.", ["1. The first point.", "2. The second."]),
    ("en", "It ended at noon. 2021 was worse.", ["It ended at noon.", "2021 was worse."]),
    ("en", "first line\nsecond line", ["first line", "second line"]),
    ("en", "She has a Ph.D. From Oxford. He, too.", ["She has a Ph.D. From Oxford.", "He, too."]),
    ("en", "Wait. . . Then go. It is 5 p.m. 2021 rules.", ["Wait. . .", "Then go.", "It is 5 p.m. 2021 rules."]),
    ("en", "Visit example.com today. ok", ["Visit example.com today. ok"]),
    # times are dated by their day or zone; a street's St. may end a sentence, a saint's never does
    ("en", ("Talks end at 5 p.m. Monday in Geneva. Both agreed. They met at 10 a.m. GMT. The rest left at 5 p.m. "
     "The end."), ["Talks end at 5 p.m. Monday in Geneva.", "Both agreed.", "They met at 10 a.m. GMT.",
                  "The rest left at 5 p.m.", "The end."]),
    ("en", "They live on Main St. The house is old. Fire on Elm St. spread. St. Peter's Square filled.",
     ["They live on Main St.", "The house is old.", "Fire on Elm St. spread.", "St. Peter's Square filled."]),
    # Arabic: decimals in both digit systems, single-letter abbreviations and initials, quotes, glued periods
    ("ar", "بلغ النمو ٣٫٥ بالمئة. وأضاف أن 3.5 بالمئة كافية.", ["بلغ النمو ٣٫٥ بالمئة.", "وأضاف أن 3.5 بالمئة كافية."]),
    ("ar", "وصل د. محمد إلى القاهرة. ثم غادر.", ["وصل د. محمد إلى القاهرة.", "ثم غادر."]),
    ("ar", "نقلت أ. ف. ب. الخبر عن مصدر.", ["نقلت أ. ف. ب. الخبر عن مصدر."]),
    ("ar", "نقلت (أ.ف.ب) الخبر. وقال", ["نقلت (أ.ف.ب) الخبر.", "وقال"]),
    ("ar", "أ ف ب", ["أ ف ب"]),
    ("ar", "هل ستأتي؟ نعم! ربما؟! لا…", ["هل ستأتي؟", "نعم!", "ربما؟!", "لا…"]),
    ("ar", 'قال "هذا خطأ. نأمل ألا يتكرر".', ['قال "هذا خطأ.', 'نأمل ألا يتكرر".']),
    ("ar", "قال «انتهى الأمر.» وغادر.", ["قال «انتهى الأمر.»", "وغادر."]),
    ("ar", "قال «انتهى الأمر». وغادر.", ["قال «انتهى الأمر».", "وغادر."]),
    ("ar", "الجمعة،وقال؛ ثم: لا شيء", ["الجمعة،وقال؛ ثم: لا شيء"]),
    ("ar", "انتهى الاجتماع.وقال المتحدث إنه راض.", ["انتهى الاجتماع.", "وقال المتحدث إنه راض."]),
    ("ar", "في عام 1443 هـ. بدأ العمل.", ["في عام 1443 هـ. بدأ العمل."]),
    ("ar", "اشترى التفاح والموز إلخ. وقال إنه شبع.", ["اشترى التفاح والموز إلخ.", "وقال إنه شبع."]),
    ("ar", "زار موقع Aljazeera.Net اليوم.وغادر", ["زار موقع Aljazeera.Net اليوم.", "وغادر"]),
    ("ar", "١. البند الأول. ٢. البند الثاني.", ["١. البند الأول.", "٢. البند الثاني."]),
    ("ar", "انتظرنا... ثم جاء", ["انتظرنا...", "ثم جاء"]),
    ("ar", "\u200fمرحبا.\u200f \u200fوداعا.\u200f", ["مرحبا.", "وداعا."]),
    ("ur", "یہ کتاب ہے۔ وہ قلم ہے۔", ["یہ کتاب ہے۔", "وہ قلم ہے۔"]),
    # other languages: Latin rules, initials still protected
    ("fr", "M. Dupont est arrivé. Il parle.", ["M. Dupont est arrivé.", "Il parle."]),
]


@pytest.mark.parametrize(("lang", "text", "expected"), EXAMPLES)
def test_sentence_examples(lang, text, expected):
    assert sentences(text, lang) == expected
    assert_partition(text, sentence_spans(text, lang))


def test_sentence_spans_use_absolute_offsets_inside_a_range():
    text = "Skip this. Keep one. Keep two. Skip again."
    start, end = text.index("Keep"), text.index(" Skip again")
    spans = sentence_spans(text, "en", start, end)
    assert [text[s:e] for s, e in spans] == ["Keep one.", "Keep two."]
    assert_partition(text, spans, start, end)


def test_language_codes_and_fallback():
    assert rules_for("ar") is LANGUAGES["ar"]
    assert rules_for("ar-EG") is rules_for("AR_eg") is rules_for("ara") is LANGUAGES["ar"]
    assert rules_for("en-US") is LANGUAGES["en"]
    assert rules_for("de") is rules_for("xx") is LATIN
    assert "؟" not in LATIN.terminals  # unknown languages get Latin terminals only


@pytest.mark.parametrize("lang", ["", "  ", None, 3])
def test_bad_language_is_refused(lang):
    with pytest.raises(InputError, match="language"):
        sentence_spans("Hello.", lang)


def test_bad_text_and_ranges_are_refused():
    with pytest.raises(InputError, match="str"):
        segment(b"bytes", "en")
    with pytest.raises(InputError, match="str"):
        paragraph_spans(None)
    with pytest.raises(ValueError, match="not inside"):
        sentence_spans("Hello.", "en", 4, 2)
    with pytest.raises(ValueError, match="not inside"):
        sentence_spans("Hello.", "en", 0, 99)


# -- properties -----------------------------------------------------------------------------------------------------

ATOMS = list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي") + list("aBcDxJyz0123٣٥") + list(".!?؟…۔") + list("\"'«»“”()[]")
ATOMS += ["،", "؛", ":", ",", " ", " ", " ", "\xa0", "\ufeff", "\u200f", "\u200e", "\u202b", "\u202c", "\u2066"]
ATOMS += ["\u200b", "\u0640", "\u064e", "\n", "\r\n", "\t", "\u2029", "\u0600", "Mr", "U.S.", "3.5", "أ. "]
random_text = st.lists(st.sampled_from(ATOMS), max_size=80).map("".join)
languages = st.sampled_from(["ar", "en", "fr", "ur"])


@settings(max_examples=150, deadline=None)
@given(random_text, languages)
def test_segment_partitions_any_text(text, lang):
    paragraphs, found = segment(text, lang)
    assert_partition(text, list(paragraphs))
    lines = [line for chunk in text.splitlines() for line in [chunk] if any(not invisible(c) for c in line)]
    assert len(paragraphs) == len(lines)
    for index, (p_start, p_end) in enumerate(paragraphs):
        assert not any(ch in LINE_BREAKS for ch in text[p_start:p_end])
        inside = [(s.start, s.end) for s in found if s.paragraph == index]
        assert inside, "every paragraph has at least one sentence"
        assert_partition(text, inside, p_start, p_end)
    assert [s.paragraph for s in found] == sorted(s.paragraph for s in found)


@settings(max_examples=100, deadline=None)
@given(random_text, languages, st.data())
def test_sentence_spans_partition_any_range(text, lang, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert_partition(text, sentence_spans(text, lang, start, end), start, end)


@settings(max_examples=100, deadline=None)
@given(random_text, languages)
@example('أ. " ', "ar")  # an opener then only spaces: the trailing space used to change the cut
def test_segmentation_is_stable(text, lang):
    """Whole-text and per-paragraph segmentation agree, and a sentence re-segmented is itself."""
    _, found = segment(text, lang)
    spans = sentence_spans(text, lang)
    assert spans == [(s.start, s.end) for s in found]
    for span in spans:
        assert sentence_spans(text, lang, *span) == [span]


EN_WORDS = ["the", "talks", "ended", "early", "with", "sanctions", "3.5", "1,000.5", "percent", "Moscow", "Biden",
            "Dr. Smith", "Mr. Jones", "U.S. officials", "J. R. Tolkien", "e.g. Kyiv", "No. 5", "(in 2021)", "said:"]
EN_STARTS = ["The", "Russia", "Officials", '"We', "(Earlier", "Putin", "2022", "NATO"]
AR_WORDS = ["قال", "المفاوضات", "روسيا", "3.5", "٣٫٥", "د. محمد", "أ. ف. ب.", "الجمعة،", "الأمنية؛", "(الكرملين)",
            "«كامل»", "هـ.", "ضمانات", "أ ف ب"]
AR_STARTS = ["وقال", "وأكد", '"نريد', "«إذا", "المحادثات", "روسيا"]
TERMINALS = {"en": [".", "!", "?", "?!", "...", '."', ".)", "…"], "ar": [".", "!", "؟", "؟!", "...", '".', ".»", "…"]}


@st.composite
def realistic(draw, lang):
    starts, words = (EN_STARTS, EN_WORDS) if lang == "en" else (AR_STARTS, AR_WORDS)
    made = []
    for _ in range(draw(st.integers(1, 6))):
        body = [draw(st.sampled_from(starts))] + draw(st.lists(st.sampled_from(words), max_size=8)) + ["talks"]
        made.append(" ".join(body) + draw(st.sampled_from(TERMINALS[lang])))
    separators = draw(st.lists(st.sampled_from([" ", "  ", "\xa0", " \u200f"]), min_size=len(made), max_size=len(made)))
    return made, "".join(s + sep for s, sep in zip(made, separators))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["en", "ar"]).flatmap(lambda lang: st.tuples(st.just(lang), realistic(lang))))
def test_generated_sentences_are_recovered_exactly(case):
    lang, (made, text) = case
    assert sentences(text, lang) == made


def test_large_text_is_fast():
    copies = 1_000_000 // len(AR_SEED)
    text = (AR_SEED + "\n") * copies
    started = time.perf_counter()
    paragraphs, found = segment(text, "ar")
    elapsed = time.perf_counter() - started
    assert len(paragraphs) == 16 * copies
    assert len(found) == len(segment(AR_SEED, "ar")[1]) * copies
    assert elapsed < 3.0, f"segmenting 1 MB took {elapsed:.2f}s"


def test_pathological_text_is_fast():
    for text in ["a" * 300_000 + "." + " " * 300_000 + "b", ". " * 300_000, "x" + "\u200f \xa0" * 200_000 + "y"]:
        started = time.perf_counter()
        assert_partition(text, sentence_spans(text, "en"))
        assert time.perf_counter() - started < 3.0


# -- model input ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u200fمرحبا\xa0 \u2009بالعالم\u200e", "مرحبا بالعالم"),
        ("\ufeffكـبـيـر", "كبير"),
        ("\ufefb \ufee3\ufeae\ufea3\ufe92\ufe8e", "لا مرحبا"),  # presentation forms from PDF copy-paste
        ("a\u200bb\u00adc\u2066d\u2069", "abcd"),
        ("\u0627\u0653", "\u0622"),  # alef + madda composes (NFC)
        ("cafe\u0301", "café"),
        ("  two\n\tlines  ", "two lines"),
        ("", ""),
    ],
)
def test_model_input_examples(raw, expected):
    assert model_input(raw) == expected


@given(random_text)
def test_model_input_properties(text):
    clean = model_input(text)
    assert model_input(clean) == clean
    assert clean == clean.strip() and "  " not in clean
    assert not any(unicodedata.category(ch) == "Cf" and ch not in VISIBLE_FORMAT for ch in clean)
    assert "\u0640" not in clean and all(ch == " " or not ch.isspace() for ch in clean)
    kept = "".join(ch for ch in text if not invisible(ch) and ch != "\u0640")
    assert clean.replace(" ", "") == unicodedata.normalize("NFC", kept)


def test_model_input_refuses_non_text():
    with pytest.raises(InputError):
        model_input(None)


# -- long sentences ---------------------------------------------------------------------------------------------------


def words_plus_eos(piece: str) -> int:
    return len(piece.split()) + 1


def assert_pieces(text, start, end, pieces, count, budget):
    assert_partition(text, pieces, start, end)
    for s, e in pieces:
        assert count(model_input(text[s:e])) <= budget or e - s == 1, text[s:e]


@settings(max_examples=100, deadline=None)
@given(random_text, st.integers(2, 12), st.data())
def test_split_long_pieces_fit_and_cover_everything(text, budget, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    pieces = split_long(text, start, end, words_plus_eos, budget)
    assert_pieces(text, start, end, pieces, words_plus_eos, budget)


@settings(max_examples=100, deadline=None)
@given(random_text, st.integers(1, 6))
def test_split_long_falls_back_to_characters(text, budget):
    pieces = split_long(text, 0, len(text), len, budget)
    assert_pieces(text, 0, len(text), pieces, len, budget)


def test_short_sentence_is_one_piece():
    text = "  A short sentence.  "
    assert split_long(text, 0, len(text), words_plus_eos, 10) == [(2, 19)]
    assert split_long("   ", 0, 3, words_plus_eos, 10) == []


def test_split_long_prefers_clause_boundaries_near_the_middle():
    left, right = " ".join(["كلمة"] * 10), " ".join(["أخرى"] * 10)
    for mark, other in [("؛", "،"), ("،", " "), (";", ","), (",", " ")]:
        text = f"{left[:-20]}{other} {left[-14:]}{mark} {right}"
        pieces = split_long(text, 0, len(text), words_plus_eos, 15)
        assert len(pieces) == 2
        assert text[slice(*pieces[0])].endswith(mark), (mark, [text[s:e] for s, e in pieces])


def test_split_long_balances_pieces():
    text = " ".join(f"w{i}" for i in range(42))  # 43 tokens with EOS, budget 20: three pieces, not 2 + 1 small
    pieces = split_long(text, 0, len(text), words_plus_eos, 20)
    sizes = [len(text[s:e].split()) for s, e in pieces]
    assert len(sizes) == 3 and max(sizes) - min(sizes) <= 3, sizes


def test_split_long_calls_the_counter_few_times_on_huge_input():
    calls = []

    def counting(piece: str) -> int:
        calls.append(len(piece))
        return len(piece.split()) * 3 // 2 + 1

    text = " ".join(["كلمة", "word", "نص"] * 1000)  # 3,000 words, no punctuation
    started = time.perf_counter()
    pieces = split_long(text, 0, len(text), counting, 200)
    elapsed = time.perf_counter() - started
    assert_pieces(text, 0, len(text), pieces, counting, 200)
    assert len(pieces) <= 26  # 4,501 tokens / 200 needs 23
    assert len(calls) <= 3 * len(pieces) + 1 and sum(calls) <= 4 * len(text)
    assert elapsed < 1.0


def test_split_long_checks_its_arguments():
    with pytest.raises(ValueError, match="budget"):
        split_long("a b", 0, 3, words_plus_eos, 0)
    with pytest.raises(ValueError, match="not inside"):
        split_long("a b", 2, 1, words_plus_eos, 5)
