"""The REST API on the page's server (xling/serve/rest.py): /api/v1, LibreTranslate's shapes, limits, login.

One server (tiny model) for the module, one more with a login; requests as curl would send them (httpx).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

import gradio as gr
import xling.cli
from xling.cli import serve as serve_command
from xling.document import Document
from xling.errors import InputError
from xling.serve import rest, ui

ARABIC = "قال الرئيس الروسي فلاديمير بوتين إن المكالمة كانت جيدة. واستمرت 50 دقيقة.\n\nوحذر من عقوبات جديدة."
SHORT = "وحذر من عقوبات جديدة."
ENGLISH = "Russian President Vladimir Putin said the call was good. It lasted 50 minutes.\n\nHe warned against new sanctions."
CONTRACT_KEYS = {"xling", "mode", "settings", "source", "target", "paragraphs", "sentences", "alignment",
                 "entities", "issues"}
USER, PASSWORD = "ana", "s3:cret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def one_thread() -> Iterator[None]:
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def start(demo: gr.Blocks, **kwargs) -> str:
    _, url, _ = ui.launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True, **kwargs)
    return url.rstrip("/")


@pytest.fixture(scope="module")
def server(tiny_model_dir, one_thread) -> Iterator[tuple[gr.Blocks, str]]:
    demo = ui.build_demo(str(tiny_model_dir))
    url = start(demo)
    yield demo, url
    demo.close()


@pytest.fixture(scope="module")
def http(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[1], timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def auth_url(tiny_model_dir, one_thread) -> Iterator[str]:
    demo = ui.build_demo(str(tiny_model_dir))  # the same model: already loaded in this process
    yield start(demo, auth=(USER, PASSWORD))
    demo.close()


# -- /api/v1 ---------------------------------------------------------------------------------------------------

def test_translate_returns_the_json_document(http):
    r = http.post("/api/v1/translate", json={"text": ARABIC, "source": "auto", "beam_size": 1})
    assert r.status_code == 200, r.text
    result = r.json()
    assert set(result) >= CONTRACT_KEYS
    doc = Document.from_dict(result)
    doc.validate()
    assert doc.mode == "translate" and doc.source.text == ARABIC
    assert len(doc.source.paragraphs) == len(doc.target.paragraphs) == 2
    assert result["settings"]["beam_size"] == 1


def test_translate_default_beam_and_explicit_source(http):
    result = http.post("/api/v1/translate", json={"text": SHORT, "source": "ar"}).json()
    assert result["settings"]["beam_size"] == 4 and result["target"]["lang"] == "en"


def test_compare_returns_the_json_document(http):
    r = http.post("/api/v1/compare", json={"source_text": ARABIC, "target_text": ENGLISH, "use_model": False})
    assert r.status_code == 200, r.text
    doc = Document.from_dict(r.json())
    doc.validate()
    assert doc.mode == "compare" and (doc.source.text, doc.target.text) == (ARABIC, ENGLISH)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"text": ""}', "empty"),
        ('{"text": "   \\n"}', "empty"),
        ('{"text": "\\ud800 \\u0628\\u0628"}', "lone surrogate"),
        (json.dumps({"text": "ب" * (ui.MAX_CHARS + 1)}), "over the limit of 100,000"),
        ('{"text": "This is English, not Arabic at all."}', "does not look like 'ar'"),
        (json.dumps({"text": SHORT, "beam_size": 9}), "beam size must be a whole number from 1 to 8"),
        (json.dumps({"text": SHORT, "beam_size": "4"}), "beam_size"),
        (json.dumps({"text": SHORT, "source": "fr"}), "fr is not supported"),
        ('{"q": "x"}', "text: Field required"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_input_is_400_with_an_error_message(http, body, message):
    r = http.post("/api/v1/translate", content=body.encode("utf-8"), headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert set(r.json()) == {"error"} and message in r.json()["error"]


def test_languages_and_health(http, tiny_model_dir):
    assert http.get("/api/v1/languages").json() == [{"code": "ar", "name": "Arabic", "targets": ["en"]}]
    health = http.get("/healthz").json()
    assert health["status"] == "ok" and health["model_loaded"] is True
    assert health["model"] == str(tiny_model_dir)


def test_openapi_describes_the_rest_routes_only(http):
    spec = http.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert paths >= {"/api/v1/translate", "/api/v1/compare", "/api/v1/languages", "/healthz", "/translate",
                     "/languages", "/detect"}
    assert not any(p.startswith("/gradio_api") or p in ("/", "/config") for p in paths)
    fields = spec["components"]["schemas"]["TranslateRequest"]["properties"]
    assert "100,000 characters" in fields["text"]["description"] and fields["beam_size"]["maximum"] == 8
    lt = spec["paths"]["/translate"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(lt)
    assert "q" in spec["components"]["schemas"]["LTTranslateRequest"]["properties"]
    docs = http.get("/docs")
    assert docs.status_code == 200 and "/api/v1/translate" in docs.text and "beam_size" in docs.text
    assert "<script" not in docs.text and "cdn" not in docs.text  # nothing fetched from elsewhere


def test_gradio_api_still_answers_beside_it(server):
    from gradio_client import Client

    client = Client(server[1], analytics_enabled=False, verbose=False)
    assert client.predict(SHORT, 1, api_name="/translate")["mode"] == "translate"


# -- LibreTranslate ----------------------------------------------------------------------------------------------

def test_libretranslate_form_with_auto_source(http):
    r = http.post("/translate", data={"q": SHORT, "source": "auto", "target": "en", "format": "text",
                                      "api_key": "ignored"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"translatedText", "detectedLanguage"} and isinstance(body["translatedText"], str)
    assert body["translatedText"].strip()
    assert body["detectedLanguage"]["language"] == "ar" and 50 < body["detectedLanguage"]["confidence"] <= 100


def test_libretranslate_json_list_in_list_out(http):
    r = http.post("/translate", json={"q": [ARABIC, SHORT], "source": "ar", "target": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"translatedText"}  # no detection when the source is named
    assert isinstance(body["translatedText"], list) and len(body["translatedText"]) == 2
    auto = http.post("/translate", json={"q": [SHORT, SHORT], "source": "auto", "target": "en"}).json()
    assert [d["language"] for d in auto["detectedLanguage"]] == ["ar", "ar"]


def test_libretranslate_html_keeps_the_markup(http):
    r = http.post("/translate", json={"q": f'<p class="lead">{SHORT}</p> &amp; <b>{SHORT}</b>', "source": "ar",
                                      "target": "en", "format": "html"})
    assert r.status_code == 200, r.text
    out = r.json()["translatedText"]
    assert out.startswith('<p class="lead">') and "</p> &amp; <b>" in out and out.endswith("</b>")
    assert not any("\u0600" <= ch <= "\u06ff" for ch in out)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source": "ar", "target": "en"}, "missing q parameter"),
        ({"q": "", "target": "en"}, "missing q parameter"),
        ({"q": [], "target": "en"}, "missing q parameter"),
        ({"q": [SHORT, 3], "target": "en"}, "list of strings"),
        ({"q": SHORT, "target": "fr"}, "fr is not supported"),
        ({"q": SHORT, "source": "de", "target": "en"}, "de is not supported"),
        ({"q": SHORT, "target": "en", "format": "xml"}, "xml format is not supported"),
        ({"q": "\ud800 بب", "target": "en"}, "lone surrogate"),
        ({"q": [SHORT, "   "], "target": "en"}, "q[1] is empty"),
    ],
)
def test_libretranslate_errors(http, fields, message):
    body = json.dumps(fields).encode("utf-8")  # ASCII escapes: a lone surrogate travels as \ud800
    r = http.post("/translate", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and message in r.json()["error"]


def test_libretranslate_languages_and_detect(http):
    assert http.get("/languages").json() == [{"code": "ar", "name": "Arabic", "targets": ["en"]}]
    found = http.post("/detect", data={"q": ARABIC}).json()
    assert isinstance(found, list) and found[0]["language"] == "ar" and found[0]["confidence"] > 50
    assert all(set(d) == {"language", "confidence"} for d in found)
    assert http.post("/detect", json={}).status_code == 400


# -- limits --------------------------------------------------------------------------------------------------

def test_translate_requests_are_announced_and_none_outlives_its_request(http, monkeypatch):
    """Each admitted translate request is announced to the model batchers (requests sent together then share
    model calls); whatever its outcome, its arrival ends with it. Compare and detect are not announced."""
    from xling.mt import batching

    made: list[batching.Arrival] = []

    def recording() -> batching.Arrival:
        made.append(batching.announce())
        return made[-1]

    monkeypatch.setattr(rest, "announce", recording)
    assert http.post("/api/v1/translate", json={"text": SHORT}).status_code == 200
    assert http.post("/api/v1/translate", json={"text": "This is English, not Arabic at all."}).status_code == 400
    assert http.post("/translate", data={"q": SHORT, "source": "ar", "target": "en"}).status_code == 200
    assert http.post("/api/v1/compare", json={"source_text": ARABIC, "target_text": ENGLISH,
                                              "use_model": False}).status_code == 200
    assert http.post("/detect", data={"q": SHORT}).status_code == 200
    assert len(made) == 3 and not any(a.pending for a in made)
    assert batching.pending_arrivals() == 0


def test_a_full_endpoint_answers_503_with_retry_after(server, http, monkeypatch):
    gate = server[0].xling_service.gates["detect"]
    release = threading.Event()

    def slow(text):
        release.wait(20)
        return "ar", 1.0, ()

    monkeypatch.setattr(rest, "detect", slow)
    monkeypatch.setattr(gate, "max_in_flight", 1)
    first: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: first.append(http.post("/detect", data={"q": SHORT})))
    worker.start()
    try:
        for _ in range(200):  # up to 10 s for the first request to be in flight
            if gate.in_flight:
                break
            time.sleep(0.05)
        assert gate.in_flight == 1
        busy = http.post("/detect", data={"q": SHORT})
        assert busy.status_code == 503 and busy.headers["Retry-After"] == str(rest.RETRY_AFTER_S)
        assert "busy" in busy.json()["error"]
    finally:
        release.set()
        worker.join(30)
    assert first[0].status_code == 200 and first[0].json()[0]["language"] == "ar"


def test_model_unavailable_is_503_and_compare_still_works():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    demo = ui.build_demo("/nonexistent/opus-mt-ar-en")
    with TestClient(FastAPI(**rest.app_kwargs(demo))) as client:
        r = client.post("/api/v1/translate", json={"text": SHORT})
        assert r.status_code == 503 and "Cannot load translation model" in r.json()["error"]
        assert client.post("/translate", json={"q": SHORT, "target": "en"}).status_code == 503
        health = client.get("/healthz").json()
        assert health["status"] == "degraded" and health["model_loaded"] is False and health["model_error"]
        r = client.post("/api/v1/compare", json={"source_text": ARABIC, "target_text": ENGLISH})
        assert r.status_code == 200 and r.json()["mode"] == "compare"


def test_upload_is_capped(http):
    small = http.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * 100)})
    assert small.status_code == 200
    big = http.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * 2_000_000)})
    assert big.status_code == 413 and "uploads are limited" in big.json()["error"]

    def chunks():  # no Content-Length: read up to the limit, then refused
        for _ in range(32):
            yield b"x" * 65536

    chunked = http.post("/gradio_api/upload", content=chunks(),
                        headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert chunked.status_code == 413
    too_long = http.post("/api/v1/translate", content=chunks(), headers={"Content-Type": "application/json"})
    assert too_long.status_code == 413 and "100,000 characters" in too_long.json()["error"]


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/api/v1/translate", "/translate", "/gradio_api/queue/join"])
@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
def test_cross_origin_posts_are_refused(http, path, origin):
    r = http.post(path, files={"files": ("a.txt", b"x")}, headers={"Origin": origin})
    assert r.status_code == 403 and "cross-origin" in r.json()["error"]


def test_same_origin_posts_pass(http, server):
    r = http.post("/gradio_api/upload", files={"files": ("a.txt", b"x")}, headers={"Origin": server[1]})
    assert r.status_code == 200
    r = http.post("/translate", data={"q": SHORT, "source": "ar"}, headers={"Origin": server[1]})
    assert r.status_code == 200


# -- login ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/translate"), ("GET", "/api/v1/languages"),
                                              ("POST", "/translate"), ("GET", "/languages"), ("POST", "/detect"),
                                              ("GET", "/openapi.json"), ("GET", "/docs")])
def test_login_is_required_when_set(auth_url, method, path):
    r = httpx.request(method, auth_url + path, json={"q": SHORT, "text": SHORT}, timeout=30)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    assert "authentication required" in r.json()["error"]
    wrong = httpx.request(method, auth_url + path, json={"q": SHORT}, auth=(USER, "nope"), timeout=30)
    assert wrong.status_code == 401


def test_basic_auth_and_the_page_login_open_the_rest_routes(auth_url):
    r = httpx.post(auth_url + "/translate", json={"q": SHORT, "source": "ar"}, auth=(USER, PASSWORD), timeout=60)
    assert r.status_code == 200 and isinstance(r.json()["translatedText"], str)
    assert httpx.get(auth_url + "/api/v1/languages", auth=(USER, PASSWORD)).status_code == 200
    assert httpx.get(auth_url + "/healthz").status_code == 200  # probes need no login
    with httpx.Client(base_url=auth_url) as browser:  # the page's login form sets Gradio's cookie
        assert browser.get("/config").status_code == 401
        browser.post("/login", data={"username": USER, "password": PASSWORD})
        assert browser.get("/config").status_code == 200
        assert browser.get("/api/v1/languages").status_code == 200


# -- xling serve on a busy port ------------------------------------------------------------------------------

def test_busy_port_is_one_line_and_loads_nothing(monkeypatch, capsys):
    def no_demo(*args, **kwargs):
        raise AssertionError("the model was loaded before the port was checked")

    monkeypatch.setattr(ui, "build_demo", no_demo)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert xling.cli.main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == f"xling serve: error: port {port} on 127.0.0.1 is in use; pass --port\n"


def test_port_check():
    serve_command.check_port("127.0.0.1", free_port())
    with pytest.raises(InputError, match="not a port number"):
        serve_command.check_port("127.0.0.1", 70000)


def test_curl_style_form_with_raw_utf8(http):
    """``curl -d q=...`` sends the Arabic unescaped (UTF-8); ``--data-urlencode`` escapes it: both work."""
    raw = http.post("/translate", content=f"q={SHORT}&source=auto&target=en".encode("utf-8"),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    escaped = http.post("/translate", data={"q": SHORT, "source": "auto", "target": "en"})
    assert raw.status_code == escaped.status_code == 200, raw.text
    assert raw.json() == escaped.json() and raw.json()["detectedLanguage"]["language"] == "ar"
    multipart = http.post("/translate", files={"q": (None, SHORT), "source": (None, "auto")})  # curl -F
    assert multipart.status_code == 200 and multipart.json() == raw.json()
