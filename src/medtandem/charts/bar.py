"""Horizontal bar chart with value labels and an optional target.

Bars start at zero (a bar's length is its value; Cleveland & McGill 1984 rank length on a common
scale second only to position). A target within reach is drawn as a dashed line with its label
above the plot. A target far beyond the data (more than ``off_scale_factor`` times the data's
span, e.g. a national target of 100 000 against yearly counts of a few thousand) would squash
every bar against zero, so the axis then stays on the data and the target is written, with its
value and an arrow, at the right end above the plot (class ``mt-target-off-scale``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape as _esc

from .axes import axis_ticks, empty_note, tick_labels, x_axis, x_title_el
from .base import (
    AXIS,
    DEFAULT_WIDTH,
    EDGE,
    INK,
    PALETTE,
    SMALL_SIZE,
    TICK_SIZE,
    Chart,
    Table,
    auto_digits,
    backdrop,
    category_el,
    category_labels,
    chart_id,
    check_common,
    check_digits,
    check_items,
    check_texts,
    describe,
    f,
    fmt,
    line_el,
    number_or_none,
    svg_document,
    text_el,
    title_el,
)
from .format import Locale
from .layout import Box, Scale, text_box
from .text import text_width, truncate

__all__ = ["Bar", "bar_chart", "target_off_scale"]

BAR, ROW_H, BAR_H = PALETTE[0], 24.0, 16.0


@dataclass(frozen=True)
class Bar:
    """One category and its value (``None``/NaN: no bar, "–" in the table)."""

    label: str
    value: float | None


def target_off_scale(values: Sequence[float], target: float, factor: float = 2.0) -> bool:
    """Whether ``target`` lies more than ``factor`` data spans beyond the data (zero included)."""
    hi = max([*values, 0.0])
    lo = min([*values, 0.0])
    if lo <= target <= hi:
        return False
    span = hi - lo
    if span == 0:
        return True
    return (target - lo if target > hi else hi - target) > factor * span


def bar_chart(
    rows: Sequence[Bar],
    *,
    title: str,
    value_title: str,
    locale: Locale = "fr",
    width: float = DEFAULT_WIDTH,
    target: float | None = None,
    target_label: str = "",
    off_scale_factor: float = 2.0,
    percent: bool = False,
    digits: int | None = None,
    category_header: str = "",
    empty_text: str = "\u2013",
    description: str | None = None,
) -> Chart:
    """One horizontal bar per row, its value printed at its end; long labels truncated with "…"
    (full text in a ``<title>``); an optional ``target`` named ``target_label``."""
    title, locale, width, empty_text = check_common(title, locale, width, empty_text)
    check_texts(value_title=value_title, target_label=target_label, category_header=category_header)
    dig = check_digits(digits, "digits")
    tgt = number_or_none(target, "target")
    if (
        isinstance(off_scale_factor, bool)
        or not isinstance(off_scale_factor, int | float)
        or off_scale_factor < 1
    ):
        raise ValueError(f"off_scale_factor must be a number >= 1, got {off_scale_factor!r}")
    clean = [
        (r.label, number_or_none(r.value, f"rows[{k}].value"))
        for k, r in enumerate(check_items(rows, Bar, "rows"))
    ]
    values = [v for _l, v in clean if v is not None]
    off = tgt is not None and target_off_scale(values, tgt, float(off_scale_factor))
    ticks = axis_ticks(
        values + ([tgt] if tgt is not None and not off else []), None, None, include_zero=True
    )
    d = (
        dig
        if dig is not None
        else auto_digits(values + ([tgt] if tgt is not None else []), percent)
    )
    tl = tick_labels(ticks, locale, percent)
    vlabels = [fmt(v, locale, d, percent) for _l, v in clean]
    tgt_text = f"{target_label} {fmt(tgt, locale, d, percent)}".strip() if tgt is not None else ""

    title_svg, title_bottom = title_el(title, width)
    max_label, shown = category_labels([lab for lab, _v in clean], width)
    left = max(EDGE + max_label + 10, EDGE + text_width(tl[0], TICK_SIZE) / 2 + 2)
    top = title_bottom + 12 + (SMALL_SIZE + 8 if tgt is not None else 0.0)
    right = width - EDGE - max(text_width(tl[-1], TICK_SIZE) / 2, 8.0)
    for _ in range(4):  # shrink the plot until every value label fits after its bar
        sx = Scale(ticks.lo, ticks.hi, left, right)
        over = max(
            (
                sx(v) + 4 + text_width(lab, TICK_SIZE) - (width - EDGE)
                for (_l, v), lab in zip(clean, vlabels, strict=True)
                if v is not None and v >= 0
            ),
            default=0.0,
        )
        if over <= 0.5:
            break
        right -= over + 1
    plot = Box(left, top, right, top + ROW_H * max(len(clean), 1))
    sx = Scale(ticks.lo, ticks.hi, plot.x0, plot.x1)
    x_title_svg, below = x_title_el(value_title, plot, width)
    height = below + EDGE + 2
    cid = chart_id("bar", title, clean, tgt, locale, width)
    body = [title_svg, *x_axis(sx, ticks, tl, plot), x_title_svg]
    if tgt is not None:
        label_y = plot.y0 - 8
        if off:
            text = truncate(f"{tgt_text} \u2192", width - 2 * EDGE, SMALL_SIZE)
            body.append(
                '<g class="mt-target mt-target-off-scale">'
                + text_el(
                    width - EDGE,
                    label_y,
                    text,
                    size=SMALL_SIZE,
                    anchor="end",
                    fill=INK,
                    bold=False,
                    full=tgt_text,
                )
                + "</g>"
            )
        else:
            tx = sx(tgt)
            text = truncate(tgt_text, width - 2 * EDGE, SMALL_SIZE)
            w = text_width(text, SMALL_SIZE)
            cx = min(max(tx, EDGE + w / 2), width - EDGE - w / 2)
            body.append(
                '<g class="mt-target">'
                + line_el(tx, plot.y0 - 3, tx, plot.y1, stroke=INK, width=1.5, dash="6 3")
                + text_el(
                    cx, label_y, text, size=SMALL_SIZE, anchor="middle", fill=INK, full=tgt_text
                )
                + "</g>"
            )
    zero = sx(0.0)
    if ticks.lo < 0 < ticks.hi:
        body.append(line_el(zero, plot.y0, zero, plot.y1, stroke=AXIS, width=1.2, cls="mt-zero"))
    for i, ((label, v), text, vl) in enumerate(zip(clean, shown, vlabels, strict=True)):
        y = plot.y0 + ROW_H * i
        cy = y + ROW_H / 2
        body.append(category_el(plot.x0 - 8, cy, text, label))
        if v is None:
            continue
        x0, x1 = sorted((zero, sx(v)))
        body.append(
            f'<rect x="{f(x0)}" y="{f(cy - BAR_H / 2)}" width="{f(max(x1 - x0, 0.5))}" '
            f'height="{f(BAR_H)}" fill="{BAR}"><title>{_esc(label)} : {_esc(vl)}</title></rect>'
        )
        w = text_width(vl, TICK_SIZE)
        if v >= 0:
            b = text_box(x1 + 4, cy + TICK_SIZE * 0.35, vl, TICK_SIZE)
            body.append(backdrop(b.x0, b.y0, b.x1, b.y1))
            body.append(
                text_el(x1 + 4, cy + TICK_SIZE * 0.35, vl, size=TICK_SIZE, fill=INK, cls="mt-value")
            )
        elif x0 - 4 - w >= plot.x0 + 2:
            body.append(
                text_el(
                    x0 - 4,
                    cy + TICK_SIZE * 0.35,
                    vl,
                    size=TICK_SIZE,
                    anchor="end",
                    fill=INK,
                    cls="mt-value",
                )
            )
        elif x1 - x0 >= w + 8:
            body.append(
                text_el(
                    x0 + 4,
                    cy + TICK_SIZE * 0.35,
                    vl,
                    size=TICK_SIZE,
                    fill="#ffffff",
                    cls="mt-value",
                )
            )
        else:
            body.append(
                text_el(
                    zero + 4, cy + TICK_SIZE * 0.35, vl, size=TICK_SIZE, fill=INK, cls="mt-value"
                )
            )
    if not values:
        body.append(empty_note(empty_text, plot))
    desc = describe(description, title, empty_text if not values else "", value_title, tgt_text)
    svg = svg_document(cid, width, height, title, desc, body)
    table = Table(
        (category_header, value_title),
        tuple((lab, vl) for (lab, _v), vl in zip(clean, vlabels, strict=True)),
        (False, True),
    )
    return Chart("bar", svg, title, desc, table, width, height)
