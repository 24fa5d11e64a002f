"""The Django side of the chart layer: a chart as safe HTML for templates, with its data summary translated.

Django's templates turn a value into ``str`` before escaping it, so :class:`medtandem.charts.Chart`'s
``__html__`` is not consulted; :func:`for_template` gives templates a safe string (the ``<figure>``
with its data table) that also carries ``.svg`` (for PDFs, where an open ``<details>`` would print
the whole table) and ``.chart``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from medtandem.charts import Chart, Locale


class ChartHtml(SafeString):
    """``{{ chart }}`` renders the figure; ``{{ chart.svg }}`` the drawing alone."""

    svg: SafeString
    chart: Chart


def for_template(chart: Chart) -> ChartHtml:
    out = ChartHtml(chart.html(_("Données du graphique : %(t)s") % {"t": chart.title}))
    out.svg = mark_safe(chart.svg)  # noqa: S308 - the chart layer escapes every text it writes
    out.chart = chart
    return out


def for_templates(charts: Mapping[str, Chart]) -> dict[str, ChartHtml]:
    """:func:`for_template` of each named chart."""
    return {name: for_template(chart) for name, chart in charts.items()}


def chart_locale() -> Locale:
    """The chart layer's locale for the active language."""
    return "en" if (get_language() or "fr").startswith("en") else "fr"
