"""Compare an article with a translation someone else made: segment both, align, then check.

The result is a Document in "compare" mode: both texts verbatim, the beads between their sentences, and
(from :func:`xling.pipeline.translation.annotate`) linked entities and QA issues, among them ``omission`` for source
sentences aligned with nothing and ``addition`` for target sentences aligned with nothing.

With a translation model the source sentences are machine-translated first, so the aligner can compare
words (Bleualign's idea); without one (``model="none"``, or when the model cannot be loaded) it aligns on
lengths and anchors (numbers, names, punctuation) alone, and the settings say so.
"""

from __future__ import annotations

import logging
from typing import Any

from xling.alignment.aligner import align
from xling.document import Document, Settings, Side
from xling.errors import ModelUnavailable
from xling.text.reading import check_language, check_text

log = logging.getLogger(__name__)

#: ``model`` value that asks for model-free alignment.
NO_MODEL = "none"


def _translate_for_alignment(source: Side, model: str | None, backend: str | None, settings: Settings) -> list[str]:
    """MT of every source sentence, in the target language (long sentences translated piece by piece)."""
    from xling.mt.base import DecodeOptions
    from xling.pipeline.translation import load_backend, model_tokens, translate_pieces
    from xling.text.segment import split_long

    engine = load_backend(model, backend)
    budget = settings.max_sentence_tokens
    pieces = [split_long(source.text, s.start, s.end, lambda p: model_tokens(engine, p), budget)
              for s in source.sentences]
    hyps = translate_pieces(source.text, pieces, engine, DecodeOptions(beam_size=settings.beam_size))
    return [" ".join(h.text for h in group) for group in hyps]


def compare(
    source_text: str,
    target_text: str,
    *,
    model: str | None = None,
    backend: str | None = None,
    source_lang: str = "ar",
    target_lang: str = "en",
    beam_size: int = 4,
    annotate: bool = True,
    **annotate_options: Any,
) -> Document:
    """Align ``source_text`` with its translation ``target_text`` and check the translation.

    ``model``: a model id or directory for the similarity translations, None for the default model, or
    "none" for model-free alignment. If the model cannot be loaded, the alignment falls back to
    model-free and ``settings.backend`` is "none" with the reason in ``settings.model_fallback``.
    ``annotate=False`` skips entity linking and QA checks (alignment only).
    """
    from xling.pipeline.translation import default_backend, default_model
    from xling.text.segment import segment

    check_text(source_text, name="source text")
    check_text(target_text, name="target text")
    check_language(source_text, source_lang, name="source text")
    check_language(target_text, target_lang, name="target text")

    src_paragraphs, src_sentences = segment(source_text, source_lang)
    tgt_paragraphs, tgt_sentences = segment(target_text, target_lang)
    source = Side(source_lang, source_text, src_paragraphs, src_sentences)
    target = Side(target_lang, target_text, tgt_paragraphs, tgt_sentences)

    model_free = model is not None and model.lower() == NO_MODEL
    settings = Settings(
        model=NO_MODEL if model_free else (model or default_model()),
        backend=NO_MODEL if model_free else (backend or default_backend()),
        beam_size=beam_size,
        source_lang=source_lang,
        target_lang=target_lang,
    )
    translations = None
    extra: dict[str, Any] = {"aligner": "xling.alignment.aligner"}
    if not model_free:
        try:
            translations = _translate_for_alignment(source, settings.model, settings.backend, settings)
        except ModelUnavailable as err:
            log.warning("compare: model unavailable, aligning without it: %s", err)
            extra["model_fallback"] = str(err)
            settings = settings.replace(backend=NO_MODEL)
    extra["similarity"] = "mt" if translations is not None else "length+anchors"
    settings = settings.replace(extra=tuple(sorted(extra.items())))

    beads = align(
        source.sentence_texts(),
        target.sentence_texts(),
        source_translations=translations,
        source_paragraphs=[s.paragraph for s in src_sentences],
        target_paragraphs=[s.paragraph for s in tgt_sentences],
    )
    doc = Document(mode="compare", settings=settings, source=source, target=target, alignment=tuple(beads))
    if annotate:
        from xling.pipeline.translation import annotate as run_annotate

        doc = run_annotate(doc, **annotate_options)
    return doc
