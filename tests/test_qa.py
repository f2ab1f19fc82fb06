"""QA checks: each check on small documents, the registry, and the seed with planted errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xling.document import Bead, Document, Entity, Issue, Mention, Settings, Side
from xling.entities.link import link_entities
from xling.errors import InputError
from xling.qa.checks import REGISTRY, Check, register, run_checks
from xling.render.report import format_entities, format_issues
from xling.text.numbers import numbers_in, parse_numeral
from xling.text.segment import segment

ROOT = Path(__file__).resolve().parents[1]
SEED_AR = (ROOT / "seeds" / "000_669c3c74050fa7e2.txt").read_text("utf-8")
SEED_EN = (ROOT / "seeds" / "en" / "000_669c3c74050fa7e2.txt").read_text("utf-8")


def bilingual(source: str, target: str, beads: list[tuple[list[int], list[int]]] | None = None) -> Document:
    """A compare-mode Document; 1-1 beads unless ``beads`` says otherwise."""
    sides = [Side(lang, text, *segment(text, lang)) for lang, text in (("ar", source), ("en", target))]
    if beads is None:
        beads = [([i], [i]) for i in range(len(sides[0].sentences))]
    return Document("compare", Settings(), *sides, tuple(Bead(s, t) for s, t in beads))


def found(doc: Document, code: str, *, link: bool = False) -> list[Issue]:
    doc = run_checks(link_entities(doc) if link else doc, [code])
    return [i for i in doc.issues if i.code == code]


def highlighted(doc: Document, issue: Issue, side: str) -> list[str]:
    return [doc.side(side).text[a:b] for a, b in getattr(issue, side)]


# -- registry ------------------------------------------------------------------------------------------


def test_registry_has_every_check_and_refuses_unknown_names() -> None:
    assert {
        "number-mismatch",
        "entity-missing",
        "entity-extra",
        "entity-inconsistent",
        "untranslated",
        "omission",
        "addition",
        "length-ratio",
        "repetition",
        "unpaired-quote",
        "unpaired-bracket",
        "punctuation",
    } <= set(REGISTRY)
    doc = bilingual("قال ذلك.", "He said so.")
    with pytest.raises(InputError, match="unknown QA check"):
        run_checks(doc, ["no-such-check"])
    with pytest.raises(ValueError, match="already registered"):
        register(type("Again", (Check,), {"code": "omission"}))


def test_run_checks_appends_to_other_issues_and_replaces_its_own() -> None:
    doc = bilingual("استمرت ٥٠ دقيقة.", "It lasted 15 minutes.").replace(issues=(Issue("note", "info", "kept"),))
    once = run_checks(doc)
    assert [i.code for i in once.issues] == ["note", "number-mismatch"]
    assert run_checks(once).issues == once.issues  # checking again does not duplicate
    assert [i.code for i in run_checks(once, ["omission"]).issues] == ["note", "number-mismatch"]


# -- numbers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numeral, value",
    [
        ("1,500", 1500),
        ("2.5", 2.5),
        ("1,5", 1.5),
        ("1.234.567", 1234567),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("50", 50),
    ],
)
def test_parse_numeral(numeral: str, value: float) -> None:
    assert parse_numeral(numeral) == value


def values(text: str, lang: str) -> list[tuple[float, bool]]:
    return [(n.value, n.written) for n in numbers_in(text, 0, len(text), lang)]


def test_numbers_in_every_script_with_scales() -> None:
    assert values("استمرت ٥٠ دقيقة وكلفت ٢٫٥ مليون دولار و1٬200 يورو و٣٠٪", "ar") == [
        (50, True),
        (2.5e6, True),
        (1200, True),
        (30, True),
    ]
    assert values("It lasted 50 minutes, cost 2.5 million dollars and twenty-five euros in 2021.", "en") == [
        (50, True),
        (2.5e6, True),
        (25, False),
        (2021, True),
    ]
    assert values("No one came on the 1st.", "en") == [(1, False)]  # "one" as a pronoun; an ordinal is weak
    assert values("وصل ثلاثة وخمسون شخصا", "ar") == [(3, False), (50, False)]


def test_number_mismatch_points_at_both_numbers() -> None:
    doc = bilingual("استمرت المكالمة ٥٠ دقيقة.", "The call lasted 15 minutes.")
    (issue,) = found(doc, "number-mismatch")
    assert highlighted(doc, issue, "source") == ["٥٠"] and highlighted(doc, issue, "target") == ["15"]
    assert issue.severity == "error" and "50" in issue.message and "15" in issue.message


@pytest.mark.parametrize(
    "source, target",
    [
        ("استمرت المكالمة ٥٠ دقيقة.", "The call lasted 50 minutes."),
        ("بلغت الكلفة 1,5 مليار دولار.", "The cost reached 1.5 billion dollars."),
        ("قتل ثلاثة أشخاص.", "3 people were killed."),  # a digit matched by a number word
        ("ارتفع بنسبة 5٪.", "It rose by five percent."),
        ("الاجتماع في 2022.", "The meeting is in 2022."),
        ("حدث ذلك في 21/12/2021.", "It happened on December 21st, 2021."),  # digits vs month name and ordinal
        ("وصل في 3 كانون الثاني.", "He arrived on January 3."),
    ],
)
def test_equal_numbers_are_not_flagged(source: str, target: str) -> None:
    assert found(bilingual(source, target), "number-mismatch") == []


# -- entities --------------------------------------------------------------------------------------------


def test_entity_missing_and_extra_on_a_swapped_city() -> None:
    doc = bilingual("تبدأ المحادثات في جنيف وفيينا.", "Talks begin in Geneva and Paris.")
    (missing,) = found(doc, "entity-missing", link=True)
    (extra,) = found(doc, "entity-extra", link=True)
    linked = link_entities(doc)
    assert highlighted(linked, missing, "source") == ["فيينا"] and missing.target == ()
    assert highlighted(linked, extra, "target") == ["Paris"] and extra.source == ()


def test_a_name_written_but_not_recognized_is_not_missing() -> None:
    # "west" in lower case is no mention, but the West is there
    doc = bilingual(
        "وقال إن الغرب مخطئ.\n\nوقال إن الغرب مخطئ.", "He said the West was wrong.\n\nHe said the west was wrong."
    )
    assert found(doc, "entity-missing", link=True) == []


def test_ambiguous_arabic_place_names_take_the_english_reading() -> None:
    # عمان is Oman and Amman, الجزائر is Algeria and Algiers: whichever the translation says is right
    doc = bilingual("وصل الوفد إلى عمان ثم إلى الجزائر.", "The delegation arrived in Amman, then in Algiers.")
    linked = link_entities(doc)
    assert {e.name for e in linked.entities} == {"Amman", "Algiers"}
    assert all({m.side for m in e.mentions} == {"source", "target"} for e in linked.entities)
    assert found(doc, "entity-missing", link=True) == [] and found(doc, "entity-extra", link=True) == []


def test_unknown_english_names_are_not_called_extra() -> None:
    # the recognizer cannot know how Arabic would write an unlinked, unknown name: no alarm
    doc = bilingual("قال المسؤول ذلك.", "Official John Smithers said so.")
    assert found(doc, "entity-extra", link=True) == []


def test_a_name_moved_to_the_next_sentence_of_the_paragraph_is_not_missing() -> None:
    doc = bilingual(
        'وقال أوشاكوف "هذا خطأ. نأمل ألا يحدث".', '"This is a mistake. We hope it does not happen," Ushakov said.'
    )
    assert found(doc, "entity-missing", link=True) == [] and found(doc, "entity-extra", link=True) == []


def test_entity_inconsistent_names_the_variants() -> None:
    doc = bilingual(
        "قال أوشاكوف ذلك. وأكد أوشاكوف ذلك. وكرر أوشاكوف ذلك.",
        "Ushakov said that. Oushakov confirmed it. Ushakov repeated it.",
    )
    (issue,) = found(doc, "entity-inconsistent", link=True)
    assert '"Ushakov" (2×)' in issue.message and '"Oushakov" (1×)' in issue.message
    linked = link_entities(doc)
    assert sorted(highlighted(linked, issue, "target")) == ["Oushakov", "Ushakov", "Ushakov"]


# -- text checks -----------------------------------------------------------------------------------------


def test_untranslated_arabic_in_the_english() -> None:
    doc = bilingual("وصل الوفد إلى المدينة.", "The delegation arrived in المدينة المنورة today.")
    (issue,) = found(doc, "untranslated")
    assert highlighted(doc, issue, "target") == ["المدينة المنورة"] and issue.severity == "error"


def test_omission_and_addition_in_compare_mode() -> None:
    doc = bilingual(
        "قال بوتين ذلك. ثم غادر الرئيس القاعة بسرعة كبيرة.",
        "Putin said that. Reporters waited outside.",
        beads=[([0], [0]), ([1], []), ([], [1])],
    )
    (omission,) = found(doc, "omission")
    (addition,) = found(doc, "addition")
    assert omission.severity == "error" and highlighted(doc, omission, "source") == [
        "ثم غادر الرئيس القاعة بسرعة كبيرة."
    ]
    assert omission.target == ((16, 16),)  # where the translation would go
    assert highlighted(doc, addition, "target") == ["Reporters waited outside."] and addition.severity == "warning"


def test_short_omission_is_a_warning() -> None:
    doc = bilingual("قال ذلك. أ ف ب", "He said so.", beads=[([0], [0]), ([1], [])])
    assert [i.severity for i in found(doc, "omission")] == ["warning"]


def test_length_ratio_flags_a_loop_not_normal_sentences() -> None:
    doc = bilingual(SEED_AR, SEED_EN)
    assert found(doc, "length-ratio") == []
    looped = SEED_EN.replace(
        "Naturally, negotiations", "Naturally, " + "the talks and the talks, " * 12 + "negotiations"
    )
    doc = bilingual(SEED_AR, looped)
    (issue,) = found(doc, "length-ratio")
    assert "longer" in issue.message and "Naturally" in highlighted(doc, issue, "target")[0]


def test_repetition_finds_loops() -> None:
    doc = bilingual("لا.", "No, no, no, no, no, we will not.")
    (issue,) = found(doc, "repetition")
    assert highlighted(doc, issue, "target") == ["No, no, no, no, no"] and "5 times" in issue.message
    doc = bilingual("قال.", "He said the security talks the security talks the security talks will go on.")
    (issue,) = found(doc, "repetition")
    assert highlighted(doc, issue, "target") == ["the security talks the security talks the security talks"]
    assert (
        found(bilingual("قال.", "Very, very good. We want results and we will push for results."), "repetition") == []
    )


def test_unpaired_quotes_and_brackets() -> None:
    doc = bilingual('قال "نريد نتائج".', 'He said "we want results.')
    (issue,) = found(doc, "unpaired-quote")
    assert issue.target == ((8, 9),)
    # a quote that spans two sentences of one paragraph is balanced
    assert found(bilingual('قال "هذا خطأ. نأمل ذلك".', '"This is wrong. We hope so," he said.'), "unpaired-quote") == []
    # unbalanced in the source too: not the translation's fault
    assert found(bilingual('قال "نريد نتائج.', 'He said "we want results.'), "unpaired-quote") == []
    doc = bilingual("قال (نريد نتائج).", "He said (we want results.")
    (issue,) = found(doc, "unpaired-bracket")
    assert highlighted(doc, issue, "target") == ["("]


def pair(source_lang: str, source: str, target_lang: str, target: str) -> Document:
    sides = [Side(lang, text, *segment(text, lang)) for lang, text in ((source_lang, source), (target_lang, target))]
    beads = [([i], [i]) for i in range(len(sides[0].sentences))]
    return Document("compare", Settings(), *sides, tuple(Bead(s, t) for s, t in beads))


@pytest.mark.parametrize("source_lang, source, target_lang, target", [
    ("fr", "Le coût a atteint 3,5 milliards de dollars.", "en", "The cost reached 3.5 billion dollars."),
    ("ru", "Стоимость достигла 3,5 млрд долларов.", "ar", "بلغت الكلفة ٣٫٥ مليار دولار."),
    ("hi", "बैठक ५० मिनट चली।", "en", "The meeting lasted 50 minutes."),
    ("fa", "جلسه ۵۰ دقیقه طول کشید.", "de", "Das Treffen dauerte 50 Minuten."),
    ("fr", "Quelque 100\u202f000 soldats.", "ru", "Около 100\u00a0000 военных."),
])
def test_numbers_agree_across_digit_systems_and_separators(source_lang, source, target_lang, target) -> None:
    assert found(pair(source_lang, source, target_lang, target), "number-mismatch") == []


def test_a_changed_number_is_flagged_in_any_pair() -> None:
    doc = pair("ru", "Разговор длился 50 минут.", "ar", "استمرت المكالمة ١٥ دقيقة.")
    (issue,) = found(doc, "number-mismatch")
    assert highlighted(doc, issue, "source") == ["50"] and highlighted(doc, issue, "target") == ["١٥"]


@pytest.mark.parametrize("lang, text, lonely", [
    ("de", "Er sagte: „Nein.“", []), ("de", "»Nein«, sagte er.", []), ("fr", "Il a dit\u00a0: «\u00a0non\u00a0».", []),
    ("ru", "Он сказал: «нет, „никогда“».", []), ("ja", "彼は「いいえ」と言った。", []), ("pl", "Powiedział: „nie”.", []),
    ("en", "He said “no.", ["“"]), ("fr", "Il a dit : « non.", ["«"]), ("ja", "彼は「いいえと言った。", ["「"]),
])
def test_quotation_marks_of_each_language(lang: str, text: str, lonely: list[str]) -> None:
    source = "قال: \"لا\"."
    doc = Document("compare", Settings(), Side("ar", source, *segment(source, "ar")), Side(lang, text, *segment(text, lang)),
                   (Bead((0,), tuple(range(len(segment(text, lang)[1])))),))
    issues = found(doc, "unpaired-quote")
    assert [m for i in issues for m in highlighted(doc, i, "target")] == lonely


def test_punctuation() -> None:
    doc = bilingual("ما هي التسوية؟", "What is the compromise.")
    (issue,) = found(doc, "punctuation")
    assert "question mark" in issue.message
    doc = bilingual("ما هي التسوية؟", "What is the compromise؟")
    (issue,) = found(doc, "punctuation")
    assert "use ?" in issue.message and highlighted(doc, issue, "target") == ["؟"]
    doc = bilingual("وصل الوفد.", "The delegation arrived")
    (issue,) = found(doc, "punctuation")
    assert "no end punctuation" in issue.message
    assert found(bilingual('قال "ما هي التسوية؟"', 'He asked: "What is a compromise?"'), "punctuation") == []


# -- the seed, faithful and with planted errors -------------------------------------------------------------


def test_faithful_seed_has_no_false_alarm() -> None:
    doc = run_checks(link_entities(bilingual(SEED_AR, SEED_EN)))
    assert [(i.code, i.message) for i in doc.issues] == []


def test_planted_number_and_city_errors_are_found_at_the_right_spans() -> None:
    planted = SEED_EN.replace("lasted 50 minutes", "lasted 15 minutes").replace("Vienna", "Paris")
    doc = run_checks(link_entities(bilingual(SEED_AR, planted)))
    by_code = {i.code: i for i in doc.issues}
    assert sorted(by_code) == ["entity-extra", "entity-missing", "number-mismatch"], doc.issues
    assert highlighted(doc, by_code["number-mismatch"], "source") == ["50"]
    assert highlighted(doc, by_code["number-mismatch"], "target") == ["15"]
    assert highlighted(doc, by_code["entity-missing"], "source") == ["فيينا"]
    assert highlighted(doc, by_code["entity-extra"], "target") == ["Paris"]
    report = format_issues(doc)
    assert report.splitlines()[0].startswith("ERROR    number-mismatch") and "«فيينا»" in report
    assert "1 error, 2 warnings." in report


def test_reports_on_empty_documents() -> None:
    doc = bilingual("قال ذلك.", "He said so.")
    assert format_entities(doc) == "No named entities found." and format_issues(doc) == "No issues found."
    doc = doc.replace(entities=(Entity("E1", "PER", (Mention("target", 0, 2),), "He"),))
    assert "E1" in format_entities(doc) and "0 found on both sides" in format_entities(doc)


# -- robustness -------------------------------------------------------------------------------------------

AR_WORDS = [
    "قال",
    "بوتين",
    "وبايدن",
    "روسيا",
    "الروسي",
    "في",
    "جنيف",
    "٥٠",
    "1,5",
    "مليون",
    '"',
    "(",
    "؟",
    "أ",
    "ف",
    "ب",
]
EN_WORDS = [
    "said",
    "Putin",
    "Biden",
    "Russia",
    "Russian",
    "in",
    "Geneva",
    "50",
    "1.5",
    "million",
    '"',
    "(",
    "?",
    "the",
    "Ushakov",
    "Oushakov",
    "no",
    "no",
    "مرحبا",
    "NATO",
    "Of",
    "The",
]


@st.composite
def random_documents(draw):
    def sentences(words):
        n = draw(st.integers(1, 5))
        return [" ".join(draw(st.lists(st.sampled_from(words), min_size=1, max_size=10))) + "." for _ in range(n)]

    src, tgt = sentences(AR_WORDS), sentences(EN_WORDS)
    doc = bilingual(" ".join(src), "\n\n".join(tgt), beads=[])
    ns, nt = len(doc.source.sentences), len(doc.target.sentences)
    beads, i, j = [], 0, 0
    while i < ns or j < nt:  # a random monotone alignment covering every sentence once, with empty sides
        a = draw(st.integers(0 if j < nt else 1, min(2, ns - i))) if i < ns else 0
        b = draw(st.integers(0 if a else 1, min(2, nt - j))) if j < nt else 0
        beads.append((list(range(i, i + a)), list(range(j, j + b))))
        i, j = i + a, j + b
    return doc.replace(alignment=tuple(Bead(s, t) for s, t in beads))


@settings(max_examples=40, deadline=None)
@given(random_documents())
def test_linking_and_checks_hold_on_any_document(doc: Document) -> None:
    doc.validate()
    out = run_checks(link_entities(doc))
    out.validate()
    assert {i.code for i in out.issues} <= set(REGISTRY)
    assert [e.id for e in out.entities] == [f"E{k}" for k in range(1, len(out.entities) + 1)]
    assert all(e.label in ("PER", "ORG", "LOC", "MISC") for e in out.entities)
    format_entities(out), format_issues(out)
