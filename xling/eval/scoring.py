"""Evaluation with sacrebleu: BLEU, chrF2, chrF++ and TER, confidence intervals, paired tests, worst segments.

A thin layer over sacrebleu's own objects, built with the ``sacrebleu`` command's defaults, so every
number and signature here is the one sacrebleu prints for the same files:

* scores: ``BLEU()``, ``CHRF()``, ``CHRF(word_order=2)``, ``TER()`` ``.corpus_score(...)``;
* 95% confidence intervals: ``corpus_score(..., n_bootstrap=N)`` (reported as ``mean ± half-width``,
  sacrebleu's ``μ = m ± ci``; ``ci95`` is ``[m - ci, m + ci]``);
* paired tests against a baseline: ``sacrebleu.significance.PairedTest`` (bootstrap and approximate
  randomization), seeded by ``$SACREBLEU_SEED`` (default 12345) exactly as in sacrebleu.

What xling adds: translating the test set with our own pipeline (so evaluation measures the product),
per-segment chrF with the worst segments listed for reading, and text/Markdown/JSON/plot reports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xling.errors import InputError
from xling.version import __version__

if TYPE_CHECKING:
    from sacrebleu.metrics.base import Metric

    from xling.document import Document, Settings
    from xling.eval.testsets import DocumentSet


# -- metrics ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MetricKind:
    """One reported metric: how to build its sacrebleu object, and which direction is better."""

    name: str
    build: Callable[[str | None], Metric]
    higher_is_better: bool = True


def _bleu(target_lang: str | None) -> Metric:
    from sacrebleu.metrics import BLEU

    # the sacrebleu command passes the target language (from -l) so BLEU picks its tokenizer (13a for en)
    return BLEU(trg_lang=target_lang or "")


def _chrf(target_lang: str | None) -> Metric:
    from sacrebleu.metrics import CHRF

    return CHRF()


def _chrf_pp(target_lang: str | None) -> Metric:
    from sacrebleu.metrics import CHRF

    return CHRF(word_order=2)


def _ter(target_lang: str | None) -> Metric:
    from sacrebleu.metrics import TER

    return TER()


METRICS: dict[str, MetricKind] = {}


def register_metric(kind: MetricKind) -> MetricKind:
    """Make a metric available by name (``--metrics``); the order of registration is the report order."""
    METRICS[kind.name] = kind
    return kind


for _kind in (MetricKind("BLEU", _bleu), MetricKind("chrF2", _chrf), MetricKind("chrF++", _chrf_pp),
              MetricKind("TER", _ter, higher_is_better=False)):
    register_metric(_kind)

DEFAULT_METRICS = tuple(METRICS)
PAIRED_TESTS = {"bs": "paired bootstrap resampling", "ar": "approximate randomization"}
#: sacrebleu's defaults for the number of resamples (bs) and trials (ar)
PAIRED_DEFAULT_N = {"bs": 1000, "ar": 10000}


def _metric_kinds(names: Sequence[str]) -> list[MetricKind]:
    """Metrics by name, case-insensitively ("chrf" is chrF2, as in sacrebleu)."""
    folded = {k.lower(): k for k in METRICS} | {"chrf": "chrF2", "chrfpp": "chrF++"}
    unknown = [n for n in names if n.lower() not in folded]
    if unknown:
        raise InputError(f"unknown metric(s) {', '.join(unknown)}; choose from {', '.join(METRICS)}")
    if not names:
        raise InputError("choose at least one metric")
    return [METRICS[folded[n.lower()]] for n in dict.fromkeys(names)]


# -- results ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MetricResult:
    """A corpus score with its sacrebleu signature; ``mean``/``ci`` only when bootstrap resampling ran."""

    name: str
    score: float
    signature: str
    mean: float | None = None
    ci: float | None = None  # half-width of the 95% interval, sacrebleu's "± ci"

    @property
    def ci95(self) -> tuple[float, float] | None:
        if self.mean is None or self.ci is None:
            return None
        return (self.mean - self.ci, self.mean + self.ci)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"score": self.score, "signature": self.signature}
        if self.ci95 is not None:
            d["ci95"] = list(self.ci95)
            d["mean"] = self.mean
        return d


@dataclass(frozen=True)
class PairedResult:
    """One system against the baseline on one metric, by one test ("bs" or "ar")."""

    test: str
    metric: str
    p_value: float
    signature: str
    mean: float | None = None  # paired bootstrap also estimates each system's mean and interval
    ci: float | None = None

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"p_value": self.p_value, "signature": self.signature}
        if self.mean is not None and self.ci is not None:
            d["mean"] = self.mean
            d["ci95"] = [self.mean - self.ci, self.mean + self.ci]
        return d


@dataclass(frozen=True)
class SystemResult:
    name: str
    metrics: dict[str, MetricResult]
    segment_chrf: tuple[float, ...] = ()
    paired: dict[str, dict[str, PairedResult]] = field(default_factory=dict)  # test -> metric -> result
    baseline: bool = False
    settings: dict[str, Any] | None = None  # how the hypotheses were produced, when xling translated them

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "baseline": self.baseline,
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
            "paired": {t: {m: r.to_dict() for m, r in by_metric.items()} for t, by_metric in self.paired.items()},
        }
        if self.settings is not None:
            d["settings"] = self.settings
        return d


@dataclass(frozen=True)
class WorstSegment:
    """A low-scoring segment, for people to read: where it is, its chrF, and the three texts."""

    system: str
    index: int
    chrf: float
    source: str | None
    hypothesis: str
    references: tuple[str, ...]
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"system": self.system, "index": self.index, "chrF": self.chrf,
                             "source": self.source, "hypothesis": self.hypothesis,
                             "references": list(self.references)}
        if self.label:
            d["label"] = self.label
        return d


@dataclass(frozen=True)
class Report:
    """Everything ``xling eval`` prints; :meth:`to_dict` is the ``--json`` contract."""

    test_set: str
    segments: int
    references: int
    systems: tuple[SystemResult, ...]
    worst: tuple[WorstSegment, ...] = ()
    langpair: str = "ar-en"

    @property
    def baseline(self) -> SystemResult:
        return next(s for s in self.systems if s.baseline)

    def system(self, name: str) -> SystemResult:
        for s in self.systems:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "xling": __version__,
            "test_set": {"name": self.test_set, "segments": self.segments, "references": self.references,
                         "langpair": self.langpair},
            "systems": [s.to_dict() for s in self.systems],
            "worst": [w.to_dict() for w in self.worst],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        return render(self, markdown=False)

    def to_markdown(self) -> str:
        return render(self, markdown=True)

    def plot(self, path: str) -> None:
        plot_report(self, path)


# -- evaluation ------------------------------------------------------------------------------------------
def _reference_streams(references: Sequence[Sequence[str]] | Sequence[str]) -> list[list[str]]:
    if isinstance(references, str):
        raise InputError("references must be a list of segments (or a list of such lists), not one string")
    if references and isinstance(references[0], str):
        return [list(references)]  # type: ignore[arg-type]
    return [list(r) for r in references]


def _named_systems(systems: Mapping[str, Sequence[str]] | Sequence[str]) -> list[tuple[str, list[str]]]:
    if isinstance(systems, str):
        raise InputError("hypotheses must be a list of segments, not one string")
    if isinstance(systems, Mapping):
        return [(str(k), list(v)) for k, v in systems.items()]
    return [("system", list(systems))]


def evaluate(
    systems: Mapping[str, Sequence[str]] | Sequence[str],
    references: Sequence[Sequence[str]] | Sequence[str],
    *,
    sources: Sequence[str] | None = None,
    baseline: str | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
    confidence: int | bool = 0,
    paired: Sequence[str] = ("bs", "ar"),
    paired_n: Mapping[str, int] | None = None,
    worst: int = 10,
    target_lang: str | None = "en",
    test_set: str = "",
    labels: Sequence[str] | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    langpair: str = "ar-en",
) -> Report:
    """Score one or more systems against one or more references, as sacrebleu does.

    ``systems`` is a list of hypotheses or a ``{name: hypotheses}`` mapping; ``references`` a list of
    segments or a list of reference streams. ``confidence`` > 1 adds bootstrap 95% intervals with
    that many resamples (``True``: sacrebleu's 1000); with two or more systems each is compared with
    ``baseline`` (default: the first) by the ``paired`` tests. The ``worst`` segments by sentence
    chrF are listed per system, with ``sources`` and ``labels`` (where each segment comes from).
    """
    named = _named_systems(systems)
    refs = _reference_streams(references)
    kinds = _metric_kinds(metrics)
    _check_lengths(named, refs, sources)
    if labels is not None and len(labels) != len(refs[0]):
        raise InputError(f"{len(labels)} labels for {len(refs[0])} segments")
    if len({n for n, _ in named}) != len(named):
        raise InputError("two systems have the same name; name them with --system NAME=FILE")
    names = [n for n, _ in named]
    base = baseline if baseline is not None else names[0]
    if base not in names:
        raise InputError(f"baseline {base!r} is not one of the systems: {', '.join(names)}")
    tests = [t for t in paired if t] if len(named) > 1 else []
    for t in tests:
        if t not in PAIRED_TESTS:
            raise InputError(f"unknown paired test {t!r}; choose from {', '.join(PAIRED_TESTS)}")
    if confidence is True:
        confidence = 1000
    if confidence == 1 or confidence < 0:
        raise InputError("confidence needs at least 2 bootstrap resamples (sacrebleu uses 1000)")

    paired_results = _paired_tests(named, base, refs, kinds, tests, paired_n or {}, target_lang)
    results = []
    for name, hyps in named:
        scores = {}
        for kind in kinds:
            metric = kind.build(target_lang)
            score = metric.corpus_score(hyps, refs, n_bootstrap=confidence if confidence > 1 else 1)
            sig = metric.get_signature().format()
            if confidence > 1:
                scores[kind.name] = MetricResult(kind.name, float(score.score), sig, float(score._mean),
                                                 float(score._ci))
            else:
                scores[kind.name] = MetricResult(kind.name, float(score.score), sig)
        results.append(SystemResult(
            name=name,
            metrics=scores,
            segment_chrf=tuple(sentence_chrf(hyps, refs)),
            paired=paired_results.get(name, {}),
            baseline=name == base,
            settings=dict(settings[name]) if settings and name in settings else None,
        ))
    return Report(
        test_set=test_set,
        segments=len(refs[0]),
        references=len(refs),
        systems=tuple(results),
        worst=tuple(worst_segments(results, named, refs, sources, worst, labels)),
        langpair=langpair,
    )


def _check_lengths(named: list[tuple[str, list[str]]], refs: list[list[str]], sources: Sequence[str] | None) -> None:
    if not refs or not refs[0]:
        raise InputError("no reference segments to score against")
    n = len(refs[0])
    for k, stream in enumerate(refs):
        if len(stream) != n:
            raise InputError(f"reference {k + 1} has {len(stream)} segments, reference 1 has {n}")
    for name, hyps in named:
        if len(hyps) != n:
            raise InputError(f"system {name!r} has {len(hyps)} segments but the references have {n}: "
                             "hypotheses must be line-parallel to the references")
        if any(not isinstance(h, str) for h in hyps):
            raise InputError(f"system {name!r}: every hypothesis must be a string")
    if sources is not None and len(sources) != n:
        raise InputError(f"the source has {len(sources)} segments but the references have {n}")


def sentence_chrf(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> list[float]:
    """chrF2 of every segment (sacrebleu's ``CHRF().sentence_score``), to find the failures."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    return [float(metric.sentence_score(h, list(r)).score) for h, r in zip(hypotheses, zip(*references))]


def worst_segments(
    results: Sequence[SystemResult],
    named: Sequence[tuple[str, Sequence[str]]],
    refs: Sequence[Sequence[str]],
    sources: Sequence[str] | None,
    n: int,
    labels: Sequence[str] | None = None,
) -> list[WorstSegment]:
    """The ``n`` lowest-chrF segments of each system (ties: earlier segment first)."""
    out = []
    for result, (name, hyps) in zip(results, named):
        order = sorted(range(len(hyps)), key=lambda i: (result.segment_chrf[i], i))[: max(n, 0)]
        for i in order:
            out.append(WorstSegment(
                system=name, index=i, chrf=result.segment_chrf[i],
                source=None if sources is None else sources[i], hypothesis=hyps[i],
                references=tuple(r[i] for r in refs), label=labels[i] if labels else "",
            ))
    return out


def _paired_tests(
    named: list[tuple[str, list[str]]],
    base: str,
    refs: list[list[str]],
    kinds: list[MetricKind],
    tests: Sequence[str],
    paired_n: Mapping[str, int],
    target_lang: str | None,
) -> dict[str, dict[str, dict[str, PairedResult]]]:
    """sacrebleu's PairedTest for each test type; returns system -> test -> metric -> result."""
    if not tests:
        return {}
    from sacrebleu.significance import PairedTest

    ordered = sorted(named, key=lambda ns: ns[0] != base)  # the baseline goes first, as PairedTest expects
    out: dict[str, dict[str, dict[str, PairedResult]]] = {name: {} for name, _ in ordered[1:]}
    for test in tests:
        metrics = {k.name: k.build(target_lang) for k in kinds}
        runner = PairedTest(ordered, metrics, refs, test_type=test, n_samples=paired_n.get(test, 0))
        signatures, scores = runner()
        # PairedTest keys its results by sacrebleu's score names (chrF2++ for chrF++), in metric order
        for kind, score_name in zip(kinds, signatures):
            sig = signatures[score_name].format()
            for (name, _), res in zip(ordered[1:], scores[score_name][1:]):
                out[name].setdefault(test, {})[kind.name] = PairedResult(
                    test, kind.name, float(res.p_value), sig,
                    None if res.mean is None else float(res.mean), None if res.ci is None else float(res.ci),
                )
    return out


# -- producing hypotheses with xling ---------------------------------------------------------------------
INPUT_UNITS = ("sentence", "line")


def translate_segments(
    sources: Sequence[str],
    *,
    model: str | None = None,
    backend: str | None = None,
    beam_size: int = 4,
    input_unit: str = "sentence",
    max_sentence_tokens: int = 200,
    source_lang: str = "ar",
    device: str | None = None,
    compute_type: str | None = None,
) -> tuple[list[str], Settings]:
    """Translate test segments in one batched run; returns the hypotheses and the settings used.

    ``input_unit="sentence"`` feeds the model what the product feeds it (our sentence segmentation,
    long sentences split); ``"line"`` feeds each segment whole, as opus-mt's own benchmarks do.
    """
    from xling.document import Settings
    from xling.mt.base import DecodeOptions
    from xling.pipeline.translation import load_backend, translate_sentences
    from xling.text.segment import model_input

    if input_unit not in INPUT_UNITS:
        raise InputError(f"input unit must be one of {INPUT_UNITS}, not {input_unit!r}")
    if beam_size < 1:
        raise InputError("beam size must be at least 1")
    engine = load_backend(model, backend, device=device, compute_type=compute_type)
    pieces = [_model_pieces(text, engine, input_unit, max_sentence_tokens, source_lang) for text in sources]
    flat = [model_input(p) for parts in pieces for p in parts]
    try:
        hyps = iter(translate_sentences(flat, engine, DecodeOptions(beam_size=beam_size)))
    except ValueError as err:  # an input over the model's position limit
        raise InputError(f"{err}; use --input-unit sentence to split long segments") from None
    outputs = [" ".join(t for t in (next(hyps).text for _ in parts) if t) for parts in pieces]
    settings = Settings(
        model=engine.model, backend=engine.name, beam_size=beam_size, unit="sentence",
        max_sentence_tokens=max_sentence_tokens, compute_type=getattr(engine, "compute_type", "default"),
        source_lang=source_lang, target_lang=engine.target_lang or "en", revision=engine.revision or "",
        extra=(("eval_input_unit", input_unit),),
    )
    return outputs, settings


def _model_pieces(text: str, engine: Any, input_unit: str, budget: int, lang: str) -> list[str]:
    """The source pieces the model sees for one segment (empty for an empty segment)."""
    if not text.strip():
        return []
    if input_unit == "line":
        return [text]
    from xling.text.segment import model_input, sentence_spans, split_long

    def count(piece: str) -> int:
        return len(engine.encode(model_input(piece)))

    pieces = []
    for start, end in sentence_spans(text, lang) or [(0, len(text))]:
        spans = [(start, end)] if count(text[start:end]) <= budget else split_long(text, start, end, count, budget)
        pieces += [text[a:b] for a, b in spans]
    return pieces


DOC_UNITS = ("paragraph", "document")


@dataclass(frozen=True)
class DocumentSegments:
    """Document-level output cut into scoring units, with labels saying where each unit comes from."""

    sources: list[str]
    hypotheses: list[str]
    references: list[str]
    labels: list[str]


def translate_documents(docs: DocumentSet, **options: Any) -> list[Document]:
    """Translate whole articles through :func:`xling.translate` (segmentation, splitting and all)."""
    from xling.pipeline.translation import translate

    options.setdefault("check_input_language", False)
    return [translate(text, **options) for text in docs.sources]


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


# -- reports ---------------------------------------------------------------------------------------------
def _cell(m: MetricResult | None) -> str:
    if m is None:
        return "-"
    if m.mean is None or m.ci is None:
        return f"{m.score:.1f}"
    return f"{m.score:.1f} (μ = {m.mean:.1f} ± {m.ci:.1f})"  # sacrebleu's notation


def _p_cell(system: SystemResult, metric: str) -> str:
    parts = []
    for test in PAIRED_TESTS:
        r = system.paired.get(test, {}).get(metric)
        if r is not None:
            parts.append(f"{test} p={r.p_value:.4f}{'*' if r.significant else ''}")
    return ", ".join(parts) or "-"


def _escape_md(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def render(report: Report, *, markdown: bool = False) -> str:
    """The report as a terminal table (default) or Markdown."""
    from tabulate import tabulate

    fmt = "github" if markdown else "simple"
    esc: Callable[[str], str] = _escape_md if markdown else str
    metric_names = list(report.systems[0].metrics)
    lines: list[str] = []
    title = (f"{report.test_set or 'test set'}: {report.segments} segments, {report.references} reference"
             f"{'s' if report.references > 1 else ''}, {report.langpair}")
    lines.append(f"### {title}" if markdown else title)
    lines.append("")
    rows = [[esc(s.name) + (" (baseline)" if s.baseline and len(report.systems) > 1 else "")]
            + [_cell(s.metrics.get(m)) for m in metric_names] for s in report.systems]
    headers = ["System"] + [m + ("" if METRICS[m].higher_is_better else " (lower is better)") for m in metric_names]
    lines.append(tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True))
    others = [s for s in report.systems if not s.baseline]
    if others and any(s.paired for s in others):
        lines += ["", f"Paired tests against {esc(report.baseline.name)} (* p < 0.05):", ""]
        rows = [[esc(s.name)] + [_p_cell(s, m) for m in metric_names] for s in others]
        lines.append(tabulate(rows, headers=["System"] + metric_names, tablefmt=fmt, disable_numparse=True))
    lines += ["", "Signatures:" if not markdown else "Signatures (sacrebleu):", ""]
    first = report.systems[0]
    for m in metric_names:
        sig = first.metrics[m].signature
        lines.append(f"- {m}: `{sig}`" if markdown else f"  {m}: {sig}")
    for s in others[:1]:
        for test, by_metric in s.paired.items():
            first_sig = next(iter(by_metric.values())).signature
            extra = "|".join(p for p in first_sig.split("|") if p.split(":")[0] in ("bs", "ar", "seed"))
            text = f"paired tests, {PAIRED_TESTS[test]}: {extra} (full signatures in --json)"
            lines.append(f"- {text}" if markdown else f"  {text}")
    if report.worst:
        lines += ["", _worst_title(report), ""]
        if markdown:
            with_source = any(w.source is not None for w in report.worst)
            rows = [[esc(w.system), esc(w.label or str(w.index + 1)), f"{w.chrf:.1f}"]
                    + ([_escape_md(w.source or "")] if with_source else [])
                    + [_escape_md(w.hypothesis), _escape_md(" / ".join(w.references))] for w in report.worst]
            headers = ["System", "Segment", "chrF2"] + (["Source"] if with_source else []) + ["Hypothesis", "Reference"]
            lines.append(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))
        else:
            for w in report.worst:
                where = w.label or f"segment {w.index + 1}"
                lines.append(f"[{w.system}] {where}  chrF2 {w.chrf:.1f}")
                if w.source is not None:
                    lines.append(f"  SRC: {w.source}")
                lines.append(f"  HYP: {w.hypothesis}")
                for r in w.references:
                    lines.append(f"  REF: {r}")
    return "\n".join(lines) + "\n"


def _worst_title(report: Report) -> str:
    per = len(report.worst) // max(len(report.systems), 1)
    return f"Worst {per} segments by sentence chrF2, per system:"


def plot_report(report: Report, path: str) -> None:
    """Scores with their 95% intervals, one panel per metric (matplotlib, Agg backend, imported here)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    metric_names = list(report.systems[0].metrics)
    names = [s.name for s in report.systems]
    fig, axes = plt.subplots(1, len(metric_names), figsize=(3.2 * len(metric_names), 3.4), squeeze=False)
    for ax, m in zip(axes[0], metric_names):
        scores = [s.metrics[m].score for s in report.systems]
        lows = [s.metrics[m].score - s.metrics[m].ci95[0] if s.metrics[m].ci95 else 0.0 for s in report.systems]
        highs = [s.metrics[m].ci95[1] - s.metrics[m].score if s.metrics[m].ci95 else 0.0 for s in report.systems]
        xs = list(range(len(names)))
        colors = ["#4c72b0" if s.baseline else "#dd8452" for s in report.systems]
        ax.bar(xs, scores, color=colors, yerr=[[max(v, 0.0) for v in lows], [max(v, 0.0) for v in highs]],
               capsize=4)
        for x, v in zip(xs, scores):
            ax.annotate(f"{v:.1f}", (x, 0), ha="center", va="bottom", fontsize=8, color="white",
                        xytext=(0, 3), textcoords="offset points")
        ax.set_xticks(xs)
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        ax.set_title(m if METRICS[m].higher_is_better else f"{m} (lower is better)", fontsize=10)
        top = max([v + h for v, h in zip(scores, highs)] + [1.0])
        ax.set_ylim(0, top * 1.15 if math.isfinite(top) else None)
    ci_note = "bars: 95% bootstrap CI" if any(s.metrics[m].ci95 for s in report.systems for m in metric_names) else ""
    fig.suptitle(f"{report.test_set} ({report.segments} segments) {ci_note}".strip(), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
