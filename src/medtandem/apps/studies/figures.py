"""The charts of the study and reliance pages, drawn with the one chart layer (:mod:`medtandem.charts`).

Every visible word is translated here (the chart layer holds none) and numbers follow the active
language, as the tables beside the charts do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from django.utils.translation import gettext as _

from medtandem.apps.studies.analysis import StudyAnalysis
from medtandem.apps.studies.texts import condition_label
from medtandem.charts import (
    DEFAULT_WIDTH,
    Chart,
    DotRow,
    Locale,
    Point,
    Reference,
    RocCurve,
    Series,
    dot_chart,
    format_number,
    line_chart,
    roc_chart,
    scatter_chart,
)
from medtandem.reliance import DeskillingWatch, RelianceMeasures
from medtandem.web.charts import ChartHtml, chart_locale, for_template, for_templates

#: The learner's own quadrant, drawn beside a short dot chart (px; the chart default is 640).
QUADRANT_WIDTH = 480


def locale() -> Locale:
    return chart_locale()


def number(value: float | None, digits: int = 2, *, percent: bool = False) -> str:
    """A number for a table beside a chart, formatted like the chart's axes."""
    return format_number(value, locale(), digits=digits, percent=percent)


def _condition(modality: str) -> str:
    return _("IA seule") if modality == "ai" else condition_label(modality)


class _DotWords(TypedDict):
    start_label: str
    end_label: str
    up_label: str
    down_label: str
    same_label: str


class _QuadrantAxes(TypedDict):
    x_title: str
    y_title: str


def _dot_words() -> _DotWords:
    """The words of every without → with the AI dot chart."""
    return {
        "start_label": _("sans IA"),
        "end_label": _("avec IA"),
        "up_label": _("meilleur avec l'IA"),
        "down_label": _("moins bon avec l'IA"),
        "same_label": _("inchangé"),
    }


def _quadrant_axes() -> _QuadrantAxes:
    """The two axes of the reliance quadrant (over- against under-reliance)."""
    return {
        # Over-reliance is 1 − RSR and under-reliance 1 − RAIR (docs/reliance.md): the axis titles
        # say which reads each share is taken among.
        "x_title": _("sur-confiance : juste seul, bascule vers l'IA fausse"),
        "y_title": _("sous-confiance : faux seul, garde son erreur malgré l'IA juste"),
    }


def _roc_words() -> dict[str, str]:
    return {
        "x_title": _("1 − spécificité (taux de faux positifs)"),
        "y_title": _("sensibilité"),
        "chance_label": _("hasard (diagonale, AUC = 0,5)"),
    }


def study_roc(analysis: StudyAnalysis, *, width: int = 720) -> ChartHtml | None:
    """Every reader's ROC curve per condition (thin), the pooled curve per condition (bold), the AI."""
    curves: list[RocCurve] = []
    for reader, by_condition in sorted(analysis.roc.items()):
        if reader == "IA":
            continue
        for modality, (fpf, tpf) in sorted(by_condition.items(), key=lambda kv: kv[0] != "unaided"):
            curves.append(RocCurve(reader, fpf, tpf, condition=_condition(modality)))
    if not curves:
        return None
    for modality, (fpf, tpf) in sorted(
        analysis.roc_pooled.items(), key=lambda kv: kv[0] != "unaided"
    ):
        curves.append(
            RocCurve(
                _("tous les lecteurs, %(c)s") % {"c": _condition(modality)},
                fpf,
                tpf,
                condition=_condition(modality),
                pooled=True,
            )
        )
    ai = analysis.roc.get("IA", {}).get("ai")
    if ai:
        curves.append(
            RocCurve(_("IA seule"), ai[0], ai[1], condition=_condition("ai"), pooled=True)
        )
    return for_template(
        roc_chart(
            curves,
            title=_("Courbes ROC (%(e)s) : chaque lecteur et l'ensemble, par condition")
            % {"e": analysis.endpoint},
            locale=locale(),
            width=width,
            series_header=_("courbe"),
            empty_text=_("pas encore de lectures"),
            **_roc_words(),
        )
    )


def reader_rocs(analysis: StudyAnalysis, *, width: int = 320) -> list[ChartHtml]:
    """One small ROC chart per reader (the report), each with the AI alone for reference."""
    ai = analysis.roc.get("IA", {}).get("ai")
    charts = []
    for reader, by_condition in sorted(analysis.roc.items()):
        if reader == "IA":
            continue
        curves = [
            RocCurve(_condition(m), fpf, tpf, condition=_condition(m))
            for m, (fpf, tpf) in sorted(by_condition.items(), key=lambda kv: kv[0] != "unaided")
        ]
        if ai:
            curves.append(RocCurve(_("IA seule"), ai[0], ai[1], condition=_condition("ai")))
        charts.append(
            for_template(
                roc_chart(
                    curves,
                    title=_("ROC, lecteur %(r)s") % {"r": reader},
                    locale=locale(),
                    width=width,
                    series_header=_("courbe"),
                    empty_text=_("pas encore de lectures"),
                    **_roc_words(),
                )
            )
        )
    return charts


def _dots(
    rows: Sequence[tuple[str, float | None, float | None]],
    title: str,
    value_title: str,
    *,
    value_range: tuple[float, float] | None = (0.0, 1.0),
    percent: bool = True,
    category_header: str | None = None,
) -> Chart:
    """Paired dots without → with the AI, one row per reader (or per measure)."""
    return dot_chart(
        [DotRow(label, a, b) for label, a, b in rows],
        title=title,
        value_title=value_title,
        **_dot_words(),
        locale=locale(),
        value_range=value_range,
        percent=percent,
        category_header=_("lecteur") if category_header is None else category_header,
        empty_text=_("pas encore de lectures appariées"),
    )


def _quadrant(
    points: Sequence[tuple[str, float | None, float | None]],
    title: str,
    *,
    highlight: int | None = None,
    width: float = DEFAULT_WIDTH,
) -> Chart:
    return scatter_chart(
        [Point(label, x, y) for label, x, y in points],
        title=title,
        width=width,
        **_quadrant_axes(),
        locale=locale(),
        x_range=(0.0, 1.0),
        y_range=(0.0, 1.0),
        x_step=0.2,
        y_step=0.2,
        x_percent=True,
        y_percent=True,
        x_cut=0.5,
        y_cut=0.5,
        cut_label=_("seuils de 50 % (au-delà : à surveiller)"),
        quadrant_names=(_("appropriée"), _("sur-confiance"), _("sous-confiance"), _("les deux")),
        highlight=highlight,
        label_header=_("lecteur"),
        # Both rates need their own cases: the AI wrong (over-reliance) and the AI right while
        # the reader was wrong alone (under-reliance); paired reads alone are not enough.
        empty_text=_("pas encore de cas où l'IA se trompe et de cas où elle corrige une erreur"),
    )


def _accuracy_and_trust(
    named: Sequence[tuple[str, RelianceMeasures]], accuracy_title: str, trust_title: str
) -> tuple[Chart, Chart]:
    """Per reader: accuracy without → with the AI (dots), and over- against under-reliance."""
    return (
        _dots(
            [(n, m.unaided.accuracy.value, m.aided.accuracy.value) for n, m in named],
            accuracy_title,
            _("exactitude (%)"),
        ),
        _quadrant(
            [(n, m.over_reliance.value, m.under_reliance.value) for n, m in named], trust_title
        ),
    )


def study_reliance(analysis: StudyAnalysis) -> dict[str, ChartHtml]:
    r = analysis.reliance
    if r is None:
        return {}
    readers = sorted(r.by_reader.items())
    accuracy, quadrant = _accuracy_and_trust(
        readers,
        _("Exactitude sans IA → avec IA, par lecteur"),
        _("Confiance dans l'IA, par lecteur"),
    )
    auc = _dots(
        [(k, m.auc_unaided.value, m.auc_aided.value) for k, m in readers],
        _("AUC sans IA → avec IA, par lecteur"),
        _("AUC"),
        value_range=(0.5, 1.0),
        percent=False,
    )
    return for_templates({"accuracy": accuracy, "auc": auc, "quadrant": quadrant})


def learner_reliance(
    measures: RelianceMeasures | None, watch: DeskillingWatch | None
) -> dict[str, ChartHtml]:
    """The learner's own page: three measures without and with the AI, the quadrant, the trend."""
    figures: dict[str, Chart] = {}
    if measures is not None:
        figures["paired"] = _dots(
            [
                (_("Exactitude"), measures.unaided.accuracy.value, measures.aided.accuracy.value),
                (
                    _("Sensibilité"),
                    measures.unaided.sensitivity.value,
                    measures.aided.sensitivity.value,
                ),
                (
                    _("Spécificité"),
                    measures.unaided.specificity.value,
                    measures.aided.specificity.value,
                ),
            ],
            _("Mes lectures sans IA → avec IA"),
            _("proportion (%)"),
            category_header=_("mesure"),
        )
        figures["quadrant"] = _quadrant(
            [(_("moi"), measures.over_reliance.value, measures.under_reliance.value)],
            _("Ma confiance dans l'IA"),
            highlight=0,
            # Beside the three-row dot chart, a full-width square was three times its height:
            # drawn narrower (fonts at their size) the two read as one pair.
            width=QUADRANT_WIDTH,
        )
    if watch is not None and watch.points:
        references = []
        if watch.baseline.value is not None:
            references.append(Reference(watch.baseline.value, _("mon niveau de départ sans IA")))
        references.append(Reference(watch.after_aided, _("début du suivi"), axis="x"))
        figures["trend"] = line_chart(
            [
                Series(
                    _("exactitude sans IA (fenêtre glissante)"),
                    [(p.exposure, p.accuracy) for p in watch.points],
                    band=[(p.exposure, p.ci_lower, p.ci_upper) for p in watch.points],
                    band_label=_("intervalle de confiance à 95 %"),
                )
            ],
            title=_("Mon exactitude sans IA au fil de mes lectures avec IA"),
            x_title=_("lectures avec IA déjà faites"),
            y_title=_("exactitude sans IA (%)"),
            locale=locale(),
            y_range=(0.0, 1.0),
            y_percent=True,
            references=references,
            series_header=_("série"),
            empty_text=_("pas encore assez de lectures"),
        )
    return for_templates(figures)


def cohort_reliance(named: Sequence[tuple[str, RelianceMeasures]]) -> dict[str, ChartHtml]:
    if not named:
        return {}
    paired, quadrant = _accuracy_and_trust(
        named, _("Exactitude sans IA → avec IA"), _("Confiance dans l'IA")
    )
    return for_templates({"paired": paired, "quadrant": quadrant})
