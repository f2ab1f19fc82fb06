"""How linked names are rendered: consistency across the translation, harmonization, and QA helpers."""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Mapping

from xling.document import Document, Entity, Issue, Mention
from xling.entities.cluster import arabic_form, bead_of_sentence
from xling.names.arabic import normalize_arabic
from xling.names.inflection import contains_name, fold
from xling.names.lexicon import ARABIC, DEMONYM, ENGLISH, default_lexicon, english_key
from xling.names.phonetics import skeleton, skeleton_similarity
from xling.names.tokens import SPACELESS_SCRIPTS, strip_marks, words
from xling.text.scripts import ARABIC_LETTER, lang_script, main_script


def _base(lang: str | None) -> str:
    return (lang or "").split("-")[0].split("_")[0].lower()


#: Languages whose demonyms the lexicon knows ("Russian", الروسي); elsewhere (russe, российский) a
#: demonym is not found, so a country named only by its demonym cannot be called missing there.
DEMONYM_LANGUAGES = frozenset({ENGLISH, ARABIC})


def form_key(text: str, lang: str | None) -> str:
    """The key of one written name for "the same form": Arabic normalized, English as :func:`english_key`,
    others case-folded."""
    if ARABIC_LETTER.search(text):
        return arabic_form(text)
    if _base(lang) == ENGLISH:
        return english_key(text)
    return " ".join(fold(w) for _, _, w in words(text))

# -- consistency and harmonization ---------------------------------------------------------------------


def same_name_variant(a: str, b: str, lang: str = ENGLISH) -> bool:
    """True when one rendering is the other or a part of it ("Putin" / "Vladimir Putin"), case endings
    aside in an inflecting language (Блинкена / Энтони Блинкен)."""
    if _base(lang) != ENGLISH:
        x, y = [w for _, _, w in words(a)], [w for _, _, w in words(b)]
        return contains_name(x, y, lang) or contains_name(y, x, lang)
    x, y = english_key(a).split(), english_key(b).split()
    if len(x) > len(y):
        x, y = y, x
    return any(y[i : i + len(x)] == x for i in range(len(y) - len(x) + 1))


def lexicon_alternates(a: str, b: str, lang: str = ENGLISH) -> bool:
    """True for two established names of one lexicon entry ("U.S." / "United States", "Kiev" / "Kyiv")."""
    lexicon = default_lexicon()
    x, y = lexicon.lookup(a, lang), lexicon.lookup(b, lang)
    return x is not None and y is not None and x[0] is y[0]


def renderings(doc: Document) -> dict[str, dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]]:
    """For each entity id and Arabic name form: the ``(source span, target span)`` pairs that render it.

    Pairs come from mentions of the entity inside one bead (in order when counts agree, else by sound).
    Demonyms are left out: "Russian" and "Russia's" are grammar, not two spellings of a name.
    """
    sentence_bead = bead_of_sentence(doc.beads())
    sentence_at = _sentence_finder(doc)
    out: dict[str, dict[str, list]] = {}
    for entity in doc.entities:
        by_bead: dict[int, dict[str, list[Mention]]] = defaultdict(lambda: {"source": [], "target": []})
        for m in entity.mentions:
            if is_demonym(doc, m):
                continue
            b = sentence_bead.get((m.side, sentence_at(m.side, m.start)))
            if b is not None:
                by_bead[b][m.side].append(m)
        forms: dict[str, list] = defaultdict(list)
        for sides in by_bead.values():
            for s, t in _pair(doc, sides["source"], sides["target"]):
                forms[form_key(doc.source.text[s.start : s.end], doc.source.lang)].append(
                    ((s.start, s.end), (t.start, t.end)))
        if forms:
            out[entity.id] = dict(forms)
    return out


def is_demonym(doc: Document, m: Mention) -> bool:
    """Whether a mention is a demonym of its entity ("Russian", الروسي), not its name."""
    text = doc.side(m.side).text[m.start : m.end]
    lang = doc.side(m.side).lang
    lexicon = default_lexicon()
    hit = lexicon.arabic(arabic_form(text)) if ARABIC_LETTER.search(text) else lexicon.lookup(text, lang)
    return hit is not None and hit[1] == DEMONYM


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
            lang = doc.target.lang
            clash = any(not same_name_variant(a, b, lang) and not lexicon_alternates(a, b, lang)
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

    wanted = {form_key(k, doc.source.lang): v for k, v in (glossary or {}).items() if form_key(k, doc.source.lang)}
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
    """Every way this entity is written on ``side``, from its mentions and its lexicon entry (as
    :func:`form_key`: normalized for Arabic, case-folded elsewhere)."""
    lexicon = default_lexicon()
    lang = doc.side(side).lang
    texts = {doc.side(side).text[m.start : m.end] for m in entity.mentions if m.side == side}
    hit = lexicon.english(entity.name) if entity.name else None
    if hit is not None and hit[0].english[0] == entity.name:
        side_lang = _side_lang(doc, side)
        texts |= set(lexicon.forms(hit[0], side_lang)) | set(lexicon.adjectives(hit[0], side_lang))
        if lang_script(side_lang) == "Latin" and _base(side_lang) != ENGLISH:
            texts |= {f for f in hit[0].english if f.isupper()}  # US, NATO, EU: acronyms travel
    return {form_key(t, lang) for t in texts} - {""}


def _side_lang(doc: Document, side: str) -> str:
    """A side's language for the lexicon: as given, or Arabic/English by script for an undetermined one."""
    lang = doc.side(side).lang
    if lang_script(lang) is None and main_script(doc.side(side).text) == "Arabic":
        return ARABIC
    return lang


def written_in(text: str, forms: set[str], side: str, lang: str | None = None) -> bool:
    """Whether one of ``forms`` (from :func:`entity_forms`) occurs in ``text`` as a word: clitics allowed in
    Arabic, case endings in inflecting languages, anywhere in Chinese and Japanese. ``lang`` is the text's
    language (default: Arabic for the source side, English for the target)."""
    lang = lang or (ARABIC if side == "source" else ENGLISH)
    script = main_script(text)
    if script == "Arabic":
        flat = " ".join(re.findall(r"\w+", normalize_arabic(text)))
        return any(re.search(r"(?<!\w)[وفبلك]{0,2}" + re.escape(f) + r"(?!\w)", flat) for f in forms)
    low = text.casefold()
    if _base(lang) == ENGLISH:
        return any(re.search(r"(?<!\w)" + re.escape(f) + r"(?!\w)", low) for f in forms)
    if script in SPACELESS_SCRIPTS or script == "Hebrew":
        return any(f in low for f in forms)
    text_words = [w for _, _, w in words(text)]
    return any(contains_name(text_words, f.split(), lang) for f in forms)


def known_on(entity: Entity, doc: Document, side: str) -> bool:
    """Whether we would find this entity on ``side`` if it were there: it has a mention there, or a lexicon
    entry with forms in that side's language."""
    if any(m.side == side for m in entity.mentions):
        return True
    lexicon = default_lexicon()
    lang = _side_lang(doc, side)
    for m in entity.mentions:
        other = doc.side(m.side)
        text = other.text[m.start : m.end]
        hit = lexicon.arabic(arabic_form(text)) if ARABIC_LETTER.search(text) else lexicon.lookup(text, other.lang)
        if hit is not None and lexicon.forms(hit[0], lang):
            return True
    return False


def known_arabic(entity: Entity, doc: Document) -> bool:
    """Whether we would find this entity in the source if it were there (:func:`known_on` the source)."""
    return known_on(entity, doc, "source")


#: A word that starts like a country's name, less its last letters, may be its demonym where the lexicon
#: has none (russe ~ Russie, украинской ~ Украина, américain ~ Amérique): this many letters at least.
DEMONYM_STEM = 4
#: Letters a one-word name may lose before its demonym suffix (Amérique -> améri-cain, Украина -> укра-инской).
_DEMONYM_CUT = 3


def demonym_written(text: str, forms: set[str], lang: str) -> bool:
    """Whether ``text`` (in a language without demonym data) has a word that looks like the
    demonym of one of ``forms`` (:func:`entity_forms`): it starts with the form less its last three letters."""
    if _base(lang) in DEMONYM_LANGUAGES:
        return False
    prefixes = {strip_marks(f[: max(DEMONYM_STEM, len(f) - _DEMONYM_CUT)]) for f in forms
                if " " not in f and len(f) > DEMONYM_STEM}
    if not prefixes:
        return False
    return any(strip_marks(fold(w)).startswith(p) for _, _, w in words(text) for p in prefixes)


def only_demonyms(doc: Document, mentions: list[Mention], absent: str) -> bool:
    """Whether ``mentions`` are all demonyms and the ``absent`` side's language has none in the lexicon
    ("American" against américain: the country is there, only not found)."""
    return _base(_side_lang(doc, absent)) not in DEMONYM_LANGUAGES and all(is_demonym(doc, m) for m in mentions)


__all__ = [
    "DEMONYM_LANGUAGES", "form_key", "same_name_variant", "lexicon_alternates", "is_demonym", "renderings",
    "inconsistent_renderings", "harmonize_names", "entity_mentions_by_bead", "entity_forms", "written_in", "known_on",
    "known_arabic", "only_demonyms", "DEMONYM_STEM", "demonym_written",
]
