"""Cleveland dot plot of paired values: one row per category, the two values joined by a line.

W. S. Cleveland & R. McGill, "Graphical perception", *JASA* 79(387), 1984, and W. S. Cleveland,
*The Elements of Graphing Data*, 1985: position along a common scale is read most accurately, so
each pair (e.g. a reader's accuracy without AI, then with AI) is two dots on one value axis. The
joining line is coloured *and* dashed by direction (up solid, down dashed, unchanged grey); the
first value is a hollow dot, the second a filled one, so the direction reads without colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .axes import axis_ticks, empty_note, tick_labels, x_axis, x_title_el
from .base import (
    DEFAULT_WIDTH,
    EDGE,
    GRID,
    INK,
    PALETTE,
    TICK_SIZE,
    Chart,
    Table,
    auto_digits,
    category_el,
    category_labels,
    chart_id,
    check_common,
    check_digits,
    check_items,
    check_range,
    check_texts,
    describe,
    fmt,
    line_el,
    marker_el,
    number_or_none,
    svg_document,
    title_el,
)
from .format import Locale
from .layout import Box, LegendEntry, Scale, legend, legend_height
from .text import text_width

__all__ = ["DotRow", "dot_chart"]

UP, DOWN, SAME, START = PALETTE[0], PALETTE[1], "#8a929c", "#4d5560"
ROW_H = 22.0


@dataclass(frozen=True)
class DotRow:
    """One category: its ``start`` value (e.g. without AI) and ``end`` value (with AI)."""

    label: str
    start: float | None
    end: float | None


def dot_chart(
    rows: Sequence[DotRow],
    *,
    title: str,
    value_title: str,
    start_label: str,
    end_label: str,
    up_label: str,
    down_label: str,
    same_label: str = "",
    locale: Locale = "fr",
    width: float = DEFAULT_WIDTH,
    value_range: tuple[float, float] | None = None,
    value_step: float | None = None,
    percent: bool = False,
    digits: int | None = None,
    category_header: str = "",
    empty_text: str = "\u2013",
    description: str | None = None,
) -> Chart:
    """Paired dots per row, joined start → end; the legend says what hollow/filled and the line
    colours mean (``start_label``, ``end_label``, ``up_label``, ``down_label``, ``same_label``).

    Rows with both values missing are left out; a row with one value shows that dot alone.
    """
    title, locale, width, empty_text = check_common(title, locale, width, empty_text)
    check_texts(
        value_title=value_title,
        start_label=start_label,
        end_label=end_label,
        up_label=up_label,
        down_label=down_label,
        same_label=same_label,
        category_header=category_header,
    )
    vr = check_range(value_range, "value_range")
    dig = check_digits(digits, "digits")
    clean: list[tuple[str, float | None, float | None]] = []
    for k, r in enumerate(check_items(rows, DotRow, "rows")):
        a, b = number_or_none(r.start, f"rows[{k}].start"), number_or_none(r.end, f"rows[{k}].end")
        if a is not None or b is not None:
            clean.append((r.label, a, b))
    values = [v for _l, a, b in clean for v in (a, b) if v is not None]
    ticks = axis_ticks(values, vr, value_step, pad=0.03)
    d = dig if dig is not None else auto_digits(values, percent)
    tl = tick_labels(ticks, locale, percent)

    title_svg, title_bottom = title_el(title, width)
    max_label, shown = category_labels([lab for lab, _a, _b in clean], width)
    left = max(EDGE + max_label + 12, EDGE + text_width(tl[0], TICK_SIZE) / 2 + 2)
    right = width - EDGE - max(text_width(tl[-1], TICK_SIZE) / 2, 8.0)
    top = title_bottom + 12
    plot = Box(left, top, right, top + ROW_H * max(len(clean), 1))
    sx = Scale(ticks.lo, ticks.hi, plot.x0, plot.x1)

    directions = {
        ("up" if b > a else "down" if b < a else "same")
        for _l, a, b in clean
        if a is not None and b is not None
    }
    entries = [
        LegendEntry(start_label, START, kind="marker", marker="circle", filled=False),
        LegendEntry(end_label, INK, kind="marker", marker="circle"),
    ]
    if "up" in directions:
        entries.append(LegendEntry(up_label, UP, width=2.5))
    if "down" in directions:
        entries.append(LegendEntry(down_label, DOWN, dash="5 3", width=2.5))
    if "same" in directions and same_label:
        entries.append(LegendEntry(same_label, SAME, width=2.5))

    x_title_svg, below = x_title_el(value_title, plot, width)
    legend_top = below + 10
    height = legend_top + legend_height(entries, EDGE, width - EDGE) + EDGE
    cid = chart_id("dot", title, clean, locale, width)
    body = [title_svg]
    for i in range(len(clean)):
        y = plot.y0 + ROW_H * (i + 0.5)
        body.append(line_el(plot.x0, y, plot.x1, y, stroke=GRID, width=0.8))
    body += x_axis(sx, ticks, tl, plot)
    body.append(x_title_svg)
    for i, ((label, a, b), text) in enumerate(zip(clean, shown, strict=True)):
        y = plot.y0 + ROW_H * (i + 0.5)
        body.append(category_el(plot.x0 - 10, y, text, label))
        colour = INK
        if a is not None and b is not None:
            colour = UP if b > a else DOWN if b < a else SAME
            dash = "5 3" if b < a else ""
            body.append(line_el(sx(a), y, sx(b), y, stroke=colour, width=2.5, dash=dash))
        if a is not None:
            body.append(
                marker_el(
                    "circle",
                    sx(a),
                    y,
                    4.5,
                    colour=START,
                    filled=False,
                    tip=f"{label} \u2013 {start_label} : {fmt(a, locale, d, percent)}",
                )
            )
        if b is not None:
            body.append(
                marker_el(
                    "circle",
                    sx(b),
                    y,
                    4.5,
                    colour=colour,
                    tip=f"{label} \u2013 {end_label} : {fmt(b, locale, d, percent)}",
                )
            )
    if not clean:
        body.append(empty_note(empty_text, plot))
    leg, _h = legend(entries, EDGE, width - EDGE, legend_top)
    body += leg
    desc = describe(
        description,
        title,
        empty_text if not clean else "",
        value_title,
        f"{start_label} \u2192 {end_label}",
        *[e.label for e in entries[2:]],
    )
    svg = svg_document(cid, width, height, title, desc, body)
    table = Table(
        (category_header, start_label, end_label),
        tuple((lab, fmt(a, locale, d, percent), fmt(b, locale, d, percent)) for lab, a, b in clean),
        (False, True, True),
    )
    return Chart("dot", svg, title, desc, table, width, height)
