"""Hypotheses for evaluation, made with xling itself: test segments through the engine, whole articles
through :func:`xling.translate`, and the scoring units cut from translated articles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xling.document import Settings, Span
from xling.errors import InputError
from xling.mt.base import Backend
from xling.mt.engine import Engine, EnginePool, engine_for_language, join_hypotheses

if TYPE_CHECKING:
    from xling.document import Document
    from xling.eval.testsets import DocumentSet

INPUT_UNITS = ("sentence", "line")


def translate_segments(
    sources: Sequence[str],
    *,
    model: str | Backend | Engine | EnginePool | None = None,
    backend: str | None = None,
    beam_size: int | None = None,
    input_unit: str = "sentence",
    max_sentence_tokens: int | None = None,
    source_lang: str = "ar",
    target_lang: str = "en",
    device: str | None = None,
    compute_type: str | None = None,
) -> tuple[list[str], Settings]:
    """Translate test segments through the engine in one batched run; returns the hypotheses and the settings.

    ``input_unit="sentence"`` feeds the model what the product feeds it (our sentence segmentation,
    long sentences split); ``"line"`` feeds each segment whole, as opus-mt's own benchmarks do.
    """
    from xling.text.segment import sentence_spans

    if input_unit not in INPUT_UNITS:
        raise InputError(f"input unit must be one of {INPUT_UNITS}, not {input_unit!r}")
    if beam_size is not None and beam_size < 1:
        raise InputError("beam size must be at least 1")
    engine_options = dict(backend=backend, device=device, compute_type=compute_type, beam_size=beam_size,
                          max_sentence_tokens=max_sentence_tokens)
    # a routed model is the test set's language pair's (opus-mt-fr-en for -l fr-en)
    engine = engine_for_language(model, source_lang, target_lang, **engine_options)
    pieces: list[list[Span]] = []
    for text in sources:
        if not text.strip():
            pieces.append([])
        elif input_unit == "line":
            pieces.append([(0, len(text))])
        else:
            pieces.append([p for a, b in (sentence_spans(text, source_lang) or [(0, len(text))])
                           for p in engine.split(text, a, b)])
    try:
        groups = _translate_segment_pieces(engine, sources, pieces)
    except ValueError as err:  # an input over the model's position limit
        raise InputError(f"{err}; use --input-unit sentence to split long segments") from None
    outputs = [join_hypotheses(group) for group in groups]
    settings = engine.settings(unit="sentence", source_lang=source_lang, target_lang=target_lang, extra=(("eval_input_unit", input_unit),))
    return outputs, settings


def _translate_segment_pieces(engine: Engine, sources: Sequence[str], pieces: list[list[Span]]) -> list[list]:
    """All segments' pieces in one batched engine run (spans index each segment's own text)."""
    from xling.text.segment import model_input

    hyps = iter(engine.translate_sentences([model_input(t[a:b]) for t, spans in zip(sources, pieces)
                                            for a, b in spans]))
    return [[next(hyps) for _ in spans] for spans in pieces]


DOC_UNITS = ("paragraph", "document")


@dataclass(frozen=True)
class DocumentSegments:
    """Document-level output cut into scoring units, with labels saying where each unit comes from."""

    sources: list[str]
    hypotheses: list[str]
    references: list[str]
    labels: list[str]


def translate_documents(docs: DocumentSet, **options: Any) -> list[Document]:
    """Translate whole articles through :func:`xling.translate` (segmentation, splitting and all), batched."""
    from xling.pipeline.translation import translate

    options.setdefault("check_input_language", False)
    return translate(list(docs.sources), **options)


def document_segments(docs: DocumentSet, translations: Sequence[Document], unit: str = "paragraph") -> DocumentSegments:
    """Scoring units from translated articles: paragraph by paragraph, or each article as one segment.

    Paragraph units need the reference to have as many paragraphs as the source (our pipeline keeps
    the source's paragraphs); otherwise score whole documents.
    """
    if unit not in DOC_UNITS:
        raise InputError(f"document unit must be one of {DOC_UNITS}, not {unit!r}")
    out = DocumentSegments([], [], [], [])
    for doc_id, doc, reference in zip(docs.ids, translations, docs.references):
        if unit == "document":
            out.sources.append(_one_line(doc.source.text))
            out.hypotheses.append(_one_line(doc.target.text))
            out.references.append(_one_line(reference))
            out.labels.append(doc_id)
            continue
        from xling.text.segment import paragraph_spans

        ref_paragraphs = paragraph_spans(reference)
        n_src = len(doc.source.paragraphs)
        if len(ref_paragraphs) != n_src or len(doc.target.paragraphs) != n_src:
            raise InputError(
                f"document {doc_id}: the source has {n_src} paragraphs, the reference {len(ref_paragraphs)} "
                f"and the translation {len(doc.target.paragraphs)}; use --doc-unit document to score whole articles"
            )
        for p in range(n_src):
            out.sources.append(_one_line(doc.source.paragraph_text(p)))
            out.hypotheses.append(_one_line(doc.target.paragraph_text(p)))
            out.references.append(_one_line(reference[ref_paragraphs[p][0] : ref_paragraphs[p][1]]))
            out.labels.append(f"{doc_id} ¶{p + 1}")
    return out


def _one_line(text: str) -> str:
    """A multi-line text as one segment (scores are unchanged: every metric splits on whitespace)."""
    return " ".join(text.split())


