"""Entities of the page's three examples and what they showed: titles and demonyms before an English person
name, multiword organisation names in every language, lowercase words that belong to a name (Parti
social-démocrate, Октябрьский мост), organisation cues, lone clause-opening words."""

from __future__ import annotations

from importlib import resources

import pytest

import xling
from xling.document import Document
from xling.entities.link import link_entities
from xling.entities.projection import phrase_score
from xling.entities.recognize import recognize_english
from xling.names.lexicon import DEMONYM, NAME, default_lexicon
from xling.pipeline.comparison import compare
from tests.test_entities import entity_of, texts
from tests.test_entities_languages import pair, recognized


def english(text: str) -> list[tuple[str, str, str, bool]]:
    """``(text, label, kind, weak)`` of each English mention, the text one sentence."""
    return [(f.text, f.label, f.kind, f.weak) for f in recognize_english(text, [(0, len(text))])]


def sides(doc: Document) -> list[tuple[str, list[str], list[str]]]:
    """``(label, source texts, target texts)`` of every entity."""
    return [(e.label, sorted(set(texts(doc, e, "source"))), sorted(set(texts(doc, e, "target")))) for e in doc.entities]


# -- English: what comes before a title is not the person ------------------------------------------------


@pytest.mark.parametrize("sentence, mentions", [
    ("Portuguese Prime Minister António Costa spoke.",
     [("Portuguese", "LOC", DEMONYM, False), ("António Costa", "PER", NAME, False)]),
    ("Vietnamese Foreign Minister Bui Thanh Son arrived.",
     [("Vietnamese", "LOC", DEMONYM, False), ("Bui Thanh Son", "PER", NAME, False)]),
    ("Bank of England Governor Andrew Bailey said so.",
     [("Bank of England", "ORG", NAME, False), ("Andrew Bailey", "PER", NAME, False)]),
    ("We met Acme Chief Executive Jane Smith.", [("Acme", "MISC", NAME, False), ("Jane Smith", "PER", NAME, False)]),
    # opening the sentence, a word the lexicon does not know is weak there as anywhere
    ("Outgoing President Joe Biden spoke.", [("Outgoing", "MISC", NAME, True), ("Joe Biden", "PER", NAME, False)]),
    ("Attorney General Merrick Garland said so.", [("Merrick Garland", "PER", NAME, False)]),
])
def test_a_title_inside_a_capitalized_run_ends_what_precedes_it(sentence: str, mentions: list) -> None:
    assert english(sentence) == mentions


def test_head_nouns_and_cues_type_english_names() -> None:
    assert english("They crossed the Liteyny Bridge.") == [("Liteyny Bridge", "LOC", NAME, False)]
    assert english("According to the company Acme, sales rose.") == [("Acme", "ORG", NAME, False)]
    # the cue must be next to the name: "agency, Rafael Grossi" is a person
    assert english("The head of the agency, Rafael Grossi, spoke.") == [("Rafael Grossi", "PER", NAME, False)]


def test_a_lone_clause_opening_word_needs_the_other_side() -> None:
    assert english("Residents complain.") == [("Residents", "MISC", NAME, True)]
    assert english("Residents complain to Residents Bank.")[0] == ("Residents", "MISC", NAME, False)  # a name word
    doc = link_entities(pair("ru", "Жители жалуются. Локоть молчит.", "en", "Residents complain. Lokot is silent."))
    assert sides(doc) == [("MISC", ["Локоть"], ["Lokot"])]


# -- multiword organisations in the lexicon ----------------------------------------------------------------


@pytest.mark.parametrize("form, lang", [
    ("European Commission", "en"), ("Commission européenne", "fr"), ("Europäische Kommission", "de"),
    ("Европейской комиссии", "ru"), ("Еврокомиссия", "ru"), ("المفوضية الأوروبية", "ar"), ("Comisión Europea", "es"),
])
def test_the_european_commission_in_every_language(form: str, lang: str) -> None:
    hit = default_lexicon().lookup(form, lang)
    assert hit is not None and hit[0].english[0] == "European Commission" and hit[0].label == "ORG"


@pytest.mark.parametrize("form, lang, name", [
    ("Banque mondiale", "fr", "World Bank"), ("Всемирного банка", "ru", "World Bank"), ("البنك الدولي", "ar", "World Bank"),
    ("ECB", "en", "European Central Bank"), ("Banque centrale européenne", "fr", "European Central Bank"),
    ("МВФ", "ru", "International Monetary Fund"), ("Parlamento Europeo", "es", "European Parliament"),
    ("Organisation mondiale de la santé", "fr", "World Health Organization"),
])
def test_other_multiword_organisations(form: str, lang: str, name: str) -> None:
    hit = default_lexicon().lookup(form, lang)
    assert hit is not None and hit[0].english[0] == name and hit[0].label == "ORG"
    assert default_lexicon().english("Who") is None  # no English acronym that is also a word


def test_french_organisation_with_lowercase_words_links_to_its_english() -> None:
    doc = link_entities(pair("fr", "Selon la Banque centrale européenne, les prix montent.",
                             "en", "According to the European Central Bank, prices are rising."))
    assert sides(doc) == [("ORG", ["Banque centrale européenne"], ["European Central Bank"])]


def test_a_lexicon_name_is_not_split_at_its_demonym() -> None:
    assert english("It asked the European Commission and the European allies.") == [
        ("European Commission", "ORG", NAME, False), ("European", "LOC", DEMONYM, False)]
    assert recognized("Il a écrit à la Commission européenne hier.", "fr") == [("Commission européenne", False)]


@pytest.mark.parametrize("word, country", [("Portuguese", "Portugal"), ("Sudanese", "Sudan"), ("Maltese", "Malta")])
def test_ese_demonyms(word: str, country: str) -> None:
    hit = default_lexicon().english(word)
    assert hit is not None and hit[1] == DEMONYM and hit[0].english[0] == country


# -- lowercase words that belong to a name, when the other side says so ------------------------------------


@pytest.mark.parametrize("a, a_lang, b, b_lang, linked", [
    ("Parti socialiste", "fr", "Socialist Party", "en", True),
    ("Parti social-démocrate", "fr", "Social Democratic Party", "en", True),
    ("Литейный мост", "ru", "Liteyny Bridge", "en", True),
    ("Литейному мосту", "ru", "Liteyny Bridge", "en", True),
    ("Литейный район", "ru", "Liteyny Bridge", "en", False),  # район is no bridge
    ("Parti travailliste", "fr", "Labour Party", "en", False),  # travailliste does not sound like Labour
    ("Parti", "fr", "Socialist Party", "en", False),  # word counts differ
    ("Vladimir Poutine", "fr", "Vladimir Putin", "en", True),
])
def test_phrase_score_pairs_words_in_any_order_with_one_pair_of_heads(a, a_lang, b, b_lang, linked) -> None:
    assert (phrase_score(a, a_lang, b, b_lang) >= 0.8) is linked
    assert phrase_score(a, a_lang, b, b_lang) == phrase_score(b, b_lang, a, a_lang)


def test_french_postposed_adjectives_join_the_name_the_english_confirms() -> None:
    doc = link_entities(pair("fr", "Le Parti socialiste a gagné à Lyon. Le Parti travailliste a perdu.",
                             "en", "The Socialist Party won in Lyon. The Labour Party lost."))
    assert ("ORG", ["Parti socialiste"], ["Socialist Party"]) in sides(doc)
    labour = entity_of(doc, "target", "Labour Party")
    assert texts(doc, labour, "source") == ["Parti"]  # nothing confirms "travailliste": the name stays as written


def test_a_russian_lowercase_head_joins_the_name_in_either_direction() -> None:
    for source_lang, source, target_lang, target in [
        ("ru", "Мы проехали по Литейному мосту вчера.", "en", "We drove over the Liteyny Bridge yesterday."),
        ("en", "We drove over the Liteyny Bridge yesterday.", "ru", "Мы проехали по Литейному мосту вчера."),
    ]:
        doc = link_entities(pair(source_lang, source, target_lang, target))
        expected = ["Литейному мосту"], ["Liteyny Bridge"]
        assert sides(doc) == [("LOC", *(expected if source_lang == "ru" else expected[::-1]))]


def test_a_specific_label_wins_over_misc() -> None:
    doc = link_entities(pair("ru", "По данным компании «Яндекс», пробки выросли.",
                             "en", "According to the company Yandex, traffic jams grew."))
    assert sides(doc) == [("ORG", ["Яндекс"], ["Yandex"])]


# -- the page's examples ---------------------------------------------------------------------------------------


def example(lang: str) -> Document:
    folder = resources.files("xling").joinpath("data/examples")
    source = folder.joinpath(f"{lang}-en.{lang}.txt").read_text(encoding="utf-8")
    target = folder.joinpath(f"{lang}-en.en.txt").read_text(encoding="utf-8")
    return compare(source, target, model=xling.NO_MODEL, source_lang=lang, target_lang="en")


#: The entities of the French and Russian examples: (label, source texts, English texts).
EXAMPLE_ENTITIES = {
    "fr": [
        ("PER", ["António Costa", "Costa"], ["António Costa", "Costa"]),
        ("LOC", ["Lisbonne"], ["Lisbon"]),
        ("LOC", [], ["Portuguese"]),  # Portugal, named by its demonym (portugais is not found in French)
        ("MISC", ["Porto"], ["Porto"]),
        ("ORG", ["Commission européenne"], ["European Commission"]),
        ("ORG", ["Parti social-démocrate"], ["Social Democratic Party"]),
    ],
    "ru": [
        ("LOC", ["Новосибирска"], ["Novosibirsk"]),
        ("PER", ["Анатолий Локоть", "Локоть"], ["Anatoly Lokot", "Lokot"]),
        ("MISC", ["Обь"], ["Ob"]),
        ("LOC", ["Октябрьский мост"], ["Oktyabrsky Bridge"]),
        ("ORG", ["Яндекс"], ["Yandex"]),
    ],
}


@pytest.mark.parametrize("lang", sorted(EXAMPLE_ENTITIES))
def test_example_entities(lang: str) -> None:
    doc = example(lang)
    assert sides(doc) == EXAMPLE_ENTITIES[lang]
    assert [i for i in doc.issues if i.code.startswith("entity-")] == []


def test_arabic_example_entities() -> None:
    doc = example("ar")
    assert len(doc.entities) == 23
    assert all(texts(doc, e, "source") and texts(doc, e, "target") for e in doc.entities)
    putin = entity_of(doc, "target", "Vladimir Putin")
    assert putin.label == "PER" and set(texts(doc, putin, "source")) == {"فلاديمير بوتين", "بوتين"}
    assert [i for i in doc.issues if i.code.startswith("entity-")] == []
