"""HTML (and PDF) report of an MRMC analysis.

:func:`render_html` returns a self-contained HTML page: the empirical ROC curves per reader and
modality (inline SVG from the project's one chart layer, :mod:`medtandem.charts`), the FOM table, the tests of the three
generalisations, the variance components and a plain-language conclusion.
:func:`write_report` writes it to ``.html`` or, through WeasyPrint, to ``.pdf``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from medtandem.charts import CHART_CSS, RocCurve, roc_chart

from .analysis import MrmcResult
from .errors import MrmcInputError
from .fom import roc_points
from .results import FactorAnalysis, _fmt

__all__ = ["render_html", "write_report"]


CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; color: #222;
       max-width: 60em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f3f7; }
.conclusion { background: #f7f7f2; border-left: 4px solid #1f5fa8; padding: 0.6em 1em; }
.rocs { display: flex; flex-wrap: wrap; gap: 0.5em; }
.rocs figure { margin: 0; text-align: center; font-size: 0.85em; width: 300px; }
.small { color: #555; font-size: 0.85em; }
@page { size: A4; margin: 1.5cm; }
"""


def _table(headers: list[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _analysis_html(a: FactorAnalysis) -> str:
    level = f"{100 * (1 - a.alpha):g}%"
    t = a.test
    if t.distribution == "F":
        test = _table(
            ["Test", "F", "df1", "df2", "p"], [["equal FOM", t.statistic, t.df1, t.df2, t.p]]
        )
    else:
        test = _table(["Test", "X2", "df", "p"], [["equal FOM", t.statistic, t.df1, t.p]])
    diffs = _table(
        ["Comparison", "Estimate", "SE", "df", f"{level} CI lower", f"{level} CI upper", "p"],
        [
            [d.comparison, d.estimate, d.se, d.df, d.ci_lower, d.ci_upper, d.p]
            for d in a.differences
        ],
    )
    mods = _table(
        ["Modality", "Estimate", "SE", "df", f"{level} CI lower", f"{level} CI upper"],
        [[m.modality, m.estimate, m.se, m.df, m.ci_lower, m.ci_upper] for m in a.modalities],
    )
    out = (
        f"<h3>{a.factors.upper()}: {html.escape(a.description)}</h3>{test}"
        f"<p>Pairwise differences</p>{diffs}<p>Modality estimates</p>{mods}"
    )
    if a.reader_differences:
        out += "<p>Per-reader differences</p>" + _table(
            [
                "Reader",
                "Comparison",
                "Estimate",
                "SE",
                f"{level} CI lower",
                f"{level} CI upper",
                "p",
            ],
            [
                [d.reader, d.comparison, d.estimate, d.se, d.ci_lower, d.ci_upper, d.p]
                for d in a.reader_differences
            ],
        )
    return out


def render_html(result: MrmcResult) -> str:
    """A self-contained HTML report of ``result``."""
    reads = result.reads
    is_pos = reads.truth == 1
    figures = []
    for reader in result.readers:
        curves = []
        for i, modality in enumerate(result.modalities):
            row = reads.ratings[i, result.readers.index(reader)]
            ok = ~np.isnan(row)
            fpf, tpf = roc_points(row[ok & is_pos], row[ok & ~is_pos])
            curves.append(
                RocCurve(
                    f"{modality} (AUC {result.auc[modality][reader]:.3f})",
                    fpf.tolist(),
                    tpf.tolist(),
                    condition=str(modality),
                )
            )
        chart = roc_chart(
            curves,
            title=f"Reader {reader}",
            x_title="1 − specificity",
            y_title="sensitivity",
            chance_label="chance (AUC 0.5)",
            locale="en",
            width=300,
            series_header="curve",
        )
        figures.append(chart.html(with_table=False))
    fom_rows = [[rd] + [result.auc[m][rd] for m in result.modalities] for rd in result.readers]
    fom_rows.append(["Mean"] + [result.mean_auc[m] for m in result.modalities])
    c = result.components
    comps = _table(
        ["Component", "Estimate"],
        [
            ["Var(R)", c.var_r],
            ["Var(TxR)", c.var_tr],
            ["Var(error)", c.var_error],
            ["Cov1", c.cov1],
            ["Cov2", c.cov2],
            ["Cov3", c.cov3],
        ],
    )
    method = result.method_name + (
        f", {result.cov} covariance" if result.method == "or" else ", jackknife pseudovalues"
    )
    title = "MRMC ROC analysis"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{CSS}{CHART_CSS}</style></head>
<body>
<h1>{title}</h1>
<p class="small">{html.escape(method)}; Hillis denominator degrees of freedom.
Design detected: {html.escape(result.design.description)} (MRMCaov:
{html.escape(result.design.mrmcaov_design)}). Conventions: {html.escape(result.conventions.description)}.
{len(result.readers)} readers, {result.n_cases} cases
({result.n_diseased} diseased, {result.n_nondiseased} non-diseased), {result.n_reads} reads.
Figure of merit: {html.escape(result.fom.label)}. Significance level {result.alpha:g}.</p>
<h2>Conclusion</h2>
<p class="conclusion">{html.escape(result.conclusion())}</p>
<h2>ROC curves</h2>
<div class="rocs">{"".join(figures)}</div>
<h2>Figure of merit by reader and modality</h2>
{_table(["Reader"] + list(result.modalities), fom_rows)}
<h2>Tests</h2>
{_analysis_html(result.rrrc)}
{_analysis_html(result.frrc)}
{_analysis_html(result.rrfc)}
<h2>Variance components (Obuchowski-Rockette)</h2>
{comps}
<p class="small">References: Obuchowski &amp; Rockette (1995); Hillis (2007, 2008);
Dorfman, Berbaum &amp; Metz (1992); DeLong et al. (1988). Generated by medtandem.mrmc.</p>
</body></html>
"""


def write_report(result: MrmcResult, path: str | PathLike[str]) -> Path:
    """Write the report to ``path``: PDF (WeasyPrint) if it ends in ``.pdf``, else HTML."""
    out = Path(path)
    page = render_html(result)
    if out.suffix.lower() == ".pdf":
        try:
            from weasyprint import HTML
        except ImportError as exc:  # pragma: no cover - weasyprint is a dependency
            raise MrmcInputError("writing a PDF report needs WeasyPrint") from exc
        HTML(string=page).write_pdf(out)
    else:
        out.write_text(page, encoding="utf-8")
    return out
