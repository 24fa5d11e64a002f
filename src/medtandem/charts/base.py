"""What every chart shares: the result objects, the palette, the SVG primitives, validation.

The result of every chart function is a frozen :class:`Chart`: its SVG, its title and a
:class:`Table` holding the same data already formatted for the locale, so that a screen reader (and
a PDF reader who wants the numbers) gets them; :meth:`Chart.html` puts the three in a ``<figure>``.

Colours are the Okabe-Ito palette (M. Okabe & K. Ito, *Color Universal Design*, 2002; recommended
by B. Wong, "Points of view: Color blindness", *Nature Methods* 8:441, 2011), and every series also
gets its own marker shape and dash pattern so that nothing relies on colour alone (WCAG 2.2,
success criterion 1.4.1). The SVG uses presentation attributes only (no ``style`` attribute, no
script), so it passes a strict Content-Security-Policy and renders in WeasyPrint.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal, Protocol, TypeVar

from .format import Locale, check_locale, format_number
from .text import text_width, truncate

__all__ = [
    "CHART_CSS",
    "Chart",
    "DASHES",
    "FONT_FAMILY",
    "MARKERS",
    "PALETTE",
    "Table",
    "DEFAULT_WIDTH",
    "MIN_WIDTH",
    "MAX_WIDTH",
]

#: Okabe-Ito, ordered for lines on white (yellow last: too pale for thin lines).
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
MARKERS: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "triangle-down", "cross")
DASHES: tuple[str, ...] = ("", "7 3", "2 2", "8 3 2 3", "4 4", "1 3")
FONT_FAMILY = "'DejaVu Sans', Verdana, sans-serif"
INK, MUTED, GRID, AXIS = "#1b1f24", "#4d5560", "#e3e6ea", "#8a929c"
DEFAULT_WIDTH, MIN_WIDTH, MAX_WIDTH = 640, 240, 1600
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, SMALL_SIZE = 15.0, 12.0, 11.0, 10.5
EDGE = 8.0  # blank border inside the viewBox

#: CSS a page needs for the charts to scale with their container (none needed in WeasyPrint).
CHART_CSS = (
    ".mt-chart{max-width:100%;height:auto;display:block}"
    ".mt-chart-figure{margin:0 0 1.5em}"
    ".mt-chart-figure td.num{text-align:right;font-variant-numeric:tabular-nums}"
)

Kind = Literal["line", "roc", "dot", "bar", "scatter"]


@dataclass(frozen=True)
class Table:
    """The data behind a chart as text: ``headers`` and ``rows``, already formatted for the locale."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()

    def html(self, caption: str | None = None) -> str:
        """An escaped ``<table>`` (numeric columns get ``class="num"``)."""
        num = self.numeric or tuple(False for _ in self.headers)
        cap = f"<caption>{escape(caption)}</caption>" if caption else ""
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in self.headers)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{escape(c)}</td>'
                if (k < len(num) and num[k])
                else f"<td>{escape(c)}</td>"
                for k, c in enumerate(row)
            )
            + "</tr>"
            for row in self.rows
        )
        return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass(frozen=True)
class Chart:
    """One rendered chart: ``svg`` (a complete ``<svg>`` element), its ``title``, a text
    ``description`` (the SVG's ``<desc>``) and the same data as a :class:`Table`."""

    kind: Kind
    svg: str
    title: str
    description: str
    table: Table
    width: float
    height: float

    def html(self, summary: str | None = None, *, with_table: bool = True) -> str:
        """``<figure>`` with the SVG, a ``<figcaption>`` and the data table in a ``<details>``.

        ``summary`` is the text of the disclosure (the caller's translation of "data"); the
        title is used when none is given. WeasyPrint prints a ``<details>`` open, so a PDF with
        long tables (an ROC chart lists every operating point) may pass ``with_table=False`` and
        print its own summary table instead; the SVG keeps its ``<title>`` and ``<desc>``.
        """
        table = (
            (
                f"<details><summary>{escape(summary or self.title)}</summary>"
                f"{self.table.html()}</details>"
            )
            if with_table
            else ""
        )
        return (
            f'<figure class="mt-chart-figure mt-{self.kind}">{self.svg}'
            f"<figcaption>{escape(self.title)}</figcaption>{table}</figure>"
        )

    def __html__(self) -> str:  # Django/Jinja: {{ chart }} renders the figure, not escaped twice
        return self.html()


# ---------------------------------------------------------------- validation at the edge


def check_text(value: object, argument: str, *, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{argument} must be a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise ValueError(f"{argument} must not be empty")
    return value


def check_width(width: object) -> float:
    if (
        isinstance(width, bool)
        or not isinstance(width, int | float)
        or not MIN_WIDTH <= width <= MAX_WIDTH
    ):
        raise ValueError(
            f"width must be a number between {MIN_WIDTH} and {MAX_WIDTH}, got {width!r}"
        )
    return float(width)


def check_digits(digits: object, argument: str) -> int | None:
    if digits is None:
        return None
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
        raise ValueError(f"{argument} must be None or an integer between 0 and 12, got {digits!r}")
    return digits


def number_or_none(value: object, argument: str) -> float | None:
    """A finite float, or ``None`` for a missing value (``None`` or NaN); anything else is an error."""
    if value is None:
        return None
    if isinstance(value, bool | str | bytes) or not hasattr(value, "__float__"):
        raise ValueError(f"{argument} must be a number or None, got {value!r}")
    v = float(value)  # type: ignore[arg-type]  # int, float, numpy scalars
    if math.isnan(v):
        return None
    if math.isinf(v):
        raise ValueError(f"{argument} must be finite, got {v!r}")
    return v


def check_range(value: object, argument: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"{argument} must be None or a (low, high) pair, got {value!r}")
    lo, hi = (number_or_none(v, argument) for v in value)
    if lo is None or hi is None or not lo < hi:
        raise ValueError(
            f"{argument} must be a pair of finite numbers with low < high, got {value!r}"
        )
    return lo, hi


def check_texts(**named: object) -> None:
    """Each keyword argument must be a string (empty allowed); the error names the argument."""
    for name, value in named.items():
        check_text(value, name)


def check_aspect(aspect: object) -> float:
    """Plot height over width, between 0.2 and 2."""
    if isinstance(aspect, bool) or not isinstance(aspect, int | float) or not 0.2 <= aspect <= 2:
        raise ValueError(f"aspect must be a number between 0.2 and 2, got {aspect!r}")
    return float(aspect)


class _Labelled(Protocol):
    @property
    def label(self) -> str: ...


L = TypeVar("L", bound=_Labelled)


def check_items(items: object, kind: type[L], argument: str) -> Sequence[L]:
    """A sequence of ``kind`` instances (not one instance, not a string), each with a text label."""
    if isinstance(items, kind | str) or not isinstance(items, Sequence):
        raise ValueError(f"{argument} must be a sequence of {kind.__name__}")
    for k, item in enumerate(items):
        if not isinstance(item, kind):
            raise ValueError(
                f"{argument}[{k}] must be a {kind.__name__}, got {type(item).__name__}"
            )
        check_text(item.label, f"{argument}[{k}].label")
    return items


def check_common(
    title: object, locale: object, width: object, empty_text: object
) -> tuple[str, Locale, float, str]:
    return (
        check_text(title, "title", allow_empty=False),
        check_locale(locale),
        check_width(width),
        check_text(empty_text, "empty_text"),
    )


def auto_digits(values: Iterable[float], percent: bool) -> int:
    """0 decimals for whole numbers (counts), else 1 for percentages and 2 for proportions."""
    vals = list(values)
    if not percent and all(float(v).is_integer() for v in vals):
        return 0
    return 1 if percent else 2


# ---------------------------------------------------------------- SVG primitives


def f(x: float) -> str:
    """A coordinate with one decimal, no trailing ``.0`` noise."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def attrs(**kw: object) -> str:
    out = []
    for k, v in kw.items():
        if v is None or v == "":
            continue
        name = k.rstrip("_").replace("_", "-")
        val = f(v) if isinstance(v, float) else str(v)
        out.append(f'{name}="{escape(val)}"')
    return " ".join(out)


def text_el(
    x: float,
    y: float,
    content: str,
    *,
    size: float = TICK_SIZE,
    anchor: str = "start",
    fill: str = INK,
    bold: bool = False,
    full: str | None = None,
    cls: str = "",
    transform: str = "",
) -> str:
    """A ``<text>`` at baseline ``(x, y)``; when ``full`` differs from the (truncated) content it
    goes in a ``<title>`` child so the whole label remains available."""
    tip = f"<title>{escape(full)}</title>" if full is not None and full != content else ""
    a = attrs(
        x=float(x),
        y=float(y),
        font_size=f(size),
        text_anchor=anchor if anchor != "start" else None,
        fill=fill,
        font_weight="bold" if bold else None,
        class_=cls or None,
        transform=transform or None,
    )
    return f"<text {a}>{tip}{escape(content)}</text>"


def category_labels(labels: Sequence[str], width: float) -> tuple[float, list[str]]:
    """The left margin's label column of a chart with one row per category: its width (at most
    38 % of the chart) and each label truncated to it."""
    column = min(width * 0.38, max((text_width(lab, TICK_SIZE) for lab in labels), default=0.0))
    return column, [truncate(lab, column, TICK_SIZE) for lab in labels]


def category_el(x: float, row_middle: float, shown: str, label: str) -> str:
    """A category's (possibly truncated) label, right-aligned at ``x`` on its row's middle."""
    return text_el(
        x,
        row_middle + TICK_SIZE * 0.35,
        shown,
        size=TICK_SIZE,
        anchor="end",
        fill=INK,
        full=label,
        cls="mt-category",
    )


def backdrop(x0: float, y0: float, x1: float, y1: float) -> str:
    """A white, nearly opaque rectangle behind a label so grid and reference lines do not cross
    its glyphs (a portable stand-in for a text halo: WeasyPrint ignores ``paint-order``)."""
    return (
        f'<rect x="{f(x0 - 1.5)}" y="{f(y0)}" width="{f(x1 - x0 + 3)}" height="{f(y1 - y0)}" '
        'fill="#ffffff" class="mt-backdrop"/>'
    )


def line_el(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    stroke: str,
    width: float = 1.0,
    dash: str = "",
    cls: str = "",
) -> str:
    return (
        f"<line {attrs(x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), stroke=stroke, stroke_width=f(width), stroke_dasharray=dash, class_=cls)}"
        "/>"
    )


def marker_el(
    shape: str, x: float, y: float, r: float, *, colour: str, filled: bool = True, tip: str = ""
) -> str:
    """A marker of ``shape`` (one of :data:`MARKERS`) centred at ``(x, y)`` with radius ``r``."""
    fill = colour if filled else "#ffffff"
    common = attrs(fill=fill, stroke=colour, stroke_width="1.5")
    if shape == "circle":
        body = f'<circle cx="{f(x)}" cy="{f(y)}" r="{f(r)}" {common}'
    elif shape == "square":
        s = r * 0.9
        body = (
            f'<rect x="{f(x - s)}" y="{f(y - s)}" width="{f(2 * s)}" height="{f(2 * s)}" {common}'
        )
    else:
        if shape == "triangle":
            pts = [(x, y - r * 1.15), (x + r, y + r * 0.75), (x - r, y + r * 0.75)]
        elif shape == "triangle-down":
            pts = [(x, y + r * 1.15), (x + r, y - r * 0.75), (x - r, y - r * 0.75)]
        elif shape == "diamond":
            pts = [(x, y - r * 1.2), (x + r * 1.2, y), (x, y + r * 1.2), (x - r * 1.2, y)]
        else:  # cross (an X drawn as a polygon so it can carry a fill)
            a, b = r * 1.1, r * 0.35
            pts = [
                (x - a, y - a + b),
                (x - a + b, y - a),
                (x, y - b),
                (x + a - b, y - a),
                (x + a, y - a + b),
                (x + b, y),
                (x + a, y + a - b),
                (x + a - b, y + a),
                (x, y + b),
                (x - a + b, y + a),
                (x - a, y + a - b),
                (x - b, y),
            ]
        body = f'<polygon points="{" ".join(f"{f(px)},{f(py)}" for px, py in pts)}" {common}'
    if tip:
        return f"{body}><title>{escape(tip)}</title></{body.split()[0][1:]}>"
    return body + "/>"


def chart_id(kind: str, *parts: object) -> str:
    """A stable id prefix derived from the content, so two charts on a page do not clash."""
    digest = hashlib.sha1(repr((kind, parts)).encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"mtc-{kind}-{digest[:10]}"


def svg_document(
    cid: str, width: float, height: float, title: str, desc: str, body: Sequence[str]
) -> str:
    """The root ``<svg>``: ``role="img"``, ``<title>`` and ``<desc>`` referenced by ``aria-labelledby``."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mt-chart" role="img" '
        f'viewBox="0 0 {f(width)} {f(height)}" width="{f(width)}" height="{f(height)}" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="{escape(FONT_FAMILY)}">'
        f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
    )
    return head + "".join(body) + "</svg>"


def describe(description: str | None, *parts: str) -> str:
    """The ``<desc>`` of a chart: the caller's ``description`` where given, else the non-empty
    ``parts`` (title, empty note, legend labels, ...) joined into sentences for screen readers."""
    return description if description is not None else ". ".join(p for p in parts if p)


def title_el(title: str, width: float) -> tuple[str, float]:
    """The visible chart title at the top left, truncated to the width; returns it and its bottom."""
    shown = truncate(title, width - 2 * EDGE, TITLE_SIZE, bold=True)
    return text_el(
        EDGE, EDGE + TITLE_SIZE * 0.8, shown, size=TITLE_SIZE, bold=True, full=title, cls="mt-title"
    ), EDGE + TITLE_SIZE * 1.1


def fmt(x: float | None, locale: Locale, digits: int, percent: bool) -> str:
    return format_number(x, locale, digits=digits, percent=percent)


def label_width(text: str, size: float = TICK_SIZE) -> float:
    return text_width(text, size)
