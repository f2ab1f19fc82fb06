"""translate(): segment -> translate -> beads -> entities -> QA, streamed paragraph by paragraph.

The source text is kept verbatim; the English text is built once, here, with the spans of its paragraphs
and sentences recorded as it grows, so no later stage re-splits strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xling.document import AUTO_LANG, UNDETERMINED, Bead, Document, Issue, Sentence, Settings, Side, Span
from xling.errors import InputError
from xling.mt.base import Backend, DecodeOptions, Hypothesis
from xling.mt.batching import BatchSession
from xling.mt.cache import TranslationCache
from xling.mt.engine import Engine, EnginePool, engine_for, engine_for_language, join_hypotheses, routes_by_language
from xling.text.reading import check_language, check_text

UNITS = ("sentence", "paragraph")


# -- units of translation ------------------------------------------------------------------------------
@dataclass
class _Unit:
    """What the model translates as one input: a sentence, a piece of a long one, or a paragraph chunk."""

    paragraph: int
    sentences: list[int]  # source sentence ids it covers
    pieces: list[Span]  # source spans fed to the model (several when a long sentence was split)
    hypotheses: list[Hypothesis] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_hypotheses(self.hypotheses)


#: The largest paragraph group of a streamed translation: big enough to batch well, small enough that a
#: stopped request (Stop, a client gone) ends within one group's time.
MAX_PARAGRAPH_GROUP = 8


def _paragraph_groups(n_paragraphs: int) -> list[list[int]]:
    """Paragraph groups of growing size (1, 2, 4, 8, 8, ...): the first paragraph shows up fast, later groups
    batch well."""
    groups, start, size = [], 0, 1
    while start < n_paragraphs:
        groups.append(list(range(start, min(n_paragraphs, start + size))))
        start += size
        size = min(2 * size, MAX_PARAGRAPH_GROUP)
    return groups


class _Translator:
    """One translate() call: holds the settings, the growing English text and the issues found."""

    def __init__(self, text: str, engine: Engine, settings: Settings):
        from xling.text.segment import segment

        self.text = text
        self.engine = engine
        self.settings = settings
        self.paragraphs, self.sentences = segment(text, settings.source_lang)
        self.target_parts: list[str] = []
        self.target_len = 0
        self.target_paragraphs: list[Span] = []
        self.target_sentences: list[Sentence] = []
        self.beads: list[Bead] = []
        self.issues: list[Issue] = []

    def units_for(self, paragraph: int) -> list[_Unit]:
        ids = [i for i, s in enumerate(self.sentences) if s.paragraph == paragraph]
        budget = self.settings.max_sentence_tokens
        units: list[_Unit] = []
        if self.settings.unit == "sentence":
            for i in ids:
                s = self.sentences[i]  # split_long returns the sentence whole when it fits the budget
                units.append(_Unit(paragraph, [i], self.engine.split(self.text, s.start, s.end)))
            return units
        # paragraph unit: consecutive sentences packed into chunks within the budget
        current: list[int] = []
        used = 0
        for i in ids:
            s = self.sentences[i]
            n = self.engine.count_tokens(self.text[s.start : s.end])
            if current and used + n > budget:
                units.append(self._chunk(paragraph, current))
                current, used = [], 0
            if n > budget:
                units.append(_Unit(paragraph, [i], self.engine.split(self.text, s.start, s.end)))
                continue
            current.append(i)
            used += n
        if current:
            units.append(self._chunk(paragraph, current))
        return units

    def _chunk(self, paragraph: int, ids: list[int]) -> _Unit:
        return _Unit(paragraph, ids, [(self.sentences[ids[0]].start, self.sentences[ids[-1]].end)])


    def append_paragraph(self, paragraph: int, units: list[_Unit]) -> None:
        """Add one English paragraph: its sentences, their beads, and the issues met on the way."""
        if self.target_parts:
            self._append("\n\n")
        p_start = self.target_len
        for u in units:
            first = self.target_len == p_start
            if self.settings.unit == "sentence" or len(u.sentences) == 1:
                spans = [self._append_sentence(u.text, paragraph, first)]
                self.beads.append(Bead(tuple(u.sentences), (len(self.target_sentences) - 1,), 1.0))
            else:
                spans = self._append_aligned(u, paragraph, first)
            self._note_unit_issues(u, spans)
        self.target_paragraphs.append((p_start, self.target_len))

    def _append(self, piece: str) -> None:
        self.target_parts.append(piece)
        self.target_len += len(piece)

    def _append_sentence(self, sentence: str, paragraph: int, first: bool) -> Span:
        if not first:
            self._append(" ")
        start = self.target_len
        self._append(sentence)
        self.target_sentences.append(Sentence(start, self.target_len, paragraph))
        return (start, self.target_len)

    def _append_aligned(self, u: _Unit, paragraph: int, first: bool) -> list[Span]:
        """Paragraph unit: segment the English output and pair its sentences with the source by the aligner."""
        from xling.alignment.aligner import align
        from xling.text.segment import sentence_spans

        output = u.text
        out_spans = sentence_spans(output, self.settings.target_lang) or [(0, len(output))]
        base_id = len(self.target_sentences)
        spans = [self._append_sentence(output[a:b], paragraph, first and k == 0) for k, (a, b) in enumerate(out_spans)]
        source_texts = [self.text[self.sentences[i].start : self.sentences[i].end] for i in u.sentences]
        for bead in align(source_texts, [output[a:b] for a, b in out_spans]):
            self.beads.append(Bead(tuple(u.sentences[i] for i in bead.source),
                                   tuple(base_id + j for j in bead.target), bead.score))
        return spans

    def _note_unit_issues(self, u: _Unit, spans: list[Span]) -> None:
        source_span = (self.sentences[u.sentences[0]].start, self.sentences[u.sentences[-1]].end)
        target_span = (spans[0][0], spans[-1][1]) if spans else (self.target_len, self.target_len)
        if len(u.pieces) > 1:
            self.issues.append(Issue(
                "sentence-split", "info",
                f"Sentence over {self.settings.max_sentence_tokens} tokens was translated in {len(u.pieces)} pieces "
                f"(split at {', '.join(str(b) for _, b in u.pieces[:-1])}).",
                source=[source_span], target=[target_span],
            ))
        flags = {f for h in u.hypotheses for f in h.flags}
        if "empty" in flags:
            self.issues.append(Issue("empty-translation", "error",
                                     "The model returned nothing for this text, even after retrying with other settings.",
                                     source=[source_span], target=[target_span]))
        elif "retried" in flags and "repetition" not in flags:
            self.issues.append(Issue("retranslated", "info",
                                     "The first output was empty or looped; this is a retry with other decoding settings.",
                                     source=[source_span], target=[target_span]))

    def document(self) -> Document:
        return Document(
            mode="translate",
            settings=self.settings,
            source=Side(self.settings.source_lang, self.text, tuple(self.paragraphs), tuple(self.sentences)),
            target=Side(self.settings.target_lang, "".join(self.target_parts), tuple(self.target_paragraphs),
                        tuple(self.target_sentences)),
            alignment=tuple(self.beads),
            issues=tuple(self.issues),
        )


def _translate_units(runs: Sequence[tuple[_Translator, list[_Unit]]], session: BatchSession | None = None) -> None:
    """One batched model run per model for the units of several articles (or paragraph groups of one);
    ``session``: the streamed article's batcher session (one run, one model)."""
    from xling.text.segment import model_input

    by_model: dict[int, list[tuple[_Translator, _Unit]]] = {}
    for run, units in runs:
        by_model.setdefault(id(run.engine.backend), []).extend((run, unit) for unit in units)
    for flat in by_model.values():
        engine = flat[0][0].engine
        inputs = [model_input(run.text[a:b]) for run, unit in flat for a, b in unit.pieces]
        hyps = iter(engine.translate_sentences(inputs, engine.options(), session=session))
        for run, unit in flat:
            unit.hypotheses = [next(hyps) for _ in unit.pieces]


def choose_engine(
    text: str,
    model: str | Backend | Engine | EnginePool | None,
    source_lang: str | None,
    *,
    check_input_language: bool = True,
    **engine_options: Any,
) -> tuple[Engine, str, tuple[tuple[str, Any], ...]]:
    """The engine for ``text``, its source language, and how that language was chosen (settings extras).

    ``source_lang`` "auto" (or None) detects the language when the model is left to routing (``model`` None
    without ``$XLING_MODEL``, or an EnginePool); with one model forced it is the model's source language.
    """
    routed = routes_by_language(model)
    extra: tuple[tuple[str, Any], ...] = ()
    if source_lang in (None, AUTO_LANG):
        if routed:
            from xling.text.detect import identify

            found = identify(text)
            if found.lang == UNDETERMINED:
                raise InputError(f"cannot tell which language the input is in ({found.reason}); "
                                 "name it with source_lang (--source-lang)")
            src = found.lang
            extra = (("source_detected", f"{found.lang}:{found.confidence:.2f}"),)
            return engine_for_language(model, src, **engine_options), src, extra
        engine = engine_for(model, **engine_options)  # type: ignore[arg-type]
        src = engine.source_lang or "ar"
    else:
        src = source_lang
        engine = engine_for_language(model, src, **engine_options)
    if check_input_language:
        check_language(text, src)
    return engine, src, extra


def _prepare(
    text: str,
    model: str | Backend | Engine | EnginePool | None,
    engine_options: dict[str, Any],
    *,
    unit: str,
    source_lang: str | None,
    check_input_language: bool,
) -> tuple[Engine, Settings]:
    """Check the input, choose its engine and record the settings (no segmentation yet)."""
    check_text(text)
    engine, src, extra = choose_engine(text, model, source_lang, check_input_language=check_input_language,
                                       **engine_options)
    return engine, engine.settings(unit=unit, source_lang=src, extra=extra)


def _begin(text: str, engine: Engine, settings: Settings) -> _Translator:
    run = _Translator(text, engine, settings)
    if not run.sentences:
        raise InputError("input has no sentences to translate")
    return run


def _finish(run: _Translator, annotate_result: bool, glossary: Mapping[str, str] | None,
            consistent_names: bool) -> Document:
    doc = run.document()
    if annotate_result:
        doc = annotate(doc, glossary=glossary, consistent_names=consistent_names)
    return doc


def _engine_options(
    backend: str | None,
    device: str | None,
    compute_type: str | None,
    beam_size: int | None,
    max_sentence_tokens: int | None,
    batch_tokens: int | None,
    cache: TranslationCache | bool | None,
    options: DecodeOptions | None,
    unit: str,
) -> dict[str, Any]:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    if options is not None and not isinstance(options, DecodeOptions):
        raise TypeError(f"options must be a DecodeOptions, not {type(options).__name__}")
    if beam_size is not None and beam_size < 1:
        raise ValueError("beam_size must be at least 1")
    return dict(backend=backend, device=device, compute_type=compute_type, beam_size=beam_size,
                max_sentence_tokens=max_sentence_tokens, batch_tokens=batch_tokens, cache=cache, options=options)


def translate_stream(
    text: str,
    *,
    model: str | Backend | Engine | EnginePool | None = None,
    backend: str | None = None,
    beam_size: int | None = None,
    unit: str = "sentence",
    max_sentence_tokens: int | None = None,
    batch_tokens: int | None = None,
    source_lang: str = AUTO_LANG,
    device: str | None = None,
    compute_type: str | None = None,
    cache: TranslationCache | bool | None = None,
    options: DecodeOptions | None = None,
    glossary: Mapping[str, str] | None = None,
    consistent_names: bool = False,
    annotate_result: bool = True,
    check_input_language: bool = True,
) -> Iterator[Document]:
    """Translate ``text`` and yield the Document after each group of paragraphs; the last one is complete.

    Partial documents hold the paragraphs translated so far (the source side is always whole); only the final
    one carries entities and QA issues. The options are those of :func:`translate`.
    """
    engine_options = _engine_options(backend, device, compute_type, beam_size, max_sentence_tokens, batch_tokens,
                                     cache, options, unit)
    engine, settings = _prepare(text, model, engine_options, unit=unit, source_lang=source_lang,
                                check_input_language=check_input_language)
    with engine.session() as session:  # concurrent streams on this model share each group's model call
        run = _begin(text, engine, settings)
        for group in _paragraph_groups(len(run.paragraphs)):
            units = {p: run.units_for(p) for p in group}
            _translate_units([(run, [u for p in group for u in units[p]])], session)
            for p in group:
                run.append_paragraph(p, units[p])
            if group[-1] < len(run.paragraphs) - 1:
                yield run.document()
    yield _finish(run, annotate_result, glossary, consistent_names)


def translate(
    text: str | Sequence[str],
    *,
    model: str | Backend | Engine | EnginePool | None = None,
    backend: str | None = None,
    beam_size: int | None = None,
    unit: str = "sentence",
    max_sentence_tokens: int | None = None,
    batch_tokens: int | None = None,
    source_lang: str = AUTO_LANG,
    device: str | None = None,
    compute_type: str | None = None,
    cache: TranslationCache | bool | None = None,
    options: DecodeOptions | None = None,
    glossary: Mapping[str, str] | None = None,
    consistent_names: bool = False,
    annotate_result: bool = True,
    check_input_language: bool = True,
    on_paragraph: Callable[[Document], None] | None = None,
) -> Document | list[Document]:
    """Translate an article (a str) or several (a list of str, batched together) paragraph by paragraph.

    Args:
        text: the article, verbatim; or a list of articles, which returns a list of Documents (each equal to
            translating that article alone, but the model sees the sentences of all of them in shared batches).
        model: hub id or directory of an opus-mt model, a loaded :class:`~xling.mt.base.Backend`, an
            :class:`~xling.Engine` (each forces that model); an :class:`~xling.EnginePool`, or None, to route
            the source language to its opus-mt model (None: ``$XLING_MODEL`` if set forces that one).
        backend: ``"transformers"`` or ``"ct2"`` (None: ``$XLING_BACKEND`` or transformers).
        beam_size: beam size (None: from ``options``, else the engine's, else 4).
        unit: ``"sentence"`` (1-1 beads by construction) or ``"paragraph"`` (aligned afterwards).
        max_sentence_tokens: longer sentences are split at clause boundaries (None: the engine's, 200).
        batch_tokens: padded source tokens per model batch (None: from ``options``, 4096).
        source_lang: the text's language; ``"auto"`` (the default) detects it when the model is routed, and
            takes the forced model's source language otherwise. Recorded in the settings and signature.
        device: ``"cpu"`` or ``"cuda"`` (None: CUDA when available).
        compute_type: CTranslate2 only (``int8`` by default).
        cache: True for the process-wide in-memory cache, False for none, a TranslationCache, or None for
            the engine's own (the shared one for a new engine).
        options: full :class:`~xling.mt.base.DecodeOptions`; explicit ``beam_size``/``batch_tokens`` win.
        glossary: ``{source name: English rendering}`` applied everywhere.
        consistent_names: render each name one way throughout (the majority rendering).
        annotate_result: link entities and run the QA checks (False: translation and beads only).
        check_input_language: refuse text whose script is clearly not the source language's.
        on_paragraph: called with each partial Document as paragraphs finish (single article only).

    Raises:
        InputError: empty, binary, too large or wrong-language input. ModelUnavailable: the model cannot load.
    """
    common = dict(model=model, backend=backend, beam_size=beam_size, unit=unit,
                  max_sentence_tokens=max_sentence_tokens, batch_tokens=batch_tokens, source_lang=source_lang,
                  device=device, compute_type=compute_type, cache=cache, options=options, glossary=glossary,
                  consistent_names=consistent_names, annotate_result=annotate_result,
                  check_input_language=check_input_language)
    if isinstance(text, str):
        doc = None
        stream = translate_stream(text, **common)  # type: ignore[arg-type]
        try:
            for doc in stream:
                if on_paragraph is not None:
                    on_paragraph(doc)  # may raise (a cancelled request): the stream's batcher session ends now
        finally:
            stream.close()
        assert doc is not None
        return doc
    if on_paragraph is not None:
        raise TypeError("on_paragraph is for a single article; translate a list without it")
    if not isinstance(text, Sequence) or not all(isinstance(t, str) for t in text):
        raise TypeError("text must be a str or a list of str")
    engine_options = _engine_options(backend, device, compute_type, beam_size, max_sentence_tokens, batch_tokens,
                                     cache, options, unit)
    runs = [_begin(t, *_prepare(t, model, engine_options, unit=unit, source_lang=source_lang,
                                check_input_language=check_input_language)) for t in text]
    paragraph_units = [[run.units_for(p) for p in range(len(run.paragraphs))] for run in runs]
    _translate_units([(run, [u for units in per_p for u in units]) for run, per_p in zip(runs, paragraph_units)])
    for run, per_p in zip(runs, paragraph_units):
        for p, units in enumerate(per_p):
            run.append_paragraph(p, units)
    return [_finish(run, annotate_result, glossary, consistent_names) for run in runs]


def annotate(
    doc: Document,
    *,
    glossary: Mapping[str, str] | None = None,
    consistent_names: bool = False,
    entities: bool = True,
    checks: bool = True,
) -> Document:
    """Link entities across the two sides, harmonize names if asked, then run the QA checks."""
    if entities:
        from xling.entities.consistency import harmonize_names
        from xling.entities.link import link_entities

        doc = link_entities(doc)
        if glossary or consistent_names:
            doc = harmonize_names(doc, glossary=glossary, consistent_names=consistent_names)
    if checks:
        from xling.qa.checks import run_checks

        doc = run_checks(doc)
    return doc
