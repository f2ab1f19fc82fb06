"""The one engine behind translate, compare and eval: options that win, models passed in any form, lists."""

from __future__ import annotations

import inspect

import pytest

import xling
from tests.conftest import REPO_ROOT, SEED_NAME
from xling.mt.base import DecodeOptions
from xling.mt.engine import NO_MODEL, Engine, engine_for

# Outputs of the tiny model are kept short: these tests are about plumbing, not about translations.
SHORT = DecodeOptions(max_length_a=0.1, max_length_b=4, retry=False)
PARAGRAPHS = [p for p in (REPO_ROOT / "seeds" / SEED_NAME).read_text(encoding="utf-8").split("\n") if p.strip()]


@pytest.fixture(scope="module")
def engine(tiny_model_dir) -> Engine:
    return Engine(str(tiny_model_dir), options=SHORT, cache=False)


def test_public_signatures_name_their_options():
    params = inspect.signature(xling.translate).parameters
    for name in ("model", "beam_size", "backend", "unit", "cache", "options", "source_lang"):
        assert name in params, name
    assert not any(p.kind is p.VAR_KEYWORD for p in params.values())
    for fn in (xling.translate_stream, xling.compare, xling.align, xling.evaluate):
        assert not any(p.kind is p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values()), fn
        assert fn.__doc__


def test_unknown_options_raise(tiny_model_dir):
    with pytest.raises(TypeError):
        xling.translate("نص", model=str(tiny_model_dir), beam=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        xling.compare("نص", "text", modle=NO_MODEL)  # type: ignore[call-arg]
    from xling.mt.marian import MarianBackend

    with pytest.raises(TypeError):
        MarianBackend(str(tiny_model_dir), thread=2)  # a misspelt option  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Engine(NO_MODEL)  # type: ignore[arg-type]


def test_decode_options_are_what_runs(engine):
    doc = xling.translate(PARAGRAPHS[0], model=engine, options=SHORT.replace(beam_size=1))
    assert doc.settings.beam_size == 1
    # an explicit beam_size wins over the options object
    doc = xling.translate(PARAGRAPHS[0], model=engine, options=SHORT.replace(beam_size=1), beam_size=3)
    assert doc.settings.beam_size == 3
    # and the engine's own options apply when nothing is passed
    assert xling.translate(PARAGRAPHS[0], model=engine).settings.beam_size == SHORT.beam_size


def test_engine_options_reach_the_backend(engine, monkeypatch):
    seen = []
    backend = engine.backend
    original = type(backend).translate

    def spy(self, sentences, options=None):
        seen.append(options)
        return original(self, sentences, options)

    monkeypatch.setattr(type(backend), "translate", spy)
    xling.translate(PARAGRAPHS[1], model=engine, beam_size=2)
    assert seen and all(o.beam_size == 2 and o.max_length_b == SHORT.max_length_b for o in seen)


def test_compare_takes_an_engine_or_a_backend(engine):
    source, target = PARAGRAPHS[0], "Putin and Biden spoke by video. The call lasted two hours."
    for model in (engine, engine.backend):
        doc = xling.compare(source, target, model=model)
        assert doc.settings.backend == "transformers"
        assert dict(doc.settings.extra)["similarity"] == "mt"
    free = xling.compare(source, target, model=NO_MODEL)
    assert free.settings.backend == "none" and dict(free.settings.extra)["similarity"] == "length+anchors"


def test_a_list_translates_like_each_article_alone(engine):
    articles = ["\n\n".join(PARAGRAPHS[0:2]), PARAGRAPHS[2], "\n\n".join(PARAGRAPHS[3:6])]
    together = xling.translate(articles, model=engine)
    assert isinstance(together, list) and len(together) == 3
    for article, doc in zip(articles, together):
        alone = xling.translate(article, model=engine)
        assert doc.to_dict() == alone.to_dict()


def test_a_list_is_batched_across_articles(engine, monkeypatch):
    calls = []
    backend = engine.backend
    original = type(backend).translate

    def spy(self, sentences, options=None):
        calls.append(len(sentences))
        return original(self, sentences, options)

    monkeypatch.setattr(type(backend), "translate", spy)
    docs = xling.translate([PARAGRAPHS[0], PARAGRAPHS[1]], model=engine)
    assert len(calls) == 1  # one batched run for both articles
    assert calls[0] == sum(len(d.source.sentences) for d in docs)


def test_engine_for_keeps_an_engine_and_derives_copies(engine):
    assert engine_for(engine) is engine
    other = engine_for(engine, beam_size=1)
    assert other is not engine and other.options().beam_size == 1 and engine.options().beam_size == SHORT.beam_size
    assert other.backend is engine.backend  # the loaded model is shared, not reloaded
    with pytest.raises(TypeError):
        engine_for(engine, backend="ct2")


def test_engine_splits_long_sentences_once_for_everyone(engine):
    long_sentence = "، ".join([PARAGRAPHS[0].rstrip(".")] * 12) + "."
    small = engine.with_options(max_sentence_tokens=40)
    pieces = small.split(long_sentence, 0, len(long_sentence))
    assert len(pieces) > 1 and all(small.count_tokens(long_sentence[a:b]) <= 40 for a, b in pieces)
    (joined,) = small.translate_spans(long_sentence, [(0, len(long_sentence))])
    hyps = small.translate_pieces(long_sentence, [pieces])[0]
    assert joined == " ".join(h.text for h in hyps if h.text)
    doc = xling.translate(long_sentence, model=small)
    assert any(i.code == "sentence-split" for i in doc.issues)
    assert doc.settings.max_sentence_tokens == 40


def test_no_model_is_one_named_value():
    assert repr(NO_MODEL) == "xling.NO_MODEL" and xling.NO_MODEL is NO_MODEL
    assert type(NO_MODEL)() is NO_MODEL
