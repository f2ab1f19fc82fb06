"""translate(): segment -> translate -> beads -> entities -> QA, streamed paragraph by paragraph.

The source text is kept verbatim; the English text is built once, here, with the spans of its paragraphs
and sentences recorded as it grows, so no later stage re-splits strings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xling.document import DEFAULT_MODEL, Bead, Document, Issue, Sentence, Settings, Side, Span
from xling.errors import InputError
from xling.mt.base import Backend, DecodeOptions, Hypothesis, get_backend
from xling.mt.cache import TranslationCache
from xling.text.reading import check_language, check_text

UNITS = ("sentence", "paragraph")
_DEFAULT_CACHE = TranslationCache()


def default_model() -> str:
    return os.environ.get("XLING_MODEL") or DEFAULT_MODEL


def default_backend() -> str:
    return os.environ.get("XLING_BACKEND") or "transformers"


def load_backend(
    model: str | Backend | None = None,
    backend: str | None = None,
    *,
    device: str | None = None,
    compute_type: str | None = None,
) -> Backend:
    """The process-wide backend for a model (loaded once); raises ModelUnavailable when it cannot load."""
    if isinstance(model, Backend):
        return model.load()
    kwargs: dict[str, Any] = {}
    if device:
        kwargs["device"] = device
    if compute_type and compute_type != "default":
        kwargs["compute_type"] = compute_type
    return get_backend(backend or default_backend(), model or default_model(), **kwargs).load()


def _options_signature(backend: Backend, options: DecodeOptions) -> str:
    compute = getattr(backend, "compute_type", "default")
    return f"{backend.name}|{backend.model}|{backend.model_dir}|{compute}|{options!r}"


def translate_sentences(
    sentences: Sequence[str],
    backend: Backend,
    options: DecodeOptions | None = None,
    *,
    cache: TranslationCache | None = None,
) -> list[Hypothesis]:
    """Translate model-ready sentences in one length-sorted batch run, reusing cached translations."""
    options = options or DecodeOptions()
    results: list[Hypothesis | None] = [None] * len(sentences)
    todo: dict[str, list[int]] = {}
    signature = _options_signature(backend, options)
    for i, sentence in enumerate(sentences):
        if cache is not None:
            hyp = cache.get(cache.key(signature, sentence))
            if hyp is not None and (hyp.attention is not None or not options.return_attention):
                results[i] = hyp
                continue
        todo.setdefault(sentence, []).append(i)  # identical sentences are translated once
    if todo:
        unique = list(todo)
        for sentence, hyp in zip(unique, backend.translate(unique, options)):
            for i in todo[sentence]:
                results[i] = hyp
            if cache is not None:
                cache.put(cache.key(signature, sentence), hyp)
    return [r for r in results if r is not None]


def model_tokens(backend: Backend, piece: str) -> int:
    """How many tokens the model reads for a piece of verbatim text (its normalized copy, with ``</s>``)."""
    from xling.text.segment import model_input

    return len(backend.encode(model_input(piece)))


def translate_pieces(
    text: str,
    pieces: Sequence[Sequence[Span]],
    backend: Backend,
    options: DecodeOptions,
    *,
    cache: TranslationCache | None = None,
) -> list[list[Hypothesis]]:
    """Translate groups of spans of ``text`` in one batched run; one list of hypotheses per group."""
    from xling.text.segment import model_input

    inputs = [model_input(text[a:b]) for group in pieces for a, b in group]
    hyps = iter(translate_sentences(inputs, backend, options, cache=cache))
    return [[next(hyps) for _ in group] for group in pieces]


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
        return " ".join(h.text for h in self.hypotheses if h.text)


def _paragraph_groups(n_paragraphs: int) -> list[list[int]]:
    """Paragraph groups of growing size (1, 2, 4, ...): the first paragraph shows up fast, later groups batch well."""
    groups, start, size = [], 0, 1
    while start < n_paragraphs:
        groups.append(list(range(start, min(n_paragraphs, start + size))))
        start += size
        size *= 2
    return groups


class _Translator:
    """One translate() call: holds the settings, the growing English text and the issues found."""

    def __init__(self, text: str, backend: Backend, settings: Settings, options: DecodeOptions,
                 cache: TranslationCache | None):
        from xling.text.segment import segment

        self.text = text
        self.backend = backend
        self.settings = settings
        self.options = options
        self.cache = cache
        self.paragraphs, self.sentences = segment(text, settings.source_lang)
        self.target_parts: list[str] = []
        self.target_len = 0
        self.target_paragraphs: list[Span] = []
        self.target_sentences: list[Sentence] = []
        self.beads: list[Bead] = []
        self.issues: list[Issue] = []

    def count(self, piece: str) -> int:
        return model_tokens(self.backend, piece)

    def units_for(self, paragraph: int) -> list[_Unit]:
        from xling.text.segment import split_long

        ids = [i for i, s in enumerate(self.sentences) if s.paragraph == paragraph]
        budget = self.settings.max_sentence_tokens
        units: list[_Unit] = []
        if self.settings.unit == "sentence":
            for i in ids:
                s = self.sentences[i]  # split_long returns the sentence whole when it fits the budget
                units.append(_Unit(paragraph, [i], split_long(self.text, s.start, s.end, self.count, budget)))
            return units
        # paragraph unit: consecutive sentences packed into chunks within the budget
        current: list[int] = []
        used = 0
        for i in ids:
            s = self.sentences[i]
            n = self.count(self.text[s.start : s.end])
            if current and used + n > budget:
                units.append(self._chunk(paragraph, current))
                current, used = [], 0
            if n > budget:
                units.append(_Unit(paragraph, [i], split_long(self.text, s.start, s.end, self.count, budget)))
                continue
            current.append(i)
            used += n
        if current:
            units.append(self._chunk(paragraph, current))
        return units

    def _chunk(self, paragraph: int, ids: list[int]) -> _Unit:
        return _Unit(paragraph, ids, [(self.sentences[ids[0]].start, self.sentences[ids[-1]].end)])

    def translate_units(self, units: list[_Unit]) -> None:
        results = translate_pieces(self.text, [u.pieces for u in units], self.backend, self.options, cache=self.cache)
        for u, hypotheses in zip(units, results):
            u.hypotheses = hypotheses

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


def translate_stream(
    text: str,
    *,
    model: str | Backend | None = None,
    backend: str | None = None,
    beam_size: int = 4,
    unit: str = "sentence",
    max_sentence_tokens: int = 200,
    batch_tokens: int = 4096,
    source_lang: str | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    glossary: Mapping[str, str] | None = None,
    consistent_names: bool = False,
    annotate_result: bool = True,
    cache: TranslationCache | bool | None = True,
    options: DecodeOptions | None = None,
    check_input_language: bool = True,
) -> Iterator[Document]:
    """Translate ``text`` and yield the Document after each group of paragraphs; the last one is complete.

    Partial documents hold the paragraphs translated so far (the source side is always whole); only the final
    one carries entities and QA issues.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    if beam_size < 1:
        raise ValueError("beam_size must be at least 1")
    check_text(text)
    engine = load_backend(model, backend, device=device, compute_type=compute_type)
    src = source_lang or engine.source_lang or "ar"
    tgt = engine.target_lang or "en"
    if check_input_language:
        check_language(text, src)
    options = (options or DecodeOptions()).replace(beam_size=beam_size, batch_tokens=batch_tokens)
    settings = Settings(
        model=engine.model,
        backend=engine.name,
        beam_size=beam_size,
        unit=unit,
        max_sentence_tokens=max_sentence_tokens,
        batch_tokens=batch_tokens,
        compute_type=getattr(engine, "compute_type", "default"),
        source_lang=src,
        target_lang=tgt,
        revision=engine.revision or "",
    )
    if cache is True:
        cache = _DEFAULT_CACHE
    run = _Translator(text, engine, settings, options, cache if isinstance(cache, TranslationCache) else None)
    if not run.sentences:
        raise InputError("input has no sentences to translate")
    for group in _paragraph_groups(len(run.paragraphs)):
        units = {p: run.units_for(p) for p in group}
        run.translate_units([u for p in group for u in units[p]])
        for p in group:
            run.append_paragraph(p, units[p])
        if group[-1] < len(run.paragraphs) - 1:
            yield run.document()
    doc = run.document()
    if annotate_result:
        doc = annotate(doc, glossary=glossary, consistent_names=consistent_names)
    yield doc


def translate(
    text: str,
    *,
    on_paragraph: Callable[[Document], None] | None = None,
    **kwargs: Any,
) -> Document:
    """Translate an article paragraph by paragraph; see :func:`translate_stream` for the options.

    ``on_paragraph`` is called with each partial Document as paragraphs finish (for progress displays).
    """
    doc = None
    for doc in translate_stream(text, **kwargs):
        if on_paragraph is not None:
            on_paragraph(doc)
    assert doc is not None
    return doc


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
        from xling.entities.linking import harmonize_names, link_entities

        doc = link_entities(doc)
        if glossary or consistent_names:
            doc = harmonize_names(doc, glossary=glossary, consistent_names=consistent_names)
    if checks:
        from xling.qa.checks import run_checks

        doc = run_checks(doc)
    return doc
