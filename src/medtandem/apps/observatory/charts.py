"""A small inline-SVG line chart: axes, ticks, units, a title; the page gives a data table beside it.

Interim helper until the shared chart layer lands; every text it writes is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def line_chart(x_labels: Sequence[str], series: Mapping[str, Sequence[float | None]], *, title: str, y_label: str, x_label: str = "",
               y_min: float = 0.0, y_max: float = 1.0, limits: Mapping[str, Sequence[float | None]] | None = None,
               width: int = 720, height: int = 300, element_id: str = "") -> str:
    """Lines over categorical x (e.g. window starts); ``limits`` are drawn dashed (control limits)."""
    left, right, top, bottom = 60, 150, 34, 54
    pw, ph = width - left - right, height - top - bottom
    n = max(len(x_labels), 1)

    def px(i: int) -> float:
        return left + (pw * (i + 0.5) / n)

    def py(v: float) -> float:
        span = (y_max - y_min) or 1.0
        return top + ph * (1 - (min(max(v, y_min), y_max) - y_min) / span)

    ident = f' id="{escape(element_id)}"' if element_id else ""
    out = [f'<svg{ident} xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title)}" class="chart">',
           f"<title>{escape(title)}</title>",
           f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#333"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#333"/>']
    for k in range(5):
        v = y_min + (y_max - y_min) * k / 4
        y = py(v)
        out.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{v:.3g}</text>')
    step = max(1, n // 8)
    for i, label in enumerate(x_labels):
        if i % step == 0:
            out.append(f'<line x1="{px(i):.1f}" y1="{top + ph}" x2="{px(i):.1f}" y2="{top + ph + 4}" stroke="#333"/>')
            out.append(f'<text x="{px(i):.1f}" y="{top + ph + 18}" font-size="11" text-anchor="middle">{escape(label)}</text>')
    out.append(f'<text x="{left + pw / 2:.0f}" y="{height - 8}" font-size="12" text-anchor="middle">'
               f'{escape(x_label)}</text>')
    out.append(f'<text x="14" y="{top + ph / 2:.0f}" font-size="12" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + ph / 2:.0f})">{escape(y_label)}</text>')

    def path(values: Sequence[float | None], colour: str, dashed: bool) -> None:
        segments, current = [], []
        for i, v in enumerate(values):
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{px(i):.1f},{py(v):.1f}")
        if current:
            segments.append(current)
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        for seg in segments:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{" ".join(seg)}"/>')
        if not dashed:
            for i, v in enumerate(values):
                if v is not None:
                    out.append(f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="3" fill="{colour}"/>')

    entries = [(name, values, False) for name, values in series.items()]
    entries += [(name, values, True) for name, values in (limits or {}).items()]
    for j, (name, values, dashed) in enumerate(entries):
        colour = "#555" if dashed else PALETTE[j % len(PALETTE)]
        path(values, colour, dashed)
        ly = top + 14 + 18 * j
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        out.append(f'<line x1="{left + pw + 12}" y1="{ly}" x2="{left + pw + 32}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{left + pw + 36}" y="{ly + 4}" font-size="11">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)
