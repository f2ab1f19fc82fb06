"""The Gradio page: Blocks wired to the library (pipeline, compare, render); no logic of its own.

``build_demo(model)`` makes the page and ``launch(demo)`` serves it locally with everything it needs
(theme with local fonts only, the view's CSS and JavaScript, a bounded queue, analytics off). The page also
exposes the named API endpoints ``/translate`` and ``/compare``, which return the JSON contract.
"""

from __future__ import annotations

import os

# Gradio reads this when it is imported: no telemetry and no version check leave the machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import contextlib  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from importlib import resources  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402

from xling.document import Document  # noqa: E402
from xling.errors import InputError, ModelUnavailable, XlingError  # noqa: E402
from xling.mt.engine import NO_MODEL  # noqa: E402
from xling.mt.engine import Engine as XlingEngine  # noqa: E402
from xling.render.html import ARABIC_FONTS, UI_FONTS, VIEW_CSS, render_document, render_message  # noqa: E402
from xling.text.reading import check_text  # noqa: E402

#: The page refuses longer inputs with a message (the library's own limit is larger, for the CLI).
MAX_CHARS = 100_000
#: Requests waiting beyond this are refused ("queue full") instead of piling up.
QUEUE_SIZE = 16
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860
MAX_BEAM = 8

#: The page's example article (AFP, Dec 2021) and its English version: package data, xling/data/examples/.
EXAMPLE = "ar-en"

PAGE_CSS = VIEW_CSS + """
.xl-rtl textarea { font-family: %s; font-size: 1.1em; line-height: 1.8; }
.gradio-container { max-width: 1440px !important; }
.xl-title h1 { margin-bottom: 0; } .xl-title p { margin-top: .2em; opacity: .8; }
""" % ", ".join(f'"{f}"' if " " in f else f for f in ARABIC_FONTS)

_EMPTY_TRANSLATE = "Paste an Arabic article (or pick the example) and press Translate: the English appears " \
    "paragraph by paragraph next to the Arabic. Hover or click a sentence to see its counterpart."
_EMPTY_COMPARE = "Paste an Arabic article and its English version, then press Compare: sentences are aligned, " \
    "names linked, and sentences without a counterpart marked."


@dataclass
class PageModel:
    """The page's translation engine and, if it could not be loaded, why; loading happens once per process."""

    engine: XlingEngine
    error: str | None = None

    def load(self) -> PageModel:
        try:
            self.engine.load()
            self.error = None
        except ModelUnavailable as err:
            self.error = str(err)
        return self

    @property
    def name(self) -> str:
        return self.engine.model_name

    def require(self) -> None:
        if self.error:
            raise ModelUnavailable(self.error)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show a problem the user can act on as a Gradio error with its message (the API client gets it too)."""
    try:
        yield
    except XlingError as err:
        raise gr.Error(str(err), title=type(err).__name__ if isinstance(err, ModelUnavailable) else "Input") from err
    except ValueError as err:
        raise gr.Error(str(err), title="Input") from err


@contextlib.contextmanager
def errors_in_view() -> Iterator[list[str]]:
    """On the page, a problem the user can act on replaces the view (and pops up), rather than vanishing."""
    failed: list[str] = []
    try:
        yield failed
    except (XlingError, ValueError) as err:
        failed.append(str(err))
        gr.Warning(str(err), title="Cannot translate" if isinstance(err, ModelUnavailable) else "Input")


def example_text(lang: str) -> str:
    """The example article in ``lang`` ("ar", or "en" for its English version), from the installed package.

    A missing file is a packaging bug, not something to hide: it raises (FileNotFoundError) instead of
    leaving the page without its example.
    """
    name = f"data/examples/{EXAMPLE}.{lang}.txt"
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


def build_demo(
    model: str | None = None,
    *,
    backend: str | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    source_lang: str | None = None,
    beam_size: int = 4,
    preload: bool = True,
    max_chars: int = MAX_CHARS,
) -> gr.Blocks:
    """The page for ``model`` (default: $XLING_MODEL or opus-mt-ar-en), loaded once here when ``preload``.

    If the model cannot be loaded the page still works: it says why and how to fix it, and compare mode
    runs without the model.
    """
    engine = PageModel(XlingEngine(model, backend=backend, device=device, compute_type=compute_type))
    if preload:
        engine.load()
        if engine.error:
            print(f"xling: {engine.error}\nxling: the page starts without the model; Compare still works.",
                  file=sys.stderr)

    def check(text: str, name: str) -> str:
        return check_text(text or "", name=name, max_chars=max_chars)

    def translate_doc(text: str, beam_size: float) -> Iterator[Document]:
        from xling.pipeline.translation import translate_stream

        check(text, "The Arabic text")
        if not 1 <= int(beam_size) <= MAX_BEAM:
            raise InputError(f"beam size must be between 1 and {MAX_BEAM}, not {beam_size}")
        engine.require()
        yield from translate_stream(text, model=engine.engine, beam_size=int(beam_size), source_lang=source_lang)

    def compare_doc(source: str, target: str, use_model: bool) -> Document:
        from xling.pipeline.comparison import compare

        check(source, "The Arabic text")
        check(target, "The English text")
        use_model = bool(use_model) and engine.error is None
        # The page's two boxes are labelled Arabic and English: no guessing on short or markup-heavy text.
        return compare(source, target, model=engine.engine if use_model else NO_MODEL,
                       source_lang=source_lang or "ar", target_lang="en")

    # -- UI events: stream HTML into the view, then offer the downloads ----------------------------
    def translate_view(text: str, beam_size: float, progress: gr.Progress = gr.Progress()) -> Iterator[tuple]:
        hidden = gr.DownloadButton(visible=False)
        progress(0, desc="Loading the model…")
        with errors_in_view() as failed:
            for doc in translate_doc(text, beam_size):
                done = len(doc.target.paragraphs)
                total = len(doc.source.paragraphs)
                if not _is_complete(doc):
                    progress((done, total), desc="Translating", unit="paragraphs")
                    yield render_document(doc, pending=True), hidden, hidden
                    continue
                txt, js = _write_downloads(doc, text=True)
                yield (
                    render_document(doc),
                    gr.DownloadButton(value=txt, visible=True),
                    gr.DownloadButton(value=js, visible=True),
                )
        if failed:
            yield render_message(failed[0], "error"), hidden, hidden

    def compare_view(source: str, target: str, use_model: bool) -> tuple:
        with errors_in_view() as failed:
            doc = compare_doc(source, target, use_model)
            _, js = _write_downloads(doc, text=False)
            return render_document(doc), gr.DownloadButton(value=js, visible=True)
        return render_message(failed[0], "error"), gr.DownloadButton(visible=False)

    # -- API endpoints: the JSON contract ------------------------------------------------------------
    def translate_api(text: str, beam_size: int = 4) -> dict:
        """Translate an Arabic article; returns the xling JSON document."""
        with user_errors():
            doc = None
            for doc in translate_doc(text, beam_size):
                pass
            assert doc is not None
            return doc.to_dict()

    def compare_api(source: str, target: str, use_model: bool = True) -> dict:
        """Align an Arabic article with an English version and check it; returns the xling JSON document."""
        with user_errors():
            return compare_doc(source, target, use_model).to_dict()

    # One run at a time per kind; the backend's own lock keeps it to one model call at a time across both.
    translating = {"concurrency_limit": 1, "concurrency_id": "translate"}
    comparing = {"concurrency_limit": 1, "concurrency_id": "compare"}

    with gr.Blocks(title="xling: Arabic ↔ English news", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(
            "# xling\nArabic news in English, side by side: each sentence linked to its translation, "
            "names coloured across both languages, translation checks listed.",
            elem_classes="xl-title",
        )
        if engine.error:
            gr.HTML(render_message(
                "The translation model could not be loaded, so Translate is unavailable; Compare still works "
                f"(without the model). {engine.error}", "warning"), elem_id="xl-model-status")
        with gr.Tab("Translate", id="translate"):
            source = gr.Textbox(label="Arabic article", lines=8, max_lines=16, rtl=True, elem_id="xl-source",
                                elem_classes="xl-rtl", placeholder="الصق نص المقال العربي هنا…")
            with gr.Accordion("Model options", open=False):
                gr.Textbox(value=engine.name, label="Model", interactive=False,
                           info="Set at launch: --model DIR or hub id (or $XLING_MODEL).")
                beam = gr.Slider(1, MAX_BEAM, value=beam_size, step=1, label="Beam size", info="1 = greedy (fastest); 4 = default")
            with gr.Row():
                translate_button = gr.Button("Translate", variant="primary", interactive=engine.error is None)
                stop_button = gr.Button("Stop", variant="stop")
                gr.ClearButton([source], value="Clear")
            gr.Examples([[example_text("ar")]], inputs=[source], label="Example",
                        example_labels=["AFP, Dec 2021: Putin–Biden call on Ukraine"],
                        api_visibility="private")
            translate_html = gr.HTML(render_message(_EMPTY_TRANSLATE), elem_id="xl-translate-view",
                                     js_on_load=None)
            with gr.Row():
                text_download = gr.DownloadButton("⬇ English text (.txt)", visible=False, size="sm")
                json_download = gr.DownloadButton("⬇ Document (.json)", visible=False, size="sm")
        with gr.Tab("Compare", id="compare"):
            with gr.Row(equal_height=True):
                compare_source = gr.Textbox(label="Arabic article", lines=8, max_lines=16, rtl=True, min_width=300,
                                            elem_id="xl-compare-source", elem_classes="xl-rtl")
                compare_target = gr.Textbox(label="English version", lines=8, max_lines=16, min_width=300,
                                            elem_id="xl-compare-target")
            use_model = gr.Checkbox(
                value=engine.error is None, interactive=engine.error is None,
                label="Use the translation model to align (more accurate, slower)",
            )
            with gr.Row():
                compare_button = gr.Button("Compare", variant="primary")
                gr.ClearButton([compare_source, compare_target], value="Clear")
            gr.Examples([[example_text("ar"), example_text("en")]], inputs=[compare_source, compare_target],
                        label="Example", example_labels=["AFP, Dec 2021, with its English version"],
                        api_visibility="private")
            compare_html = gr.HTML(render_message(_EMPTY_COMPARE), elem_id="xl-compare-view", js_on_load=None)
            compare_download = gr.DownloadButton("⬇ Document (.json)", visible=False, size="sm")

        translating_event = translate_button.click(
            translate_view, [source, beam], [translate_html, text_download, json_download],
            api_visibility="private", **translating,
        )
        stop_button.click(None, cancels=[translating_event], api_visibility="private")
        compare_button.click(compare_view, [compare_source, compare_target, use_model],
                             [compare_html, compare_download], api_visibility="private", **comparing)
        gr.api(translate_api, api_name="translate", **translating)
        gr.api(compare_api, api_name="compare", **comparing)
    demo.queue(max_size=QUEUE_SIZE)
    from xling.serve.rest import attach  # the REST API (rest.py) serves the same model, with the same limits

    attach(demo, engine, source_lang=source_lang, max_chars=max_chars, beam_size=beam_size)
    return demo


def theme() -> gr.themes.Base:
    """Gradio's default look with local fonts only (the default theme would fetch none, but be explicit)."""
    fonts = [*UI_FONTS[:-1], *ARABIC_FONTS]  # Latin UI fonts first; Arabic glyphs fall through to Naskh
    return gr.themes.Default(primary_hue="blue", font=fonts, font_mono=["ui-monospace", "Consolas", "monospace"])


def launch_options() -> dict[str, Any]:
    """What ``Blocks.launch`` needs for this page (Gradio 6 takes theme, css and js here)."""
    from xling.render.html import VIEW_JS
    from xling.serve.rest import UPLOAD_LIMIT

    return {
        "theme": theme(),
        "css": PAGE_CSS,
        "js": VIEW_JS,
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
    **kwargs: Any,
) -> Any:
    """Serve the page on ``host:port`` (local only by default; never a public share link).

    The same server answers the REST API of :mod:`xling.serve.rest` (/api/v1/..., /healthz, the
    LibreTranslate routes), behind the same login, with uploads capped and cross-origin POSTs refused.
    """
    from xling.serve import rest

    options = {**launch_options(), **kwargs}
    options["app_kwargs"] = rest.app_kwargs(demo, options.get("app_kwargs"))
    return demo.launch(server_name=host, server_port=port, auth=auth, **options)
