"""Named entities on both sides, linked across languages and clustered into one id per real-world entity.

:func:`link_entities` is the pipeline stage; its steps:

1. **Recognize** mentions on the side(s) whose script has capitals (English by
   :mod:`xling.entities.recognize`, other languages by :mod:`xling.entities.cased`) and **find candidates**
   on a side without capitals (Arabic, Hebrew, Devanagari, Chinese, Japanese...): lexicon names, and word
   windows that sound like a recognized name (projection, :mod:`xling.entities.projection`). The side with
   capitals is the *anchor* (the target when both have them); any pair of languages works, neither needs
   to be English. When both sides have capitals, the lowercase words after a name join it where a name of
   the other side in the same bead confirms them word by word (Parti social-démocrate / Social Democratic
   Party: :func:`xling.entities.projection.confirm_extensions`).
2. **Link inside each bead** by score, greedily, under a threshold: no link is better than a wrong link.
3. **Cluster** over the document with union-find (:mod:`xling.entities.cluster`): linked pairs, same
   lexicon entry, the same Arabic form, and short English person names that end a longer one ("Putin"
   joins "Vladimir Putin"). Linked Arabic forms are then looked up in every source sentence, so a name the
   translation dropped still shows up as a source mention (that is what ``entity-missing`` reports).

Demonyms and nisba adjectives ("Russian", "the Russians", الروسي، الروس) are mentions *of the country*
(one id, one colour, label LOC). Translations swap "the Russian president" / "Russia's president" /
الرئيس الروسي freely, so treating them as one entity keeps ``entity-missing`` quiet on faithful
translations and still catches a country that vanished. They are never compared as spellings of a name
(``entity-inconsistent`` and :func:`xling.entities.consistency.harmonize_names` skip them).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from dataclasses import replace

from xling.document import Bead, Document
from xling.entities.cluster import UnionFind, build_entities, propagate_forms, union_same_names
from xling.entities.projection import (
    ARABIC_SCRIPT,
    SideRole,
    confirm_extensions,
    name_score,
    phrase_score,
    side_roles,
    window_candidates,
)
from xling.entities.recognize import (
    LINK_THRESHOLD,
    Found,
    SpanSet,
    recognize_with_model,
)
from xling.names.lexicon import NAME, default_lexicon
from xling.names.phonetics import skeleton, skeleton_similarity

# -- 3. linking inside beads ----------------------------------------------------------------------------


class _Slots:
    """One English name's Arabic candidates of one score and span length, by position in the bead.

    Slots that overlap a taken Arabic span are dead for good (taken spans only grow); skip pointers with
    path compression step over them, so every English mention with this name walks past each one at most
    about once in total.
    """

    def __init__(self, key: tuple[float, int], rows: list[tuple[int, int, object]], lo: int, width: int) -> None:
        self.key = key
        self.rows = rows  # (start, end, a Found or the source sentence index of a transliteration window)
        self.positions = [(start - lo) / width for start, _, _ in rows]
        self.left = list(range(len(rows)))
        self.right = list(range(len(rows)))

    def alive_left(self, j: int) -> int:
        """The nearest live slot at or before ``j`` (-1 if none)."""
        root = j
        while root >= 0 and self.left[root] != root:
            root = self.left[root]
        while j != root:
            self.left[j], j = root, self.left[j]
        return root

    def alive_right(self, j: int) -> int:
        """The nearest live slot at or after ``j`` (``len(rows)`` if none)."""
        n = len(self.rows)
        root = j
        while root < n and self.right[root] != root:
            root = self.right[root]
        while j != root:
            self.right[j], j = root, self.right[j]
        return root

    def kill(self, j: int) -> None:
        self.left[j], self.right[j] = j - 1, j + 1


def _walk(classes: list[_Slots], here: float, used: SpanSet):
    """One English mention's candidates in the order of the greedy: class by class (best score, then the
    tighter span), inside a class nearest relative position first, then the earlier Arabic span. Yields
    ``(distance, slots, index)``; slots overlapping ``used`` are skipped (and killed)."""
    for cls in classes:
        n = len(cls.rows)
        k = bisect.bisect_right(cls.positions, here)
        left, right = k - 1, k
        while True:
            left = cls.alive_left(left) if left >= 0 else -1
            right = cls.alive_right(right) if right < n else n
            if left < 0 and right >= n:
                break
            d_left = abs(here - cls.positions[left]) if left >= 0 else math.inf
            d_right = abs(here - cls.positions[right]) if right < n else math.inf
            j, d = (left, d_left) if left >= 0 and d_left <= d_right else (right, d_right)
            start, end, _ = cls.rows[j]
            if used.overlaps((start, end)):
                cls.kill(j)
                continue
            yield d, cls, j
            if j == left:
                left -= 1
            else:
                right += 1


def _link_bead(doc: Document, bead: Bead, english: list[Found], arabic: list[Found],
               anchor: SideRole | None = None, other: SideRole | None = None) -> list[tuple[Found, Found]]:
    """Pairs (anchor, other) for one bead; new mentions on a caseless other side come from word windows.

    ``english`` are the anchor side's recognized mentions, ``arabic`` the other side's mentions; the roles
    default to the English target and the Arabic source.

    Candidate pairs are taken greedily: best score (to 6 places) first; among equals the tighter Arabic
    span, then the one nearest the same relative position, then the earlier English and the earlier Arabic
    mention; a pair whose English mention is linked or whose Arabic span overlaps a linked one is skipped.
    That order is produced lazily (each English mention walks its candidates outwards from its own position;
    a heap merges the walks), and candidates are found once per distinct English name, not once per
    mention, so a name repeated thousands of times in one bead costs about linear time.
    """
    anchor = anchor or SideRole("target", "en", True, "Latin")
    other = other or SideRole("source", "ar", False, ARABIC_SCRIPT)
    other_sentences = getattr(bead, other.side)
    anchor_sentences = getattr(bead, anchor.side)
    if not english or not other_sentences:
        return []
    src, tgt = doc.side(other.side), doc.side(anchor.side)
    s_lo, s_hi = src.sentences[other_sentences[0]].start, src.sentences[other_sentences[-1]].end
    t_lo, t_hi = tgt.sentences[anchor_sentences[0]].start, tgt.sentences[anchor_sentences[-1]].end
    taken_by_gazetteer = SpanSet((a.start, a.end) for a in arabic)
    lexicon = default_lexicon()
    by_name: dict[tuple, list[_Slots]] = {}

    def classes(e: Found) -> list[_Slots]:
        name = (id(e.entry) if e.entry is not None else None, e.kind, e.text)
        if name in by_name:
            return by_name[name]
        grouped: dict[tuple[float, int], dict[int, tuple[int, int, object]]] = defaultdict(dict)
        for a in arabic:
            if e.entry is not None and a.entry is not None:
                if all(e.entry is not x for x in (a.entry, *a.alternatives)):
                    continue
                score = 1.0 if e.kind == a.kind else 0.9
            elif other.cased:
                score = max(name_score(a.text, other.lang, e.text, anchor.lang),
                            phrase_score(a.text, other.lang, e.text, anchor.lang))
            else:
                score = skeleton_similarity(skeleton(a.text), skeleton(e.text))
            if score >= LINK_THRESHOLD:
                grouped[(-round(score, 6), a.end - a.start)].setdefault(a.start, (a.start, a.end, a))
        # the lexicon knows its forms: a sound-alike (رئيس ~ Russia) is not one of them
        if (e.entry is None or not lexicon.forms(e.entry, other.lang)) and not other.cased:
            for s in other_sentences:
                sent = src.sentences[s]
                for score, start, end in window_candidates(src.text, (sent.start, sent.end), e.text, anchor, other):
                    if score < LINK_THRESHOLD:
                        break
                    if taken_by_gazetteer.overlaps((start, end)):
                        continue
                    grouped[(-round(score, 6), end - start)].setdefault(start, (start, end, s))
        by_name[name] = [_Slots(key, sorted(rows.values()), s_lo, max(1, s_hi - s_lo))
                         for key, rows in sorted(grouped.items())]
        return by_name[name]

    used_a = SpanSet()
    walks = []
    heap = []
    for k, e in enumerate(english):
        walk = _walk(classes(e), (e.start - t_lo) / max(1, t_hi - t_lo), used_a)
        walks.append(walk)
        _push(heap, walk, e, k)
    pairs = []
    used_e: set[int] = set()
    while heap:
        *_, k, cls, j = heapq.heappop(heap)
        e = english[k]
        if id(e) in used_e:
            continue
        start, end, found = cls.rows[j]
        if used_a.overlaps((start, end)):
            cls.kill(j)
            _push(heap, walks[k], e, k)
            continue
        if not isinstance(found, Found):
            found = Found(other.side, start, end, src.text[start:end], e.label, found, NAME, None)
        used_e.add(id(e))
        used_a.add((start, end))
        pairs.append((e, found))
    return pairs


def _push(heap: list, walk, e: Found, k: int) -> None:
    """Put English mention ``k``'s next candidate on the heap, keyed as the greedy orders pairs."""
    step = next(walk, None)
    if step is not None:
        d, cls, j = step
        heapq.heappush(heap, (*cls.key, d, e.start, k, cls, j))


def link_entities(doc: Document, *, ner_model: str | None = None) -> Document:
    """``doc`` with ``entities`` filled: mentions on both sides, one id per real-world entity (E1, E2, ...).

    Works for any two languages: the side whose script has capitals is recognized, the other is searched
    for lexicon names and for word windows that sound like the recognized names (both sides recognized
    when both have capitals). ``ner_model`` (a local directory or a model in the local Hugging Face cache,
    e.g. ``dslim/bert-base-NER`` or the multilingual ``Davlan/xlm-roberta-base-ner-hrl``) replaces the
    rule-based recognizer of the anchor side and adds mentions on the other; it is never downloaded, and a
    missing one raises ModelUnavailable at once.
    """
    lexicon = default_lexicon()
    anchor, other = side_roles(doc)
    spans = {side: [(s.start, s.end) for s in doc.side(side).sentences] for side in ("source", "target")}
    if ner_model:
        anchors = recognize_with_model(ner_model, doc.side(anchor.side).text, spans[anchor.side], anchor.side)
        model_other = recognize_with_model(ner_model, doc.side(other.side).text, spans[other.side], other.side)
        if other.cased:
            others, model_other = model_other, []
        else:
            others = other.recognize(doc, lexicon)
    else:
        anchors = anchor.recognize(doc, lexicon)
        others = other.recognize(doc, lexicon)
        model_other = []
    gazetteer_spans = SpanSet((a.start, a.end) for a in others)
    others += [m for m in model_other if not gazetteer_spans.overlaps((m.start, m.end))]
    by_sentence: dict[tuple[str, int], list[Found]] = defaultdict(list)
    for f in anchors + others:
        by_sentence[(f.side, f.sentence)].append(f)

    beads = doc.beads()
    pairs: list[tuple[Found, Found]] = []
    extended: dict[int, Found] = {}
    for bead in beads:
        e_in = [f for t in getattr(bead, anchor.side) for f in by_sentence[(anchor.side, t)]]
        a_in = [f for s in getattr(bead, other.side) for f in by_sentence[(other.side, s)]]
        if other.cased:  # lowercase words after a name, where the other side's name has them (Parti social-démocrate)
            e_new = confirm_extensions(e_in, anchor.lang, a_in, other.lang)
            a_new = confirm_extensions(a_in, other.lang, e_in, anchor.lang)
            extended.update((id(f), g) for f, g in zip(e_in + a_in, e_new + a_new) if g is not f)
            e_in, a_in = e_new, a_new
        pairs += _link_bead(doc, bead, e_in, a_in, anchor, other)

    mentions: list[Found] = [extended.get(id(f), f) for f in anchors + others]
    index = {(f.side, f.start, f.end): k for k, f in enumerate(mentions)}
    for e, a in pairs:
        if (a.side, a.start, a.end) not in index:
            index[(a.side, a.start, a.end)] = len(mentions)
            mentions.append(a)
        elif e.entry is not None and a.entry is not None and a.entry is not e.entry:
            # an ambiguous form takes the reading its counterpart chose (عمان -> Amman)
            mentions[index[(a.side, a.start, a.end)]] = replace(a, entry=e.entry, label=e.entry.label)
    uf = UnionFind()
    linked = set()
    for e, a in pairs:
        i, j = index[(e.side, e.start, e.end)], index[(a.side, a.start, a.end)]
        uf.union(i, j)
        linked |= {i, j}
    if not other.cased:
        propagate_forms(doc, mentions, index, uf, {index[(a.side, a.start, a.end)] for _, a in pairs}, other.side,
                        other.script)
    union_same_names(mentions, uf, {anchor.side: anchor.lang, other.side: other.lang})
    return doc.replace(entities=tuple(build_entities(doc, beads, mentions, uf, _unsupported(mentions, uf, linked))))


def _unsupported(mentions: list[Found], uf: UnionFind, linked: set[int]) -> set[int]:
    """Weak mentions (capitals alone) that nothing supports: not linked, and alone in their cluster or with
    other unsupported weak mentions only."""
    supported = {uf.find(k) for k, f in enumerate(mentions) if not f.weak or k in linked}
    return {k for k, f in enumerate(mentions) if f.weak and uf.find(k) not in supported}


__all__ = ["link_entities"]
