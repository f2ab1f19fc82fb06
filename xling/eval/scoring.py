"""Evaluation with sacrebleu: BLEU, chrF2, chrF++ and TER, confidence intervals, paired tests, worst segments.

A thin layer over sacrebleu's own objects, built with the ``sacrebleu`` command's defaults, so every
number and signature here is the one sacrebleu prints for the same files:

* scores: ``BLEU()``, ``CHRF()``, ``CHRF(word_order=2)``, ``TER()`` ``.corpus_score(...)``;
* 95% confidence intervals: ``corpus_score(..., n_bootstrap=N)`` (reported as ``mean ± half-width``,
  sacrebleu's ``μ = m ± ci``; ``ci95`` is ``[m - ci, m + ci]``);
* paired tests against a baseline: ``sacrebleu.significance.PairedTest`` (bootstrap and approximate
  randomization), seeded by ``$SACREBLEU_SEED`` (default 12345) exactly as in sacrebleu.

What xling adds: per-segment chrF with the worst segments listed for reading; hypotheses made by the engine
(:mod:`xling.eval.hypotheses`) and text/Markdown/plot reports (:mod:`xling.eval.reports`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xling.errors import InputError
from xling.version import __version__

if TYPE_CHECKING:
    from sacrebleu.metrics.base import Metric


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
        from xling.eval.reports import render

        return render(self, markdown=False)

    def to_markdown(self) -> str:
        from xling.eval.reports import render

        return render(self, markdown=True)

    def plot(self, path: str) -> None:
        from xling.eval.reports import plot_report

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
