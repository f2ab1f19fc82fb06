"""Document -> HTML for the page: the two sides aligned row by row, the entity legend and the QA issues.

Gradio's ``gr.HTML`` inserts what it gets with ``innerHTML`` and does not sanitize, so every piece of user
text reaches the page through :func:`text_html` only: ``html.escape(quote=True)`` plus ``$``, backtick and
backslash as character references (no template engine can ever evaluate them), C0 controls and the bidi
embedding/override/isolate controls shown as visible badges (a stray RLO cannot reorder the page), and runs
of the other script isolated in ``<bdi>``.

DOM contract (tests and users' scripts rely on it): each sentence is ``<span class="xl-s" data-s="BEAD">`` on
both sides, each entity mention ``<mark class="xl-e" data-e="ENTITY ID">``, pieces of text inside a QA
issue's spans ``<span class="xl-i" data-i="ISSUE INDEXES">``. The page's script (``static/view.js``, see
:func:`view_js`) adds ``is-active`` to a hovered or selected sentence and its counterparts, without a round trip.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import groupby

from xling.document import SEVERITIES, Document, Entity, Side
from xling.mt.routing import language_name
from xling.text.scripts import ARABIC_RANGES

#: Languages written right to left (the page sets ``dir`` from the side's language).
RTL_LANGS = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "ps", "sd", "ug", "ur", "yi"})

#: Entity colours (background, underline); an entity's colour is fixed by its place in ``doc.entities``.
PALETTE = (
    ("#dbeafe", "#2563eb"), ("#fde68a", "#b45309"), ("#d1fae5", "#059669"), ("#fce7f3", "#db2777"),
    ("#ede9fe", "#7c3aed"), ("#ffedd5", "#ea580c"), ("#cffafe", "#0891b2"), ("#ecfccb", "#65a30d"),
    ("#fee2e2", "#dc2626"), ("#e0e7ff", "#4f46e5"), ("#f5f5f4", "#57534e"), ("#fef9c3", "#a16207"),
)

SEVERITY_ICONS = {"error": "⛔", "warning": "⚠️", "info": "ℹ️"}

# -- escaping ------------------------------------------------------------------------------------------
#: Controls that change the display order of what follows (Trojan Source) or are not text at all.
_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_NAMES = {
    "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
}
_ARABIC = ARABIC_RANGES
#: Runs to isolate with <bdi> inside text of the other direction: Latin words and numbers in Arabic...
_LTR_RUN = re.compile(r"[0-9A-Za-z\u00c0-\u024f](?:[0-9A-Za-z\u00c0-\u024f.,:/%'’&+\- ]*[0-9A-Za-z\u00c0-\u024f%])?")
#: ...and Arabic-script words in English.
_RTL_RUN = re.compile(f"[{_ARABIC}](?:[{_ARABIC}\\s]*[{_ARABIC}])?")
_EXTRA_ESCAPES = str.maketrans({"$": "&#36;", "`": "&#96;", "\\": "&#92;"})


def escape(value: object) -> str:
    """``html.escape`` with quotes, plus ``$``, backtick and backslash as references (safe in any template).

    For attribute values and short labels: controls become U+FFFD (text goes through :func:`text_html`,
    which shows them as badges instead).
    """
    return html.escape(_CONTROL.sub("\ufffd", str(value)), quote=True).translate(_EXTRA_ESCAPES)


def _control_badge(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    label = _CONTROL_NAMES.get(ch, code)
    name = unicodedata.name(ch, "control character")
    return f'<span class="xl-ctl" title="{escape(code + " " + name)}">{escape(label)}</span>'


def text_html(text: str, direction: str = "ltr") -> str:
    """User text as inert HTML: escaped, controls made visible, other-direction runs isolated in <bdi>."""
    run = _LTR_RUN if direction == "rtl" else _RTL_RUN
    out: list[str] = []
    pos = 0
    for m in _CONTROL.finditer(text):
        out.append(_isolate_runs(text[pos : m.start()], run))
        out.append(_control_badge(m.group()))
        pos = m.end()
    out.append(_isolate_runs(text[pos:], run))
    return "".join(out)


def _isolate_runs(text: str, run: re.Pattern[str]) -> str:
    out: list[str] = []
    pos = 0
    for m in run.finditer(text):
        out.append(escape(text[pos : m.start()]))
        out.append(f"<bdi>{escape(m.group())}</bdi>")
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


# -- languages -----------------------------------------------------------------------------------------
def direction(lang: str) -> str:
    return "rtl" if lang.split("-")[0].lower() in RTL_LANGS else "ltr"


# -- layout --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One row of the view: paragraphs of each side shown next to each other (either range may be empty)."""

    source: range
    target: range
    pending: bool = False  # source paragraphs not translated yet (streaming)


def _paragraphs_of(side: Side, ids: Iterable[int]) -> list[int]:
    return sorted({side.sentences[i].paragraph for i in ids if 0 <= i < len(side.sentences)})


def layout_rows(doc: Document) -> list[Row]:
    """Group paragraphs into rows that no alignment bead crosses, as finely as possible.

    In translate mode this is one row per paragraph. In compare mode a translator may have merged or
    split paragraphs, or a bead may join sentences of two paragraphs: those paragraphs then share a row.
    Rows follow the bead order; source paragraphs after the last aligned one are rows of their own
    (``pending`` while a translation is streaming in).
    """
    beads = [
        (_paragraphs_of(doc.source, b.source), _paragraphs_of(doc.target, b.target)) for b in doc.alignment
    ]
    n = len(beads)
    # a cut before bead k is valid if everything after it lies strictly after everything before it, per side
    prefix_max = [(-1, -1)]
    for src, tgt in beads:
        ps, pt = prefix_max[-1]
        prefix_max.append((max([ps, *src]), max([pt, *tgt])))
    inf = 1 << 60
    suffix_min = [(inf, inf)] * (n + 1)
    for k in range(n - 1, -1, -1):
        src, tgt = beads[k]
        ss, st = suffix_min[k + 1]
        suffix_min[k] = (min([ss, *src]), min([st, *tgt]))
    cuts = [k for k in range(1, n) if prefix_max[k][0] < suffix_min[k][0] and prefix_max[k][1] < suffix_min[k][1]]
    rows: list[Row] = []
    done_src = done_tgt = -1
    for end in [*cuts, n]:
        src_last, tgt_last = prefix_max[end]
        if src_last > done_src or tgt_last > done_tgt:
            rows.append(Row(range(done_src + 1, src_last + 1), range(done_tgt + 1, tgt_last + 1)))
        done_src, done_tgt = max(done_src, src_last), max(done_tgt, tgt_last)
    aligned_src = {i for b in doc.alignment for i in b.source}
    unaligned = {s.paragraph for i, s in enumerate(doc.source.sentences) if i not in aligned_src}
    for p in range(done_src + 1, len(doc.source.paragraphs)):
        rows.append(Row(range(p, p + 1), range(0), pending=doc.mode == "translate" and p in unaligned))
    if done_tgt + 1 < len(doc.target.paragraphs):
        rows.append(Row(range(0), range(done_tgt + 1, len(doc.target.paragraphs))))
    return rows


# -- one side of a row ---------------------------------------------------------------------------------
class _Spans:
    """Marks ``(start, end, ...)`` sorted by start, with a fast lookup of those overlapping a range."""

    def __init__(self, items: Iterable[tuple]):
        self.items = sorted(items, key=lambda t: (t[0], -(t[1] - t[0])))  # longest first among equal starts
        self.starts = [t[0] for t in self.items]
        self.longest = max((t[1] - t[0] for t in self.items), default=0)

    def overlapping(self, start: int, end: int) -> list[tuple]:
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_left(self.starts, end)
        return [t for t in self.items[lo:hi] if t[1] > start]


@dataclass(frozen=True)
class _Marks:
    """What the text of one side is cut by: sentences (with their bead), entity mentions, issue spans."""

    sentences: _Spans  # start, end, bead index, css class
    mentions: _Spans  # start, end, entity index
    issues: _Spans  # start, end, issue index


def _marks(doc: Document, side_name: str) -> _Marks:
    side = doc.side(side_name)
    other = "target" if side_name == "source" else "source"
    bead_of: dict[int, int] = {}
    lonely: set[int] = set()
    for k, bead in enumerate(doc.alignment):
        for i in getattr(bead, side_name):
            bead_of[i] = k
            if not getattr(bead, other):
                lonely.add(i)
    solo = "xl-omission" if side_name == "source" else "xl-addition"
    return _Marks(
        _Spans((s.start, s.end, bead_of.get(i), solo if i in lonely else "") for i, s in enumerate(side.sentences)),
        _Spans((m.start, m.end, e) for e, entity in enumerate(doc.entities) for m in entity.mentions
               if m.side == side_name),
        _Spans((a, b, k) for k, issue in enumerate(doc.issues) for a, b in getattr(issue, side_name) if b > a),
    )


def _covering(items: Sequence[tuple], a: int, b: int) -> list[tuple]:
    return [item for item in items if item[0] <= a and b <= item[1]]


def _render_range(doc: Document, side_name: str, marks: _Marks, start: int, end: int) -> str:
    """Text ``[start, end)`` of a side, cut at every mark boundary and nested sentence > mention > issue."""
    side = doc.side(side_name)
    text = side.text
    sentences, mentions, issues = (group.overlapping(start, end) for group in (marks.sentences, marks.mentions,
                                                                               marks.issues))
    points = {start, end}
    for group in (sentences, mentions, issues):
        for item in group:
            points.update(p for p in item[:2] if start < p < end)
    cuts = sorted(points)
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        sentence = next(iter(_covering(sentences, a, b)), None)
        mention = next(iter(_covering(mentions, a, b)), None)  # the longest one starting first
        issue_ids = tuple(item[2] for item in _covering(issues, a, b))
        pieces.append((a, b, sentence, mention, issue_ids))
    dir_ = direction(side.lang)
    out: list[str] = []
    for sentence, by_sentence in groupby(pieces, key=lambda p: p[2]):
        inner: list[str] = []
        for mention, by_mention in groupby(by_sentence, key=lambda p: p[3]):
            parts: list[str] = []
            for issues, by_issue in groupby(by_mention, key=lambda p: p[4]):
                chunk = list(by_issue)
                body = text_html(text[chunk[0][0] : chunk[-1][1]], dir_)
                if issues:
                    ids = " ".join(str(k) for k in issues)
                    body = f'<span class="xl-i" data-i="{ids}">{body}</span>'
                parts.append(body)
            body = "".join(parts)
            if mention is not None:
                entity_index = mention[2]
                entity = doc.entities[entity_index]
                title = escape(f"{entity.name or entity.id} ({entity.label})")
                body = (
                    f'<mark class="xl-e ec-{entity_index % len(PALETTE)}" data-e="{escape(entity.id)}" '
                    f'title="{title}">{body}</mark>'
                )
            inner.append(body)
        body = "".join(inner)
        if sentence is not None and sentence[2] is not None:
            cls = f"xl-s {sentence[3]}".strip()
            title = ""
            if sentence[3] == "xl-omission":
                title = f' title="No {escape(language_name(doc.target.lang))} counterpart"'
            elif sentence[3] == "xl-addition":
                title = f' title="No {escape(language_name(doc.source.lang))} counterpart"'
            body = f'<span class="{cls}" data-s="{sentence[2]}" tabindex="0"{title}>{body}</span>'
        out.append(body)
    return "".join(out)


def _render_side(doc: Document, side_name: str, marks: _Marks, paragraphs: range) -> str:
    side = doc.side(side_name)
    paras = []
    for p in paragraphs:
        if p >= len(side.paragraphs):
            continue
        a, b = side.paragraphs[p]
        paras.append(f'<p class="xl-p" data-p="{p}">{_render_range(doc, side_name, marks, a, b)}</p>')
    return "".join(paras)


# -- panels --------------------------------------------------------------------------------------------
def _entity_table(doc: Document) -> str:
    if not doc.entities:
        return '<p class="xl-none">No named entities found.</p>'
    src_lang, tgt_lang = doc.source.lang, doc.target.lang
    head = (
        f"<tr><th>Entity</th><th>Type</th><th>{escape(language_name(src_lang))} forms</th>"
        f"<th>{escape(language_name(tgt_lang))} forms</th><th>Mentions</th><th>Consistency</th></tr>"
    )
    rows = []
    for k, entity in enumerate(doc.entities):
        forms = {
            name: Counter(doc.side(name).slice((m.start, m.end)) for m in entity.mentions if m.side == name)
            for name in ("source", "target")
        }
        n_src, n_tgt = sum(forms["source"].values()), sum(forms["target"].values())
        flag, flag_cls = consistency(doc, entity)
        cells = []
        for name, lang in (("source", src_lang), ("target", tgt_lang)):
            listed = ", ".join(
                f"<bdi>{text_html(form, direction(lang))}</bdi>" + (f" <small>×{n}</small>" if n > 1 else "")
                for form, n in forms[name].most_common()
            )
            cells.append(f'<td lang="{escape(lang)}" dir="{direction(lang)}">{listed or "—"}</td>')
        name = entity.name or (forms["target"].most_common(1) or forms["source"].most_common(1) or [(entity.id, 0)])[0][0]
        rows.append(
            f'<tr class="xl-ent-row" data-entity="{escape(entity.id)}" tabindex="0">'
            f'<td><mark class="xl-e ec-{k % len(PALETTE)}">{text_html(name)}</mark></td>'
            f"<td>{text_html(entity.label)}</td>{cells[0]}{cells[1]}"
            f'<td class="xl-num">{n_src} / {n_tgt}</td><td class="{flag_cls}">{escape(flag)}</td></tr>'
        )
    return f'<table class="xl-entities"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def consistency(doc: Document, entity: Entity) -> tuple[str, str]:
    """A one-glance flag for an entity: named on both sides of every aligned sentence pair that names it?"""
    n_source = sum(1 for m in entity.mentions if m.side == "source")
    n_target = len(entity.mentions) - n_source
    if n_source and not n_target:
        return f"⚠ not in the {language_name(doc.target.lang)}", "xl-flag-warn"
    if n_target and not n_source:
        return f"⚠ not in the {language_name(doc.source.lang)}", "xl-flag-warn"
    sentence_of = {name: _sentence_index(doc.side(name)) for name in ("source", "target")}
    present = {(m.side, sentence_of[m.side](m.start)) for m in entity.mentions}
    lopsided = sum(
        1 for bead in doc.alignment
        if any(("source", i) in present for i in bead.source) != any(("target", j) in present for j in bead.target)
    )
    if lopsided:
        pairs = "pair" if lopsided == 1 else "pairs"
        return f"⚠ one side only in {lopsided} sentence {pairs}", "xl-flag-warn"
    return "✓ consistent", "xl-flag-ok"


def _sentence_index(side: Side):  # -> Callable[[int], int | None]
    starts = [s.start for s in side.sentences]

    def index(offset: int) -> int | None:
        k = bisect.bisect_right(starts, offset) - 1
        return k if k >= 0 and offset < side.sentences[k].end else None

    return index


def _issue_list(doc: Document) -> str:
    if not doc.issues:
        return '<p class="xl-none">No issues found.</p>'
    order = {s: i for i, s in enumerate(SEVERITIES)}
    ranked = sorted(range(len(doc.issues)), key=lambda k: (order[doc.issues[k].severity], k))
    groups = []
    for severity, ks in groupby(ranked, key=lambda k: doc.issues[k].severity):
        items = []
        for k in ks:
            issue = doc.issues[k]
            has_spans = any(b > a for a, b in (*issue.source, *issue.target))
            items.append(
                f'<li><button type="button" class="xl-issue sev-{severity}" data-issue="{k}" '
                f'aria-pressed="false"{"" if has_spans else " disabled"}>'
                f'<code>{text_html(issue.code)}</code> <span>{text_html(issue.message)}</span></button></li>'
            )
        ks_count = len(items)
        groups.append(
            f'<h4 class="sev-{severity}">{SEVERITY_ICONS[severity]} {severity.title()} '
            f'<small>({ks_count})</small></h4><ul class="xl-issues">{"".join(items)}</ul>'
        )
    return "".join(groups)


def _summary(doc: Document, pending: bool) -> str:
    n_src, n_tgt = len(doc.source.sentences), len(doc.target.sentences)
    counts = Counter(i.severity for i in doc.issues)
    omissions = sum(1 for b in doc.alignment if b.source and not b.target)
    additions = sum(1 for b in doc.alignment if b.target and not b.source)
    bits = [
        f"{len(doc.source.paragraphs)} paragraphs",
        f"{n_src} ↔ {n_tgt} sentences",
        f"{len(doc.entities)} entities",
        ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in SEVERITIES if counts[s]) or "no issues",
    ]
    if omissions:
        bits.append(f'<span class="xl-key xl-omission">{omissions} without counterpart</span>')
    if additions:
        bits.append(f'<span class="xl-key xl-addition">{additions} added</span>')
    state = '<span class="xl-badge">translating…</span>' if pending else ""
    return (
        f'<div class="xl-summary">{state}<span>{" · ".join(bits)}</span>'
        f'<code class="xl-sig" title="settings signature">{text_html(doc.settings.signature())}</code></div>'
    )


# -- the whole view ------------------------------------------------------------------------------------
def render_document(doc: Document, *, pending: bool = False) -> str:
    """The aligned view of a Document (partial or complete), with its entity legend and issue list.

    ``pending``: a translation is still streaming in; source paragraphs without a translation yet show a
    placeholder instead of an empty column.
    """
    marks = {name: _marks(doc, name) for name in ("source", "target")}
    src_lang, tgt_lang = doc.source.lang, doc.target.lang
    src_dir, tgt_dir = direction(src_lang), direction(tgt_lang)
    rows = []
    for row in layout_rows(doc):
        source = _render_side(doc, "source", marks["source"], row.source)
        if row.pending and pending:
            target = '<p class="xl-p xl-pending">translating…</p>'
        else:
            target = _render_side(doc, "target", marks["target"], row.target)
        rows.append(
            f'<div class="xl-row"><div class="xl-side xl-src" lang="{escape(src_lang)}" dir="{src_dir}">{source}</div>'
            f'<div class="xl-side xl-tgt" lang="{escape(tgt_lang)}" dir="{tgt_dir}">{target}</div></div>'
        )
    heads = (
        f'<div class="xl-row xl-heads"><div class="xl-side" lang="{escape(src_lang)}" dir="{src_dir}">'
        f"{escape(language_name(src_lang, src_lang))} <small>· {escape(language_name(src_lang))}</small></div>"
        f'<div class="xl-side" lang="{escape(tgt_lang)}" dir="{tgt_dir}">{escape(language_name(tgt_lang, tgt_lang))}'
        f"</div></div>"
    )
    panels = (
        '<div class="xl-panels">'
        f'<section class="xl-panel"><h3>Translation checks</h3><div class="xl-panel-body">{_issue_list(doc)}</div></section>'
        f'<section class="xl-panel"><h3>Named entities</h3><div class="xl-panel-body">{_entity_table(doc)}</div>'
        "</section>"
        "</div>"
    )
    return (
        f'<div class="xl-doc" data-mode="{escape(doc.mode)}">{_summary(doc, pending)}'
        f'<div class="xl-rows">{heads}{"".join(rows)}</div>{panels}</div>'
    )


def render_message(message: str, kind: str = "info") -> str:
    """A notice in the view's place: the empty state, a model problem, an input error."""
    kind = kind if kind in ("info", "warning", "error") else "info"
    return f'<div class="xl-doc"><div class="xl-notice xl-notice-{kind}">{text_html(message)}</div></div>'


# -- styles and behaviour ------------------------------------------------------------------------------
ARABIC_FONTS = ("Noto Naskh Arabic", "Noto Sans Arabic", "Amiri", "Geeza Pro", "Tahoma", "sans-serif")
UI_FONTS = ("Noto Sans", "ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue",
            "Arial", "sans-serif")


def _font_stack(fonts: Sequence[str]) -> str:
    return ", ".join(f'"{f}"' if " " in f else f for f in fonts)


def _palette_css() -> str:
    return "\n".join(
        f".xl-e.ec-{k} {{ background: {bg}; box-shadow: inset 0 -2px 0 {line}; }}" for k, (bg, line) in enumerate(PALETTE)
    )


#: The view's static rules and script, shipped as package files (read on first use, then cached).
STATIC = "static"


@lru_cache(maxsize=None)
def _static(name: str) -> str:
    return resources.files("xling.render").joinpath(STATIC, name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def view_css() -> str:
    """The view's CSS: ``static/view.css`` plus the generated Arabic font stack and entity palette."""
    return (
        _static("view.css")
        + "/* generated by xling.render.html from ARABIC_FONTS and PALETTE */\n"
        + f".xl-doc [dir=rtl], .xl-doc [lang=ar] {{ font-family: {_font_stack(ARABIC_FONTS)}; }}\n"
        + _palette_css()
        + "\n"
    )


def view_js() -> str:
    """The view's script, ``static/view.js``: one function for Gradio's ``js`` (event delegation on
    ``document``, so it works on HTML that streaming replaces and needs no server round trip)."""
    return _static("view.js")


#: ``VIEW_CSS`` and ``VIEW_JS`` read as :func:`view_css` and :func:`view_js` (module ``__getattr__``: the
#: files are read when a name is first used, not when this module is imported).
VIEW_CSS: str
VIEW_JS: str
_LAZY_ASSETS = {"VIEW_CSS": view_css, "VIEW_JS": view_js}


def __getattr__(name: str) -> str:
    if name in _LAZY_ASSETS:
        return _LAZY_ASSETS[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
