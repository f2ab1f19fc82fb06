"""The page in real headless Chromium: streaming view, sentence highlighting, entity colours, inert hostile text.

Set XLING_README_SCREENSHOT=docs/screenshot.png to also write the README's screenshots: the compare view of the
seed (that path) and of the French example on a page that routes languages (docs/screenshot-fr.png).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow

from playwright import sync_api  # noqa: E402  (a dev dependency: missing means a broken install, not a skip)
CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):  # .ci/run installs it: in CI a missing browser is a failure, never a skip
        raise RuntimeError(f"no Chromium at {CHROMIUM}: .ci/run should have installed Debian's chromium")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from xling.serve import ui  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARABIC = "وحذر الرئيس الروسي من عقوبات جديدة على بلاده في حال غزو أوكرانيا."
XSS = (ARABIC + " " + ARABIC + ' قال بوتين <script>window.__xss=1</script> <img src=x onerror="window.__xss=2"> '
       '${window.__xss=3} `${alert(1)}` \\ \u202eRLO\u202c <svg onload="window.__xss=4">.')
XSS_ENGLISH = 'Putin said <img src=x onerror="alert(5)"> ${window.__xss=6} <iframe src="javascript:alert(7)">.'
TIMEOUT_MS = 180_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tiny_model_dir) -> Iterator[str]:
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a busy machine makes two spinning threads far slower than one
    demo = ui.build_demo(str(tiny_model_dir))
    _, url, _ = ui.launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def routed_url(models_dir) -> Iterator[str]:
    """A page started without --model: every language routed to its model in ``models_dir``."""
    demo = ui.build_demo(None, models_dir=models_dir)
    _, url, _ = ui.launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url) -> Iterator[object]:
    """A fresh page that records every request leaving the app's host and every dialog (none may happen)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.outside_requests = []
    pg.dialogs = []
    local = urlparse(app_url).netloc

    def on_request(request):
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != local:
            pg.outside_requests.append(request.url)

    def on_dialog(dialog):
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("request", on_request)
    pg.on("dialog", on_dialog)
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(app_url)
    pg.wait_for_selector("#xl-source textarea")
    yield pg
    context.close()


def classes(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(selector, "els => els.map(e => [...e.classList])")


def translate(page, text: str) -> None:
    page.fill("#xl-source textarea", text)
    page.get_by_role("button", name="Translate", exact=True).click()


def choose(page, menu: str, label: str) -> None:
    """Pick ``label`` in a Gradio dropdown."""
    field = page.locator(f"{menu} input")
    field.click()
    listbox = field.get_attribute("aria-controls")
    page.locator(f"#{listbox}").get_by_role("option", name=label, exact=True).click()
    page.wait_for_function(f"() => document.querySelector('{menu} input').value === {label!r}")


def wait_done(page, view: str) -> None:
    page.wait_for_selector(f"{view} .xl-panels")  # a rendered document, not the empty-state notice
    page.wait_for_function(f"() => !document.querySelector('{view} .xl-badge')")  # no longer "translating…"


def test_translate_streams_and_links_sentences(page, seed_text, tmp_path):
    translate(page, seed_text)
    view = "#xl-translate-view"
    first = page.wait_for_selector(f"{view} .xl-tgt .xl-s[data-s]")  # the first paragraph, before the rest
    assert first is not None
    # hovering a source sentence lights its counterpart on the English side, and only those
    src = page.locator(f'{view} .xl-src .xl-s[data-s="0"]')
    src.hover()
    assert "is-active" in classes(page, f'{view} .xl-tgt .xl-s[data-s="0"]')[0]
    assert "is-active" in classes(page, f'{view} .xl-src .xl-s[data-s="0"]')[0]
    assert all("is-active" not in c for c in classes(page, f'{view} .xl-s:not([data-s="0"])'))
    wait_done(page, view)
    n_paragraphs = seed_text.count("\n\n") + 1
    assert page.locator(f"{view} .xl-row:not(.xl-heads)").count() == n_paragraphs
    assert page.locator(f"{view} .xl-src").first.get_attribute("dir") == "rtl"
    # clicking pins a sentence: it stays active when the pointer leaves
    page.locator(f'{view} .xl-tgt .xl-s[data-s="2"]').click()
    page.mouse.move(0, 0)
    assert "is-active" in classes(page, f'{view} .xl-src .xl-s[data-s="2"]')[0]
    # downloads are offered once the translation is complete
    assert page.get_by_role("button", name="English text").is_visible()
    page.screenshot(path=str(tmp_path / "translate.png"))
    assert not page.outside_requests and not page.dialogs


def test_compare_colours_entities_alike_on_both_sides(page, seed_text, seed_english, tmp_path):
    page.get_by_role("tab", name="Compare").click()
    page.fill("#xl-compare-source textarea", seed_text)
    page.fill("#xl-compare-target textarea", seed_english)
    page.get_by_label("Use the translation model").uncheck()
    page.get_by_role("button", name="Compare", exact=True).click()
    view = "#xl-compare-view"
    wait_done(page, view)
    both = page.evaluate(f"""() => {{
        const ids = new Set([...document.querySelectorAll('{view} .xl-src .xl-e[data-e]')].map(e => e.dataset.e));
        return [...document.querySelectorAll('{view} .xl-tgt .xl-e[data-e]')].map(e => e.dataset.e)
            .filter(id => ids.has(id));
    }}""")
    assert both, "no entity is mentioned on both sides"
    colours = page.evaluate(f"""(id) => ['src', 'tgt'].map(side =>
        [...document.querySelectorAll('{view} .xl-' + side + ' .xl-e')].filter(e => e.dataset.e === id)
            .map(e => getComputedStyle(e).backgroundColor))""", both[0])
    assert len(set(colours[0] + colours[1])) == 1 and colours[0][0] != "rgba(0, 0, 0, 0)"
    # every sentence on both sides is a data-s element; hovering lights the counterpart
    page.locator(f'{view} .xl-tgt .xl-s[data-s="1"]').first.hover()
    assert "is-active" in classes(page, f'{view} .xl-src .xl-s[data-s="1"]')[0]
    shot = os.environ.get("XLING_README_SCREENSHOT")
    page.mouse.move(0, 0)
    if shot:
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.evaluate(f"() => document.querySelector('{view}').scrollIntoView()")
        page.locator(f'{view} .xl-tgt .xl-s[data-s="1"]').hover()
        _save_small(page.screenshot(type="png", clip=_clip(page, view, 1000)), Path(shot))
    page.screenshot(path=str(tmp_path / "compare.png"))
    assert not page.outside_requests and not page.dialogs


def _save_small(png: bytes, path: Path, limit: int = 300_000) -> None:
    """The README screenshot as a 256-colour PNG (text stays crisp, the file stays small)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    assert path.stat().st_size < limit


def _clip(page, selector: str, height: int) -> dict:
    box = page.locator(selector).bounding_box()
    top = max(0, box["y"] - 12)
    return {"x": 0, "y": top, "width": page.viewport_size["width"], "height": height}


def test_hostile_input_stays_inert(page, tmp_path):
    translate(page, XSS)
    view = "#xl-translate-view"
    wait_done(page, view)
    source_text = page.locator(f"{view} .xl-src").first.inner_text()
    assert "<script>window.__xss=1</script>" in source_text and "${window.__xss=3}" in source_text
    assert "RLO" in page.locator(f"{view} .xl-src .xl-ctl").first.inner_text()
    assert page.locator(f"{view} .xl-rows script, {view} .xl-rows img, {view} .xl-rows svg").count() == 0
    try:
        import xling.pipeline.comparison  # noqa: F401
    except ImportError:
        pass
    else:
        page.get_by_role("tab", name="Compare").click()
        page.fill("#xl-compare-source textarea", XSS)
        page.fill("#xl-compare-target textarea", XSS_ENGLISH)
        choose(page, "#xl-compare-source-lang", "Arabic (ar)")  # markup-heavy text: name the languages
        choose(page, "#xl-compare-target-lang", "English (en)")
        page.get_by_label("Use the translation model").uncheck()
        page.get_by_role("button", name="Compare", exact=True).click()
        wait_done(page, "#xl-compare-view")
        assert "<iframe" in page.locator("#xl-compare-view .xl-tgt").first.inner_text()
    page.wait_for_timeout(300)  # give any injected handler its chance to fire
    assert page.evaluate("() => window.__xss") is None
    assert not page.dialogs and not page.outside_requests
    page.screenshot(path=str(tmp_path / "xss.png"))


def test_input_problem_is_shown_in_the_view(page):
    translate(page, "This is English, not Arabic.")
    notice = page.wait_for_selector("#xl-translate-view .xl-notice-error")
    assert "does not look like 'ar'" in notice.inner_text()


def test_phone_width_stacks_the_columns(page):
    page.set_viewport_size({"width": 390, "height": 800})
    translate(page, "قال الرئيس الروسي فلاديمير بوتين إن المكالمة كانت جيدة.")
    view = "#xl-translate-view"
    wait_done(page, view)
    src = page.locator(f"{view} .xl-row:not(.xl-heads) .xl-src").first.bounding_box()
    tgt = page.locator(f"{view} .xl-row:not(.xl-heads) .xl-tgt").first.bounding_box()
    assert tgt["y"] >= src["y"] + src["height"] - 1  # English below the Arabic, not beside it
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1


def test_stop_cancels_a_running_translation(page, seed_text):
    # three copies of the seed, every paragraph made unique (run number, in Arabic-Indic digits) so that no
    # earlier test's cached translations make it finish before Stop is pressed
    digits = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    paragraphs = [p for p in seed_text.split("\n\n") if p.strip()]
    long_text = "\n\n".join(f"{p} ({str(n).translate(digits)})" for n, p in enumerate(paragraphs * 3))
    translate(page, long_text)
    view = "#xl-translate-view"
    page.wait_for_selector(f"{view} .xl-badge")  # the first paragraph is in; the rest would follow in seconds
    page.get_by_role("button", name="Stop", exact=True).click()
    page.wait_for_timeout(1000)  # an update already on its way may still land
    count = page.locator(f"{view} .xl-tgt .xl-s").count()
    page.wait_for_timeout(6000)
    assert page.locator(f"{view} .xl-tgt .xl-s").count() == count  # no more paragraphs arrived
    assert not page.get_by_role("button", name="English text").is_visible()
    translate(page, "وحذر من عقوبات جديدة.")  # the page takes a new request at once
    page.wait_for_function(f"() => document.querySelectorAll('{view} .xl-src .xl-s').length == 1")
    wait_done(page, view)


def test_routed_page_detects_the_language_and_directs_the_text(browser, routed_url, monkeypatch):
    monkeypatch.delenv("XLING_MODEL", raising=False)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(routed_url)
    page.wait_for_selector("#xl-source textarea")
    box = "#xl-source textarea"
    # the page's script marks the text boxes once the app has rendered them
    page.wait_for_function("() => document.querySelector('#xl-source textarea').getAttribute('dir') === 'auto'",
                           timeout=15_000)
    page.fill(box, ARABIC)
    assert page.eval_on_selector(box, "t => getComputedStyle(t).direction") == "rtl"
    page.fill(box, "Le président a parlé mardi.")
    assert page.eval_on_selector(box, "t => getComputedStyle(t).direction") == "ltr"
    # the French example, translated by the French model, its language detected and said
    page.get_by_text("Rail plan in Portugal").first.click()
    page.get_by_role("button", name="Translate", exact=True).click()
    view = "#xl-translate-view"
    wait_done(page, view)
    status = page.locator("#xl-translate-status").inner_text()
    assert "French (fr, detected" in status and "opus-mt-fr-en" in status
    assert page.locator(f"{view} .xl-src").first.get_attribute("lang") == "fr"
    assert page.locator(f"{view} .xl-src").first.get_attribute("dir") == "ltr"
    # a language without its model: said in place, and the page goes on with another
    page.fill(box, "Die Bundesregierung hat am Mittwoch in Berlin neue Hilfen für die Landwirtschaft beschlossen.")
    page.get_by_role("button", name="Translate", exact=True).click()
    notice = page.wait_for_selector(f"{view} .xl-notice-error")
    assert "Helsinki-NLP/opus-mt-de-en" in notice.inner_text()
    # compare the Russian example with its English version, without a model
    page.get_by_role("tab", name="Compare").click()
    page.get_by_text("Bridge repairs in Novosibirsk").last.click()
    page.get_by_label("Use the translation model").uncheck()
    page.get_by_role("button", name="Compare", exact=True).click()
    wait_done(page, "#xl-compare-view")
    status = page.locator("#xl-compare-status").inner_text()
    assert "Russian (ru, detected" in status and "English (en, detected" in status
    shot = os.environ.get("XLING_README_SCREENSHOT")
    if shot:
        page.goto(routed_url)  # a fresh page: no notice left over from the steps above
        page.wait_for_selector("#xl-source textarea")
        page.get_by_role("tab", name="Compare").click()
        page.get_by_text("Rail plan in Portugal").last.click()
        page.get_by_label("Use the translation model").uncheck()
        page.get_by_role("button", name="Compare", exact=True).click()
        page.wait_for_function("() => document.querySelector('#xl-compare-status').innerText.includes('French')")
        wait_done(page, "#xl-compare-view")
        page.evaluate("() => document.querySelector('#xl-compare-status').scrollIntoView()")
        page.locator('#xl-compare-view .xl-tgt .xl-s[data-s="1"]').hover()
        out = Path(shot)
        _save_small(page.screenshot(type="png", clip=_clip(page, "#xl-compare-status", 760)),
                    out.with_name(out.stem + "-fr" + out.suffix))
    context.close()
