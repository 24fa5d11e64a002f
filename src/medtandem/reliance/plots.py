"""Small server-side SVG plots (no JavaScript): paired dots, reliance quadrant, trend with band, ROC.

Each function returns a self-contained ``<svg>`` string with ``role="img"``, a ``<title>`` and text
labels, sized by ``viewBox`` so it scales with the page. Labels are escaped. Colours are
colour-blind safe (Okabe-Ito).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

BLUE, ORANGE, GREEN, RED, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#999999"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _f(x: float) -> str:
    return f"{x:.1f}"


def _open(width: int, height: int, title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(title)}" class="plot" font-family="sans-serif" font-size="11">',
            f"<title>{escape(title)}</title>"]


def paired_dot_plot(
    rows: Sequence[tuple[str, float | None, float | None]],
    *,
    title: str,
    left_label: str = "unaided",
    right_label: str = "aided",
    lo: float = 0.0,
    hi: float = 1.0,
) -> str:
    """One row per reader: a dot for the first value, one for the second, joined by an arrow-like line."""
    shown = [(r[0], r[1], r[2]) for r in rows if r[1] is not None and r[2] is not None]
    left, top, row_h = 120, 30, 18
    width, plot_w = 520, 520 - 120 - 20
    height = top + row_h * max(len(shown), 1) + 30

    def x(v: float) -> float:
        return left + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_w

    out = _open(width, height, title)
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(f'<line x1="{_f(x(v))}" y1="{top - 6}" x2="{_f(x(v))}" y2="{height - 24}" stroke="#ddd"/>')
        out.append(f'<text x="{_f(x(v))}" y="{height - 10}" text-anchor="middle">{v:.2f}</text>')
    out.append(f'<circle cx="{left}" cy="12" r="4" fill="{GREY}"/><text x="{left + 8}" y="16">{escape(left_label)}</text>')
    out.append(f'<circle cx="{left + 140}" cy="12" r="4" fill="{BLUE}"/><text x="{left + 148}" y="16">{escape(right_label)}</text>')
    for i, (label, a, b) in enumerate(shown):
        y = top + row_h * i + row_h / 2
        colour = GREEN if b >= a else RED
        out.append(f'<text x="{left - 6}" y="{_f(y + 4)}" text-anchor="end">{escape(str(label))}</text>')
        out.append(f'<line x1="{_f(x(a))}" y1="{_f(y)}" x2="{_f(x(b))}" y2="{_f(y)}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<circle cx="{_f(x(a))}" cy="{_f(y)}" r="4" fill="{GREY}"><title>{escape(str(label))} {escape(left_label)}: {a:.3f}</title></circle>')
        out.append(f'<circle cx="{_f(x(b))}" cy="{_f(y)}" r="4" fill="{BLUE}"><title>{escape(str(label))} {escape(right_label)}: {b:.3f}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def reliance_quadrant(
    points: Sequence[tuple[str, float | None, float | None]],
    *,
    title: str,
    x_label: str = "over-reliance",
    y_label: str = "under-reliance",
    quadrant_labels: tuple[str, str, str, str] = ("appropriate", "over-reliance", "under-reliance", "both"),
    cut: float = 0.5,
) -> str:
    """Readers placed by over-reliance (x) and under-reliance (y), both in [0, 1]; low-low is appropriate."""
    size, pad = 300, 44
    width, height = size + pad + 20, size + pad + 20

    def px(v: float) -> float:
        return pad + v * size

    def py(v: float) -> float:
        return 10 + (1 - v) * size

    out = _open(width, height, title)
    out.append(f'<rect x="{pad}" y="10" width="{size}" height="{size}" fill="#fafafa" stroke="#bbb"/>')
    out.append(f'<rect x="{pad}" y="{_f(py(cut))}" width="{_f(cut * size)}" height="{_f(cut * size)}" fill="#e8f5ee"/>')
    out.append(f'<line x1="{_f(px(cut))}" y1="10" x2="{_f(px(cut))}" y2="{size + 10}" stroke="#bbb" stroke-dasharray="4"/>')
    out.append(f'<line x1="{pad}" y1="{_f(py(cut))}" x2="{pad + size}" y2="{_f(py(cut))}" stroke="#bbb" stroke-dasharray="4"/>')
    a, o, u, b = (escape(s) for s in quadrant_labels)
    out.append(f'<text x="{pad + 6}" y="{size}" fill="{GREEN}">{a}</text>')
    out.append(f'<text x="{pad + size - 6}" y="{size}" text-anchor="end" fill="{RED}">{o}</text>')
    out.append(f'<text x="{pad + 6}" y="26" fill="{ORANGE}">{u}</text>')
    out.append(f'<text x="{pad + size - 6}" y="26" text-anchor="end" fill="{RED}">{b}</text>')
    out.append(f'<text x="{pad + size / 2}" y="{height - 4}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text x="12" y="{10 + size / 2}" text-anchor="middle" transform="rotate(-90 12 {10 + size / 2})">{escape(y_label)}</text>')
    for v in (0, 0.5, 1):
        out.append(f'<text x="{_f(px(v))}" y="{size + 24}" text-anchor="middle">{v:g}</text>')
        out.append(f'<text x="{pad - 4}" y="{_f(py(v) + 4)}" text-anchor="end">{v:g}</text>')
    for i, (label, xv, yv) in enumerate(points):
        if xv is None or yv is None:
            continue
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<circle cx="{_f(px(xv))}" cy="{_f(py(yv))}" r="5" fill="{colour}" fill-opacity="0.8">'
                   f'<title>{escape(str(label))}: {xv:.2f}, {yv:.2f}</title></circle>')
        out.append(f'<text x="{_f(px(xv) + 7)}" y="{_f(py(yv) + 4)}">{escape(str(label))}</text>')
    out.append("</svg>")
    return "".join(out)


def trend_plot(
    points: Sequence[tuple[float, float, float, float]],
    *,
    title: str,
    x_label: str = "aided reads before",
    y_label: str = "unaided accuracy",
    baseline: float | None = None,
    marker: float | None = None,
) -> str:
    """A line of ``(x, y, lower, upper)`` points with a shaded confidence band; optional baseline and marker."""
    width, height, left, bottom, top, right = 520, 240, 50, 36, 12, 16
    pw, ph = width - left - right, height - top - bottom
    xs = [p[0] for p in points] or [0.0, 1.0]
    x0, x1 = min(xs + ([marker] if marker is not None else [])), max(xs + ([marker] if marker is not None else []))
    if x1 == x0:
        x1 = x0 + 1

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * pw

    def py(v: float) -> float:
        return top + (1 - min(max(v, 0.0), 1.0)) * ph

    out = _open(width, height, title)
    for v in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<line x1="{left}" y1="{_f(py(v))}" x2="{left + pw}" y2="{_f(py(v))}" stroke="#eee"/>')
        out.append(f'<text x="{left - 4}" y="{_f(py(v) + 4)}" text-anchor="end">{v:g}</text>')
    out.append(f'<text x="{left}" y="{height - 20}" text-anchor="middle">{x0:g}</text>')
    out.append(f'<text x="{left + pw}" y="{height - 20}" text-anchor="middle">{x1:.0f}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 4}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text x="12" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 12 {top + ph / 2})">{escape(y_label)}</text>')
    if points:
        band = [f"{_f(px(p[0]))},{_f(py(p[3]))}" for p in points] + [f"{_f(px(p[0]))},{_f(py(p[2]))}" for p in reversed(points)]
        out.append(f'<polygon points="{" ".join(band)}" fill="{BLUE}" fill-opacity="0.15"/>')
        line = " ".join(f"{_f(px(p[0]))},{_f(py(p[1]))}" for p in points)
        out.append(f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
        for p in points:
            out.append(f'<circle cx="{_f(px(p[0]))}" cy="{_f(py(p[1]))}" r="3" fill="{BLUE}"><title>{p[1]:.2f} [{p[2]:.2f}; {p[3]:.2f}]</title></circle>')
    if baseline is not None:
        out.append(f'<line x1="{left}" y1="{_f(py(baseline))}" x2="{left + pw}" y2="{_f(py(baseline))}" stroke="{GREY}" stroke-dasharray="5 3"/>')
    if marker is not None:
        out.append(f'<line x1="{_f(px(marker))}" y1="{top}" x2="{_f(px(marker))}" y2="{top + ph}" stroke="{ORANGE}" stroke-dasharray="3 3"/>')
    out.append("</svg>")
    return "".join(out)


def roc_plot(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], *, title: str,
             styles: Mapping[str, str] | None = None) -> str:
    """ROC curves ``{label: (fpr, tpr)}`` on the unit square, with the chance diagonal and a legend."""
    size, pad = 260, 40
    legend_h = 14 * len(curves)
    width, height = size + pad + 170, size + pad + 16 + max(0, legend_h - size)

    def px(v: float) -> float:
        return pad + v * size

    def py(v: float) -> float:
        return 8 + (1 - v) * size

    out = _open(width, height, title)
    out.append(f'<rect x="{pad}" y="8" width="{size}" height="{size}" fill="none" stroke="#bbb"/>')
    out.append(f'<line x1="{pad}" y1="{size + 8}" x2="{pad + size}" y2="8" stroke="#ddd" stroke-dasharray="4"/>')
    out.append(f'<text x="{pad + size / 2}" y="{size + 36}" text-anchor="middle">1 - spécificité / 1 - specificity</text>')
    out.append(f'<text x="10" y="{8 + size / 2}" text-anchor="middle" transform="rotate(-90 10 {8 + size / 2})">sensibilité / sensitivity</text>')
    for i, (label, (fpr, tpr)) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        dash = (styles or {}).get(label, "")
        pts = " ".join(f"{_f(px(a))},{_f(py(b))}" for a, b in zip(fpr, tpr, strict=True))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.6"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        ly = 14 + 14 * i
        out.append(f'<line x1="{pad + size + 10}" y1="{ly - 4}" x2="{pad + size + 30}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        out.append(f'<text x="{pad + size + 34}" y="{ly}">{escape(str(label))}</text>')
    out.append("</svg>")
    return "".join(out)
