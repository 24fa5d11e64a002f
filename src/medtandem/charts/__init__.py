"""One chart layer: server-rendered, accessible SVG charts for pages and WeasyPrint PDFs.

Pure Python (no Django, no JavaScript, no plotting library). Every function validates its input,
takes the caller's (translated) words for every visible text, formats numbers for ``locale`` with
:func:`format_number` (the same function the tables use) and returns a frozen :class:`Chart`:
``svg``, ``title``, ``description`` and the data as a :class:`Table`; ``Chart.html()`` gives a
``<figure>`` with the data table in a ``<details>``. See ``docs/charts.md``.
"""

from __future__ import annotations

from .bar import Bar, bar_chart, target_off_scale
from .base import CHART_CSS, DEFAULT_WIDTH, PALETTE, Chart, Table
from .dot import DotRow, dot_chart
from .format import LOCALES, Locale, format_interval, format_number, list_separator
from .line import Reference, RocCurve, Series, line_chart, roc_chart
from .scatter import Point, scatter_chart
from .text import text_width, truncate
from .ticks import Ticks, fixed_ticks, nice_number, nice_ticks

__all__ = [
    "Bar",
    "CHART_CSS",
    "Chart",
    "DEFAULT_WIDTH",
    "DotRow",
    "LOCALES",
    "Locale",
    "PALETTE",
    "Point",
    "Reference",
    "RocCurve",
    "Series",
    "Table",
    "Ticks",
    "bar_chart",
    "dot_chart",
    "fixed_ticks",
    "format_interval",
    "list_separator",
    "format_number",
    "line_chart",
    "nice_number",
    "nice_ticks",
    "roc_chart",
    "scatter_chart",
    "target_off_scale",
    "text_width",
    "truncate",
]
