"""Compare an article with a translation someone else made: segment both, align, then check.

The result is a Document in "compare" mode: both texts verbatim, the beads between their sentences, and
(from :func:`xling.pipeline.translation.annotate`) linked entities and QA issues, among them ``omission`` for source
sentences aligned with nothing and ``addition`` for target sentences aligned with nothing.

With a translation model the source sentences are machine-translated first, so the aligner can compare
words (Bleualign's idea); without one (``model=xling.NO_MODEL``, or when the model cannot be loaded) it aligns on
lengths and anchors (numbers, names, punctuation) alone, and the settings say so. Two languages without a
model between them (Arabic and Russian, French and Chinese) are compared through English: when models are
routed by language, each side is translated into English and the aligner compares the two translations
(``settings.extra["similarity"] == "mt-pivot"``).
"""

from __future__ import annotations

import logging
from typing import Any

from collections.abc import Mapping

from xling.alignment.aligner import align
from xling.document import AUTO_LANG, UNDETERMINED, Document, Settings, Side
from xling.errors import InputError, ModelUnavailable
from xling.mt.base import Backend
from xling.mt.cache import TranslationCache
from xling.mt.engine import (
    DEFAULT_BEAM_SIZE,
    Engine,
    EnginePool,
    NoModel,
    engine_for_language,
    routes_by_language,
)
from xling.text.reading import check_language, check_text

log = logging.getLogger(__name__)

#: What ``settings.backend`` and ``settings.model`` record for a model-free comparison.
MODEL_FREE = "none"
#: The language both sides are translated into when no model joins them directly.
PIVOT_LANG = "en"
#: ``settings.extra["similarity"]`` values: model-free, direct MT, MT of both sides into the pivot.
SIMILARITY_MODEL_FREE, SIMILARITY_MT, SIMILARITY_PIVOT = "length+anchors", "mt", "mt-pivot"


def compare(
    source_text: str,
    target_text: str,
    *,
    model: str | Backend | Engine | EnginePool | NoModel | None = None,
    backend: str | None = None,
    source_lang: str = AUTO_LANG,
    target_lang: str = AUTO_LANG,
    beam_size: int | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    cache: TranslationCache | bool | None = None,
    annotate: bool = True,
    glossary: Mapping[str, str] | None = None,
    consistent_names: bool = False,
) -> Document:
    """Align ``source_text`` with its translation ``target_text`` and check the translation.

    Args:
        source_text, target_text: the two articles, verbatim.
        model: the model that machine-translates the source sentences so the aligner can compare words: a
            hub id or directory, a loaded backend, an :class:`~xling.Engine`, None for the default model,
            or :data:`xling.NO_MODEL` to align on lengths and anchors alone. If the model cannot be loaded,
            the alignment falls back to model-free and ``settings.model_fallback`` says why.
        backend, beam_size, device, compute_type, cache: as for :func:`xling.translate`.
        source_lang, target_lang: the languages of the two texts; ``"auto"`` (the default) detects each.
            The model's translations are used only when they are in the target text's language.
        annotate: link entities and run the QA checks (False: alignment only).
        glossary, consistent_names: as for :func:`xling.translate`.
    """
    from xling.text.segment import segment

    check_text(source_text, name="source text")
    check_text(target_text, name="target text")
    extra: dict[str, Any] = {"aligner": "xling.alignment"}
    source_lang = _language(source_text, source_lang, "source", extra)
    target_lang = _language(target_text, target_lang, "target", extra)

    src_paragraphs, src_sentences = segment(source_text, source_lang)
    tgt_paragraphs, tgt_sentences = segment(target_text, target_lang)
    source = Side(source_lang, source_text, src_paragraphs, src_sentences)
    target = Side(target_lang, target_text, tgt_paragraphs, tgt_sentences)

    translations = None
    aligned_target = target.sentence_texts()
    settings = Settings(model=MODEL_FREE, backend=MODEL_FREE, beam_size=beam_size or DEFAULT_BEAM_SIZE,
                        source_lang=source_lang, target_lang=target_lang)
    extra["similarity"] = SIMILARITY_MODEL_FREE
    if not isinstance(model, NoModel):
        engine_options = dict(backend=backend, device=device, compute_type=compute_type, beam_size=beam_size,
                              cache=cache)
        try:
            engine = engine_for_language(model, source_lang, target_lang, **engine_options)
            if (engine.target_lang or "en") != target_lang:
                raise ModelUnavailable(f"the model translates into '{engine.target_lang}', not into the "
                                       f"target text's language '{target_lang}'")
            translations = engine.translate_spans(source.text, [(s.start, s.end) for s in source.sentences])
            settings = engine.settings(source_lang=source_lang, target_lang=target_lang)
            extra["similarity"] = SIMILARITY_MT
        except ModelUnavailable as err:
            pivoted = None
            if PIVOT_LANG not in (source_lang, target_lang) and routes_by_language(model):
                try:
                    pivoted = _pivot(model, source, target, engine_options, extra)
                except ModelUnavailable as pivot_err:
                    err = pivot_err
            if pivoted is None:
                log.warning("compare: model unavailable, aligning without it: %s", err)
                extra["model_fallback"] = str(err)
            else:
                translations, aligned_target, settings = pivoted
                settings = settings.replace(source_lang=source_lang, target_lang=target_lang)
                extra["similarity"] = SIMILARITY_PIVOT
    settings = settings.replace(extra=tuple(sorted(extra.items())))

    beads = align(
        source.sentence_texts(),
        aligned_target,
        source_translations=translations,
        source_paragraphs=[s.paragraph for s in src_sentences],
        target_paragraphs=[s.paragraph for s in tgt_sentences],
    )
    doc = Document(mode="compare", settings=settings, source=source, target=target, alignment=tuple(beads))
    if annotate:
        from xling.pipeline.translation import annotate as run_annotate

        doc = run_annotate(doc, glossary=glossary, consistent_names=consistent_names)
    return doc


def _pivot(model, source: Side, target: Side, engine_options: Mapping[str, Any], extra: dict[str, Any]):
    """Both sides translated into :data:`PIVOT_LANG`: ``(source translations, target translations, settings)``.

    The aligner then compares the source's English with the target's English as if the target were English
    (same sentences, same order); the entities and checks still read the two texts verbatim.
    """
    translated = []
    settings = None
    for side in (source, target):
        engine = engine_for_language(model, side.lang, PIVOT_LANG, **engine_options)
        if (engine.target_lang or PIVOT_LANG) != PIVOT_LANG:
            raise ModelUnavailable(f"the model for '{side.lang}' translates into '{engine.target_lang}', "
                                   f"not into '{PIVOT_LANG}'")
        translated.append(engine.translate_spans(side.text, [(s.start, s.end) for s in side.sentences]))
        settings = settings or engine.settings()
        if side is target:
            extra["target_model"] = str(engine.settings().model)
    return translated[0], translated[1], settings


def _language(text: str, lang: str, side: str, extra: dict[str, Any]) -> str:
    """The language of one side: as given (checked against the script), or detected for "auto"."""
    if lang != AUTO_LANG:
        check_language(text, lang, name=f"{side} text")
        return lang
    from xling.text.detect import identify

    found = identify(text)
    if found.lang == UNDETERMINED:
        raise InputError(f"cannot tell which language the {side} text is in ({found.reason}); "
                         f"name it with {side}_lang (--{side}-lang)")
    extra[f"{side}_detected"] = f"{found.lang}:{found.confidence:.2f}"
    return found.lang
