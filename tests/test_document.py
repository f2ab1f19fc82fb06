"""The data model: lossless JSON round trip, the contract's keys, and span validation."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xling.document import Bead, Document, Entity, Issue, Mention, Sentence, Settings, Side


def small_document() -> Document:
    source = "جملة أولى. جملة ثانية.\n\nفقرة ثانية."
    target = "First sentence. Second sentence.\n\nSecond paragraph."
    return Document(
        mode="translate",
        settings=Settings(model="m", extra=(("note", "x"),)),
        source=Side("ar", source, ((0, 22), (24, 35)), (Sentence(0, 10, 0), Sentence(11, 22, 0), Sentence(24, 35, 1))),
        target=Side("en", target, ((0, 32), (34, 51)), (Sentence(0, 15, 0), Sentence(16, 32, 0), Sentence(34, 51, 1))),
        alignment=(Bead((0,), (0,), 0.9), Bead((1,), (1,)), Bead((2,), (2,))),
        entities=(Entity("E1", "MISC", (Mention("source", 0, 4), Mention("target", 0, 5)), name="First"),),
        issues=(Issue("number-mismatch", "warning", "msg", source=[(0, 4)], target=[(0, 5)]),),
    )


def test_round_trip_is_lossless():
    doc = small_document()
    doc.validate()
    again = Document.from_json(doc.to_json())
    assert again == doc
    assert again.to_dict() == doc.to_dict()


def test_contract_keys():
    d = small_document().to_dict()
    assert set(d) == {"xling", "mode", "settings", "source", "target", "paragraphs", "sentences", "alignment",
                      "entities", "issues"}
    assert d["sentences"]["source"][0] == {"start": 0, "end": 10, "paragraph": 0}
    assert d["alignment"][0] == {"source": [0], "target": [0], "score": 0.9}
    assert d["issues"][0]["source"] == [[0, 4]]
    assert d["settings"]["beam_size"] == 4 and "signature" in d["settings"]
    json.dumps(d)


def test_signature_names_what_decides_the_output():
    sig = Settings(model="Helsinki-NLP/opus-mt-ar-en", beam_size=5).signature()
    assert "model:Helsinki-NLP/opus-mt-ar-en" in sig and "beam:5" in sig and sig.startswith("xling:")
    assert Settings(beam_size=4).signature() != Settings(beam_size=5).signature()


def test_validate_rejects_bad_spans():
    doc = small_document()
    with pytest.raises(ValueError):
        doc.replace(source=doc.source.__class__("ar", doc.source.text, doc.source.paragraphs,
                                                (Sentence(0, 99, 0),))).validate()
    with pytest.raises(ValueError):
        doc.replace(alignment=(Bead((0, 1), (0,)),)).validate()  # sentence 2 in no bead
    with pytest.raises(ValueError):
        Issue("x", "fatal", "bad severity")
    with pytest.raises(ValueError):
        Mention("middle", 0, 1)


@given(st.lists(st.integers(0, 50), max_size=4), st.lists(st.integers(0, 50), max_size=4))
def test_bead_string_format_round_trips(source, target):
    bead = Bead(tuple(source), tuple(target))
    text = bead.to_string()
    assert Bead.from_string(text) == bead
    if not source:
        assert text.startswith("[]:")
