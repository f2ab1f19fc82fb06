"""Clustering linked mentions into entities: union-find over pairs, Arabic forms and same names."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from xling.document import Bead, Document, Entity, Mention
from xling.entities.recognize import Found, SpanSet
from xling.names.arabic import arabic_key, arabic_tokens, clitic_splits, normalize_arabic, stem_offset
from xling.names.inflection import fold, name_readings
from xling.names.lexicon import NAME, english_key
from xling.names.tokens import SPACELESS_SCRIPTS
from xling.text.scripts import ARABIC_LETTER

#: The languages of the two sides when a caller does not say (the Arabic-English pipeline).
DEFAULT_LANGS = {"source": "ar", "target": "en"}

# -- 4. clustering ---------------------------------------------------------------------------------------


def bead_of_sentence(beads: Sequence[Bead]) -> dict[tuple[str, int], int]:
    """``(side, sentence index) -> bead index``."""
    return {(side, s): b for b, bead in enumerate(beads) for side in ("source", "target") for s in getattr(bead, side)}


class UnionFind:
    """Disjoint sets over mention indexes (path halving; the smaller index is the root)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def arabic_form(text: str) -> str:
    """The normalized form of an Arabic mention, the key for "same name" across the document."""
    return arabic_key(re.findall(r"\w+", normalize_arabic(text)))


def propagate_forms(doc: Document, mentions: list[Found], index, uf: UnionFind, linked: set[int], side: str,
                    script: str | None) -> None:
    """Every occurrence of a linked name on a caseless ``side`` joins its entity: Arabic-script names with
    their clitics (:func:`propagate_arabic_forms`), other scripts as written."""
    if script == "Arabic":
        propagate_arabic_forms(doc, mentions, index, uf, linked, side)
        return
    forms: dict[str, int] = {}
    for k in sorted(linked):
        f = mentions[k]
        if f.entry is None and f.kind == NAME and f.side == side:
            forms.setdefault(f.text, k)
    if not forms:
        return
    text = doc.side(side).text
    covered = SpanSet((m.start, m.end) for m in mentions if m.side == side)
    starts = [s.start for s in doc.side(side).sentences]
    spaced = script not in SPACELESS_SCRIPTS
    for form in sorted(forms, key=len, reverse=True):
        pattern = re.compile((r"(?<!\w)" if spaced else "") + re.escape(form) + (r"(?!\w)" if spaced else ""))
        for m in pattern.finditer(text):
            if covered.overlaps(m.span()):
                continue
            s_index = _sentence_index(starts, m.start())
            owner = mentions[forms[form]]
            mentions.append(Found(side, m.start(), m.end(), m.group(), owner.label, s_index))
            index[(side, m.start(), m.end())] = len(mentions) - 1
            uf.union(len(mentions) - 1, forms[form])
            covered.add(m.span())


def _sentence_index(starts: list[int], pos: int) -> int:
    import bisect

    return max(0, bisect.bisect_right(starts, pos) - 1)


def propagate_arabic_forms(doc: Document, mentions: list[Found], index, uf: UnionFind, linked: set[int],
                           side: str = "source") -> None:
    """Every occurrence of a linked Arabic name (outside transliteration-only beads) joins its entity."""
    forms: dict[str, int] = {}
    for k in sorted(linked):
        f = mentions[k]
        if f.entry is None and f.kind == NAME:
            forms.setdefault(arabic_form(f.text), k)
    if not forms:
        return
    longest = max(form.count(" ") + 1 for form in forms)
    text = doc.side(side).text
    covered = SpanSet((m.start, m.end) for m in mentions if m.side == side)
    for s_index, sent in enumerate(doc.side(side).sentences):
        tokens = list(arabic_tokens(text, sent.start, sent.end))
        for i in range(len(tokens)):
            for n in range(min(longest, len(tokens) - i), 0, -1):
                rest = [t[2] for t in tokens[i + 1 : i + n]]
                hit = None
                for prefix, stem in clitic_splits(tokens[i][2]):
                    if arabic_key([stem, *rest]) in forms:
                        hit = (prefix, arabic_key([stem, *rest]))
                        break
                if hit is None:
                    continue
                start = tokens[i][0] + stem_offset(text[tokens[i][0] : tokens[i][1]], hit[0])
                end = tokens[i + n - 1][1]
                if not covered.overlaps((start, end)):
                    owner = mentions[forms[hit[1]]]
                    mentions.append(Found(side, start, end, text[start:end], owner.label, s_index))
                    index[(side, start, end)] = len(mentions) - 1
                    uf.union(len(mentions) - 1, forms[hit[1]])
                    covered.add((start, end))
                break


def name_keys(f: Found, lang: str) -> list[tuple]:
    """Keys under which mentions are one name: the lexicon entry; else the Arabic form, the English key, or
    (other languages) each reading of the name without case endings (Путина and Путину share путин)."""
    if f.entry is not None:
        return [("entry", f.entry.key)]
    if ARABIC_LETTER.search(f.text):
        return [(f.side, "ar", arabic_form(f.text))]
    if (lang or "").split("-")[0] == "en":
        return [(f.side, "en", english_key(f.text))]
    return [(f.side, "name", reading.casefold()) for reading in name_readings(f.text, lang)]


def _short_keys(word: str, lang: str) -> list[str]:
    if (lang or "").split("-")[0] == "en":
        return [word.casefold()]
    return [fold(r) for r in name_readings(word, lang)]


def union_same_names(mentions: list[Found], uf: UnionFind, langs: Mapping[str, str] | None = None) -> None:
    """Same lexicon entry, same name (inflection and Arabic spelling aside), or a person's short name ending
    a full one on the same side. ``langs`` maps each side to its language (default: Arabic source, English
    target)."""
    langs = langs or DEFAULT_LANGS
    by_key: dict[tuple, int] = {}
    full_names: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, f in enumerate(mentions):
        lang = langs.get(f.side, "")
        keys = name_keys(f, lang)
        if f.entry is None and not ARABIC_LETTER.search(f.text) and f.label == "PER" and len(f.text.split()) > 1:
            for short in _short_keys(f.text.split()[-1], lang):
                full_names[(f.side, short)].append(k)
        for key in keys:
            if key in by_key:
                uf.union(by_key[key], k)
            else:
                by_key[key] = k
    for k, f in enumerate(mentions):
        if f.entry is None and len(f.text.split()) == 1 and not ARABIC_LETTER.search(f.text):
            shorts = [(f.side, s) for s in _short_keys(f.text, langs.get(f.side, ""))]
            short = next((s for s in shorts if s in full_names), None)
            if short is None:
                continue
            owners = {uf.find(o) for o in full_names[short]}
            full_names[short] = sorted(owners)  # clusters only merge: their roots stand for all the full names
            if len(owners) == 1:  # ambiguous short names (two Bidens) stay apart
                uf.union(owners.pop(), k)


def build_entities(doc: Document, beads: list[Bead], mentions: list[Found], uf: UnionFind,
                   drop: set[int] | frozenset[int] = frozenset()) -> list[Entity]:
    """One Entity per cluster, numbered E1, E2, ... in order of first appearance (by bead, source first);
    the mentions in ``drop`` are left out."""
    bead_of = bead_of_sentence(beads)
    clusters: dict[int, list[Found]] = defaultdict(list)
    for k, f in enumerate(mentions):
        if k not in drop:
            clusters[uf.find(k)].append(f)

    def first(ms: list[Found]) -> tuple:
        return min((bead_of.get((m.side, m.sentence), m.sentence), m.side != "source", m.start) for m in ms)

    entities = []
    for n, ms in enumerate(sorted(clusters.values(), key=first), 1):
        ms = sorted({(m.side, m.start, m.end): m for m in ms}.values(), key=lambda m: (m.side, m.start))
        entry = next((m.entry for m in ms if m.entry is not None), None)
        labels = Counter(m.label for m in ms if m.kind == NAME) or Counter(m.label for m in ms)
        specific = Counter({k: v for k, v in labels.items() if k != "MISC"}) or labels  # "the company Yandex"
        label = entry.label if entry is not None else ("PER" if "PER" in labels else specific.most_common(1)[0][0])
        english_names = [m.text for m in ms if m.side == _display_side(doc) and m.kind == NAME]
        if entry is not None:
            name = entry.english[0]
        elif english_names:
            counts = Counter(english_names)
            name = max(english_names, key=lambda t: (len(t.split()), counts[t]))
        else:
            name = ms[0].text
        entities.append(Entity(f"E{n}", label, tuple(Mention(m.side, m.start, m.end) for m in ms), name))
    return entities


def _display_side(doc: Document) -> str:
    """The side whose spelling names an entity the lexicon does not know: the English one, else the target."""
    return "source" if (doc.source.lang or "").split("-")[0] == "en" and \
        (doc.target.lang or "").split("-")[0] != "en" else "target"


__all__ = [
    "DEFAULT_LANGS", "bead_of_sentence", "UnionFind", "arabic_form", "propagate_forms", "propagate_arabic_forms",
    "name_keys", "union_same_names", "build_entities",
]
