"""Any source language in: detected, routed to its opus-mt model from a models folder, pooled with a bound.

The fixture models (tiny, random weights for fr and ru; no test reads their translations) sit in a models
folder under the hub ids' last parts, as a user would lay them out after ``hf download``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import xling
from tests.conftest import REPO_ROOT
from xling.errors import ModelUnavailable
from xling.mt.base import DecodeOptions
from xling.mt.engine import EnginePool

SHORT = DecodeOptions(max_length_a=0.1, max_length_b=4, retry=False)
TEXT = REPO_ROOT / "tests" / "data" / "text"
ARABIC = "أعرب الرئيس الروسي فلاديمير بوتين عن قلقه من العقوبات الجديدة. وقال إن الحوار سيستمر في جنيف."


def _paragraph(lang: str, index: int = 0) -> str:
    return [p for p in (TEXT / f"{lang}.txt").read_text(encoding="utf-8").split("\n\n") if p.strip()][index]


@pytest.mark.parametrize("lang, text", [("fr", _paragraph("fr")), ("ru", _paragraph("ru")), ("ar", ARABIC)])
def test_detected_language_routes_to_its_model(models_dir, lang, text):
    pool = EnginePool(models_dir=models_dir, options=SHORT, cache=False)
    doc = xling.translate(text, model=pool, annotate_result=False)
    assert doc.source.lang == lang and doc.target.lang == "en"
    assert Path(doc.settings.model).name == f"opus-mt-{lang}-en"
    assert dict(doc.settings.extra)["source_detected"].startswith(f"{lang}:")
    assert f"source_detected:{lang}:" in doc.settings.signature()


def test_models_dir_from_the_environment(models_dir, monkeypatch):
    monkeypatch.setenv("XLING_MODELS", str(models_dir))
    monkeypatch.delenv("XLING_MODEL", raising=False)
    pool = EnginePool(options=SHORT, cache=False)
    doc = xling.translate(_paragraph("fr", 1), model=pool, annotate_result=False)
    assert Path(doc.settings.model).name == "opus-mt-fr-en"


def test_explicit_language_overrides_detection(models_dir):
    pool = EnginePool(models_dir=models_dir, options=SHORT, cache=False)
    doc = xling.translate(_paragraph("fr"), model=pool, source_lang="fr", annotate_result=False)
    assert "source_detected" not in dict(doc.settings.extra) and doc.source.lang == "fr"
    with pytest.raises(xling.InputError, match="does not look like 'ar'"):
        xling.translate(_paragraph("fr"), model=pool, source_lang="ar")


def test_a_list_of_languages_goes_to_each_model(models_dir):
    pool = EnginePool(models_dir=models_dir, options=SHORT, cache=False)
    texts = [_paragraph("fr"), ARABIC, _paragraph("ru"), _paragraph("fr", 2)]
    docs = xling.translate(texts, model=pool, annotate_result=False)
    assert [d.source.lang for d in docs] == ["fr", "ar", "ru", "fr"]
    for text, doc in zip(texts, docs):
        assert doc.to_dict() == xling.translate(text, model=pool, annotate_result=False).to_dict()


def test_the_pool_keeps_at_most_max_models(models_dir):
    pool = EnginePool(models_dir=models_dir, max_models=2, options=SHORT, cache=False)
    for text in (_paragraph("fr"), _paragraph("ru"), ARABIC):
        xling.translate(text, model=pool, annotate_result=False)
    assert [Path(m).name for m in pool.loaded()] == ["opus-mt-ru-en", "opus-mt-ar-en"]
    fr = pool.engine("fr")  # loaded again on demand, the least recently used (ru) let go
    assert Path(fr.model_name).name == "opus-mt-fr-en" and len(pool.loaded()) == 2


def test_a_language_without_a_local_model_names_the_model_to_download(models_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    pool = EnginePool(models_dir=models_dir, options=SHORT, cache=False)
    german = ("Der russische Präsident Wladimir Putin hat am Dienstag vor neuen Sanktionen gewarnt. "
              "Das Gespräch mit dem amerikanischen Präsidenten dauerte fünfzig Minuten.")
    with pytest.raises(ModelUnavailable, match="opus-mt-de-en"):
        xling.translate(german, model=pool)


def test_compare_routes_the_source_language(models_dir):
    pool = EnginePool(models_dir=models_dir, options=SHORT, cache=False)
    english = "Russian President Vladimir Putin warned on Tuesday. The call lasted fifty minutes."
    doc = xling.compare(_paragraph("ru"), english, model=pool, annotate=False)
    assert (doc.source.lang, doc.target.lang) == ("ru", "en")
    assert Path(doc.settings.model).name == "opus-mt-ru-en"
    assert dict(doc.settings.extra)["similarity"] == "mt"
