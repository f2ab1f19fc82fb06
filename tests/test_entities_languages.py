"""Entities and checks for any pair of languages: the four-language story, the many-language paragraph,
inflected and clitic forms, planted errors, and the pieces (recognizer, projection, lexicon, skeletons)."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xling
from xling.document import Bead, Document, Settings, Side
from xling.entities.cased import recognize_cased
from xling.entities.gold import read_gold, score
from xling.entities.link import link_entities
from xling.names.inflection import fold, same_word, stems
from xling.names.lexicon import default_lexicon
from xling.names.phonetics import skeleton, skeleton_similarity
from xling.pipeline.comparison import compare
from xling.qa.checks import run_checks
from xling.text.segment import segment
from tests.test_entities import entity_of, texts

DATA = Path(__file__).parent / "data" / "entities"
STORY = DATA / "story"
GOLD = read_gold(STORY / "gold.tsv")
#: The pairs the issue asks for, and the others the story allows.
PAIRS = [("ar", "fr"), ("ru", "en"), ("fr", "en"), ("ar", "ru"), ("ar", "en"), ("en", "ru"), ("fr", "ru"), ("en", "fr")]


def story(lang: str) -> str:
    return (STORY / f"{lang}.txt").read_text("utf-8")


@functools.cache
def compared(source: str, target: str) -> Document:
    return compare(story(source), story(target), model=xling.NO_MODEL, source_lang=source, target_lang=target)


# -- the story in four languages ------------------------------------------------------------------------


@pytest.mark.parametrize("source, target", PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_story_links_the_gold_names_without_wrong_links_or_false_alarms(source: str, target: str) -> None:
    result = score(compared(source, target), GOLD, source, target)
    assert result.gold >= 25
    assert result.recall >= 0.9, result.missed
    assert result.wrong == []
    assert result.false_alarms == []


def test_story_entities_carry_one_id_on_both_sides() -> None:
    doc = compared("ar", "ru")
    lavrov = entity_of(doc, "target", "Сергей Лавров")
    assert set(texts(doc, lavrov, "source")) == {"سيرغي لافروف", "لافروف"}
    assert set(texts(doc, lavrov, "target")) == {"Сергей Лавров", "Лавров"}
    assert lavrov.label == "PER" and lavrov.name == "Сергей Лавров"
    geneva = entity_of(doc, "source", "جنيف")
    assert geneva.name == "Geneva" and set(texts(doc, geneva, "target")) == {"Женеве"}


# -- inflected and clitic forms -----------------------------------------------------------------------------


def test_russian_case_forms_of_one_name_are_one_entity() -> None:
    source = "Путин говорил с Байденом. Байден позвонил Путину. Слова Путина и ответ Байдена."
    target = "Putin spoke with Biden. Biden called Putin. Putin's words and Biden's answer."
    doc = link_entities(pair("ru", source, "en", target))
    putin, biden = entity_of(doc, "target", "Putin"), entity_of(doc, "target", "Biden")
    assert sorted(texts(doc, putin, "source")) == ["Путин", "Путина", "Путину"]
    assert sorted(texts(doc, biden, "source")) == ["Байден", "Байдена", "Байденом"]
    assert run_checks(doc, ["entity-inconsistent", "entity-missing", "entity-extra"]).issues == ()


def test_polish_instrumental_and_arabic_clitics_are_grouped() -> None:
    doc = link_entities(pair("pl", "Putin rozmawiał z Bidenem. Biden odpowiedział.",
                             "ar", "تحدث بوتين مع بايدن. ورد بايدن على بوتين."))
    biden = entity_of(doc, "source", "Bidenem")
    assert sorted(texts(doc, biden, "source")) == ["Biden", "Bidenem"]
    assert sorted(texts(doc, biden, "target")) == ["بايدن", "بايدن"]
    putin = entity_of(doc, "source", "Putin")
    assert texts(doc, putin, "target") == ["بوتين", "بوتين"]


def test_inflected_lexicon_names_are_found_and_kept_apart() -> None:
    lexicon = default_lexicon()
    for form, name in [("Женеве", "Geneva"), ("Кремля", "Kremlin"), ("Соединённых Штатов", "United States"),
                       ("Европейского союза", "European Union"), ("Waszyngtonie", "Washington")]:
        lang = "pl" if form.isascii() or form.startswith("W") else "ru"
        hit = lexicon.lookup(form, lang)
        assert hit is not None and hit[0].english[0] == name, form
    assert lexicon.lookup("Ирака", "ru")[0] is not lexicon.lookup("Ирана", "ru")[0]


@pytest.mark.parametrize("a, b, lang, same", [
    ("Путина", "Путину", "ru", True), ("Байденом", "Байден", "ru", True), ("Кремля", "Кремль", "ru", True),
    ("Bidenem", "Biden", "pl", True), ("Putin'in", "Putin", "tr", True), ("Иран", "Ирак", "ru", False),
    ("Biden", "Bidens", "en", False), ("Лавров", "Лаврова", "ru", True),
])
def test_same_word_through_case_endings(a: str, b: str, lang: str, same: bool) -> None:
    assert same_word(a, b, lang) is same


@given(st.text(alphabet="абвгдежзиклмнопрстуфхцчшыьэюяё", min_size=1, max_size=12))
def test_stems_start_with_the_folded_word_and_are_its_prefixes(word: str) -> None:
    readings = stems(word, "ru")
    assert readings[0] == fold(word)
    assert all(readings[0].startswith(r) and len(r) >= min(3, len(readings[0])) for r in readings)


# -- one paragraph in many languages ----------------------------------------------------------------------

PARAGRAPHS = list(csv.DictReader((line for line in (DATA / "paragraph.tsv").open(encoding="utf-8")
                                  if not line.startswith("#")), delimiter="\t"))
ENGLISH = PARAGRAPHS[0]
SCRIPTS = {"Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "Han", "Kana"}


def test_the_paragraph_covers_fifteen_languages_in_every_script() -> None:
    from xling.text.scripts import main_script

    others = PARAGRAPHS[1:]
    assert len(others) >= 15 and ENGLISH["lang"] == "en"
    assert {main_script(r["text"]) for r in others} == SCRIPTS


@pytest.mark.parametrize("row", PARAGRAPHS[1:], ids=[r["lang"] for r in PARAGRAPHS[1:]])
def test_person_names_are_linked_to_the_english_in_every_language(row: dict[str, str]) -> None:
    doc = compare(row["text"], ENGLISH["text"], model=xling.NO_MODEL, source_lang=row["lang"], target_lang="en")
    for key in ("putin", "biden"):
        entity = entity_of(doc, "target", ENGLISH[key])
        assert texts(doc, entity, "source") == [row[key]], key
        assert entity.label == "PER"
    assert [i.code for i in doc.issues if i.code.startswith("entity-")] == []
    number = [i for i in doc.issues if i.code == "number-mismatch"]
    assert number == []  # 50, ۵۰ and 50 are one number


# -- planted errors -----------------------------------------------------------------------------------------

PLANTS = {"en": ("Geneva", "Vienna"), "ar": ("جنيف", "فيينا"), "fr": ("Genève", "Vienne"), "ru": ("Женеве", "Вене")}


@pytest.mark.parametrize("source, target", [("fr", "en"), ("ru", "ar"), ("en", "fr"), ("ar", "ru")])
def test_planted_number_and_swapped_city_are_flagged(source: str, target: str) -> None:
    city, other = PLANTS[target]
    first, rest = story(target).split("\n\n", 1)
    assert "50" in first and city in first
    planted = first.replace("50", "15").replace(city, other, 1) + "\n\n" + rest
    doc = compare(story(source), planted, model=xling.NO_MODEL, source_lang=source, target_lang=target)
    by_code = {}
    for issue in doc.issues:
        by_code.setdefault(issue.code, []).append(issue)
    assert sorted(by_code) == ["entity-extra", "entity-missing", "number-mismatch"], doc.issues
    (number,) = by_code["number-mismatch"]
    assert [doc.source.text[a:b] for a, b in number.source] == ["50"]
    assert [doc.target.text[a:b] for a, b in number.target] == ["15"]
    (missing,) = by_code["entity-missing"]
    assert [doc.source.text[a:b] for a, b in missing.source] == [PLANTS[source][0]]
    (extra,) = by_code["entity-extra"]
    assert [doc.target.text[a:b] for a, b in extra.target] == [other]


# -- pieces ------------------------------------------------------------------------------------------------


def pair(source_lang: str, source: str, target_lang: str, target: str) -> Document:
    sp, ss = segment(source, source_lang)
    tp, ts = segment(target, target_lang)
    assert len(ss) == len(ts)
    return Document("compare", Settings(), Side(source_lang, source, sp, ss), Side(target_lang, target, tp, ts),
                    tuple(Bead((i,), (i,)) for i in range(len(ss))))


def recognized(text: str, lang: str) -> list[tuple[str, bool]]:
    _, sentences = segment(text, lang)
    return [(f.text, f.weak) for f in recognize_cased(text, [(s.start, s.end) for s in sentences], lang, "source")]


def test_recognizer_drops_titles_and_function_words_and_splits_lexicon_names() -> None:
    assert recognized("Президент Швейцарии Иньяцио Кассис заявил.", "ru") == [
        ("Швейцарии", False), ("Иньяцио Кассис", False)]
    assert recognized("À Moscou, le porte-parole du Kremlin, Dmitri Peskov, a parlé de l'OTAN.", "fr") == [
        ("Moscou", False), ("Kremlin", False), ("Dmitri Peskov", False), ("OTAN", False)]
    assert recognized("Le ministre des Affaires étrangères Charles de Gaulle.", "fr") == [("Charles de Gaulle", False)]
    assert recognized("Putin'in açıklaması ve Biden'a yanıt.", "tr") == [("Putin", True), ("Biden", False)]


def test_a_capitalized_german_noun_needs_the_other_side() -> None:
    doc = link_entities(pair("de", "Der Kanzler sprach mit Putin über die Wirtschaft.",
                             "en", "The chancellor spoke with Putin about the economy."))
    assert [texts(doc, e, "source") for e in doc.entities] == [["Putin"]]
    assert recognized("Die Wirtschaft wächst.", "de") == [("Wirtschaft", True)]


def test_sentence_initial_unknown_words_are_kept_only_when_linked() -> None:
    doc = link_entities(pair("ru", "Однажды Песков сказал. Вчера Песков молчал.",
                             "ar", "قال بيسكوف ذات يوم. وصمت بيسكوف أمس."))
    peskov = entity_of(doc, "source", "Песков")
    assert texts(doc, peskov, "target") == ["بيسكوف", "بيسكوف"]
    assert all(texts(doc, e, "source") != ["Однажды"] and texts(doc, e, "source") != ["Вчера"] for e in doc.entities)


@pytest.mark.parametrize("latin, other", [
    ("Putin", "Путина"), ("Biden", "Μπάιντεν"), ("Putin", "פוטין"), ("Biden", "बाइडन"), ("Biden", "拜登"),
    ("Putin", "普京"), ("Lavrov", "ラブロフ"), ("Putin", "پیوٹن"), ("Biden", "بائیڈن"), ("Zelensky", "ज़ेलेंस्की"),
    ("Blinken", "ब्लिंकन"), ("Delaware", "Делавэр"), ("Joe Biden", "Τζο Μπάιντεν"), ("Ignazio Cassis", "Иньяцио Кассис"),
])
def test_skeletons_meet_across_scripts(latin: str, other: str) -> None:
    assert skeleton_similarity(skeleton(latin), skeleton(other)) >= 0.85


def test_exonyms_and_cldr_names_in_other_locales() -> None:
    lexicon = default_lexicon()
    for form, lang, name in [("Moscou", "fr", "Moscow"), ("Москва", "ru", "Moscow"), ("Genève", "fr", "Geneva"),
                             ("Женева", "ru", "Geneva"), ("OTAN", "fr", "NATO"), ("НАТО", "ru", "NATO"),
                             ("США", "ru", "United States"), ("États-Unis", "fr", "United States"),
                             ("Швейцария", "ru", "Switzerland"), ("日内瓦", "zh", "Geneva"),
                             ("Washington", "fr", "Washington")]:
        hit = lexicon.lookup(form, lang)
        assert hit is not None and hit[0].english[0] == name, form
    assert lexicon.lookup("Lavrov", "fr") is None


HELDOUT = DATA / "heldout_story"


@pytest.mark.parametrize("source, target", PAIRS[:4], ids=[f"{s}-{t}" for s, t in PAIRS[:4]])
def test_held_out_story_has_no_wrong_link_and_no_false_alarm(source: str, target: str) -> None:
    """A second story, written after the linker was built and never tuned on: what it misses (Ван И,
    IRNA/إرنا: two consonant classes; the IAEA: no lexicon entry) is reported in eval/README, not fixed here."""
    doc = compare((HELDOUT / f"{source}.txt").read_text("utf-8"), (HELDOUT / f"{target}.txt").read_text("utf-8"),
                  model=xling.NO_MODEL, source_lang=source, target_lang=target)
    result = score(doc, read_gold(HELDOUT / "gold.tsv"), source, target)
    assert result.wrong == [] and result.false_alarms == []
    assert result.recall >= 0.7, result.missed


# -- any document in any pair of languages --------------------------------------------------------------

WORDS = {
    "fr": ["Poutine", "Biden", "Genève", "l'OTAN", "le", "président", "À", "Moscou", "3,5", "« oui »", "dit", "Le"],
    "ru": ["Путин", "Путина", "Байденом", "Женеве", "НАТО", "и", "В", "Президент", "сказал", "100\u00a0000", "Слова"],
    "de": ["Putin", "Kanzler", "Wirtschaft", "Genf", "der", "Die", "„ja“", "1.500", "sagte", "US-Präsident"],
    "he": ["פוטין", "ביידן", "ג'ו", "ונשיא", "הקרמלין", "ז'נבה", "אמר", "50"],
    "zh": ["普京", "拜登", "日内瓦", "北约", "说", "。", "50", "·"],
    "ja": ["プーチン", "バイデン", "・", "ジュネーブ", "は", "大統領", "10万", "「", "」"],
    "hi": ["पुतिन", "बाइडन", "ने", "जिनेवा", "५०", "कहा"],
    "en": ["Putin", "Biden", "Geneva", "NATO", "said", "The", "50", "Moscow", "US"],
}


@st.composite
def any_pair(draw):
    source_lang, target_lang = draw(st.sampled_from(sorted(WORDS))), draw(st.sampled_from(sorted(WORDS)))

    def text(lang: str) -> str:
        n = draw(st.integers(1, 4))
        return " ".join(" ".join(draw(st.lists(st.sampled_from(WORDS[lang]), min_size=1, max_size=8))) + "."
                        for _ in range(n))

    source, target = text(source_lang), text(target_lang)
    sp, ss = segment(source, source_lang)
    tp, ts = segment(target, target_lang)
    k = min(len(ss), len(ts))
    beads = [Bead((i,), (i,)) for i in range(k - 1)]
    beads.append(Bead(tuple(range(k - 1, len(ss))), tuple(range(k - 1, len(ts)))))
    return Document("compare", Settings(), Side(source_lang, source, sp, ss), Side(target_lang, target, tp, ts),
                    tuple(beads))


@settings(max_examples=60, deadline=None)
@given(any_pair())
def test_linking_and_checks_hold_in_any_pair_of_languages(doc: Document) -> None:
    from xling.qa.checks import REGISTRY

    out = run_checks(link_entities(doc))
    out.validate()
    assert {i.code for i in out.issues} <= set(REGISTRY)
    for e in out.entities:
        assert e.mentions and all(doc.side(m.side).text[m.start : m.end].strip() for m in e.mentions)
    spans = sorted((m.side, m.start, m.end) for e in out.entities for m in e.mentions)
    assert all(a[0] != b[0] or a[2] <= b[1] for a, b in zip(spans, spans[1:])), "mentions overlap"
