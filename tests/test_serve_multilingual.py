"""A server started without --model routes each language to its model (xling/serve/models.py), through the
page's Gradio API and the REST API alike; a language without a local model says which model to download
and the others keep working."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.conftest import REPO_ROOT
from xling.serve import ui
from xling.serve.models import ServedModels

TEXT = REPO_ROOT / "tests" / "data" / "text"
ARABIC = "أعرب الرئيس الروسي فلاديمير بوتين عن قلقه من العقوبات الجديدة. وقال إن الحوار سيستمر في جنيف."
GERMAN = ("Die Bundesregierung hat am Mittwoch in Berlin neue Hilfen für die Landwirtschaft beschlossen. "
          "Die Landwirte sollen im kommenden Jahr rund zwei Milliarden Euro erhalten.")


def _paragraph(lang: str) -> str:
    return next(p for p in (TEXT / f"{lang}.txt").read_text(encoding="utf-8").split("\n\n") if p.strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def routed(models_dir: Path, monkeypatch_module) -> Iterator[str]:
    demo = ui.build_demo(None, models_dir=models_dir, max_models=2)
    _, url, _ = ui.launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url.rstrip("/")
    demo.close()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("XLING_MODEL", raising=False)  # a forced model would turn routing off
        yield mp


@pytest.fixture(scope="module")
def http(routed: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=routed, timeout=120) as client:
        yield client


@pytest.mark.parametrize("lang, text", [("fr", _paragraph("fr")), ("ru", _paragraph("ru")), ("ar", ARABIC)])
def test_rest_routes_the_detected_language_to_its_model(http, models_dir, lang, text):
    r = http.post("/api/v1/translate", json={"text": text, "beam_size": 1})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["source"]["lang"] == lang and doc["target"]["lang"] == "en"
    assert Path(doc["settings"]["model"]).name == f"opus-mt-{lang}-en"
    assert doc["settings"]["source_detected"].startswith(f"{lang}:")


def test_an_explicit_source_language_overrides_detection(http):
    r = http.post("/api/v1/translate", json={"text": _paragraph("fr"), "source": "fr", "beam_size": 1})
    assert r.status_code == 200 and "source_detected" not in r.json()["settings"]
    r = http.post("/api/v1/translate", json={"text": _paragraph("fr"), "source": "xx"})
    assert r.status_code == 400 and "'xx' is not a language xling routes" in r.json()["error"]


def test_a_language_without_its_model_names_it_and_the_others_still_work(http):
    r = http.post("/api/v1/translate", json={"text": GERMAN, "beam_size": 1})
    assert r.status_code == 503 and "Helsinki-NLP/opus-mt-de-en" in r.json()["error"]
    assert http.post("/api/v1/translate", json={"text": ARABIC, "beam_size": 1}).status_code == 200
    # model-free compare of the same German text still answers
    r = http.post("/api/v1/compare", json={"source_text": GERMAN, "target_text": GERMAN, "use_model": True})
    assert r.status_code == 200 and r.json()["source"]["lang"] == "de"
    assert "model_fallback" in r.json()["settings"]


def test_libretranslate_auto_detects_and_routes(http):
    r = http.post("/translate", json={"q": [_paragraph("fr"), _paragraph("ru")], "source": "auto", "target": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [d["language"] for d in body["detectedLanguage"]] == ["fr", "ru"]
    assert len(body["translatedText"]) == 2 and all(body["translatedText"])
    r = http.post("/translate", json={"q": f"<p>{_paragraph('fr')}</p>", "source": "auto", "format": "html"})
    assert r.status_code == 200 and r.json()["translatedText"].startswith("<p>")


def test_languages_lists_every_routed_language(http):
    codes = {lang["code"] for lang in http.get("/api/v1/languages").json()}
    assert {"ar", "fr", "ru", "de", "zh", "ja", "hi"} <= codes and len(codes) >= 40
    assert http.get("/languages").json() == http.get("/api/v1/languages").json()
    health = http.get("/healthz").json()
    assert health["routed"] is True and health["status"] == "ok"
    assert len(health["models_loaded"]) <= 2  # --max-models 2 (three languages were translated above)


def test_the_page_api_routes_too(routed):
    client = Client(routed, analytics_enabled=False, verbose=False)
    doc = client.predict(_paragraph("ru"), 1, "auto", api_name="/translate")
    assert doc["source"]["lang"] == "ru" and Path(doc["settings"]["model"]).name == "opus-mt-ru-en"
    with pytest.raises(AppError, match="opus-mt-de-en"):
        client.predict(GERMAN, 1, "auto", api_name="/translate")
    doc = client.predict(_paragraph("fr"), _paragraph("fr"), False, "auto", "auto", api_name="/compare")
    assert doc["source"]["lang"] == doc["target"]["lang"] == "fr"


def test_page_offers_the_languages_and_examples_in_three_languages(models_dir):
    demo = ui.build_demo(None, models_dir=models_dir, preload=False)
    config = demo.get_config_file()
    menus = [c["props"] for c in config["components"] if c["props"].get("elem_id") == "xl-source-lang"]
    assert menus and menus[0]["value"] == "auto"
    choices = [value for _, value in menus[0]["choices"]]
    assert choices[0] == "auto" and {"ar", "fr", "ru", "zh"} <= set(choices)
    for pair in ui.EXAMPLES:
        src, _ = pair.split("-")
        assert ui.example_text(src, pair).strip() and ui.example_text("en", pair).strip()
    from xling.text.detect import detect_language

    assert {detect_language(ui.example_text(p.split("-")[0], p)) for p in ui.EXAMPLES} == {"ar", "fr", "ru"}


def test_a_forced_model_serves_its_language_only(tiny_model_dir):
    served = ServedModels.create(str(tiny_model_dir)).load()
    assert not served.routed and served.languages() == [("ar", "Arabic")]
    assert served.source("auto") == "auto" and served.source("ar") == "ar"
    with pytest.raises(ValueError, match="fr is not supported: this server translates ar"):
        served.source("fr")
