"""How linked names are rendered: consistency across the translation, harmonization, and QA helpers."""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Mapping

from xling.document import Document, Entity, Issue, Mention
from xling.entities.cluster import arabic_form, bead_of_sentence
from xling.names.arabic import normalize_arabic
from xling.names.lexicon import DEMONYM, default_lexicon, english_key
from xling.names.phonetics import skeleton, skeleton_similarity

# -- consistency and harmonization ---------------------------------------------------------------------


def same_name_variant(a: str, b: str) -> bool:
    """True when one English rendering is the other or a part of it ("Putin" / "Vladimir Putin")."""
    x, y = english_key(a).split(), english_key(b).split()
    if len(x) > len(y):
        x, y = y, x
    return any(y[i : i + len(x)] == x for i in range(len(y) - len(x) + 1))


def lexicon_alternates(a: str, b: str) -> bool:
    """True for two established names of one lexicon entry ("U.S." / "United States", "Kiev" / "Kyiv")."""
    lexicon = default_lexicon()
    x, y = lexicon.english(a), lexicon.english(b)
    return x is not None and y is not None and x[0] is y[0]


def renderings(doc: Document) -> dict[str, dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]]:
    """For each entity id and Arabic name form: the ``(source span, target span)`` pairs that render it.

    Pairs come from mentions of the entity inside one bead (in order when counts agree, else by sound).
    Demonyms are left out: "Russian" and "Russia's" are grammar, not two spellings of a name.
    """
    lexicon = default_lexicon()
    sentence_bead = bead_of_sentence(doc.beads())
    sentence_at = _sentence_finder(doc)
    out: dict[str, dict[str, list]] = {}
    for entity in doc.entities:
        by_bead: dict[int, dict[str, list[Mention]]] = defaultdict(lambda: {"source": [], "target": []})
        for m in entity.mentions:
            text = doc.side(m.side).text[m.start : m.end]
            if m.side == "target":
                hit = lexicon.english(text)
            else:
                hit = lexicon.arabic(arabic_form(text))
            if hit is not None and hit[1] == DEMONYM:
                continue
            b = sentence_bead.get((m.side, sentence_at(m.side, m.start)))
            if b is not None:
                by_bead[b][m.side].append(m)
        forms: dict[str, list] = defaultdict(list)
        for sides in by_bead.values():
            for s, t in _pair(doc, sides["source"], sides["target"]):
                forms[arabic_form(doc.source.text[s.start : s.end])].append(((s.start, s.end), (t.start, t.end)))
        if forms:
            out[entity.id] = dict(forms)
    return out


def _sentence_finder(doc: Document):
    """``(side, pos) -> index of the sentence containing pos`` (None outside every sentence), by bisection."""
    starts = {side: [s.start for s in doc.side(side).sentences] for side in ("source", "target")}

    def sentence_at(side: str, pos: int) -> int | None:
        sentences = doc.side(side).sentences
        i = bisect.bisect_right(starts[side], pos) - 1
        return i if i >= 0 and pos < sentences[i].end else None

    return sentence_at


def _pair(doc: Document, source: list[Mention], target: list[Mention]) -> list[tuple[Mention, Mention]]:
    """Source and target mentions of one entity in one bead, paired: in order when the counts agree, else
    greedily by sound (best first; among equals the later source, then the later target mention)."""
    if not source or not target:
        return []
    if len(source) == len(target):
        return list(zip(source, target))
    s_texts = [doc.source.text[s.start : s.end] for s in source]
    t_texts = [doc.target.text[t.start : t.end] for t in target]
    s_rows: dict[str, list[int]] = defaultdict(list)
    t_rows: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(s_texts):
        s_rows[text].append(i)
    for j, text in enumerate(t_texts):
        t_rows[text].append(j)
    # sound depends on the two texts only: score each pair of distinct texts once
    sound = {(a, b): skeleton_similarity(skeleton(a), skeleton(b)) for a in s_rows for b in t_rows}
    levels = sorted(set(sound.values()), reverse=True)
    pairs: list[tuple[Mention, Mention]] = []
    if len(levels) >= len(target):  # (nearly) all texts distinct: rank every pair
        scored = sorted(((sound[s_texts[i], t_texts[j]], i, j) for i in range(len(source))
                         for j in range(len(target))), reverse=True)
        used_s, used_t = set(), set()
        for _, i, j in scored:
            if i not in used_s and j not in used_t:
                used_s.add(i)
                used_t.add(j)
                pairs.append((source[i], target[j]))
        return pairs
    # the same greedy, a score at a time: within one score the later source mention takes the latest free
    # target mention among the texts at that score (free target indexes of a text are always a prefix)
    free = {b: list(rows) for b, rows in t_rows.items()}
    taken: set[int] = set()
    for level in levels:
        texts_at = {a: [b for b in t_rows if sound[a, b] == level] for a in s_rows}
        for i in sorted((i for a, bs in texts_at.items() if bs for i in s_rows[a]), reverse=True):
            if i in taken:
                continue
            best = max(((free[b][-1], b) for b in texts_at[s_texts[i]] if free[b]), default=None)
            if best is not None:
                j, b = best
                free[b].pop()
                taken.add(i)
                pairs.append((source[i], target[j]))
    return pairs


def inconsistent_renderings(doc: Document) -> list[tuple[Entity, str, dict[str, list[tuple[int, int]]], list]]:
    """Arabic names rendered two ways in the English.

    Each item is ``(entity, arabic form, {rendering: target spans}, source spans)``.
    """
    found = []
    entities = {e.id: e for e in doc.entities}
    for entity_id, forms in renderings(doc).items():
        for form, pairs in forms.items():
            variants: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for _, t in pairs:
                variants[doc.target.text[t[0] : t[1]]].append(t)
            names = list(variants)
            clash = any(not same_name_variant(a, b) and not lexicon_alternates(a, b)
                        for i, a in enumerate(names) for b in names[i + 1 :])
            if clash:
                found.append((entities[entity_id], form, dict(variants), [s for s, _ in pairs]))
    return found


def harmonize_names(
    doc: Document, *, glossary: Mapping[str, str] | None = None, consistent_names: bool = False
) -> Document:
    """Render each Arabic name one way everywhere: the glossary's English (keys are Arabic) or the majority's.

    Only spellings are changed, never a short name into a full one ("Putin" stays when "Vladimir Putin"
    is the majority), and established alternates ("U.S."/"United States") only by the glossary. A glossary
    key applies where that Arabic name was linked to an English mention (its whole form: بوتين, not the
    بوتين inside فلاديمير بوتين). Each change is recorded as an ``info`` issue ``name-harmonized``.
    """
    from xling.entities.edits import replace_in_target

    wanted = {arabic_form(k): v for k, v in (glossary or {}).items() if arabic_form(k)}
    replacements: list[tuple[tuple[int, int], str]] = []
    issues: list[Issue] = []
    for entity_id, forms in renderings(doc).items():
        for form, pairs in forms.items():
            texts = [doc.target.text[t[0] : t[1]] for _, t in pairs]
            if form in wanted:
                chosen, why = wanted[form], "the glossary"
            elif consistent_names:
                counts = Counter(texts)  # in order of first occurrence: ties go to the earliest rendering
                chosen = max(counts, key=lambda t: counts[t])
                why = f"the most frequent rendering ({counts[chosen]} of {len(texts)})"
            else:
                continue
            for (s, t), text in zip(pairs, texts):
                if text == chosen or same_name_variant(text, chosen):
                    continue
                if form not in wanted and lexicon_alternates(text, chosen):
                    continue  # "U.S." among "United States": both established, only a glossary overrides
                replacements.append((t, chosen))
                issues.append(Issue(
                    "name-harmonized", "info",
                    f"{doc.source.text[s[0]:s[1]]} rendered \"{chosen}\" (was \"{text}\"), as in {why} ({entity_id}).",
                    source=[s], target=[t],
                ))
    if not replacements:
        return doc
    unique = sorted(dict(replacements).items())
    return replace_in_target(doc.replace(issues=doc.issues + tuple(issues)), unique)


def entity_mentions_by_bead(doc: Document) -> list[dict[str, dict[str, list[Mention]]]]:
    """For each bead: entity id -> {"source": mentions, "target": mentions} inside that bead (for QA checks)."""
    beads = doc.beads()
    sentence_bead = bead_of_sentence(beads)
    sentence_at = _sentence_finder(doc)
    out: list[dict[str, dict[str, list[Mention]]]] = [defaultdict(lambda: {"source": [], "target": []}) for _ in beads]
    for entity in doc.entities:
        for m in entity.mentions:
            b = sentence_bead.get((m.side, sentence_at(m.side, m.start)))
            if b is not None:
                out[b][entity.id][m.side].append(m)
    return out


def entity_forms(doc: Document, entity: Entity, side: str) -> set[str]:
    """Every way this entity is written on ``side``, from its mentions and its lexicon entry (normalized for Arabic)."""
    lexicon = default_lexicon()
    texts = {doc.side(side).text[m.start : m.end] for m in entity.mentions if m.side == side}
    hit = lexicon.english(entity.name) if entity.name else None
    if hit is not None and hit[0].english[0] == entity.name:
        texts |= set(hit[0].english + hit[0].demonyms) if side == "target" else set(hit[0].arabic)
    if side == "source":
        return {arabic_form(t) for t in texts} - {""}
    return {english_key(t) for t in texts} - {""}


def written_in(text: str, forms: set[str], side: str) -> bool:
    """Whether one of ``forms`` (from :func:`entity_forms`) occurs in ``text`` as a word, clitics allowed in Arabic."""
    if side == "source":
        flat = " ".join(re.findall(r"\w+", normalize_arabic(text)))
        return any(re.search(r"(?<!\w)[وفبلك]{0,2}" + re.escape(f) + r"(?!\w)", flat) for f in forms)
    low = text.casefold()
    return any(re.search(r"(?<!\w)" + re.escape(f) + r"(?!\w)", low) for f in forms)


def known_arabic(entity: Entity, doc: Document) -> bool:
    """Whether we would find this entity in Arabic if it were there (lexicon entry or linked elsewhere)."""
    if any(m.side == "source" for m in entity.mentions):
        return True
    text = doc.target.text
    return any(default_lexicon().english(text[m.start : m.end]) is not None for m in entity.mentions)


__all__ = [
    "same_name_variant", "lexicon_alternates", "renderings", "inconsistent_renderings", "harmonize_names",
    "entity_mentions_by_bead", "entity_forms", "written_in", "known_arabic",
]
