"""The one data model every stage reads and extends.

A :class:`Document` holds the source and target text verbatim and describes everything else (paragraphs,
sentences, alignment beads, entity mentions, QA issues) as character spans into those two strings, in
the manner of Bergamot's annotated text. Stages never re-join strings: they return a new, richer
Document built with :meth:`Document.replace`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xling.version import __version__

SIDES = ("source", "target")
SEVERITIES = ("error", "warning", "info")
MODES = ("translate", "compare")
DEFAULT_MODEL = "Helsinki-NLP/opus-mt-ar-en"
#: ``source_lang`` value that asks for the language to be detected (the default everywhere).
AUTO_LANG = "auto"
#: The language code of text whose language cannot be told (ISO 639-3 "undetermined").
UNDETERMINED = "und"

Span = tuple[int, int]


def _spans(items: Iterable[Sequence[int]]) -> tuple[Span, ...]:
    return tuple((int(a), int(b)) for a, b in items)


@dataclass(frozen=True)
class Sentence:
    """A sentence as a span ``[start, end)`` of its side's text, inside paragraph ``paragraph``."""

    start: int
    end: int
    paragraph: int

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end, "paragraph": self.paragraph}


@dataclass(frozen=True)
class Side:
    """One language's text, verbatim, with its paragraph and sentence spans."""

    lang: str
    text: str
    paragraphs: tuple[Span, ...] = ()
    sentences: tuple[Sentence, ...] = ()

    def sentence_text(self, index: int) -> str:
        s = self.sentences[index]
        return self.text[s.start : s.end]

    def sentence_texts(self) -> list[str]:
        return [self.text[s.start : s.end] for s in self.sentences]

    def paragraph_text(self, index: int) -> str:
        start, end = self.paragraphs[index]
        return self.text[start:end]

    def sentences_of_paragraph(self, index: int) -> list[int]:
        return [i for i, s in enumerate(self.sentences) if s.paragraph == index]

    def slice(self, span: Sequence[int]) -> str:
        return self.text[span[0] : span[1]]


@dataclass(frozen=True)
class Bead:
    """An alignment bead: source sentence ids paired with target sentence ids (either may be empty)."""

    source: tuple[int, ...]
    target: tuple[int, ...]
    score: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", tuple(int(i) for i in self.source))
        object.__setattr__(self, "target", tuple(int(i) for i in self.target))
        object.__setattr__(self, "score", float(self.score))

    def to_string(self) -> str:
        """The standard bead format of Vecalign/Bleualign tools: ``[3, 4]:[5]``, ``[7]:[]``."""
        return f"{list(self.source)}:{list(self.target)}"

    @classmethod
    def from_string(cls, line: str, score: float = 1.0) -> Bead:
        left, right = line.strip().split(":", 1)
        return cls(tuple(json.loads(left)), tuple(json.loads(right)), score)

    def to_dict(self) -> dict[str, Any]:
        return {"source": list(self.source), "target": list(self.target), "score": self.score}


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity: a span on the source or target side."""

    side: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"mention side must be one of {SIDES}, not {self.side!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"side": self.side, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Entity:
    """One real-world entity with all its mentions on both sides; ``id`` fixes its colour everywhere."""

    id: str
    label: str
    mentions: tuple[Mention, ...] = ()
    name: str = ""  # a display name (usually the most frequent English form)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "label": self.label, "mentions": [m.to_dict() for m in self.mentions]}
        if self.name:
            d["name"] = self.name
        return d


@dataclass(frozen=True)
class Issue:
    """A QA finding, with the spans to highlight on each side."""

    code: str
    severity: str
    message: str
    source: tuple[Span, ...] = ()
    target: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"issue severity must be one of {SEVERITIES}, not {self.severity!r}")
        object.__setattr__(self, "source", _spans(self.source))
        object.__setattr__(self, "target", _spans(self.target))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "source": [list(s) for s in self.source],
            "target": [list(s) for s in self.target],
        }


@dataclass(frozen=True)
class Settings:
    """Everything that decides the output; its :meth:`signature` makes a result reproducible."""

    model: str = DEFAULT_MODEL
    backend: str = "transformers"
    beam_size: int = 4
    unit: str = "sentence"
    max_sentence_tokens: int = 200
    batch_tokens: int = 4096
    compute_type: str = "default"
    source_lang: str = "ar"
    target_lang: str = "en"
    revision: str = ""
    extra: tuple[tuple[str, Any], ...] = field(default=())

    def signature(self) -> str:
        parts = [
            f"xling:{__version__}",
            f"model:{self.model}" + (f"@{self.revision}" if self.revision else ""),
            f"backend:{self.backend}",
            f"compute:{self.compute_type}",
            f"beam:{self.beam_size}",
            f"unit:{self.unit}",
            f"maxtok:{self.max_sentence_tokens}",
            f"lang:{self.source_lang}-{self.target_lang}",
        ]
        parts += [f"{k}:{v}" for k, v in self.extra]
        return "|".join(parts)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        d.update(dict(self.extra))
        d["signature"] = self.signature()
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Settings:
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        kwargs = {k: v for k, v in data.items() if k in known}
        extra = tuple(sorted((k, v) for k, v in data.items() if k not in known and k != "signature"))
        return cls(**kwargs, extra=extra)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Document:
    """A bilingual document: verbatim texts plus spans; see the JSON contract in the README."""

    mode: str
    settings: Settings
    source: Side
    target: Side
    alignment: tuple[Bead, ...] = ()
    entities: tuple[Entity, ...] = ()
    issues: tuple[Issue, ...] = ()
    version: str = __version__

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        for name in ("alignment", "entities", "issues"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    # -- convenience -------------------------------------------------------------------------------
    @property
    def target_text(self) -> str:
        return self.target.text

    def side(self, name: str) -> Side:
        if name not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, not {name!r}")
        return self.source if name == "source" else self.target

    def beads(self) -> list[Bead]:
        """The alignment; without one, the coarsest safe guess: sentence by sentence when the counts agree,
        else paragraph by paragraph when those agree, else the whole document as one bead."""
        if self.alignment:
            return list(self.alignment)
        src, tgt = self.source, self.target
        if len(src.sentences) == len(tgt.sentences):
            return [Bead((i,), (i,)) for i in range(len(src.sentences))]
        if len(src.paragraphs) == len(tgt.paragraphs):
            return [Bead(src.sentences_of_paragraph(p), tgt.sentences_of_paragraph(p))
                    for p in range(len(src.paragraphs))]
        return [Bead(range(len(src.sentences)), range(len(tgt.sentences)))] if src.sentences or tgt.sentences else []

    def replace(self, **changes: Any) -> Document:
        return dataclasses.replace(self, **changes)

    def validate(self) -> None:
        """Raise ValueError if a span falls outside its text or sentences/beads are inconsistent."""
        for side_name in SIDES:
            side = self.side(side_name)
            n = len(side.text)
            prev = 0
            for start, end in side.paragraphs:
                if not (prev <= start <= end <= n):
                    raise ValueError(f"{side_name} paragraph span {(start, end)} out of order or bounds")
                prev = end
            prev = 0
            for i, s in enumerate(side.sentences):
                if not (prev <= s.start <= s.end <= n):  # an empty target sentence marks a failed translation
                    raise ValueError(f"{side_name} sentence {i} span {(s.start, s.end)} out of order or bounds")
                if not 0 <= s.paragraph < len(side.paragraphs):
                    raise ValueError(f"{side_name} sentence {i} names missing paragraph {s.paragraph}")
                p_start, p_end = side.paragraphs[s.paragraph]
                if not (p_start <= s.start and s.end <= p_end):
                    raise ValueError(f"{side_name} sentence {i} is not inside paragraph {s.paragraph}")
                prev = s.end
        for side_name in SIDES:
            ids = [i for b in self.alignment for i in getattr(b, side_name)]
            n_sent = len(self.side(side_name).sentences)
            if self.alignment and sorted(ids) != list(range(n_sent)):
                raise ValueError(f"alignment does not cover every {side_name} sentence exactly once")
        for e in self.entities:
            for m in e.mentions:
                if not 0 <= m.start < m.end <= len(self.side(m.side).text):
                    raise ValueError(f"entity {e.id} mention {(m.start, m.end)} out of bounds")
        for issue in self.issues:
            for side_name in SIDES:
                for start, end in getattr(issue, side_name):
                    if not 0 <= start <= end <= len(self.side(side_name).text):
                        raise ValueError(f"issue {issue.code} span {(start, end)} out of bounds")

    # -- JSON contract -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "xling": self.version,
            "mode": self.mode,
            "settings": self.settings.to_dict(),
            "source": {"lang": self.source.lang, "text": self.source.text},
            "target": {"lang": self.target.lang, "text": self.target.text},
            "paragraphs": {name: [list(p) for p in self.side(name).paragraphs] for name in SIDES},
            "sentences": {name: [s.to_dict() for s in self.side(name).sentences] for name in SIDES},
            "alignment": [b.to_dict() for b in self.alignment],
            "entities": [e.to_dict() for e in self.entities],
            "issues": [i.to_dict() for i in self.issues],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Document:
        def side(name: str) -> Side:
            return Side(
                lang=data[name]["lang"],
                text=data[name]["text"],
                paragraphs=_spans(data["paragraphs"][name]),
                sentences=tuple(Sentence(s["start"], s["end"], s["paragraph"]) for s in data["sentences"][name]),
            )

        return cls(
            mode=data["mode"],
            settings=Settings.from_dict(data["settings"]),
            source=side("source"),
            target=side("target"),
            alignment=tuple(Bead(b["source"], b["target"], b.get("score", 1.0)) for b in data["alignment"]),
            entities=tuple(
                Entity(
                    id=e["id"],
                    label=e["label"],
                    mentions=tuple(Mention(m["side"], m["start"], m["end"]) for m in e["mentions"]),
                    name=e.get("name", ""),
                )
                for e in data["entities"]
            ),
            issues=tuple(
                Issue(i["code"], i["severity"], i["message"], _spans(i["source"]), _spans(i["target"]))
                for i in data["issues"]
            ),
            version=data.get("xling", __version__),
        )

    @classmethod
    def from_json(cls, text: str) -> Document:
        return cls.from_dict(json.loads(text))
