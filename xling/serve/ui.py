"""The Gradio page: Blocks wired to the library (pipeline, compare, render); no logic of its own.

``build_demo(model)`` makes the page (one forced model, or every language routed to its model:
:mod:`xling.serve.models`) and ``launch(demo)`` serves it locally with everything it needs
(theme with local fonts only, the view's CSS and JavaScript, a bounded queue, analytics off). The page also
exposes the named API endpoints ``/translate`` and ``/compare``, which return the JSON contract.

``launch`` (without ``prevent_thread_lock``) serves until SIGTERM or Ctrl-C, then stops gracefully
(:func:`stop`): new work is refused at once, the work in flight gets ``shutdown_grace`` seconds, what is
still running then is answered "the xling server was stopped; retry", and the server closes.
"""

from __future__ import annotations

import os

# Gradio reads this when it is imported: no telemetry and no version check leave the machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import contextlib  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from importlib import resources  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402

from xling.document import AUTO_LANG, Document  # noqa: E402
from xling.errors import ModelUnavailable, XlingError  # noqa: E402
from xling.mt.engine import DEFAULT_MAX_MODELS  # noqa: E402
from xling.pipeline.comparison import MODEL_FREE  # noqa: E402
from xling.mt.routing import language_name  # noqa: E402
from xling.render.html import (  # noqa: E402
    ARABIC_FONTS,
    UI_FONTS,
    VIEW_CSS,
    render_document,
    render_message,
)
from xling.serve.models import (  # noqa: E402
    DEFAULT_SHUTDOWN_GRACE_S,
    ServedModels,
    ServerStopped,
    ServerStopping,
    Shutdown,
    check_beam,
    check_grace,
    log_user_error,
)
from xling.text.reading import check_text  # noqa: E402

#: The page refuses longer inputs with a message (the library's own limit is larger, for the CLI).
MAX_CHARS = 100_000
#: Requests waiting or running on the page's queue, all endpoints together, before new ones are refused
#: ("queue full"). Each endpoint has its own queue and workers inside that bound (Gradio's concurrency ids),
#: so a crowd of compares does not hold up a translation.
QUEUE_SIZE = 64
#: Page and Gradio-API requests run at once per endpoint. Translations share model calls through the
#: engine's micro-batcher, so several at once finish sooner than one after another.
CONCURRENCY = {"translate": 8, "compare": 2}
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860
MAX_BEAM = 8
#: After the shutdown grace: seconds for the answers of the stopped requests to reach their clients.
STOP_FLUSH_S = 3.0
#: Then uvicorn's own bound (its ``timeout_graceful_shutdown``) on connections still open as it closes.
SERVER_CLOSE_S = 1.0
#: The signals ``launch`` answers with a graceful stop (a second one skips what is left of the grace).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

#: The page's example articles, package data in xling/data/examples/ (``PAIR.LANG.txt``): the AFP
#: report of Dec 2021 in Arabic and English, and two short reports written for xling (not real news).
EXAMPLES = {
    "ar-en": "AFP, Dec 2021: Putin–Biden call on Ukraine (Arabic)",
    "fr-en": "Rail plan in Portugal (French, written for xling)",
    "ru-en": "Bridge repairs in Novosibirsk (Russian, written for xling)",
}
#: Kept for callers of ``example_text(lang)``: the flagship pair.
EXAMPLE = "ar-en"
#: The language menus' first entry.
AUTO_CHOICE = ("Detect automatically", AUTO_LANG)

PAGE_CSS = VIEW_CSS + """
.xl-auto-dir textarea { unicode-bidi: plaintext; text-align: start; line-height: 1.7; }
.xl-auto-dir textarea:dir(rtl) { font-family: %s; font-size: 1.1em; }
.gradio-container { max-width: 1440px !important; }
.xl-title h1 { margin-bottom: 0; } .xl-title p { margin-top: .2em; opacity: .8; }
#xl-translate-status, #xl-compare-status { min-height: 1.5em; opacity: .85; }
""" % ", ".join(f'"{f}"' if " " in f else f for f in ARABIC_FONTS)

#: Text boxes take the direction of what is typed in them (Arabic, Hebrew, Persian, Urdu: right to left).
_AUTO_DIR_JS = """
  const mark = () => document.querySelectorAll('.xl-auto-dir textarea').forEach((t) => {
    if (t.getAttribute('dir') !== 'auto') t.setAttribute('dir', 'auto');
  });
  mark();
  new MutationObserver(mark).observe(document.body, { subtree: true, childList: true });
"""

_EMPTY_TRANSLATE = "Paste a news article in any language (or pick an example) and press Translate: the English " \
    "appears paragraph by paragraph beside it. Hover or click a sentence to see its counterpart."
_EMPTY_COMPARE = "Paste an article and another version of it (in any two languages), then press Compare: " \
    "sentences are aligned, names linked, and sentences without a counterpart marked."


def page_js() -> str:
    """The page's JavaScript: the aligned view's behaviour and automatic text direction in the text boxes."""
    from xling.render.html import VIEW_JS

    return "() => {\n  (" + VIEW_JS.strip() + ")();\n" + _AUTO_DIR_JS + "}"


#: Errors about the server itself, not the input: shown under their own titles.
_SERVER_STATE_ERRORS = (ServerStopping, ServerStopped)


def _title(err: BaseException) -> str:
    if isinstance(err, _SERVER_STATE_ERRORS):
        return "Server stopping"
    return "Cannot translate" if isinstance(err, ModelUnavailable) else "Input"


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show a problem the user can act on as a Gradio error with its message (the API client gets it too)."""
    try:
        yield
    except XlingError as err:
        log_user_error(err)
        named = isinstance(err, (ModelUnavailable, *_SERVER_STATE_ERRORS))
        title = type(err).__name__ if named else "Input"
        raise gr.Error(str(err), title=title, print_exception=False) from err
    except ValueError as err:
        log_user_error(err)
        raise gr.Error(str(err), title="Input", print_exception=False) from err


@contextlib.contextmanager
def errors_in_view() -> Iterator[list[str]]:
    """On the page, a problem the user can act on replaces the view (and pops up), rather than vanishing."""
    failed: list[str] = []
    try:
        yield failed
    except (XlingError, ValueError) as err:
        log_user_error(err)
        failed.append(str(err))
        gr.Warning(str(err), title=_title(err))


def example_text(lang: str, pair: str = EXAMPLE) -> str:
    """The example article of ``pair`` in ``lang`` (``example_text("fr", "fr-en")``), from the installed package.

    A missing file is a packaging bug, not something to hide: it raises (FileNotFoundError) instead of
    leaving the page without its example.
    """
    if pair not in EXAMPLES:
        raise ValueError(f"no example {pair!r}; there are {', '.join(EXAMPLES)}")
    name = f"data/examples/{pair}.{lang}.txt"
    return resources.files("xling").joinpath(name).read_text(encoding="utf-8")


_DOWNLOADS: tempfile.TemporaryDirectory[str] | None = None


def _write_downloads(doc: Document, *, text: bool) -> tuple[str | None, str]:
    """The English text and the JSON document as files for the download buttons (removed at exit)."""
    global _DOWNLOADS
    if _DOWNLOADS is None:
        _DOWNLOADS = tempfile.TemporaryDirectory(prefix="xling-downloads-")
    folder = Path(tempfile.mkdtemp(dir=_DOWNLOADS.name))
    json_path = folder / f"xling-{doc.mode}.json"
    json_path.write_text(doc.to_json(), encoding="utf-8")
    txt_path = None
    if text:
        txt_path = folder / f"xling-translation.{doc.target.lang}.txt"
        txt_path.write_text(doc.target.text + "\n", encoding="utf-8")
    return (str(txt_path) if txt_path else None), str(json_path)


def _is_complete(doc: Document) -> bool:
    return sum(len(b.source) for b in doc.alignment) == len(doc.source.sentences)


def status_line(doc: Document) -> str:
    """What the page says above a result: each side's language (detected or named) and the model used."""
    extra = dict(doc.settings.extra)
    parts = []
    for side, label in (("source", "Source"), ("target", "Target")):
        lang = getattr(doc, side).lang
        detected = extra.get(f"{side}_detected")
        how = ""
        if detected:
            confidence = float(str(detected).partition(":")[2] or 0)
            how = f", detected, {confidence:.0%}"
        parts.append(f"{label}: {language_name(lang)} ({lang}{how})")
    if extra.get("model_fallback"):
        parts.append(f"aligned without a model ({extra['model_fallback']})")
    elif doc.settings.model == MODEL_FREE:
        parts.append("aligned without a model (lengths, numbers, names)")
    else:
        parts.append(f"model: {doc.settings.model}")
    return render_message(" · ".join(parts))


def _choices(codes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [AUTO_CHOICE, *((f"{name} ({code})", code) for code, name in codes)]


def build_demo(
    model: str | None = None,
    *,
    models_dir: str | os.PathLike[str] | None = None,
    max_models: int = DEFAULT_MAX_MODELS,
    backend: str | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    source_lang: str | None = None,
    beam_size: int = 4,
    preload: bool = True,
    max_chars: int = MAX_CHARS,
) -> gr.Blocks:
    """The page. ``model`` (or $XLING_MODEL) forces one model, loaded here when ``preload``; None routes
    each article's language (detected, or chosen on the page) to its opus-mt model, loaded on first use
    from ``models_dir`` ($XLING_MODELS), the Hugging Face cache or the hub, at most ``max_models`` at once.

    If a model cannot be loaded the page still works: it says why and how to fix it, other languages
    still translate, and Compare runs without the model.
    """
    served = ServedModels.create(model, models_dir=models_dir, max_models=max_models, backend=backend,
                                 device=device, compute_type=compute_type, source_lang=source_lang)
    if preload:
        served.load()
        if served.error:
            print(f"xling: {served.error}\nxling: the page starts without the model; Compare still works.",
                  file=sys.stderr)
    served_languages = served.languages()  # the routing table and a look in the models folder: once
    stopping = Shutdown()
    source_choices = _choices(served_languages)
    compare_choices = _choices(sorted({*served_languages, ("en", language_name("en"))}))
    default_source = served.source_lang or AUTO_LANG

    def check(text: str, name: str) -> str:
        return check_text(text or "", name=name, max_chars=max_chars)

    def translate_doc(text: str, lang: str, beam: object) -> Iterator[Document]:
        from xling.pipeline.translation import translate_stream

        check(text, "The article")
        beam_size = check_beam(beam, maximum=MAX_BEAM)
        source = served.source(lang)
        for doc in translate_stream(text, model=served.translate_model(), beam_size=beam_size, source_lang=source):
            stopping.raise_if_stopped()  # between paragraph groups: the shutdown grace has run out
            yield doc

    def compare_doc(source: str, target: str, use_model: bool, source_lang: str, target_lang: str) -> Document:
        check(source, "The article")
        check(target, "The other version")
        return served.compare(source, target, use_model=bool(use_model),
                              source_lang=source_lang or AUTO_LANG, target_lang=target_lang or AUTO_LANG)

    # -- UI events: stream HTML into the view, then offer the downloads ----------------------------
    def translate_view(text: str, lang: str, beam: float, request: gr.Request,
                       progress: gr.Progress = gr.Progress()) -> Iterator[tuple]:
        hidden = gr.DownloadButton(visible=False)
        progress(0, desc="Loading the model…")
        with errors_in_view() as failed:
            Shutdown.refuse_marked(_headers(request))
            for doc in translate_doc(text, lang, beam):
                done = len(doc.target.paragraphs)
                total = len(doc.source.paragraphs)
                if not _is_complete(doc):
                    progress((done, total), desc="Translating", unit="paragraphs")
                    yield status_line(doc), render_document(doc, pending=True), hidden, hidden
                    continue
                txt, js = _write_downloads(doc, text=True)
                yield (
                    status_line(doc),
                    render_document(doc),
                    gr.DownloadButton(value=txt, visible=True),
                    gr.DownloadButton(value=js, visible=True),
                )
        if failed:
            yield "", render_message(failed[0], "error"), hidden, hidden

    def compare_view(source: str, target: str, use_model: bool, source_lang: str, target_lang: str,
                     request: gr.Request) -> tuple:
        with errors_in_view() as failed:
            Shutdown.refuse_marked(_headers(request))
            doc = stopping.call(compare_doc, source, target, use_model, source_lang, target_lang)
            _, js = _write_downloads(doc, text=False)
            return status_line(doc), render_document(doc), gr.DownloadButton(value=js, visible=True)
        return "", render_message(failed[0], "error"), gr.DownloadButton(visible=False)

    # -- API endpoints: the JSON contract ------------------------------------------------------------
    def translate_whole(text: str, source: str, beam_size: object) -> dict:
        doc = None
        for doc in translate_doc(text, source, beam_size):
            pass
        assert doc is not None
        return doc.to_dict()

    def translate_api(text: str, beam_size: int = 4, source: str = AUTO_LANG, request: gr.Request = None) -> dict:
        """Translate a news article into English (source "auto": detected); returns the xling JSON document."""
        with user_errors():
            Shutdown.refuse_marked(_headers(request))
            return stopping.call(translate_whole, text, source, beam_size)

    def compare_api(source: str, target: str, use_model: bool = True, source_lang: str = AUTO_LANG,
                    target_lang: str = AUTO_LANG, request: gr.Request = None) -> dict:
        """Align an article with another version of it (any two languages) and check it; returns the JSON document."""
        with user_errors():
            Shutdown.refuse_marked(_headers(request))
            return stopping.call(compare_doc, source, target, use_model, source_lang, target_lang).to_dict()

    translating = {"concurrency_limit": CONCURRENCY["translate"], "concurrency_id": "translate"}
    comparing = {"concurrency_limit": CONCURRENCY["compare"], "concurrency_id": "compare"}
    can_translate = served.error is None

    with gr.Blocks(title="xling: news across languages", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as demo:
        gr.Markdown(
            "# xling\nNews in any language in English, side by side: each sentence linked to its translation, "
            "names coloured across both languages, translation checks listed.",
            elem_classes="xl-title",
        )
        if served.error:
            gr.HTML(render_message(
                "The translation model could not be loaded, so Translate is unavailable; Compare still works "
                f"(without the model). {served.error}", "warning"), elem_id="xl-model-status")
        with gr.Tab("Translate", id="translate"):
            source = gr.Textbox(label="Article", lines=8, max_lines=16, elem_id="xl-source",
                                elem_classes="xl-auto-dir", placeholder="Paste the article here (any language)…")
            with gr.Row():
                source_menu = gr.Dropdown(source_choices, value=default_source, label="Language",
                                          elem_id="xl-source-lang", scale=1,
                                          info="Detected from the text, or choose it")
                with gr.Accordion("Model options", open=False):
                    gr.Textbox(value=served.name, label="Model", interactive=False,
                               info="Set at launch: --model DIR forces one; otherwise each language's opus-mt "
                                    "model (--models-dir, $XLING_MODELS).")
                    beam = gr.Slider(1, MAX_BEAM, value=beam_size, step=1, label="Beam size",
                                     info="1 = greedy (fastest); 4 = default")
            with gr.Row():
                translate_button = gr.Button("Translate", variant="primary", interactive=can_translate)
                stop_button = gr.Button("Stop", variant="stop")
                gr.ClearButton([source], value="Clear")
            gr.Examples([[example_text(pair.split("-")[0], pair), AUTO_LANG] for pair in EXAMPLES],
                        inputs=[source, source_menu], label="Examples",
                        example_labels=list(EXAMPLES.values()), api_visibility="private")
            translate_status = gr.HTML("", elem_id="xl-translate-status")
            translate_html = gr.HTML(render_message(_EMPTY_TRANSLATE), elem_id="xl-translate-view",
                                     js_on_load=None)
            with gr.Row():
                text_download = gr.DownloadButton("⬇ English text (.txt)", visible=False, size="sm")
                json_download = gr.DownloadButton("⬇ Document (.json)", visible=False, size="sm")
        with gr.Tab("Compare", id="compare"):
            with gr.Row(equal_height=True):
                with gr.Column(min_width=300):
                    compare_source = gr.Textbox(label="Article", lines=8, max_lines=16, elem_id="xl-compare-source",
                                                elem_classes="xl-auto-dir")
                    compare_source_lang = gr.Dropdown(compare_choices, value=default_source, label="Its language",
                                                      elem_id="xl-compare-source-lang")
                with gr.Column(min_width=300):
                    compare_target = gr.Textbox(label="Other version", lines=8, max_lines=16,
                                                elem_id="xl-compare-target", elem_classes="xl-auto-dir")
                    compare_target_lang = gr.Dropdown(compare_choices, value=AUTO_LANG, label="Its language",
                                                      elem_id="xl-compare-target-lang")
            use_model = gr.Checkbox(
                value=can_translate, interactive=can_translate,
                label="Use the translation model to align (more accurate, slower)",
            )
            with gr.Row():
                compare_button = gr.Button("Compare", variant="primary")
                gr.ClearButton([compare_source, compare_target], value="Clear")
            gr.Examples([[example_text(pair.split("-")[0], pair), example_text("en", pair), AUTO_LANG, AUTO_LANG]
                         for pair in EXAMPLES],
                        inputs=[compare_source, compare_target, compare_source_lang, compare_target_lang],
                        label="Examples", example_labels=[f"{label}, with its English version"
                                                          for label in EXAMPLES.values()],
                        api_visibility="private")
            compare_status = gr.HTML("", elem_id="xl-compare-status")
            compare_html = gr.HTML(render_message(_EMPTY_COMPARE), elem_id="xl-compare-view", js_on_load=None)
            compare_download = gr.DownloadButton("⬇ Document (.json)", visible=False, size="sm")

        translating_event = translate_button.click(
            translate_view, [source, source_menu, beam],
            [translate_status, translate_html, text_download, json_download],
            api_visibility="private", **translating,
        )
        stop_button.click(None, cancels=[translating_event], api_visibility="private")
        compare_button.click(compare_view,
                             [compare_source, compare_target, use_model, compare_source_lang, compare_target_lang],
                             [compare_status, compare_html, compare_download], api_visibility="private", **comparing)
        gr.api(translate_api, api_name="translate", **translating)
        gr.api(compare_api, api_name="compare", **comparing)
    demo.queue(max_size=QUEUE_SIZE)
    from xling.serve.rest import attach  # the REST API (rest.py) serves the same models, with the same limits

    attach(demo, served, max_chars=max_chars, beam_size=beam_size, shutdown=stopping)
    return demo


def _headers(request: gr.Request | None) -> Any:
    return getattr(request, "headers", None)


def theme() -> gr.themes.Base:
    """Gradio's default look with local fonts only (the default theme would fetch none, but be explicit)."""
    fonts = [*UI_FONTS[:-1], *ARABIC_FONTS]  # Latin UI fonts first; Arabic glyphs fall through to Naskh
    return gr.themes.Default(primary_hue="blue", font=fonts, font_mono=["ui-monospace", "Consolas", "monospace"])


def launch_options() -> dict[str, Any]:
    """What ``Blocks.launch`` needs for this page (Gradio 6 takes theme, css and js here)."""
    from xling.serve.rest import UPLOAD_LIMIT

    return {
        "theme": theme(),
        "css": PAGE_CSS,
        "js": page_js(),
        "share": False,
        "ssr_mode": False,
        "footer_links": ["api", "settings"],
        "max_file_size": UPLOAD_LIMIT,  # the page has no upload field; Gradio's upload route exists anyway
    }


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``user:password`` -> (user, password); the password may contain ':'."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth must look like user:password")
    return user, password


def launch(
    demo: gr.Blocks,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    auth: tuple[str, str] | None = None,
    shutdown_grace: float = DEFAULT_SHUTDOWN_GRACE_S,
    **kwargs: Any,
) -> Any:
    """Serve the page on ``host:port`` (local only by default; never a public share link).

    The same server answers the REST API of :mod:`xling.serve.rest` (/api/v1/..., /healthz, the
    LibreTranslate routes), behind the same login, with uploads capped and cross-origin POSTs refused.

    With ``prevent_thread_lock=True`` it returns Gradio's (app, url, share url) at once. Otherwise it serves
    until SIGTERM or Ctrl-C and then stops gracefully (:func:`stop`, ``shutdown_grace`` seconds); it returns
    the server's :class:`~xling.serve.models.Shutdown`.
    """
    from xling.serve import rest

    check_grace(shutdown_grace)
    options = {**launch_options(), **kwargs}
    options["app_kwargs"] = rest.app_kwargs(demo, options.get("app_kwargs"))
    if options.get("prevent_thread_lock"):
        return demo.launch(server_name=host, server_port=port, auth=auth, **options)
    options["prevent_thread_lock"] = True
    return serve_until_signal(demo, shutdown_grace,
                              start=lambda: demo.launch(server_name=host, server_port=port, auth=auth, **options))


def serve_until_signal(demo: gr.Blocks, grace_s: float = DEFAULT_SHUTDOWN_GRACE_S, *,
                       start: Callable[[], object] | None = None) -> Shutdown:
    """Wait (in the main thread) for SIGTERM or SIGINT, then :func:`stop` the launched ``demo`` gracefully;
    a second signal skips what is left of the grace. Returns the server's :class:`Shutdown`.

    ``start`` (the launch, which returns once the server listens) runs after the handlers are in place, so
    that a signal sent as soon as the port answers is not met by Python's default (killed at once).
    """
    state = shutdown_of(demo)
    received: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        if received:
            state.stop()  # the second one: stop now
        received.append(signum)

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        if start is not None:
            start()
        while demo.is_running and not state.draining.is_set():
            time.sleep(0.1)
        return stop(demo, grace_s)
    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        if start is not None:
            start()
        while not received and demo.is_running:
            time.sleep(0.1)
        return stop(demo, grace_s, reason=signal.Signals(received[0]).name if received else "stopping")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def shutdown_of(demo: gr.Blocks) -> Shutdown:
    """The :class:`Shutdown` of a demo made by :func:`build_demo` (a new one for another demo)."""
    service = getattr(demo, "xling_service", None)
    return service.shutdown if service is not None else Shutdown()


def stop(demo: gr.Blocks, grace_s: float = DEFAULT_SHUTDOWN_GRACE_S, *, reason: str = "stopping") -> Shutdown:
    """Stop the launched ``demo`` gracefully, in at most ``grace_s`` + :data:`STOP_FLUSH_S` +
    :data:`SERVER_CLOSE_S` seconds (and Gradio's thread join), with one line on stderr.

    New work is refused at once (REST: 503 with Retry-After; Gradio jobs: the "shutting down" error); the
    requests in flight get ``grace_s`` seconds; those still running are then answered "the xling server was
    stopped; retry" (their model work stops at its next check), and once their answers are sent (or
    :data:`STOP_FLUSH_S` has passed) Gradio closes its queue and the server.
    """
    grace_s = check_grace(grace_s)
    state = shutdown_of(demo)
    state.begin()
    print(f"xling serve: {reason}: shutting down; new requests are refused, {state.requests} in flight get "
          f"up to {grace_s:g} s to finish", file=sys.stderr, flush=True)
    if not state.wait_for_requests(grace_s):
        state.stop()
        state.wait_for_requests(STOP_FLUSH_S)
    state.stop()
    server = getattr(demo, "server", None)
    config = getattr(server, "config", None)
    if config is not None:
        config.timeout_graceful_shutdown = SERVER_CLOSE_S  # uvicorn's bound on what is still open
    demo.close(verbose=False)
    global _DOWNLOADS
    if _DOWNLOADS is not None:  # nobody can fetch them any more (and the process may leave without atexit)
        _DOWNLOADS.cleanup()
        _DOWNLOADS = None
    return state
