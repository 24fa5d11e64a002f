"""Axes of the charts: tick labels in the locale, grid lines, axis titles, the 2-D frame layout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .base import AXIS, EDGE, GRID, INK, LABEL_SIZE, MUTED, TICK_SIZE, f, line_el, text_el, title_el
from .format import Locale, format_number
from .layout import ASCENT, Box, LegendEntry, Scale, legend_height
from .text import text_width, truncate
from .ticks import Ticks, fixed_ticks, nice_ticks

TICK_GAP = 6.0


def tick_labels(ticks: Ticks, locale: Locale, percent: bool) -> list[str]:
    d = ticks.digits_for(percent)
    return [format_number(v, locale, digits=d, percent=percent) for v in ticks.values]


def axis_ticks(
    data: Sequence[float],
    fixed: tuple[float, float] | None,
    step: float | None,
    include_zero: bool = False,
    pad: float = 0.0,
) -> Ticks:
    """Ticks for a fixed range (exactly that range), or nice loose ticks around the data.

    ``pad`` widens the data's span by that fraction on each side first, so that markers do not
    sit on the frame; the widening never crosses zero (a non-negative measure keeps 0 as bound).
    """
    if fixed is not None:
        lo, hi = fixed
        if step is not None:
            return fixed_ticks(lo, hi, step)
        t = nice_ticks(lo, hi)
        inside = tuple(v for v in t.values if lo - 1e-9 <= v <= hi + 1e-9)
        return Ticks(lo=lo, hi=hi, step=t.step, values=inside, digits=t.digits)
    vals = list(data) + ([0.0] if include_zero else [])
    if not vals:
        vals = [0.0, 1.0]
    lo, hi = min(vals), max(vals)
    if pad and hi > lo:
        margin = (hi - lo) * pad
        lo = max(lo - margin, 0.0) if lo >= 0 else lo - margin
        hi = min(hi + margin, 0.0) if hi <= 0 else hi + margin
    t = nice_ticks(lo, hi)
    if step is not None:
        return (
            fixed_ticks(t.lo, t.hi, step)
            if abs((t.hi - t.lo) / step - round((t.hi - t.lo) / step)) < 1e-6
            else t
        )
    return t


def x_axis(
    scale: Scale, ticks: Ticks, labels: Sequence[str], plot: Box, *, grid: bool = True
) -> list[str]:
    """The x axis along the bottom of ``plot``: ticks, their labels, grid lines and the axis line."""
    return _axis(True, scale, ticks, labels, plot, grid)


def y_axis(
    scale: Scale, ticks: Ticks, labels: Sequence[str], plot: Box, *, grid: bool = True
) -> list[str]:
    """The y axis up the left of ``plot``: ticks, their labels, grid lines and the axis line."""
    return _axis(False, scale, ticks, labels, plot, grid)


def _axis(
    horizontal: bool,
    scale: Scale,
    ticks: Ticks,
    labels: Sequence[str],
    plot: Box,
    grid: bool,
) -> list[str]:
    """One axis: for each tick a grid line across the plot, a 4-pixel tick outside its edge and the
    label; then the axis line on the edge. The y axis is the x axis with the directions swapped."""
    edge = plot.y1 if horizontal else plot.x0
    across = (plot.y0, plot.y1) if horizontal else (plot.x0, plot.x1)
    outside = (edge, edge + 4) if horizontal else (edge - 4, edge)
    out = [f'<g class="mt-axis mt-axis-{"x" if horizontal else "y"}">']
    for v, lab in zip(ticks.values, labels, strict=True):
        at = scale(v)
        if grid:
            out.append(_line_at(horizontal, at, *across, stroke=GRID))
        out.append(_line_at(horizontal, at, *outside, stroke=AXIS))
        if horizontal:
            x, y, anchor = at, edge + TICK_GAP + ASCENT * TICK_SIZE + 1, "middle"
        else:
            x, y, anchor = edge - TICK_GAP, at + TICK_SIZE * 0.35, "end"
        out.append(text_el(x, y, lab, size=TICK_SIZE, anchor=anchor, fill=MUTED))
    along = (plot.x0, plot.x1) if horizontal else (plot.y0, plot.y1)
    out.append(_line_at(not horizontal, edge, *along, stroke=AXIS))
    out.append("</g>")
    return out


def _line_at(vertical: bool, at: float, a: float, b: float, *, stroke: str) -> str:
    """A line from ``a`` to ``b`` at ``at``: vertical (x = ``at``) or horizontal (y = ``at``)."""
    return (
        line_el(at, a, at, b, stroke=stroke) if vertical else line_el(a, at, b, at, stroke=stroke)
    )


def x_title_el(text: str, plot: Box, width: float) -> tuple[str, float]:
    """The x-axis title centred under the tick labels; returns it and its bottom."""
    y = plot.y1 + TICK_GAP + TICK_SIZE * 1.1 + 8 + ASCENT * LABEL_SIZE
    if not text:
        return "", plot.y1 + TICK_GAP + TICK_SIZE * 1.1
    shown = truncate(text, width - 2 * EDGE, LABEL_SIZE)
    cx = min(
        max((plot.x0 + plot.x1) / 2, EDGE + text_width(shown, LABEL_SIZE) / 2),
        width - EDGE - text_width(shown, LABEL_SIZE) / 2,
    )
    return text_el(
        cx, y, shown, size=LABEL_SIZE, anchor="middle", fill=INK, full=text, cls="mt-axis-title"
    ), y + LABEL_SIZE * 0.3


def y_title_el(text: str, plot: Box) -> str:
    """The y-axis title, rotated, centred on the plot's height at the left edge."""
    if not text:
        return ""
    shown = truncate(text, plot.y1 - plot.y0, LABEL_SIZE)
    cx, cy = EDGE + ASCENT * LABEL_SIZE, (plot.y0 + plot.y1) / 2
    return text_el(
        cx,
        cy,
        shown,
        size=LABEL_SIZE,
        anchor="middle",
        fill=INK,
        full=text,
        cls="mt-axis-title",
        transform=f"rotate(-90 {f(cx)} {f(cy)})",
    )


@dataclass(frozen=True)
class Frame:
    """Where things go in a 2-D chart: the plot box, its scales, the legend's top, the total height;
    and the drawn title and axes (``axes_svg``: the y and x axes, then their titles)."""

    plot: Box
    legend_top: float
    height: float
    title_svg: str
    sx: Scale
    sy: Scale
    axes_svg: tuple[str, ...]


def frame_2d(
    *,
    width: float,
    title: str,
    x_ticks: Ticks,
    y_ticks: Ticks,
    locale: Locale,
    x_percent: bool,
    y_percent: bool,
    x_title: str,
    y_title: str,
    legend_entries: Sequence[LegendEntry],
    aspect: float,
    top_extra: float = 0.0,
) -> Frame:
    """Margins from the longest tick label and the titles; plot height = width × ``aspect``; the
    axes drawn with their ticks labelled in ``locale``."""
    x_labels = tick_labels(x_ticks, locale, x_percent)
    y_labels = tick_labels(y_ticks, locale, y_percent)
    title_svg, title_bottom = title_el(title, width)
    y_tick_w = max((text_width(s, TICK_SIZE) for s in y_labels), default=0.0)
    first_half = text_width(x_labels[0], TICK_SIZE) / 2 if x_labels else 0.0
    last_half = text_width(x_labels[-1], TICK_SIZE) / 2 if x_labels else 0.0
    left = EDGE + (LABEL_SIZE * 1.4 if y_title else 0.0) + y_tick_w + TICK_GAP + 2
    left = max(left, EDGE + first_half + 2)
    right = width - EDGE - max(last_half, 6.0)
    top = title_bottom + 12 + top_extra
    plot_w = right - left
    plot = Box(left, top, right, top + plot_w * aspect)
    x_title_svg, below = x_title_el(x_title, plot, width)
    legend_top = below + 10
    lh = legend_height(legend_entries, plot.x0, width - EDGE)
    height = legend_top + lh + EDGE if lh else below + EDGE + 2
    sx = Scale(x_ticks.lo, x_ticks.hi, plot.x0, plot.x1)
    sy = Scale(y_ticks.lo, y_ticks.hi, plot.y1, plot.y0)
    axes_svg = (
        *y_axis(sy, y_ticks, y_labels, plot),
        *x_axis(sx, x_ticks, x_labels, plot),
        x_title_svg,
        y_title_el(y_title, plot),
    )
    return Frame(plot, legend_top, height, title_svg, sx, sy, axes_svg)


def empty_note(text: str, plot: Box) -> str:
    if not text:
        return ""
    shown = truncate(text, plot.x1 - plot.x0 - 8, LABEL_SIZE)
    return text_el(
        (plot.x0 + plot.x1) / 2,
        (plot.y0 + plot.y1) / 2,
        shown,
        size=LABEL_SIZE,
        anchor="middle",
        fill=MUTED,
        full=text,
        cls="mt-empty",
    )
