"""Plain-text views of a Document's entities and issues, for the CLI and logs."""

from __future__ import annotations

from collections import Counter

from xling.document import SEVERITIES, Document, Issue


def _forms(doc: Document, entity, side: str) -> str:
    counts = Counter(" ".join(doc.side(side).text[m.start : m.end].split()) for m in entity.mentions if m.side == side)
    return ", ".join(f"{form} ×{n}" if n > 1 else form for form, n in counts.most_common()) or "—"


def format_entities(doc: Document) -> str:
    """One line per entity: id, label, display name, its English and Arabic forms with counts."""
    if not doc.entities:
        return "No named entities found."
    rows = [("ID", "LABEL", "NAME", "ENGLISH", "ARABIC")]
    for e in doc.entities:
        rows.append((e.id, e.label, e.name or "—", _forms(doc, e, "target"), _forms(doc, e, "source")))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths)) + "  " + r[4] for r in rows]
    linked = sum(1 for e in doc.entities if {m.side for m in e.mentions} == {"source", "target"})
    lines.append(f"{len(doc.entities)} entities, {linked} found on both sides.")
    return "\n".join(lines)


def _snippet(text: str, span: tuple[int, int], limit: int = 50) -> str:
    start, end = span
    if start == end:
        before = " ".join(text[max(0, start - 20) : start].split())
        return f"…{before} ‸"
    s = " ".join(text[start:end].split())
    return f"«{s}»" if len(s) <= limit else f"«{s[: limit - 1]}…»"


def _issue_key(issue: Issue) -> tuple:
    first = (issue.source or issue.target or ((0, 0),))[0][0]
    return (SEVERITIES.index(issue.severity), first, issue.code)


def format_issues(doc: Document) -> str:
    """Issues by severity (errors first) then position, each with the text it points at on both sides."""
    if not doc.issues:
        return "No issues found."
    lines = []
    for issue in sorted(doc.issues, key=_issue_key):
        lines.append(f"{issue.severity.upper():7}  {issue.code:20}  {issue.message}")
        for side in ("source", "target"):
            spans = getattr(issue, side)
            if spans:
                shown = "  ".join(_snippet(doc.side(side).text, s) for s in spans[:3])
                more = f"  (+{len(spans) - 3} more)" if len(spans) > 3 else ""
                lines.append(f"{'':9}{side}: {shown}{more}")
    counts = Counter(i.severity for i in doc.issues)
    lines.append(", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in SEVERITIES if counts[s]) + ".")
    return "\n".join(lines)
