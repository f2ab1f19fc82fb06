"""translate() through the real model-loading path, with the tiny random-weight model the tests build.

The tiny model's output is gibberish: these tests check structure (spans, beads, limits), never quality.
"""

from pathlib import Path

import pytest

from xling.document import Document
from xling.errors import InputError
from xling.mt.base import MAX_POSITIONS, DecodeOptions
from xling.mt.cache import TranslationCache
from xling.mt.engine import Engine
from xling.pipeline.translation import translate, translate_stream

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_669c3c74050fa7e2.txt"
# The random tiny model never stops by itself: where a test is about input handling, keep outputs short.
SHORT = DecodeOptions(max_length_a=0.1, max_length_b=3, retry=False)


@pytest.fixture(scope="module")
def seed_doc(tiny_model_dir) -> Document:
    return translate(SEED.read_text(encoding="utf-8"), model=str(tiny_model_dir), beam_size=2)


def test_seed_contract(seed_doc):
    d = seed_doc.to_dict()
    seed_doc.validate()
    assert d["mode"] == "translate" and d["source"]["text"] == SEED.read_text(encoding="utf-8")
    assert len(d["paragraphs"]["source"]) == 16 and len(d["paragraphs"]["target"]) == 16
    for bead in seed_doc.alignment:  # every bead 1-1, inside one paragraph
        assert len(bead.source) == 1 and len(bead.target) == 1
        assert seed_doc.source.sentences[bead.source[0]].paragraph == seed_doc.target.sentences[bead.target[0]].paragraph
    covered = sorted(i for b in seed_doc.alignment for i in b.source)
    assert covered == list(range(len(seed_doc.source.sentences)))
    for side in (seed_doc.source, seed_doc.target):
        for s in side.sentences:
            assert side.text[s.start : s.end] == side.text[s.start : s.end].strip()
    assert seed_doc.target.text.count("\n\n") == 15
    assert Document.from_dict(d) == seed_doc


def test_provenance(seed_doc, tiny_model_dir):
    s = seed_doc.settings
    assert s.model == str(tiny_model_dir) and s.backend == "transformers" and s.beam_size == 2
    assert "beam:2" in s.signature()


def test_stream_yields_growing_documents(tiny_model_dir):
    text = SEED.read_text(encoding="utf-8")
    docs = list(translate_stream(text, model=str(tiny_model_dir), beam_size=1, cache=False))
    counts = [len(d.target.paragraphs) for d in docs]
    assert counts[0] == 1 and counts == sorted(counts) and counts[-1] == 16
    assert all(d.source.text == text for d in docs)


def test_long_input_without_terminal_is_split_never_truncated(tiny_model_dir):
    backend = Engine(str(tiny_model_dir)).backend
    words = [w for w in SEED.read_text(encoding="utf-8").replace(".", " ").replace("،", " ").split() if w.isalpha()]
    text = " ".join((words * 20)[:3000])
    seen = []
    original = backend._generate

    def spy(batch, options):
        seen.extend(len(ids) for ids in batch)
        return original(batch, options)

    backend._generate = spy
    try:
        doc = translate(text, model=backend, beam_size=1, cache=False, max_sentence_tokens=200, options=SHORT)
    finally:
        del backend._generate  # drop the instance attribute: the class's method shows through again
    assert seen and max(seen) <= 200 + 1 < MAX_POSITIONS
    assert len(doc.source.sentences) == 1 and len(doc.target.sentences) == 1
    [split] = [i for i in doc.issues if i.code == "sentence-split"]
    assert split.source == ((0, len(text)),)
    # every source token reached the model: the pieces' tokens add up to the whole text's
    assert sum(seen) >= len(backend.encode(text)) - 1


def test_cache_avoids_retranslation(tiny_model_dir):
    backend = Engine(str(tiny_model_dir)).backend
    cache = TranslationCache()
    text = "قال المتحدث إن الاجتماع سيعقد غدا.\n\nقال المتحدث إن الاجتماع سيعقد غدا."
    inputs = []
    original = backend.translate
    backend.translate = lambda sentences, options=None: inputs.append(list(sentences)) or original(sentences, options)
    try:
        first = translate(text, model=backend, beam_size=1, cache=cache, options=SHORT)
        assert sum(map(len, inputs)) == 1  # the repeated paragraph came from the cache
        second = translate(text, model=backend, beam_size=1, cache=cache, options=SHORT)
    finally:
        del backend.translate  # drop the instance attribute: the class's method shows through again
    assert sum(map(len, inputs)) == 1 and cache.hits == 3 and second.target.text == first.target.text


def test_sqlite_cache_persists(tmp_path, tiny_model_dir):
    path = tmp_path / "cache.sqlite"
    text = "وصل الوفد إلى العاصمة صباح اليوم."
    first = translate(text, model=str(tiny_model_dir), beam_size=1, cache=TranslationCache(path=path), options=SHORT)
    fresh = TranslationCache(path=path)
    second = translate(text, model=str(tiny_model_dir), beam_size=1, cache=fresh, options=SHORT)
    assert fresh.hits == 1 and second.target.text == first.target.text


def test_paragraph_unit(tiny_model_dir):
    text = SEED.read_text(encoding="utf-8")
    doc = translate(text, model=str(tiny_model_dir), beam_size=1, unit="paragraph", cache=False)
    doc.validate()
    assert len(doc.target.paragraphs) == 16 and doc.settings.unit == "paragraph"
    for bead in doc.alignment:
        paragraphs = {doc.source.sentences[i].paragraph for i in bead.source}
        paragraphs |= {doc.target.sentences[j].paragraph for j in bead.target}
        assert len(paragraphs) == 1


@pytest.mark.parametrize("bad", ["", "   \n\n ", "...!؟"])
def test_empty_input(bad, tiny_model_dir):
    with pytest.raises(InputError, match="empty"):
        translate(bad, model=str(tiny_model_dir))


def test_wrong_language(tiny_model_dir):
    with pytest.raises(InputError, match="does not look like 'ar'"):
        translate("This is an English sentence, not an Arabic one.", model=str(tiny_model_dir))


def test_html_is_kept_verbatim(tiny_model_dir):
    text = 'قال <script>alert("x")</script> المتحدث <img src=x onerror=alert(1)> إن الاجتماع سيعقد.'
    doc = translate(text, model=str(tiny_model_dir), beam_size=1)
    assert doc.source.text == text
