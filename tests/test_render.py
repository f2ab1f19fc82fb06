"""render.py: the HTML view is inert whatever the text, keeps every character, and honours the DOM contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xling.document import Bead, Document, Entity, Issue, Mention, Sentence, Settings, Side
from xling.render.html import PALETTE, escape, layout_rows, render_document, render_message, text_html

ALLOWED_TAGS = {"div", "p", "span", "mark", "bdi", "small", "code", "section", "h3", "h4", "ul", "li", "button",
                "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRS = {"class", "data-s", "data-e", "data-i", "data-p", "data-mode", "data-entity", "data-issue", "lang",
                 "dir", "title", "tabindex", "type", "aria-pressed", "disabled"}
HOSTILE = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "${window.__xss=1}",
    "`${alert(1)}`",
    "\\u003cscript\\u003e",
    "\u202eevil\u202c",
    "\u2067isolate\u2069",
    '"><svg onload=alert(1)>',
    "{{value}} @children",
    "&lt;b&gt;",
]


# -- a small HTML tree, to check the output as a browser would parse it ----------------------------------
@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)

    def text(self, skip_class: str = "xl-ctl") -> str:
        return "".join(
            c if isinstance(c, str) else ("" if skip_class in (c.attrs.get("class") or "").split() else c.text())
            for c in self.children
        )

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, cls: str | None = None, attr: str | None = None) -> list[Node]:
        return [n for n in self.iter() if (cls is None or cls in (n.attrs.get("class") or "").split())
                and (attr is None or attr in n.attrs)]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def handle_endtag(self, tag):
        assert self.stack[-1].tag == tag, f"unbalanced </{tag}> inside <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(markup: str) -> Node:
    builder = _Builder()
    builder.feed(markup)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


def assert_inert(markup: str) -> Node:
    """Only the tags and attributes render.py writes; no characters any template engine would evaluate."""
    for ch in "$`\\\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert ch not in markup, f"raw {ch!r} in the HTML"
    tree = parse(markup)
    for node in tree.iter():
        if node is tree:
            continue
        assert node.tag in ALLOWED_TAGS, node.tag
        assert set(node.attrs) <= ALLOWED_ATTRS, node.attrs
    return tree


# -- hand-made documents ---------------------------------------------------------------------------------
def build_side(lang: str, paragraphs: list[list[str]]) -> Side:
    """A Side from paragraphs of sentences: sentences joined by a space, paragraphs by a blank line."""
    text, paras, sents = "", [], []
    for p, sentences in enumerate(paragraphs):
        if p:
            text += "\n\n"
        start = len(text)
        for k, sentence in enumerate(sentences):
            if k:
                text += " "
            sents.append(Sentence(len(text), len(text) + len(sentence), p))
            text += sentence
        paras.append((start, len(text)))
    return Side(lang, text, tuple(paras), tuple(sents))


def find(side: Side, needle: str, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = side.text.index(needle, start + 1)
    return start, start + len(needle)


AR = [["قال فلاديمير بوتين إن المكالمة مع جو بايدن كانت جيدة.", "واستمرت 50 دقيقة."],
      ["وحذر بوتين من عقوبات جديدة."]]
EN = [["Vladimir Putin said the call with Joe Biden was good.", "It lasted 50 minutes."],
      ["Putin warned against new sanctions.", "He spoke on Friday."]]


@pytest.fixture
def doc() -> Document:
    source, target = build_side("ar", AR), build_side("en", EN)
    putin = Entity("putin", "PERSON", tuple(
        Mention(side, *find(s, form, nth)) for side, s, form, nth in [
            ("source", source, "فلاديمير بوتين", 0), ("source", source, "بوتين", 1),
            ("target", target, "Vladimir Putin", 0), ("target", target, "Putin", 1)]), name="Vladimir Putin")
    biden = Entity("biden", "PERSON", (Mention("source", *find(source, "جو بايدن")),
                                       Mention("target", *find(target, "Joe Biden"))), name="Joe Biden")
    issues = (
        Issue("addition", "warning", "English sentence 3 has no Arabic counterpart <b>", target=(find(target, "He spoke on Friday."),)),
        Issue("number", "error", "50 ≠ 05", source=(find(source, "50"),), target=(find(target, "50"),)),
        Issue("note", "info", "no spans at all"),
    )
    return Document("compare", Settings(), source, target,
                    alignment=(Bead([0], [0]), Bead([1], [1]), Bead([2], [2]), Bead([], [3])),
                    entities=(putin, biden), issues=issues)


def test_hand_made_document_is_valid(doc):
    doc.validate()


def test_every_sentence_carries_its_bead_on_both_sides(doc):
    tree = assert_inert(render_document(doc))
    for side_cls, side_name in (("xl-src", "source"), ("xl-tgt", "target")):
        spans = [n for col in tree.find_all(side_cls) for n in col.find_all("xl-s")]
        assert [int(n.attrs["data-s"]) for n in spans] == [
            k for k, b in enumerate(doc.alignment) for _ in getattr(b, side_name)]
        assert [n.text() for n in spans] == doc.side(side_name).sentence_texts()


def test_mentions_carry_entity_id_and_one_colour_on_both_sides(doc):
    tree = parse(render_document(doc))
    rows = tree.find_all("xl-rows")[0]
    for k, entity in enumerate(doc.entities):
        marks = [n for n in rows.find_all("xl-e") if n.attrs.get("data-e") == entity.id]
        assert len(marks) == len(entity.mentions)
        assert {n.text() for n in marks} == {doc.side(m.side).slice((m.start, m.end)) for m in entity.mentions}
        assert {c for n in marks for c in n.attrs["class"].split() if c.startswith("ec-")} == {f"ec-{k % len(PALETTE)}"}


def test_issue_spans_are_marked_and_listed_by_severity(doc):
    tree = parse(render_document(doc))
    for k, issue in enumerate(doc.issues):
        pieces = [n for n in tree.find_all("xl-i") if str(k) in n.attrs["data-i"].split()]
        expected = [doc.side(s).slice(span) for s in ("source", "target") for span in getattr(issue, s)]
        assert [n.text() for n in pieces] == expected
    buttons = tree.find_all("xl-issue")
    assert [b.attrs["data-issue"] for b in buttons] == ["1", "0", "2"]  # error, warning, info
    assert "disabled" in buttons[2].attrs and "disabled" not in buttons[0].attrs
    assert "<b>" not in render_document(doc)


def test_lonely_sentences_are_marked(doc):
    tree = parse(render_document(doc))
    added = tree.find_all("xl-addition")
    assert [n.text() for n in added if "xl-s" in n.attrs["class"]] == ["He spoke on Friday."]
    assert not [n for n in tree.find_all("xl-omission") if "xl-s" in n.attrs["class"]]


def test_rows_follow_paragraphs_and_directions(doc):
    tree = parse(render_document(doc))
    rows = [r for r in tree.find_all("xl-row") if "xl-heads" not in r.attrs["class"]]
    assert len(rows) == 2
    src = rows[0].find_all("xl-src")[0]
    assert (src.attrs["lang"], src.attrs["dir"]) == ("ar", "rtl")
    assert (rows[0].find_all("xl-tgt")[0].attrs["dir"]) == "ltr"


def test_numbers_and_latin_in_arabic_are_isolated():
    assert text_html("استمرت 50 دقيقة مع COVID-19", "rtl") == "استمرت <bdi>50</bdi> دقيقة مع <bdi>COVID-19</bdi>"
    assert text_html("Putin (بوتين) said", "ltr") == "Putin (<bdi>بوتين</bdi>) said"


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_is_inert_everywhere(payload):
    side_ar = build_side("ar", [[f"قال {payload} بوتين."]])
    side_en = build_side("en", [[f"He said {payload}."]])
    hostile_doc = Document(
        "compare", Settings(model=payload), side_ar, side_en, alignment=(Bead([0], [0]),),
        entities=(Entity(payload, payload, (Mention("source", 0, 3), Mention("target", 0, 2)), name=payload),),
        issues=(Issue(payload, "warning", payload, source=((4, 4 + len(payload)),)),),
    )
    tree = assert_inert(render_document(hostile_doc))
    assert_inert(render_message(payload, "error"))
    assert payload.replace("\u202e", "").replace("\u202c", "").replace("\u2067", "").replace("\u2069", "") in \
        tree.find_all("xl-src")[0].text()


def test_bidi_controls_show_as_badges():
    markup = text_html("a\u202eb\u2066c\x07", "ltr")
    tree = parse(markup)
    badges = tree.find_all("xl-ctl")
    assert [b.text(skip_class="-") for b in badges] == ["RLO", "LRI", "U+0007"]
    assert tree.text() == "abc"


def test_escape_covers_template_characters():
    assert escape("${x}`\\\"'<>&") == "&#36;{x}&#96;&#92;&quot;&#x27;&lt;&gt;&amp;"


def test_partial_translation_shows_pending_paragraphs():
    source = build_side("ar", [["جملة أولى."], ["جملة ثانية."], ["جملة ثالثة."]])
    target = build_side("en", [["First sentence."]])
    partial = Document("translate", Settings(), source, target, alignment=(Bead([0], [0]),))
    markup = render_document(partial, pending=True)
    tree = assert_inert(markup)
    rows = [r for r in tree.find_all("xl-row") if "xl-heads" not in r.attrs["class"]]
    assert len(rows) == 3
    assert [len(r.find_all("xl-pending")) for r in rows] == [0, 1, 1]
    assert "translating…" in tree.find_all("xl-summary")[0].text()
    assert not parse(render_document(partial)).find_all("xl-pending")


def test_merged_paragraphs_share_a_row():
    source = build_side("ar", [["أ."], ["ب."], ["ج."]])
    target = build_side("en", [["A.", "B."], ["C."]])  # the translator merged two paragraphs
    merged = Document("compare", Settings(), source, target,
                      alignment=(Bead([0], [0]), Bead([1], [1]), Bead([2], [2])))
    assert [(list(r.source), list(r.target)) for r in layout_rows(merged)] == [([0, 1], [0]), ([2], [1])]


# -- properties over random documents ------------------------------------------------------------------
sentence_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Zl", "Zp")), min_size=1, max_size=12
).map(lambda s: s.replace("\n", " ").strip() or "x")


@st.composite
def documents(draw) -> Document:
    """Random monotone alignments (0-2 sentences a side per bead) over random texts, random paragraph breaks."""
    shapes = draw(st.lists(st.sampled_from([(1, 1), (1, 0), (0, 1), (2, 1), (1, 2)]), min_size=1, max_size=8))
    sides = {}
    for k, lang in ((0, "ar"), (1, "en")):
        n = sum(shape[k] for shape in shapes)
        texts = [draw(sentence_text) for _ in range(n)]
        breaks = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        paragraphs: list[list[str]] = []
        for i, text in enumerate(texts):
            if not paragraphs or breaks[i]:
                paragraphs.append([])
            paragraphs[-1].append(text)
        sides[lang] = build_side(lang, paragraphs or [])
    beads, i, j = [], 0, 0
    for ns, nt in shapes:
        beads.append(Bead(range(i, i + ns), range(j, j + nt)))
        i, j = i + ns, j + nt
    source, target = sides["ar"], sides["en"]
    mentions = []
    for side_name, side in (("source", source), ("target", target)):
        for s in side.sentences[: draw(st.integers(0, 3))]:
            mentions.append(Mention(side_name, s.start, min(s.end, s.start + draw(st.integers(1, 4)))))
    entities = (Entity("e<1>", "PERSON", tuple(mentions)),) if mentions else ()
    issue_spans = [(a, b) for a, b in draw(st.lists(st.tuples(st.integers(0, len(source.text)),
                                                              st.integers(0, len(source.text))), max_size=3))]
    issues = (Issue("x", "warning", "m", source=[tuple(sorted(span)) for span in issue_spans]),)
    mode = draw(st.sampled_from(["translate", "compare"]))
    return Document(mode, Settings(), source, target, tuple(beads), entities, issues)


@settings(max_examples=60, deadline=None)
@given(documents())
def test_rows_cover_every_paragraph_once_in_order(doc):
    rows = layout_rows(doc)
    for name in ("source", "target"):
        listed = [p for r in rows for p in getattr(r, name)]
        assert listed == list(range(len(doc.side(name).paragraphs)))
    for k, bead in enumerate(doc.alignment):  # no bead is split across rows
        homes = {r_i for r_i, r in enumerate(rows) for name in ("source", "target")
                 for i in getattr(bead, name) if doc.side(name).sentences[i].paragraph in getattr(r, name)}
        assert len(homes) == 1, (k, homes)


@settings(max_examples=60, deadline=None)
@given(documents())
def test_view_keeps_every_character_and_stays_inert(doc):
    tree = assert_inert(render_document(doc))
    for side_cls, name in (("xl-src", "source"), ("xl-tgt", "target")):
        paragraphs = [p for col in tree.find_all(side_cls) for p in col.find_all("xl-p")]
        side = doc.side(name)
        shown = [p.text() for p in paragraphs]
        expected = [side.paragraph_text(i) for i in range(len(side.paragraphs))]
        strip = str.maketrans("", "", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" +
                              "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 127])))
        assert shown == [e.translate(strip) for e in expected]
