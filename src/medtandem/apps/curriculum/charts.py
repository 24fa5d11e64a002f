"""Server-side SVG bar charts (no JavaScript): labelled, with an optional target line, accessible."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    target: float | None = None,
    target_label: str = "",
    width: int = 640,
    bar_height: int = 22,
    label_width: int = 200,
) -> SafeString:
    """Horizontal bars, one per (label, value); a dashed line marks ``target`` when given."""
    gap = 6
    top = 8
    height = top + len(rows) * (bar_height + gap) + (24 if target else 8)
    plot = width - label_width - 70
    top_value = max([v for _label, v in rows] + [target or 0, 1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" aria-labelledby="t{id(rows)}">',
        f'<title id="t{id(rows)}">{escape(title)}</title>',
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_height + gap)
        w = max(0.0, plot * float(value) / top_value)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" font-size="12" '
            f'fill="#1b1f24">{escape(str(label)[:32])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="#0b4f8a">'
            f"<title>{escape(str(label))} : {_fmt(value)}</title></rect>"
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="12" '
            f'fill="#1b1f24">{_fmt(value)}</text>'
        )
    if target:
        x = label_width + plot * float(target) / top_value
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#a0161b" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" font-size="12" fill="#a0161b">'
            f"{escape(target_label)} {_fmt(target)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every label is escaped above


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:.1f}"
