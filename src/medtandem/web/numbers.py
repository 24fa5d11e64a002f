"""Template filters for the numbers pages print, written as the charts write them (one formatter:
:mod:`medtandem.charts.format`). Loaded as a template builtin (settings ``TEMPLATES``), so every
template has them without ``{% load %}``.

    {{ measures.benefit|interval:2 }}   ->  [0,12 ; 0,47] (fr), [0.12, 0.47] (en); empty if unknown
    {{ a }}{% listsep %}{{ b }}         ->  a ; b (fr), a; b (en): items of a list, two figures in a cell
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import template

from medtandem.charts import format_interval, list_separator
from medtandem.web.charts import chart_locale

register = template.Library()


def _bounds(value: Any) -> tuple[Any, Any]:
    if value is None or value == "":
        return None, None
    if isinstance(value, Mapping):
        return value.get("ci_lower"), value.get("ci_upper")
    if isinstance(value, Sequence) and not isinstance(value, str):
        return (value[0], value[1]) if len(value) == 2 else (None, None)
    return getattr(value, "ci_lower", None), getattr(value, "ci_upper", None)


@register.filter
def interval(value: Any, digits: int | str = 3) -> str:
    """An estimate's interval (an object or mapping with ``ci_lower``/``ci_upper``, or a pair)."""
    lower, upper = _bounds(value)
    try:
        lo, hi = float(lower), float(upper)
    except (TypeError, ValueError):
        return ""
    return format_interval(lo, hi, chart_locale(), digits=int(digits))


@register.simple_tag
def listsep() -> str:
    """The separator between the items of a list in the reader's language."""
    return list_separator(chart_locale())
