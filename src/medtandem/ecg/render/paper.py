"""The static parts of the page (grid, calibration pulses, lead separators) and the AI attribution."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from html import escape
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medtandem.ecg.record import canonical_lead_name
from medtandem.ecg.render.layout import (
    ATTRIBUTION_COLOUR,
    ATTRIBUTION_LEVELS,
    ATTRIBUTION_MAX_OPACITY,
    GRID_BOLD_COLOUR,
    GRID_FINE_COLOUR,
    GRID_LEADS,
    MM_PER_MV,
    MM_PER_S,
    TRACE_COLOUR,
    PaperLayout,
)
from medtandem.ecg.render.paths import _fmt
from medtandem.ecg.render.texts import RenderTexts


@lru_cache(maxsize=4)
def _grid(layout: PaperLayout) -> str:
    """The paper grid: two long paths (fine 1 mm lines, bold 5 mm lines), built once."""
    top, bottom, width = layout.paper_top, layout.paper_bottom, layout.width
    fine: list[str] = []
    bold: list[str] = []
    for i in range(round(width) + 1):
        (bold if i % 5 == 0 else fine).append(f"M{i} {_fmt(top)}V{_fmt(bottom)}")
    for j in range(round(top), round(bottom) + 1):
        (bold if j % 5 == 0 else fine).append(f"M0 {j}H{_fmt(width)}")
    return (
        f'<g class="ecg-grid" fill="none" aria-hidden="true">'
        f'<path class="grid-fine" stroke="{GRID_FINE_COLOUR}" stroke-width="0.1" d="{"".join(fine)}"/>'
        f'<path class="grid-bold" stroke="{GRID_BOLD_COLOUR}" stroke-width="0.2" d="{"".join(bold)}"/>'
        f"</g>"
    )


def _calibration(layout: PaperLayout) -> str:
    """A 1 mV x 200 ms pulse (10 mm x 5 mm) before each row, on that row's baseline."""
    parts = []
    pulse_w = 0.2 * MM_PER_S
    lead_in = (layout.calibration_width - pulse_w) / 2
    for row in range(layout.rows):
        y = layout.baseline(row)
        parts.append(
            f"M{_fmt(layout.margin)} {_fmt(y)}h{_fmt(lead_in)}v{_fmt(-MM_PER_MV)}"
            f"h{_fmt(pulse_w)}v{_fmt(MM_PER_MV)}h{_fmt(lead_in)}"
        )
    return (
        f'<path class="calibration" fill="none" stroke="{TRACE_COLOUR}" stroke-width="0.25" '
        f'stroke-linejoin="miter" d="{"".join(parts)}"/>'
    )


def _separators(layout: PaperLayout) -> str:
    """Short vertical bars where the lead changes in the 3 x 4 rows, as printed by ECG machines."""
    parts = []
    for row in range(len(GRID_LEADS)):
        y = layout.baseline(row)
        for col in range(1, layout.columns):
            x = layout.x_of_time(col * layout.column_s)
            parts.append(f"M{_fmt(x)} {_fmt(y - 3)}v6")
    return (
        f'<path class="separators" fill="none" stroke="{TRACE_COLOUR}" stroke-width="0.3" '
        f'd="{"".join(parts)}"/>'
    )


# --------------------------------------------------------------------------------------------
# Attribution
# --------------------------------------------------------------------------------------------


def _check_attribution(attribution: Mapping[str, Any]) -> dict[str, NDArray[np.float64]]:
    """Validate the explanation once, at the edge: lead name -> values in [0, 1] (NaN -> 0)."""
    if (
        not isinstance(attribution, Mapping)
        or "leads" not in attribution
        or "values" not in attribution
    ):
        raise ValueError("attribution must be a dict with 'leads' and 'values'")
    leads = attribution["leads"]
    values = attribution["values"]
    if isinstance(leads, str) or not isinstance(leads, Sequence):
        raise ValueError("attribution['leads'] must be a list of lead names")
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"attribution['values'] must be a list of equal-length lists of numbers: {exc}"
        ) from None
    if array.ndim != 2 or array.shape[0] != len(leads) or array.shape[1] == 0:
        raise ValueError(
            f"attribution['values'] must have one non-empty row of bins per lead "
            f"({len(leads)} leads), got shape {array.shape}"
        )
    array = np.clip(np.nan_to_num(array, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    return {canonical_lead_name(str(name)): array[i] for i, name in enumerate(leads)}


def _attribution_rects(
    values: NDArray[np.float64],
    t_start: float,
    t_end: float,
    top: float,
    height: float,
    layout: PaperLayout,
) -> str:
    """Rectangles for the bins overlapping [t_start, t_end], merged where the level repeats."""
    n_bins = values.size
    bin_s = layout.duration_s / n_bins
    levels = np.rint(values * ATTRIBUTION_LEVELS).astype(np.int64)
    first = max(0, int(np.floor(t_start / bin_s + 1e-9)))
    last = min(n_bins, int(np.ceil(t_end / bin_s - 1e-9)))
    parts = []
    i = first
    while i < last:  # at most n_bins iterations per cell; bins are few (tens to hundreds)
        level = levels[i]
        j = i + 1
        while j < last and levels[j] == level:
            j += 1
        if level > 0:
            a = max(t_start, i * bin_s)
            b = min(t_end, j * bin_s)
            opacity = ATTRIBUTION_MAX_OPACITY * level / ATTRIBUTION_LEVELS
            parts.append(
                f'<rect x="{_fmt(layout.x_of_time(a))}" y="{_fmt(top)}" '
                f'width="{_fmt((b - a) * MM_PER_S)}" height="{_fmt(height)}" '
                f'fill-opacity="{opacity:.3g}"/>'
            )
        i = j
    if not parts:
        return ""
    return f'<g class="attribution" fill="{ATTRIBUTION_COLOUR}" aria-hidden="true">{"".join(parts)}</g>'


def _legend(layout: PaperLayout, texts: RenderTexts) -> str:
    """A small scale of the attribution opacities, bottom right under the paper.

    Laid out from the right edge leftwards (text widths are unknown in SVG, so each text is
    anchored at its end and given room for about 16 characters).
    """
    swatch = 5.0
    steps = 5
    y = layout.paper_bottom + 4
    label_y = y + 2.5
    high_end = layout.width - layout.margin
    swatches_end = high_end - 9
    swatches_start = swatches_end - steps * swatch
    low_end = swatches_start - 1.5
    title_end = low_end - 11
    rects = []
    for k in range(steps):
        opacity = ATTRIBUTION_MAX_OPACITY * (k + 1) / steps
        rects.append(
            f'<rect x="{_fmt(swatches_start + k * swatch)}" y="{_fmt(y)}" width="{_fmt(swatch)}" '
            f'height="3" fill-opacity="{opacity:.3g}"/>'
        )
    return (
        f'<g class="attribution-legend" font-size="2.8" fill="{TRACE_COLOUR}">'
        f'<text x="{_fmt(title_end)}" y="{_fmt(label_y)}" text-anchor="end" '
        f'font-weight="600">{escape(texts.legend)}</text>'
        f'<text x="{_fmt(low_end)}" y="{_fmt(label_y)}" text-anchor="end">{escape(texts.low)}</text>'
        f'<g fill="{ATTRIBUTION_COLOUR}" stroke="{GRID_BOLD_COLOUR}" stroke-width="0.1">'
        f"{''.join(rects)}</g>"
        f'<text x="{_fmt(high_end)}" y="{_fmt(label_y)}" text-anchor="end">{escape(texts.high)}</text>'
        f"</g>"
    )
