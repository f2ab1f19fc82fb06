"""Reports of an evaluation: a text or Markdown table (tabulate) and a plot of the scores (matplotlib)."""

from __future__ import annotations

import math
from collections.abc import Callable

from xling.eval.scoring import METRICS, PAIRED_TESTS, MetricResult, Report, SystemResult


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
