"""Scatter chart of labelled points, with optional cut lines splitting the plane into named quadrants.

Made for the reliance quadrant: over-reliance (x) against under-reliance (y), both in [0, 1], cut at
thresholds the caller chooses; the dashed cut lines are named in the legend (``cut_label``) and the
``<desc>``. Point labels are placed without overlap (see :func:`.layout.place_labels`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .axes import axis_ticks, empty_note, frame_2d
from .base import (
    AXIS,
    DEFAULT_WIDTH,
    MARKERS,
    MUTED,
    PALETTE,
    SMALL_SIZE,
    TICK_SIZE,
    Chart,
    Table,
    auto_digits,
    chart_id,
    check_aspect,
    check_common,
    check_digits,
    check_items,
    check_range,
    check_text,
    check_texts,
    describe,
    f,
    fmt,
    line_el,
    marker_el,
    number_or_none,
    svg_document,
    text_el,
)
from .format import Locale
from .layout import ASCENT, Box, LegendEntry, legend, place_labels, placed_svg, text_box
from .text import truncate

__all__ = ["Point", "scatter_chart"]

RADIUS = 5.0


def _quadrant_name_place(
    k: int, cell: Box, shown: str, markers: Sequence[Box]
) -> tuple[float, float, str]:
    """Where a quadrant's name goes: its outer corner unless a point's marker is there, then the
    other corners of its cell, outer edge first; the outer corner when every corner is taken."""
    bottom, top = cell.y1 - 6, cell.y0 + 6 + ASCENT * SMALL_SIZE
    left, right = (cell.x0 + 6, "start"), (cell.x1 - 6, "end")
    outer_x, inner_x = (left, right) if k in (0, 2) else (right, left)
    outer_y, inner_y = (bottom, top) if k in (0, 1) else (top, bottom)
    candidates = [(outer_x, outer_y), (inner_x, outer_y), (outer_x, inner_y), (inner_x, inner_y)]
    for (tx, anchor), ty in candidates:
        box = text_box(tx, ty, shown, SMALL_SIZE, anchor)
        if not any(box.overlaps(m) for m in markers):
            return tx, ty, anchor
    (tx, anchor), ty = candidates[0]
    return tx, ty, anchor


@dataclass(frozen=True)
class Point:
    """A labelled point; points of one ``group`` share colour and marker (legend when ≥ 2 groups)."""

    label: str
    x: float | None
    y: float | None
    group: str | None = None


def scatter_chart(
    points: Sequence[Point],
    *,
    title: str,
    x_title: str,
    y_title: str,
    locale: Locale = "fr",
    width: float = DEFAULT_WIDTH,
    aspect: float = 1.0,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    x_step: float | None = None,
    y_step: float | None = None,
    x_percent: bool = False,
    y_percent: bool = False,
    digits: int | None = None,
    x_cut: float | None = None,
    y_cut: float | None = None,
    cut_label: str = "",
    quadrant_names: tuple[str, str, str, str] | None = None,
    highlight: int | None = None,
    label_points: bool = True,
    label_header: str = "",
    empty_text: str = "\u2013",
    description: str | None = None,
) -> Chart:
    """Points with collision-free labels; optional dashed cut lines at ``x_cut``/``y_cut``.

    ``quadrant_names`` (bottom-left, bottom-right, top-left, top-right) need both cuts;
    ``highlight`` (an index into that order) tints one quadrant, e.g. the appropriate one.
    """
    title, locale, width, empty_text = check_common(title, locale, width, empty_text)
    check_texts(x_title=x_title, y_title=y_title, cut_label=cut_label, label_header=label_header)
    xr, yr = check_range(x_range, "x_range"), check_range(y_range, "y_range")
    dig = check_digits(digits, "digits")
    xc, yc = number_or_none(x_cut, "x_cut"), number_or_none(y_cut, "y_cut")
    if (xc is not None or yc is not None) and not cut_label.strip():
        raise ValueError(
            "cut_label must say what the dashed cut lines are when x_cut or y_cut is given"
        )
    if quadrant_names is not None:
        if xc is None or yc is None:
            raise ValueError("quadrant_names need both x_cut and y_cut")
        if not isinstance(quadrant_names, tuple | list) or len(quadrant_names) != 4:
            raise ValueError(
                "quadrant_names must be 4 strings: bottom-left, bottom-right, top-left, top-right"
            )
        for k, q in enumerate(quadrant_names):
            check_text(q, f"quadrant_names[{k}]")
    if highlight is not None and (quadrant_names is None or highlight not in (0, 1, 2, 3)):
        raise ValueError(
            f"highlight must be None or 0-3 with quadrant_names given, got {highlight!r}"
        )
    aspect = check_aspect(aspect)
    clean: list[tuple[str, float, float, str | None]] = []
    groups: dict[str, int] = {}
    for k, p in enumerate(check_items(points, Point, "points")):
        x, y = number_or_none(p.x, f"points[{k}].x"), number_or_none(p.y, f"points[{k}].y")
        if x is None or y is None:
            continue
        if p.group is not None:
            groups.setdefault(check_text(p.group, f"points[{k}].group"), len(groups))
        clean.append((p.label, x, y, p.group))

    xs, ys = [c[1] for c in clean], [c[2] for c in clean]
    xt = axis_ticks(xs + ([xc] if xc is not None else []), xr, x_step, pad=0.03)
    yt = axis_ticks(ys + ([yc] if yc is not None else []), yr, y_step, pad=0.03)
    xd = dig if dig is not None else auto_digits(xs, x_percent)
    yd = dig if dig is not None else auto_digits(ys, y_percent)
    entries = (
        [
            LegendEntry(
                g, PALETTE[i % len(PALETTE)], kind="marker", marker=MARKERS[i % len(MARKERS)]
            )
            for g, i in groups.items()
        ]
        if len(groups) >= 2
        else []
    )
    if xc is not None or yc is not None:
        entries.append(LegendEntry(cut_label, AXIS, dash="4 4", width=1.3))
    fr = frame_2d(
        width=width,
        title=title,
        x_ticks=xt,
        y_ticks=yt,
        locale=locale,
        x_percent=x_percent,
        y_percent=y_percent,
        x_title=x_title,
        y_title=y_title,
        legend_entries=entries,
        aspect=aspect,
    )
    plot, sx, sy = fr.plot, fr.sx, fr.sy
    cid = chart_id("scatter", title, clean, locale, width, xc, yc)
    body = [fr.title_svg]
    obstacles: list[Box] = []
    quads: list[str] = []
    if quadrant_names is not None and xc is not None and yc is not None:
        cx, cy = sx(xc), sy(yc)
        cells = [
            Box(plot.x0, cy, cx, plot.y1),
            Box(cx, cy, plot.x1, plot.y1),
            Box(plot.x0, plot.y0, cx, cy),
            Box(cx, plot.y0, plot.x1, cy),
        ]
        if highlight is not None:
            c = cells[highlight]
            body.append(
                f'<rect x="{f(c.x0)}" y="{f(c.y0)}" width="{f(c.x1 - c.x0)}" height="{f(c.y1 - c.y0)}" '
                f'fill="{PALETTE[2]}" fill-opacity="0.08" class="mt-highlight"/>'
            )
        markers = [
            Box(sx(x) - RADIUS - 2, sy(y) - RADIUS - 2, sx(x) + RADIUS + 2, sy(y) + RADIUS + 2)
            for _l, x, y, _g in clean
        ]
        for k, (name, c) in enumerate(zip(quadrant_names, cells, strict=True)):
            shown = truncate(name, c.x1 - c.x0 - 12, SMALL_SIZE)
            if not shown or shown == "\u2026":
                continue
            tx, ty, anchor = _quadrant_name_place(k, c, shown, markers)
            quads.append(
                text_el(
                    tx,
                    ty,
                    shown,
                    size=SMALL_SIZE,
                    anchor=anchor,
                    fill=MUTED,
                    full=name,
                    cls="mt-quadrant",
                )
            )
            obstacles.append(text_box(tx, ty, shown, SMALL_SIZE, anchor))
    body += fr.axes_svg
    if xc is not None:
        body.append(
            line_el(
                sx(xc), plot.y0, sx(xc), plot.y1, stroke=AXIS, width=1.3, dash="4 4", cls="mt-cut"
            )
        )
    if yc is not None:
        body.append(
            line_el(
                plot.x0, sy(yc), plot.x1, sy(yc), stroke=AXIS, width=1.3, dash="4 4", cls="mt-cut"
            )
        )
    body += quads
    pix = [(sx(x), sy(y), label) for label, x, y, _g in clean]
    sep = " ; " if locale == "fr" else ", "
    for (label, x, y, g), (px, py, _l) in zip(clean, pix, strict=True):
        i = groups.get(g, 0) if g is not None else 0
        body.append(
            marker_el(
                MARKERS[i % len(MARKERS)],
                px,
                py,
                RADIUS,
                colour=PALETTE[i % len(PALETTE)],
                tip=f"{label} : {fmt(x, locale, xd, x_percent)}{sep}{fmt(y, locale, yd, y_percent)}",
            )
        )
    if label_points and clean:
        inner = Box(plot.x0 + 2, plot.y0 + 2, plot.x1 - 2, plot.y1 - 2)
        placed = place_labels(
            pix, size=TICK_SIZE - 0.5, radius=RADIUS + 0.5, bounds=inner, obstacles=obstacles
        )
        body += placed_svg(placed, [c[0] for c in clean], TICK_SIZE - 0.5)
    if not clean:
        body.append(empty_note(empty_text, plot))
    leg, _h = legend(entries, plot.x0, width - 8, fr.legend_top)
    body += leg
    desc = describe(
        description,
        title,
        empty_text if not clean else "",
        *(e.label for e in entries),
        *(quadrant_names or ()),
    )
    svg = svg_document(cid, width, fr.height, title, desc, body)
    headers: tuple[str, ...] = (label_header, x_title, y_title)
    rows = tuple(
        (lab, fmt(x, locale, xd, x_percent), fmt(y, locale, yd, y_percent))
        for lab, x, y, _g in clean
    )
    return Chart(
        "scatter", svg, title, desc, Table(headers, rows, (False, True, True)), width, fr.height
    )
