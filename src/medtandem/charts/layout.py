"""Geometry shared by the charts: scales, boxes, the legend and the placement of point labels.

Point labels are placed greedily (the "candidate positions" method of map labelling: S. A. Hirsch,
"An algorithm for automatic name placement around point data", *The American Cartographer* 9(1),
1982; and the survey of J. Christensen, J. Marks & S. Shieber, *ACM Transactions on Graphics* 14(3),
1995): each label tries right, left, above and below its point, then the same positions nudged up
and down in growing steps; the first one that overlaps no label already placed, no marker and no
reserved box, and stays inside the plot, wins. A label moved further than its own height from its
point gets a thin leader line. A label with no free position is not drawn (its text stays in the
marker's ``<title>`` and in the table), so drawn labels never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .base import EDGE, INK, MUTED, SMALL_SIZE, backdrop, f, line_el, marker_el, text_el
from .text import text_width, truncate

ASCENT, DESCENT = 0.78, 0.24  # of the font size, DejaVu Sans (ascender 0.76, descender 0.24)


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        return not (
            self.x1 + pad <= other.x0
            or other.x1 + pad <= self.x0
            or self.y1 + pad <= other.y0
            or other.y1 + pad <= self.y0
        )

    def inside(self, other: Box) -> bool:
        return (
            self.x0 >= other.x0
            and self.y0 >= other.y0
            and self.x1 <= other.x1
            and self.y1 <= other.y1
        )


def text_box(
    x: float, y: float, text: str, size: float, anchor: str = "start", bold: bool = False
) -> Box:
    """Estimated bounding box of a text at baseline ``(x, y)``."""
    w = text_width(text, size, bold=bold)
    x0 = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
    return Box(x0, y - ASCENT * size, x0 + w, y + DESCENT * size)


@dataclass(frozen=True)
class Scale:
    """Linear map from the data interval [d0, d1] to the pixel interval [r0, r1]."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, v: float) -> float:
        return self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)


# ---------------------------------------------------------------- legend


@dataclass(frozen=True)
class LegendEntry:
    """One legend key: a line sample (``dash``, ``width``), a marker, or a filled band swatch."""

    label: str
    colour: str
    kind: str = "line"  # "line" | "band" | "marker"
    dash: str = ""
    width: float = 2.0
    marker: str | None = None
    filled: bool = True


SWATCH, SWATCH_GAP, ENTRY_GAP, ROW_H = 26.0, 6.0, 18.0, 18.0


def legend(
    entries: Sequence[LegendEntry], x0: float, x1: float, top: float
) -> tuple[list[str], float]:
    """Entries laid out left to right and wrapped to [x0, x1] from ``top``; returns SVG and height."""
    out: list[str] = []
    if not entries:
        return out, 0.0
    avail = x1 - x0
    x, row = x0, 0
    for e in entries:
        shown = truncate(e.label, avail - SWATCH - SWATCH_GAP, SMALL_SIZE)
        w = SWATCH + SWATCH_GAP + text_width(shown, SMALL_SIZE)
        if x > x0 and x + w > x1:
            x, row = x0, row + 1
        cy = top + row * ROW_H + ROW_H / 2
        if e.kind == "band":
            out.append(
                f'<rect x="{f(x)}" y="{f(cy - 5)}" width="{f(SWATCH)}" height="10" '
                f'fill="{e.colour}" fill-opacity="0.2"/>'
            )
        elif e.kind == "line":
            out.append(line_el(x, cy, x + SWATCH, cy, stroke=e.colour, width=e.width, dash=e.dash))
        if e.marker:
            out.append(
                marker_el(e.marker, x + SWATCH / 2, cy, 3.6, colour=e.colour, filled=e.filled)
            )
        out.append(
            text_el(
                x + SWATCH + SWATCH_GAP,
                cy + SMALL_SIZE * 0.35,
                shown,
                size=SMALL_SIZE,
                fill=INK,
                full=e.label,
                cls="mt-legend",
            )
        )
        x += w + ENTRY_GAP
    return ['<g class="mt-legend-keys">', *out, "</g>"], (row + 1) * ROW_H


def legend_height(entries: Sequence[LegendEntry], x0: float, x1: float) -> float:
    return legend(entries, x0, x1, 0.0)[1]


# ---------------------------------------------------------------- point labels


@dataclass(frozen=True)
class Placed:
    text: str
    x: float
    y: float
    anchor: str
    box: Box
    leader: tuple[float, float, float, float] | None


def place_labels(
    points: Sequence[tuple[float, float, str]],
    *,
    size: float,
    radius: float,
    bounds: Box,
    obstacles: Sequence[Box] = (),
    max_steps: int = 10,
) -> list[Placed | None]:
    """Greedy, collision-free positions for the labels of ``points`` (pixel x, pixel y, text)."""
    taken: list[Box] = list(obstacles)
    marks = [Box(px - radius, py - radius, px + radius, py + radius) for px, py, _ in points]
    h = (ASCENT + DESCENT) * size
    gap = radius + 3.0
    result: list[Placed | None] = [None] * len(points)
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1]))
    for i in order:
        px, py, label = points[i]
        text = truncate(label, (bounds.x1 - bounds.x0) / 2, size)
        mid = py + (ASCENT - DESCENT) * size / 2  # baseline that centres the text on the point
        bases = [
            (px + gap, mid, "start"),
            (px - gap, mid, "end"),
            (px, py - gap - DESCENT * size, "middle"),
            (px, py + gap + ASCENT * size, "middle"),
        ]
        chosen: Placed | None = None
        for step in range(max_steps + 1):
            offsets = [0.0] if step == 0 else [-step * h * 0.75, step * h * 0.75]
            for dy in offsets:
                for bx, by, anchor in bases:
                    box = text_box(bx, by + dy, text, size, anchor)
                    if not box.inside(bounds):
                        continue
                    if any(box.overlaps(b, 1.0) for b in taken) or any(
                        box.overlaps(m, 0.5) for m in marks
                    ):
                        continue
                    leader = None
                    if abs(dy) > h:
                        ly = min(max(py, box.y0), box.y1)
                        lx = (
                            box.x0
                            if anchor == "start"
                            else box.x1
                            if anchor == "end"
                            else (box.x0 + box.x1) / 2
                        )
                        ly = (
                            box.y1
                            if (anchor == "middle" and py > box.y1)
                            else box.y0
                            if (anchor == "middle" and py < box.y0)
                            else ly
                        )
                        leader = (px, py, lx, ly)
                    chosen = Placed(text, bx, by + dy, anchor, box, leader)
                    break
                if chosen:
                    break
            if chosen:
                break
        if chosen is not None:
            taken.append(chosen.box)
        result[i] = chosen
    return result


def placed_svg(placed: Sequence[Placed | None], labels: Sequence[str], size: float) -> list[str]:
    out: list[str] = []
    for p, full in zip(placed, labels, strict=True):
        if p is None:
            continue
        if p.leader:
            x1, y1, x2, y2 = p.leader
            out.append(line_el(x1, y1, x2, y2, stroke=MUTED, width=0.6))
        out.append(backdrop(p.box.x0, p.box.y0, p.box.x1, p.box.y1))
        out.append(
            text_el(
                p.x,
                p.y,
                p.text,
                size=size,
                anchor=p.anchor,
                fill=INK,
                full=full,
                cls="mt-point-label",
            )
        )
    return out


__all__ = [
    "ASCENT",
    "Box",
    "DESCENT",
    "EDGE",
    "LegendEntry",
    "Placed",
    "Scale",
    "legend",
    "legend_height",
    "place_labels",
    "placed_svg",
    "text_box",
]
