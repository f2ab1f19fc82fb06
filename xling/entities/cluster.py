"""Clustering linked mentions into entities: union-find over pairs, Arabic forms and same names."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from xling.document import Bead, Document, Entity, Mention
from xling.entities.recognize import Found, SpanSet
from xling.names.arabic import arabic_key, arabic_tokens, clitic_splits, normalize_arabic, stem_offset
from xling.names.lexicon import NAME, english_key

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


def propagate_arabic_forms(doc: Document, mentions: list[Found], index, uf: UnionFind, linked: set[int]) -> None:
    """Every occurrence of a linked Arabic name (outside transliteration-only beads) joins its entity."""
    forms: dict[str, int] = {}
    for k in sorted(linked):
        f = mentions[k]
        if f.entry is None and f.kind == NAME:
            forms.setdefault(arabic_form(f.text), k)
    if not forms:
        return
    longest = max(form.count(" ") + 1 for form in forms)
    text = doc.source.text
    covered = SpanSet((m.start, m.end) for m in mentions if m.side == "source")
    for s_index, sent in enumerate(doc.source.sentences):
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
                    mentions.append(Found("source", start, end, text[start:end], owner.label, s_index))
                    index[("source", start, end)] = len(mentions) - 1
                    uf.union(len(mentions) - 1, forms[hit[1]])
                    covered.add((start, end))
                break


def union_same_names(mentions: list[Found], uf: UnionFind) -> None:
    """Same lexicon entry, same Arabic form, same English name, or a person's short name ending a full one."""
    by_key: dict[tuple, int] = {}
    full_names: dict[str, list[int]] = defaultdict(list)
    for k, f in enumerate(mentions):
        keys = []
        if f.entry is not None:
            keys.append(("entry", f.entry.key))
        elif f.side == "source":
            keys.append(("ar", arabic_form(f.text)))
        else:
            keys.append(("en", english_key(f.text)))
            if f.label == "PER" and len(f.text.split()) > 1:
                full_names[f.text.split()[-1].casefold()].append(k)
        for key in keys:
            if key in by_key:
                uf.union(by_key[key], k)
            else:
                by_key[key] = k
    for k, f in enumerate(mentions):
        if f.side == "target" and f.entry is None and len(f.text.split()) == 1:
            short = f.text.casefold()
            owners = {uf.find(o) for o in full_names.get(short, [])}
            if short in full_names:  # clusters only merge: their roots stand for all the full names from now on
                full_names[short] = sorted(owners)
            if len(owners) == 1:  # ambiguous short names (two Bidens) stay apart
                uf.union(owners.pop(), k)


def build_entities(doc: Document, beads: list[Bead], mentions: list[Found], uf: UnionFind) -> list[Entity]:
    """One Entity per cluster, numbered E1, E2, ... in order of first appearance (by bead, source first)."""
    bead_of = bead_of_sentence(beads)
    clusters: dict[int, list[Found]] = defaultdict(list)
    for k, f in enumerate(mentions):
        clusters[uf.find(k)].append(f)

    def first(ms: list[Found]) -> tuple:
        return min((bead_of.get((m.side, m.sentence), m.sentence), m.side != "source", m.start) for m in ms)

    entities = []
    for n, ms in enumerate(sorted(clusters.values(), key=first), 1):
        ms = sorted({(m.side, m.start, m.end): m for m in ms}.values(), key=lambda m: (m.side, m.start))
        entry = next((m.entry for m in ms if m.entry is not None), None)
        labels = Counter(m.label for m in ms if m.kind == NAME) or Counter(m.label for m in ms)
        label = entry.label if entry is not None else ("PER" if "PER" in labels else labels.most_common(1)[0][0])
        english_names = [m.text for m in ms if m.side == "target" and m.kind == NAME]
        if entry is not None:
            name = entry.english[0]
        elif english_names:
            counts = Counter(english_names)
            name = max(english_names, key=lambda t: (len(t.split()), counts[t]))
        else:
            name = ms[0].text
        entities.append(Entity(f"E{n}", label, tuple(Mention(m.side, m.start, m.end) for m in ms), name))
    return entities


__all__ = [
    "bead_of_sentence", "UnionFind", "arabic_form", "propagate_arabic_forms", "union_same_names", "build_entities",
]
