"""Editing a Document's target text while every span that points into it stays right.

Paragraphs, sentences, entity mentions and issue spans are offsets into ``doc.target.text``; a
replacement of a different length moves everything after it. :func:`replace_in_target` applies a
batch of non-overlapping replacements in one pass and maps each span through them:

* a span before or after a replacement keeps its text (shifted by the length change before it);
* a span that contains a replacement grows or shrinks with it;
* a span end inside a replaced stretch moves to the end of the new text, a start to its beginning;
* a pure insertion at a span's boundary stays outside the span.

Mentions that end up empty are dropped, and entities left without mentions with them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from xling.document import Document, Entity, Issue, Mention, Sentence, Side
from xling.errors import InputError

Replacement = tuple[tuple[int, int], str]


class _Shift:
    """Maps old target offsets to new ones for a sorted list of replacements."""

    def __init__(self, replacements: Sequence[Replacement]):
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.new_starts: list[int] = []
        self.new_ends: list[int] = []
        delta = 0
        for (start, end), new in replacements:
            self.starts.append(start)
            self.ends.append(end)
            self.new_starts.append(start + delta)
            delta += len(new) - (end - start)
            self.new_ends.append(end + delta)
        self.deltas_after = [e - o for e, o in zip(self.new_ends, self.ends)]

    def _shift_before(self, pos: int, k: int) -> int:
        """``pos`` shifted by the replacements ``[0, k)``, all of which end at or before it."""
        return pos + (self.deltas_after[k - 1] if k else 0)

    def start(self, pos: int) -> int:
        k = bisect.bisect_right(self.starts, pos)  # replacements starting at or before pos
        if k and pos < self.ends[k - 1]:
            return self.new_starts[k - 1]  # inside a replaced stretch: its new start
        if k and pos == self.ends[k - 1] == self.starts[k - 1]:
            return self.new_ends[k - 1]  # an insertion right here goes before the span
        return self._shift_before(pos, k)

    def end(self, pos: int) -> int:
        k = bisect.bisect_left(self.starts, pos)  # replacements starting strictly before pos
        if k and pos <= self.ends[k - 1] and self.starts[k - 1] < pos:
            return self.new_ends[k - 1]  # inside (or at the end of) a replaced stretch: its new end
        return self._shift_before(pos, k)

    def span(self, span: Sequence[int]) -> tuple[int, int]:
        start, end = self.start(span[0]), self.end(span[1])
        return (start, max(start, end))


def _check(text: str, replacements: Sequence[Replacement]) -> list[Replacement]:
    items = []
    for item in replacements:
        try:
            (start, end), new = item
        except (TypeError, ValueError):
            raise InputError(f"a replacement must be ((start, end), new_text), not {item!r}") from None
        if not isinstance(new, str):
            raise InputError(f"replacement text must be a str, not {type(new).__name__}")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
            raise InputError(f"replacement span {(start, end)} is outside the target text (length {len(text)})")
        items.append(((start, end), new))
    items.sort(key=lambda r: r[0])
    for ((a, b), _), ((c, d), _) in zip(items, items[1:]):
        if c < b or (a, b) == (c, d):
            raise InputError(f"replacements {(a, b)} and {(c, d)} overlap; merge them into one")
    return items


def replace_in_target(doc: Document, replacements: Sequence[Replacement]) -> Document:
    """``doc`` with each ``(start, end)`` of the target text replaced by its new text, every target span shifted."""
    text = doc.target.text
    items = _check(text, replacements)
    if not items:
        return doc
    pieces, prev = [], 0
    for (start, end), new in items:
        pieces += [text[prev:start], new]
        prev = end
    pieces.append(text[prev:])
    shift = _Shift(items)
    target = Side(
        lang=doc.target.lang,
        text="".join(pieces),
        paragraphs=tuple(shift.span(p) for p in doc.target.paragraphs),
        sentences=tuple(Sentence(*shift.span((s.start, s.end)), s.paragraph) for s in doc.target.sentences),
    )
    entities = []
    for e in doc.entities:
        mentions = []
        for m in e.mentions:
            if m.side == "target":
                start, end = shift.span((m.start, m.end))
                if start == end:
                    continue
                m = Mention("target", start, end)
            mentions.append(m)
        if mentions:
            entities.append(Entity(e.id, e.label, tuple(mentions), e.name))
    issues = [
        Issue(i.code, i.severity, i.message, i.source, tuple(shift.span(s) for s in i.target)) for i in doc.issues
    ]
    return doc.replace(target=target, entities=tuple(entities), issues=tuple(issues))
