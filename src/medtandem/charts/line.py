"""Line charts: several (x, y) series with optional confidence bands and reference lines; ROC curves.

An ROC chart (:func:`roc_chart`) is a square line chart on [0, 1]² with ticks every 0.2 and the
chance diagonal, following the conventions of C. E. Metz, "Basic principles of ROC analysis",
*Seminars in Nuclear Medicine* 8(4), 1978: false-positive fraction (1 − specificity) across,
true-positive fraction (sensitivity) up. Many readers' curves are drawn thin, one colour and dash per
condition, and a pooled curve per condition bold on top, so the spread and the average both show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Literal

from .axes import axis_ticks, empty_note, frame_2d
from .base import (
    AXIS,
    DASHES,
    DEFAULT_WIDTH,
    EDGE,
    INK,
    MARKERS,
    MUTED,
    PALETTE,
    SMALL_SIZE,
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
from .format import Locale, format_interval
from .layout import LegendEntry, legend
from .text import text_width, truncate

__all__ = ["Reference", "RocCurve", "Series", "line_chart", "roc_chart"]

Weight = Literal["thin", "normal", "bold"]
_WIDTHS = {"thin": 1.1, "normal": 2.0, "bold": 3.2}
_REF_DASHES = ("5 4", "2 3", "9 3 2 3")


@dataclass(frozen=True)
class Series:
    """One line: ``points`` (x, y), ``None``/NaN breaking the line; an optional ``band`` of
    (x, lower, upper) drawn as a shaded area and named ``band_label`` in the legend.

    Series with the same ``group`` share colour, marker and dash (e.g. all readers of one
    condition); ``legend_label`` (default ``label``) is the legend text, entries with the same text
    and weight appear once; ``in_legend=False`` leaves the series out of the legend.
    """

    label: str
    points: Sequence[tuple[float | None, float | None]]
    band: Sequence[tuple[float | None, float | None, float | None]] = ()
    band_label: str | None = None
    group: str | None = None
    weight: Weight = "normal"
    markers: bool = True
    legend_label: str | None = None
    in_legend: bool = True


@dataclass(frozen=True)
class Reference:
    """A reference line: ``axis="y"`` a horizontal line at ``value`` (a baseline, named in the
    legend), ``axis="x"`` a vertical marker at ``value`` (labelled above the plot)."""

    value: float
    label: str
    axis: Literal["x", "y"] = "y"


@dataclass(frozen=True)
class RocCurve:
    """An empirical ROC curve: false-positive fractions ``fpf`` and true-positive fractions ``tpf``.

    Curves of one ``condition`` share a colour and dash; ``pooled`` curves are drawn bold with
    markers. When a condition has three or more non-pooled curves they are drawn thin and the
    legend names the condition once.
    """

    label: str
    fpf: Sequence[float]
    tpf: Sequence[float]
    condition: str = ""
    pooled: bool = False


@dataclass(frozen=True)
class _Clean:
    s: Series
    segments: tuple[tuple[tuple[float, float], ...], ...]
    band: tuple[tuple[float, float, float], ...]
    style: int


def _clean_series(series: Sequence[Series]) -> list[_Clean]:
    groups: dict[str, int] = {}
    out = []
    for k, s in enumerate(check_items(series, Series, "series")):
        if s.weight not in _WIDTHS:
            raise ValueError(
                f"series[{k}].weight must be one of {tuple(_WIDTHS)}, got {s.weight!r}"
            )
        segs: list[list[tuple[float, float]]] = [[]]
        for j, p in enumerate(s.points):
            if not isinstance(p, tuple | list) or len(p) != 2:
                raise ValueError(f"series[{k}].points[{j}] must be an (x, y) pair, got {p!r}")
            x, y = (number_or_none(v, f"series[{k}].points[{j}]") for v in p)
            if x is None or y is None:
                if segs[-1]:
                    segs.append([])
                continue
            segs[-1].append((x, y))
        band = []
        for j, b in enumerate(s.band):
            if not isinstance(b, tuple | list) or len(b) != 3:
                raise ValueError(
                    f"series[{k}].band[{j}] must be an (x, lower, upper) triple, got {b!r}"
                )
            x, lo, hi = (number_or_none(v, f"series[{k}].band[{j}]") for v in b)
            if x is not None and lo is not None and hi is not None:
                band.append((x, min(lo, hi), max(lo, hi)))
        key = s.group if s.group is not None else f"\0{k}"
        style = groups.setdefault(key, len(groups))
        out.append(_Clean(s, tuple(tuple(g) for g in segs if g), tuple(band), style))
    return out


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_title: str,
    y_title: str,
    locale: Locale = "fr",
    width: float = DEFAULT_WIDTH,
    aspect: float = 0.56,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    x_step: float | None = None,
    y_step: float | None = None,
    x_percent: bool = False,
    y_percent: bool = False,
    x_digits: int | None = None,
    y_digits: int | None = None,
    references: Sequence[Reference] = (),
    diagonal: str | None = None,
    series_header: str = "",
    empty_text: str = "\u2013",
    description: str | None = None,
) -> Chart:
    """Several series of (x, y) on shared axes, with bands, reference lines and a legend.

    Axis ranges are fixed by ``x_range``/``y_range`` (data outside is clipped) or drawn from the
    data, bands and references with nice ticks (Heckbert 1990); ``x_step``/``y_step`` force the
    tick step. ``diagonal`` draws the line y = x named with that text in the legend (the chance
    line of an ROC plot). Axis titles should carry their unit (the caller's words).
    """
    title, locale, width, empty_text = check_common(title, locale, width, empty_text)
    check_texts(x_title=x_title, y_title=y_title, series_header=series_header)
    aspect = check_aspect(aspect)
    xr, yr = check_range(x_range, "x_range"), check_range(y_range, "y_range")
    for name, st in (("x_step", x_step), ("y_step", y_step)):
        if st is not None and (number_or_none(st, name) is None or float(st) <= 0):
            raise ValueError(f"{name} must be None or a positive number, got {st!r}")
    xd, yd = check_digits(x_digits, "x_digits"), check_digits(y_digits, "y_digits")
    refs = []
    for k, r in enumerate(references):
        if not isinstance(r, Reference) or r.axis not in ("x", "y"):
            raise ValueError(f"references[{k}] must be a Reference with axis 'x' or 'y', got {r!r}")
        v = number_or_none(r.value, f"references[{k}].value")
        if v is None:
            raise ValueError(f"references[{k}].value must be a finite number")
        check_text(r.label, f"references[{k}].label")
        refs.append(Reference(v, r.label, r.axis))
    if diagonal is not None:
        check_text(diagonal, "diagonal")
    clean = _clean_series(series)

    xs = [p[0] for c in clean for g in c.segments for p in g] + [
        b[0] for c in clean for b in c.band
    ]
    ys = [p[1] for c in clean for g in c.segments for p in g] + [
        v for c in clean for b in c.band for v in b[1:]
    ]
    has_data = bool(xs)
    xt = axis_ticks(xs + [r.value for r in refs if r.axis == "x"], xr, x_step)
    yt = axis_ticks(ys + [r.value for r in refs if r.axis == "y"], yr, y_step)
    xdig = xd if xd is not None else auto_digits(xs, x_percent)
    ydig = yd if yd is not None else auto_digits(ys, y_percent)

    entries: list[LegendEntry] = []
    seen: set[tuple[str, str]] = set()
    for c in clean:
        colour, dash = PALETTE[c.style % len(PALETTE)], DASHES[c.style % len(DASHES)]
        marker = MARKERS[c.style % len(MARKERS)] if c.s.markers and c.s.weight != "thin" else None
        if c.s.in_legend and c.segments:
            text = c.s.legend_label if c.s.legend_label is not None else c.s.label
            if (text, c.s.weight) not in seen:
                seen.add((text, c.s.weight))
                entries.append(
                    LegendEntry(text, colour, dash=dash, width=_WIDTHS[c.s.weight], marker=marker)
                )
        if c.band and c.s.band_label and (c.s.band_label, "band") not in seen:
            seen.add((c.s.band_label, "band"))
            entries.append(LegendEntry(c.s.band_label, colour, kind="band"))
    for k, r in enumerate(refs):
        if r.axis == "y":
            entries.append(LegendEntry(r.label, INK, dash=_REF_DASHES[k % 3], width=1.3))
    if diagonal:
        entries.append(LegendEntry(diagonal, AXIS, dash="4 4", width=1.2))
    if len(entries) == 1 and entries[0].kind == "line":
        entries = []  # one series alone: the title and axis titles say what it is

    top_extra = SMALL_SIZE + 8 if any(r.axis == "x" for r in refs) else 0.0
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
        top_extra=top_extra,
    )
    plot, sx, sy = fr.plot, fr.sx, fr.sy
    cid = chart_id("line", title, [(c.s.label, c.segments) for c in clean], locale, width)
    body: list[str] = [
        fr.title_svg,
        f'<clipPath id="{cid}-clip"><rect x="{f(plot.x0)}" y="{f(plot.y0)}" '
        f'width="{f(plot.x1 - plot.x0)}" height="{f(plot.y1 - plot.y0)}"/></clipPath>',
    ]
    body += fr.axes_svg
    data: list[str] = [f'<g clip-path="url(#{cid}-clip)">']
    if diagonal:
        lo, hi = max(xt.lo, yt.lo), min(xt.hi, yt.hi)
        data.append(
            line_el(
                sx(lo),
                sy(lo),
                sx(hi),
                sy(hi),
                stroke=AXIS,
                width=1.2,
                dash="4 4",
                cls="mt-diagonal",
            )
        )
    for c in clean:
        if c.band:
            colour = PALETTE[c.style % len(PALETTE)]
            outline = [(sx(x), sy(hi)) for x, _lo, hi in c.band] + [
                (sx(x), sy(lo)) for x, lo, _hi in reversed(c.band)
            ]
            data.append(
                f'<polygon points="{" ".join(f"{f(a)},{f(b)}" for a, b in outline)}" fill="{colour}" '
                f'fill-opacity="0.18" stroke="none" class="mt-band"/>'
            )
    for k, r in enumerate(refs):
        if r.axis == "y":
            data.append(
                line_el(
                    plot.x0,
                    sy(r.value),
                    plot.x1,
                    sy(r.value),
                    stroke=INK,
                    width=1.3,
                    dash=_REF_DASHES[k % 3],
                    cls="mt-reference",
                )
            )
        else:
            data.append(
                line_el(
                    sx(r.value),
                    plot.y0,
                    sx(r.value),
                    plot.y1,
                    stroke=MUTED,
                    width=1.4,
                    dash=_REF_DASHES[k % 3],
                    cls="mt-reference",
                )
            )
    thin_first = sorted(clean, key=lambda c: {"thin": 0, "normal": 1, "bold": 2}[c.s.weight])
    for c in thin_first:
        colour, dash = PALETTE[c.style % len(PALETTE)], DASHES[c.style % len(DASHES)]
        opacity = "0.6" if c.s.weight == "thin" else None
        for seg in c.segments:
            pts = " ".join(f"{f(sx(x))},{f(sy(y))}" for x, y in seg)
            data.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                f'stroke-width="{_WIDTHS[c.s.weight]}" stroke-linejoin="round"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + (f' stroke-opacity="{opacity}"' if opacity else "")
                + f"><title>{escape(c.s.label)}</title></polyline>"
            )
    data.append("</g>")
    for c in clean:
        if not (c.s.markers and c.s.weight != "thin"):
            continue
        colour, shape = PALETTE[c.style % len(PALETTE)], MARKERS[c.style % len(MARKERS)]
        radius = 3.2 if c.s.weight == "normal" else 3.8
        for seg in c.segments:
            for x, y in seg:
                if xt.lo <= x <= xt.hi and yt.lo <= y <= yt.hi:
                    tip = (
                        f"{c.s.label}: {fmt(x, locale, xdig, x_percent)} ; {fmt(y, locale, ydig, y_percent)}"
                        if locale == "fr"
                        else f"{c.s.label}: {fmt(x, locale, xdig, x_percent)}, {fmt(y, locale, ydig, y_percent)}"
                    )
                    data.append(marker_el(shape, sx(x), sy(y), radius, colour=colour, tip=tip))
    for r in refs:
        if r.axis == "x":
            shown = truncate(r.label, width - 2 * EDGE, SMALL_SIZE)
            w = text_width(shown, SMALL_SIZE)
            cx = min(max(sx(r.value), EDGE + w / 2), width - EDGE - w / 2)
            data.append(
                text_el(
                    cx,
                    plot.y0 - 6,
                    shown,
                    size=SMALL_SIZE,
                    anchor="middle",
                    fill=MUTED,
                    full=r.label,
                    cls="mt-reference-label",
                )
            )
    body += data
    if not has_data:
        body.append(empty_note(empty_text, plot))
    leg, _h = legend(entries, plot.x0, width - EDGE, fr.legend_top)
    body += leg

    rows: list[tuple[str, ...]] = []
    for c in clean:
        bands = {b[0]: b for b in c.band}
        for seg in c.segments:
            for x, y in seg:
                cell = fmt(y, locale, ydig, y_percent)
                if x in bands:
                    _x, lo, hi = bands[x]
                    cell += " " + format_interval(lo, hi, locale, digits=ydig, percent=y_percent)
                rows.append((c.s.label, fmt(x, locale, xdig, x_percent), cell))
    desc = describe(
        description,
        title,
        "" if has_data else empty_text,
        *(e.label for e in entries),
        *(r.label for r in refs if r.axis == "x"),
    )
    svg = svg_document(cid, width, fr.height, title, desc, body)
    table = Table((series_header, x_title, y_title), tuple(rows), (False, True, True))
    return Chart("line", svg, title, desc, table, width, fr.height)


def roc_chart(
    curves: Sequence[RocCurve],
    *,
    title: str,
    x_title: str,
    y_title: str,
    chance_label: str,
    locale: Locale = "fr",
    width: float = DEFAULT_WIDTH,
    series_header: str = "",
    empty_text: str = "\u2013",
    description: str | None = None,
) -> Chart:
    """ROC curves on the unit square: ticks every 0.2, the chance diagonal named ``chance_label``.

    ``x_title`` and ``y_title`` are the caller's words ("1 − spécificité" / "sensibilité").
    """
    check_text(chance_label, "chance_label")
    per_condition: dict[str, int] = {}
    for k, c in enumerate(check_items(curves, RocCurve, "curves")):
        if len(c.fpf) != len(c.tpf):
            raise ValueError(
                f"curves[{k}]: fpf and tpf must have the same length, got {len(c.fpf)} and {len(c.tpf)}"
            )
        check_text(c.condition, f"curves[{k}].condition")
        if not c.pooled:
            per_condition[c.condition] = per_condition.get(c.condition, 0) + 1
    series = []
    for c in curves:
        group = c.condition or c.label
        thin = not c.pooled and per_condition.get(c.condition, 0) >= 3
        series.append(
            Series(
                label=c.label,
                points=list(zip(c.fpf, c.tpf, strict=True)),
                group=group,
                weight="bold" if c.pooled else "thin" if thin else "normal",
                markers=not thin,
                legend_label=c.condition if (thin and c.condition) else c.label,
            )
        )
    chart = line_chart(
        series,
        title=title,
        x_title=x_title,
        y_title=y_title,
        locale=locale,
        width=width,
        aspect=1.0,
        x_range=(0.0, 1.0),
        y_range=(0.0, 1.0),
        x_step=0.2,
        y_step=0.2,
        x_digits=2,
        y_digits=2,
        diagonal=chance_label,
        series_header=series_header,
        empty_text=empty_text,
        description=description,
    )
    return replace(chart, kind="roc")
