"""Named entities on both sides, linked across languages and clustered into one id per real-world entity.

:func:`link_entities` is the pipeline stage; its steps:

1. **Recognize** English mentions and **find Arabic candidates** (:mod:`xling.entities.recognize`).
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

from collections import defaultdict
from dataclasses import replace

from xling.document import Bead, Document
from xling.entities.cluster import UnionFind, build_entities, propagate_arabic_forms, union_same_names
from xling.entities.recognize import (
    LINK_THRESHOLD,
    Found,
    gazetteer_arabic,
    overlaps,
    recognize_english,
    recognize_with_model,
    transliteration_candidates,
)
from xling.names.lexicon import NAME, default_lexicon
from xling.names.phonetics import skeleton, skeleton_similarity

# -- 3. linking inside beads ----------------------------------------------------------------------------


def _link_bead(doc: Document, bead: Bead, english: list[Found], arabic: list[Found]) -> list[tuple[Found, Found]]:
    """Pairs (English, Arabic) for one bead; new Arabic mentions come from transliteration windows."""
    src = doc.source
    candidates: list[tuple[float, float, Found, Found]] = []
    taken_by_gazetteer = [(a.start, a.end) for a in arabic]

    def position(f: Found, side) -> float:
        spans = [side.sentences[i] for i in (bead.source if f.side == "source" else bead.target)]
        lo, hi = spans[0].start, spans[-1].end
        return (f.start - lo) / max(1, hi - lo)

    for e in english:
        for a in arabic:
            if e.entry is not None and a.entry is not None:
                if all(e.entry is not x for x in (a.entry, *a.alternatives)):
                    continue
                score = 1.0 if e.kind == a.kind else 0.9
            else:
                score = skeleton_similarity(skeleton(a.text), skeleton(e.text))
            if score >= LINK_THRESHOLD:
                candidates.append((score, -abs(position(e, doc.target) - position(a, src)), e, a))
        if e.entry is not None:
            continue  # the lexicon knows its Arabic forms: a sound-alike (رئيس ~ Russia) is not one of them
        for s in bead.source:
            sent = src.sentences[s]
            for score, start, end in transliteration_candidates(src.text, (sent.start, sent.end), e.text):
                if score < LINK_THRESHOLD:
                    break
                if any(overlaps((start, end), g) for g in taken_by_gazetteer):
                    continue
                a = Found("source", start, end, src.text[start:end], e.label, s, NAME, None)
                candidates.append((score, -abs(position(e, doc.target) - position(a, src)), e, a))
    # best score first; among equals the tighter Arabic span, then the one at the same relative position
    candidates.sort(key=lambda c: (-round(c[0], 6), c[3].end - c[3].start, -c[1], c[2].start, c[3].start))
    pairs = []
    used_e: set[int] = set()
    used_a: list[tuple[int, int]] = []
    for _, _, e, a in candidates:
        if id(e) in used_e or any(overlaps((a.start, a.end), u) for u in used_a):
            continue
        used_e.add(id(e))
        used_a.append((a.start, a.end))
        pairs.append((e, a))
    return pairs

def link_entities(doc: Document, *, ner_model: str | None = None) -> Document:
    """``doc`` with ``entities`` filled: mentions on both sides, one id per real-world entity (E1, E2, ...).

    ``ner_model`` (a local directory or a model in the local Hugging Face cache, e.g. ``dslim/bert-base-NER``
    or the multilingual ``Davlan/xlm-roberta-base-ner-hrl``) replaces the rule-based English recognizer and
    adds Arabic mentions; it is never downloaded, and a missing one raises ModelUnavailable at once.
    """
    lexicon = default_lexicon()
    tgt_spans = [(s.start, s.end) for s in doc.target.sentences]
    src_spans = [(s.start, s.end) for s in doc.source.sentences]
    if ner_model:
        english = recognize_with_model(ner_model, doc.target.text, tgt_spans, "target")
        model_arabic = recognize_with_model(ner_model, doc.source.text, src_spans, "source")
    else:
        english = recognize_english(doc.target.text, tgt_spans, lexicon)
        model_arabic = []
    arabic = gazetteer_arabic(doc.source.text, src_spans, lexicon)
    arabic += [m for m in model_arabic if not any(overlaps((m.start, m.end), (a.start, a.end)) for a in arabic)]
    by_sentence: dict[tuple[str, int], list[Found]] = defaultdict(list)
    for f in english + arabic:
        by_sentence[(f.side, f.sentence)].append(f)

    beads = doc.beads()
    pairs: list[tuple[Found, Found]] = []
    for bead in beads:
        e_in = [f for t in bead.target for f in by_sentence[("target", t)]]
        a_in = [f for s in bead.source for f in by_sentence[("source", s)]]
        pairs += _link_bead(doc, bead, e_in, a_in)

    mentions: list[Found] = list(english) + list(arabic)
    index = {(f.side, f.start, f.end): k for k, f in enumerate(mentions)}
    for e, a in pairs:
        if (a.side, a.start, a.end) not in index:
            index[(a.side, a.start, a.end)] = len(mentions)
            mentions.append(a)
        elif e.entry is not None and a.entry is not None and a.entry is not e.entry:
            # an ambiguous Arabic form takes the reading its English counterpart chose (عمان -> Amman)
            mentions[index[(a.side, a.start, a.end)]] = replace(a, entry=e.entry, label=e.entry.label)
    uf = UnionFind()
    for e, a in pairs:
        uf.union(index[(e.side, e.start, e.end)], index[(a.side, a.start, a.end)])
    propagate_arabic_forms(doc, mentions, index, uf, {index[(a.side, a.start, a.end)] for _, a in pairs})
    union_same_names(mentions, uf)
    return doc.replace(entities=tuple(build_entities(doc, beads, mentions, uf)))


__all__ = ["link_entities"]
