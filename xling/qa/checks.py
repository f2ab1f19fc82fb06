"""Translation QA checks: one small class per check, registered by its issue code.

Each :class:`Check` looks at a :class:`~xling.document.Document` (both texts, beads, entities) and
returns :class:`~xling.document.Issue` objects whose spans say what to highlight. The registry maps
issue codes to checks the way MateCat's QA routes error types and sacrebleu registers metrics; a new
check is a new subclass with ``@register``. Checks work per bead, so they hold for translate mode
(1-1 beads) and compare mode (n-m beads, some with an empty side) alike.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import ClassVar

from xling.document import Bead, Document, Issue, Span
from xling.errors import InputError
from xling.text.numbers import NumberMention, numbers_in
from xling.text.scripts import ARABIC_LETTER, ARABIC_RANGES, lang_script

REGISTRY: dict[str, type[Check]] = {}


def register(cls: type[Check]) -> type[Check]:
    """Class decorator: make a check available under its issue code."""
    if cls.code in REGISTRY:
        raise ValueError(f"a check with code {cls.code!r} is already registered")
    REGISTRY[cls.code] = cls
    return cls


class Check:
    """A QA check: ``code`` names the issues it raises, ``severity`` their default severity."""

    code: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    description: ClassVar[str] = ""

    def run(self, doc: Document) -> list[Issue]:
        raise NotImplementedError

    def issue(self, message: str, source: Sequence[Span] = (), target: Sequence[Span] = (),
              severity: str | None = None) -> Issue:
        return Issue(self.code, severity or self.severity, message, tuple(source), tuple(target))


def run_checks(doc: Document, checks: Sequence[str] | None = None) -> Document:
    """``doc`` with the issues of every registered check (or of the named ones) appended.

    Issues a previous run of the same checks left are replaced, so checking again after an edit does not
    duplicate them; other issues (``sentence-split``, ``name-harmonized``...) are kept.
    """
    names = list(REGISTRY) if checks is None else list(checks)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise InputError(f"unknown QA check(s) {', '.join(unknown)}; available: {', '.join(REGISTRY)}")
    kept = tuple(i for i in doc.issues if i.code not in names)
    issues = [issue for name in names for issue in REGISTRY[name]().run(doc)]
    return doc.replace(issues=kept + tuple(issues))


# -- bead helpers --------------------------------------------------------------------------------------


def bead_spans(doc: Document, bead: Bead, side: str) -> list[Span]:
    sentences = doc.side(side).sentences
    return [(sentences[i].start, sentences[i].end) for i in getattr(bead, side)]


def bead_text(doc: Document, bead: Bead, side: str) -> str:
    return " ".join(doc.side(side).text[a:b] for a, b in bead_spans(doc, bead, side))


def _bead_extent(doc: Document, bead: Bead, side: str) -> Span:
    spans = bead_spans(doc, bead, side)
    return (spans[0][0], spans[-1][1])


def full_beads(doc: Document) -> Iterator[tuple[int, Bead]]:
    """Beads with sentences on both sides: the ones whose content can be compared."""
    for index, bead in enumerate(doc.beads()):
        if bead.source and bead.target:
            yield index, bead


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- numbers -------------------------------------------------------------------------------------------

def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _format_number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


@register
class NumberMismatch(Check):
    """Numbers written in digits on one side must appear (as digits or words) on the other."""

    code = "number-mismatch"
    severity = "error"
    description = "a number in the source is missing or different in the translation (or the reverse)"

    def run(self, doc: Document) -> list[Issue]:
        issues = []
        for _, bead in full_beads(doc):
            src, tgt = (
                [n for a, b in bead_spans(doc, bead, name) for n in numbers_in(side.text, a, b, side.lang)]
                for name, side in (("source", doc.source), ("target", doc.target))
            )
            lost_src = self._unmatched(src, tgt)
            lost_tgt = self._unmatched(tgt, src)
            if not lost_src and not lost_tgt:
                continue
            parts = []
            if lost_src:
                parts.append("source has " + ", ".join(_format_number(n.value) for n in lost_src))
            if lost_tgt:
                parts.append("translation has " + ", ".join(_format_number(n.value) for n in lost_tgt))
            issues.append(self.issue(
                "Numbers differ: " + "; ".join(parts) + ".",
                source=[(n.start, n.end) for n in lost_src], target=[(n.start, n.end) for n in lost_tgt],
            ))
        return issues

    @staticmethod
    def _unmatched(mine: list[NumberMention], other: list[NumberMention]) -> list[NumberMention]:
        """Digit numbers of ``mine`` with no equal value left in ``other`` (each one matches once)."""
        pool = list(other)
        lost = []
        for n in sorted(mine, key=lambda n: not n.written):
            match = next((o for o in pool if _same(o.value, n.value)), None)
            if match is not None:
                pool.remove(match)
            elif n.written:
                lost.append(n)
        return lost


# -- entities ------------------------------------------------------------------------------------------


def _entity_label(doc: Document, entity) -> str:
    forms = Counter(doc.source.text[m.start : m.end] for m in entity.mentions if m.side == "source")
    arabic = f" ({forms.most_common(1)[0][0]})" if forms else ""
    return f"{entity.name or entity.id}{arabic} [{entity.id}]"


class _EntityPresence(Check):
    """Shared logic of entity-missing / entity-extra: an entity on one side of a bead and not the other.

    Translators move an attribution across a sentence boundary (وقال أوشاكوف "..." -> '"..." Ushakov said.'),
    so a mention in a neighbouring bead of the same paragraph counts as present; so does any known form of
    the entity written in the bead but not recognized as a mention ("in the west", a clitic the gazetteer
    did not expect). Only what is absent in every form is reported.
    """

    present: ClassVar[str] = "source"
    absent: ClassVar[str] = "target"

    def wanted(self, doc: Document, entity) -> bool:
        return True

    def message(self, doc: Document, entity) -> str:
        raise NotImplementedError

    def run(self, doc: Document) -> list[Issue]:
        from xling.entities.consistency import (
            demonym_written,
            entity_forms,
            entity_mentions_by_bead,
            only_demonyms,
            written_in,
        )

        entities = {e.id: e for e in doc.entities}
        all_beads = doc.beads()
        per_bead = entity_mentions_by_bead(doc)
        issues = []
        for b, bead in enumerate(all_beads):
            if not (bead.source and bead.target):
                continue
            for entity_id, sides in per_bead[b].items():
                entity = entities[entity_id]
                if not sides[self.present] or sides[self.absent] or not self.wanted(doc, entity):
                    continue
                if any(entity_id in per_bead[n] and per_bead[n][entity_id][self.absent]
                       for n in _neighbours(doc, all_beads, b, self.absent)):
                    continue
                if only_demonyms(doc, sides[self.present], self.absent):
                    continue
                text, forms, lang = bead_text(doc, bead, self.absent), entity_forms(doc, entity, self.absent), \
                    doc.side(self.absent).lang
                if written_in(text, forms, self.absent, lang):
                    continue
                if entity.label == "LOC" and demonym_written(text, forms, lang):
                    continue
                spans = [(m.start, m.end) for m in sides[self.present]]
                issues.append(self.issue(self.message(doc, entity), **{self.present: spans}))
        return issues


def _neighbours(doc: Document, all_beads: list[Bead], b: int, side: str) -> list[int]:
    """The beads next to ``b`` whose ``side`` sentences share a paragraph with ``b``'s."""
    sentences = doc.side(side).sentences
    paragraphs = {sentences[i].paragraph for i in getattr(all_beads[b], side)}
    return [n for n in (b - 1, b + 1) if 0 <= n < len(all_beads)
            and any(sentences[i].paragraph in paragraphs for i in getattr(all_beads[n], side))]


@register
class EntityMissing(_EntityPresence):
    """A source entity with no mention of the same entity in the aligned translation, when its form in the
    translation's language is known (linked elsewhere, or in the lexicon)."""

    code = "entity-missing"
    description = "a name in the source is not in the aligned translation"

    def wanted(self, doc: Document, entity) -> bool:
        from xling.entities.consistency import known_on

        return known_on(entity, doc, self.absent)

    def message(self, doc: Document, entity) -> str:
        return f"{_entity_label(doc, entity)} is in the source but not in the translation."


@register
class EntityExtra(_EntityPresence):
    """A translated name with no counterpart in the aligned source, when its source form is known."""

    code = "entity-extra"
    description = "a name in the translation is not in the aligned source"
    present = "target"
    absent = "source"

    def wanted(self, doc: Document, entity) -> bool:
        from xling.entities.consistency import known_on

        return known_on(entity, doc, self.absent)

    def message(self, doc: Document, entity) -> str:
        return f"{_entity_label(doc, entity)} is in the translation but not in the aligned source."


@register
class EntityInconsistent(Check):
    """One Arabic name rendered with different spellings across the translation."""

    code = "entity-inconsistent"
    description = "one name is spelled differently in different places of the translation"

    def run(self, doc: Document) -> list[Issue]:
        from xling.entities.consistency import inconsistent_renderings

        issues = []
        for entity, _, variants, source_spans in inconsistent_renderings(doc):
            ranked = sorted(variants.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
            listing = ", ".join(f'"{text}" ({len(spans)}×)' for text, spans in ranked)
            arabic = doc.source.text[source_spans[0][0] : source_spans[0][1]]
            issues.append(self.issue(
                f"{arabic} [{entity.id}] is rendered in {len(ranked)} ways: {listing}.",
                source=source_spans, target=[s for _, spans in ranked for s in spans],
            ))
        return issues


# -- text checks ---------------------------------------------------------------------------------------

_ARABIC_CHARS = f"[{ARABIC_RANGES}]+"
_ARABIC_RUN = re.compile(f"{_ARABIC_CHARS}(?:\\s+{_ARABIC_CHARS})*")


@register
class Untranslated(Check):
    """Arabic script left in the translation."""

    code = "untranslated"
    severity = "error"
    description = "Arabic text left in the translation"

    def run(self, doc: Document) -> list[Issue]:
        if lang_script(doc.target.lang) == "Arabic":
            return []
        issues = []
        for m in _ARABIC_RUN.finditer(doc.target.text):
            if not ARABIC_LETTER.search(m.group()):
                continue  # only punctuation such as ، or ؟: the punctuation check reports it
            issues.append(self.issue(f"Arabic text left untranslated: «{_quote(m.group())}».", target=[m.span()]))
        return issues


@register
class Omission(Check):
    """Source sentences with nothing aligned in the translation."""

    code = "omission"
    severity = "error"
    description = "source sentences with no translation"

    def run(self, doc: Document) -> list[Issue]:
        issues = []
        all_beads = doc.beads()
        for index, bead in enumerate(all_beads):
            if bead.source and not bead.target:
                text = bead_text(doc, bead, "source")
                words = len(re.findall(r"\w+", text))
                where = _insertion_point(doc, all_beads, index)
                issues.append(self.issue(
                    f"Not translated ({words} words): «{_quote(text)}».",
                    source=bead_spans(doc, bead, "source"), target=[(where, where)],
                    severity="error" if words >= 4 else "warning",
                ))
        return issues


def _insertion_point(doc: Document, all_beads: list[Bead], index: int) -> int:
    """Where the missing translation would go: the end of the last target sentence before this bead."""
    for bead in reversed(all_beads[:index]):
        if bead.target:
            return doc.target.sentences[max(bead.target)].end
    return doc.target.sentences[0].start if doc.target.sentences else 0


@register
class Addition(Check):
    """Translation sentences with nothing aligned in the source."""

    code = "addition"
    description = "translation sentences with no source"

    def run(self, doc: Document) -> list[Issue]:
        return [
            self.issue(f"Not in the source: «{_quote(bead_text(doc, bead, 'target'))}».",
                       target=bead_spans(doc, bead, "target"))
            for bead in doc.beads()
            if bead.target and not bead.source
        ]


def _letters(text: str) -> int:
    return len(re.findall(r"[^\W_]", text))


@register
class LengthRatio(Check):
    """A bead whose translation is far longer or shorter than the document's usual length ratio.

    Gale-Church's length model: the deviation ``(t - c*s) / sqrt(s * var)`` with ``c`` the document's median
    letter ratio (English/Arabic is about 1.3); both a large deviation and a large ratio are required,
    so short sentences (noisy) and long paragraphs (small relative changes) do not raise alarms.
    """

    code = "length-ratio"
    description = "translation much longer or shorter than usual for its source"
    PRIOR_RATIO = 1.3
    VARIANCE = 6.8
    MIN_LETTERS = 15
    MAX_DEVIATION = 3.0
    MAX_FACTOR = 1.6
    #: Scripts whose letters the prior ratio counts alike (alphabets and abjads, not syllabaries or Han).
    PRIOR_SCRIPTS = frozenset({"Latin", "Arabic", "Cyrillic", "Greek", "Hebrew", "Armenian", "Georgian"})

    def prior_holds(self, doc: Document) -> bool:
        """Whether :attr:`PRIOR_RATIO` fits the two texts' scripts (used when the document has too few beads)."""
        from xling.text.scripts import main_script

        return all((main_script(doc.side(s).text) or "Latin") in self.PRIOR_SCRIPTS for s in ("source", "target"))

    def run(self, doc: Document) -> list[Issue]:
        pairs = [(b, _letters(bead_text(doc, b, "source")), _letters(bead_text(doc, b, "target")))
                 for _, b in full_beads(doc)]
        usable = [t / s for _, s, t in pairs if s >= self.MIN_LETTERS and t]
        if len(usable) < 5 and not self.prior_holds(doc):
            return []  # no prior for this pair of scripts (a Chinese character is a syllable, not a letter)
        ratio = statistics.median(usable) if len(usable) >= 5 else self.PRIOR_RATIO
        issues = []
        for bead, s, t in pairs:
            if s < self.MIN_LETTERS:
                continue
            deviation = (t - ratio * s) / math.sqrt(s * self.VARIANCE)
            factor = (t / s) / ratio
            if abs(deviation) > self.MAX_DEVIATION and not (1 / self.MAX_FACTOR <= factor <= self.MAX_FACTOR):
                if factor > 1:
                    how = f"{factor:.1f}× longer than usual for this source"
                else:
                    how = f"{1 / factor:.1f}× shorter than usual for this source" if factor else "empty"
                issues.append(self.issue(
                    f"Translation is {how} ({t} letters for {s}); "
                    f"check for {'additions or loops' if factor > 1 else 'omissions'}.",
                    source=bead_spans(doc, bead, "source"), target=bead_spans(doc, bead, "target"),
                ))
        return issues


_WORD = re.compile(r"\w+")


@register
class Repetition(Check):
    """N-gram loops in the translation ("no, no, no, no", "the talks the talks the talks")."""

    code = "repetition"
    description = "a word or phrase repeated in a loop"
    MAX_N = 8

    @staticmethod
    def min_repeats(n: int) -> int:
        return 4 if n == 1 else 3 if n <= 3 else 2

    def run(self, doc: Document) -> list[Issue]:
        issues = []
        for sent in doc.target.sentences:
            found = _WORD.finditer(doc.target.text, sent.start, sent.end)
            words = [(m.start(), m.end(), m.group().casefold()) for m in found]
            i = 0
            while i < len(words):
                best = None
                for n in range(1, self.MAX_N + 1):
                    unit = [w[2] for w in words[i : i + n]]
                    if len(unit) < n:
                        break
                    k = 1
                    while [w[2] for w in words[i + k * n : i + (k + 1) * n]] == unit:
                        k += 1
                    if k >= self.min_repeats(n) and (best is None or k * n > best[0] * best[1]):
                        best = (n, k)
                if best is None:
                    i += 1
                    continue
                n, k = best
                span = (words[i][0], words[i + n * k - 1][1])
                unit = doc.target.text[words[i][0] : words[i + n - 1][1]]
                issues.append(self.issue(f"«{_quote(unit, 40)}» repeated {k} times in a row.", target=[span]))
                i += n * k
        return issues


#: Quotation marks of every language, opener -> closers: English and Spanish “ ”, French « » (and ‹ ›),
#: German „ “ and » «, Polish and Hungarian „ ”, Chinese and Japanese 「 」『 』. A mark that opens one pair
#: and closes another (“ after „, « after ») closes when its opener is the innermost open mark, else opens.
QUOTE_PAIRS: dict[str, str] = {
    "\u201c": "\u201d", "\u201e": "\u201c\u201d", "\u00ab": "\u00bb", "\u00bb": "\u00ab", "\u2039": "\u203a",
    "\u203a": "\u2039", "\u300c": "\u300d", "\u300e": "\u300f", "\uff62": "\uff63",
}
_BRACKETS = {"(": ")", "[": "]", "{": "}", "\uff08": "\uff09", "\u3010": "\u3011"}


def _unpaired(text: str, start: int, end: int, pairs: dict[str, str], straight: str = "") -> list[int]:
    """Offsets of unpaired marks in ``text[start:end]``: a stack for open/close pairs (each opener maps to
    the string of its closers), parity for ``straight``."""
    closers = {c for v in pairs.values() for c in v}
    stack: list[tuple[str, int]] = []
    lonely: list[int] = []
    straight_positions: list[int] = []
    for i in range(start, end):
        ch = text[i]
        if ch in straight:
            straight_positions.append(i)
        elif stack and ch in pairs[stack[-1][0]]:
            stack.pop()
        elif ch in pairs:
            stack.append((ch, i))
        elif ch in closers:
            lonely.append(i)
    lonely += [i for _, i in stack]
    if len(straight_positions) % 2:
        lonely.append(straight_positions[-1])
    return sorted(lonely)


class _PairedMarks(Check):
    """Unbalanced marks in a translated paragraph whose source paragraphs are balanced."""

    pairs: ClassVar[dict[str, str]] = {}
    straight: ClassVar[str] = ""
    source_pairs: ClassVar[dict[str, str]] = {}
    source_straight: ClassVar[str] = ""
    what: ClassVar[str] = ""

    def run(self, doc: Document) -> list[Issue]:
        source_paragraphs = _source_paragraphs_of_target(doc)
        issues = []
        for p, (start, end) in enumerate(doc.target.paragraphs):
            lonely = _unpaired(doc.target.text, start, end, self.pairs, self.straight)
            if not lonely:
                continue
            src = [doc.source.paragraphs[q] for q in sorted(source_paragraphs.get(p, ()))]
            if any(_unpaired(doc.source.text, a, b, self.source_pairs, self.source_straight) for a, b in src):
                continue  # the source is unbalanced there too: not the translation's fault
            marks = " ".join(doc.target.text[i] for i in lonely)
            issues.append(self.issue(f"Unpaired {self.what} {marks} in this paragraph.",
                                     source=src, target=[(i, i + 1) for i in lonely]))
        return issues


def _source_paragraphs_of_target(doc: Document) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for bead in doc.beads():
        src = {doc.source.sentences[i].paragraph for i in bead.source}
        for j in bead.target:
            out.setdefault(doc.target.sentences[j].paragraph, set()).update(src)
    return out


@register
class UnpairedQuote(_PairedMarks):
    code = "unpaired-quote"
    description = "a quotation mark opened and not closed (or the reverse)"
    pairs = QUOTE_PAIRS
    straight = '"'
    source_pairs = QUOTE_PAIRS
    source_straight = '"'
    what = "quotation mark"


@register
class UnpairedBracket(_PairedMarks):
    code = "unpaired-bracket"
    description = "a bracket opened and not closed (or the reverse)"
    pairs = _BRACKETS
    source_pairs = _BRACKETS
    what = "bracket"


_ARABIC_PUNCTUATION = {"،": ",", "؛": ";", "؟": "?", "٪": "%"}
_CLOSERS = "\"'\u201d\u2019\u00bb)]} \t\n"


def _final_mark(text: str) -> str:
    stripped = text.rstrip(_CLOSERS)
    return stripped[-1:] if stripped else ""


@register
class Punctuation(Check):
    """Arabic punctuation in the English, and end punctuation lost or changed (a question no longer a question)."""

    code = "punctuation"
    description = "Arabic punctuation in the translation, or a sentence's end punctuation changed"

    def run(self, doc: Document) -> list[Issue]:
        issues = []
        if lang_script(doc.target.lang) != "Arabic":
            for m in re.finditer("[،؛؟٪]", doc.target.text):
                issues.append(self.issue(
                    f"Arabic punctuation {m.group()} in the translation; use {_ARABIC_PUNCTUATION[m.group()]}.",
                    target=[m.span()]))
        for _, bead in full_beads(doc):
            src_end = _final_mark(doc.source.text[slice(*_bead_extent(doc, bead, "source"))])
            span = _bead_extent(doc, bead, "target")
            tgt_end = _final_mark(doc.target.text[slice(*span)])
            if src_end in ("?", "؟") and tgt_end not in ("?", "؟"):
                message = "The source ends with a question mark; the translation does not."
            elif src_end == "!" and tgt_end != "!":
                message = "The source ends with an exclamation mark; the translation does not."
            elif src_end in (".", "…") and tgt_end not in tuple(".!?؟…:;"):
                message = "The translation has no end punctuation."
            else:
                continue
            where = len(doc.target.text[: span[1]].rstrip(_CLOSERS))
            issues.append(self.issue(message, source=[_bead_extent(doc, bead, "source")],
                                     target=[(max(span[0], where - 1), where)]))
        return issues
