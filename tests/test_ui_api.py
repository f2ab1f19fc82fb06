"""The page's API: /translate and /compare return the JSON contract through gradio_client, errors are clear."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

import gradio as gr  # noqa: E402
from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from xling.serve import ui  # noqa: E402
from xling.cli import serve as serve_command  # noqa: E402
from xling.document import Document  # noqa: E402

ARABIC = "قال الرئيس الروسي فلاديمير بوتين إن المكالمة كانت جيدة. واستمرت 50 دقيقة.\n\nوحذر من عقوبات جديدة."
ENGLISH = "Russian President Vladimir Putin said the call was good. It lasted 50 minutes.\n\nHe warned against new sanctions."
CONTRACT_KEYS = {"xling", "mode", "settings", "source", "target", "paragraphs", "sentences", "alignment",
                 "entities", "issues"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def one_thread() -> Iterator[None]:
    """The tiny model decodes much faster on one thread when the machine is busy (spin-waiting threads)."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def serve(demo: gr.Blocks) -> tuple[Client, str]:
    _, url, _ = ui.launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    return Client(url, analytics_enabled=False, verbose=False), url


@pytest.fixture(scope="module")
def client(tiny_model_dir, one_thread) -> Iterator[Client]:
    demo = ui.build_demo(str(tiny_model_dir))
    c, _ = serve(demo)
    yield c
    demo.close()


@pytest.fixture(scope="module")
def offline_client() -> Iterator[tuple[Client, str]]:
    """The page of a model that cannot be loaded (no such directory, hub unreachable)."""
    demo = ui.build_demo("/nonexistent/opus-mt-ar-en")
    yield serve(demo)
    demo.close()


def test_only_the_two_named_endpoints_are_public(client):
    info = client.view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == {"/translate", "/compare"}
    assert not info["unnamed_endpoints"]


def test_translate_endpoint_returns_the_json_contract(client):
    result = client.predict(ARABIC, 1, api_name="/translate")
    assert set(result) >= CONTRACT_KEYS
    doc = Document.from_dict(result)
    doc.validate()
    assert doc.mode == "translate" and doc.source.text == ARABIC
    assert len(doc.source.paragraphs) == len(doc.target.paragraphs) == 2
    assert sorted(i for b in doc.alignment for i in b.source) == list(range(len(doc.source.sentences)))
    assert result["settings"]["beam_size"] == 1


def test_translate_endpoint_default_beam(client):
    result = client.predict("وحذر من عقوبات جديدة.", api_name="/translate")
    assert result["settings"]["beam_size"] == 4 and result["target"]["lang"] == "en"


def test_compare_endpoint_returns_the_json_contract(client):
    result = client.predict(ARABIC, ENGLISH, False, api_name="/compare")
    assert set(result) >= CONTRACT_KEYS
    doc = Document.from_dict(result)
    doc.validate()
    assert doc.mode == "compare" and (doc.source.text, doc.target.text) == (ARABIC, ENGLISH)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n", "empty"), ("ب" * (ui.MAX_CHARS + 1), "over the limit of 100,000"),
     ("This is English, not Arabic at all.", "does not look like 'ar'")],
)
def test_bad_input_gets_a_clear_message(client, text, message):
    with pytest.raises(AppError, match=message):
        client.predict(text, 1, api_name="/translate")


@pytest.mark.parametrize("beam", [0, 9, 100])
def test_beam_size_is_bounded(client, beam):
    with pytest.raises(AppError, match="beam size must be a whole number from 1 to 8"):
        client.predict(ARABIC, beam, api_name="/translate")


def test_page_starts_without_its_model_and_says_how_to_fix_it(offline_client):
    import httpx

    client, url = offline_client
    with pytest.raises(AppError, match="Cannot load translation model.*--model DIR"):
        client.predict(ARABIC, api_name="/translate")
    config = httpx.get(url.rstrip("/") + "/config").json()
    notices = [c for c in config["components"] if c.get("props", {}).get("elem_id") == "xl-model-status"]
    assert "Compare still works" in notices[0]["props"]["value"]


def test_compare_works_without_the_model(offline_client):
    result = offline_client[0].predict(ARABIC, ENGLISH, True, api_name="/compare")
    assert result["mode"] == "compare" and result["alignment"]


def test_model_problem_is_shown_on_the_page():
    demo = ui.build_demo("/nonexistent/opus-mt-ar-en")
    notices = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "xl-model-status"]
    assert notices and "Compare still works" in notices[0].value and "--model DIR" in notices[0].value
    buttons = [b for b in demo.blocks.values() if isinstance(b, gr.Button) and b.value == "Translate"]
    assert len(buttons) == 1 and buttons[0].interactive is False


def test_serve_command_options():
    import argparse

    parser = argparse.ArgumentParser()
    serve_command.add_arguments(parser)
    args = parser.parse_args(["--port", "8080", "--auth", "ana:s3:cret", "--model", "DIR"])
    assert (args.host, args.port, args.model) == ("127.0.0.1", 8080, "DIR")
    assert ui.parse_auth(args.auth) == ("ana", "s3:cret")
    with pytest.raises(ValueError, match="user:password"):
        ui.parse_auth("no-colon")


def test_launch_options_stay_local():
    options = ui.launch_options()
    assert options["share"] is False and options["ssr_mode"] is False
    assert "fonts.googleapis" not in ui.PAGE_CSS and "http" not in ui.PAGE_CSS
    theme = options["theme"]
    assert all(isinstance(f, str) for f in [*theme._font, *theme._font_mono])  # system fonts: nothing to fetch
    assert "Noto Naskh Arabic" in theme._font and "http" not in "".join(theme._font_css)


def test_nothing_leaves_the_machine(tiny_model_dir, one_thread, monkeypatch):
    """Launching the page and serving a request opens no connection beyond the loopback interface."""
    import ipaddress

    outside: list[object] = []
    connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                local = ipaddress.ip_address(host).is_loopback
            except ValueError:
                local = host == "localhost"
            if not local:
                outside.append(address)
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    demo = ui.build_demo(str(tiny_model_dir))
    try:
        client, _ = serve(demo)
        assert client.predict("وحذر من عقوبات جديدة.", 1, api_name="/translate")["mode"] == "translate"
    finally:
        demo.close()
    assert not outside
