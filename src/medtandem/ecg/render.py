"""Render a 12-lead ECG as SVG on standard ECG paper.

The drawing reproduces the printout clinicians are trained on (IEC 60601-2-25 / AHA conventions):

* paper speed 25 mm/s and gain 10 mm/mV; a 1 mm fine grid and a 5 mm bold grid;
* a 1 mV x 200 ms calibration pulse (10 mm tall, 5 mm wide) at the start of every row;
* the 3 x 4 layout: columns I/II/III, aVR/aVL/aVF, V1-V3, V4-V6, 2.5 s each, every lead drawn
  over *its own* time window (I, II, III over 0-2.5 s, aVR, aVL, aVF over 2.5-5 s, ...), as a
  machine printing the simultaneous acquisition does; then a 10 s lead II rhythm strip;
* lead labels, a title line and a caption (speed, gain, filter, sampling rate).

Units. The SVG user unit is the millimetre (``viewBox`` in mm, ``width``/``height`` in ``mm``), so
the drawing is vector-crisp at any zoom, prints at true size, and a position converts to time and
voltage with two numbers carried on the root element (``data-mm-per-s``, ``data-mm-per-mv``). Each
lead cell is a ``<g class="lead">`` carrying ``data-lead``, ``data-t0`` (s, time at the cell's left
edge, counted from the start of the record), ``data-x0``/``data-y0`` (mm, left end of the cell's
baseline), ``data-width`` and ``data-height`` (mm): the viewer's calipers read them.

Clipping. Each trace is clipped to its cell widened by :data:`OVERLAP_MM` (5 mm, 0.5 mV) above and
below: a tall QRS may spill a little into the neighbouring row, as on a real printout, but a
saturated or very large lead cannot scribble over the whole page. Horizontally each trace is cut at
its window's edges.

Display resolution. A 500 Hz trace holds 20 samples per millimetre of paper. Traces are decimated
per bin of :data:`RESOLUTION_MM` (0.2 mm = 8 ms) keeping the first, minimum, maximum and last sample
of the bin (the "M4" aggregation: Jugel et al., *M4: a visualization-oriented time series data
aggregation*, VLDB 2014), so every extremum is kept exactly and a sample moves by at most 0.2 mm
horizontally. At 500 Hz and below a bin holds at most four samples and nothing is dropped; higher
rates are reduced to about 20 points per mm. Coordinates are rounded to 0.01 mm and written by
vectorised numpy byte building (no per-point Python loop). Samples that are NaN break the path.

Attribution. An optional AI explanation ``{"leads": [...], "values": [[...], ...]}`` (0..1 per time
bin, bins spread evenly over the 10 s) is drawn as translucent blue bands behind each lead's
segment and behind the lead II rhythm strip, quantised to :data:`ATTRIBUTION_LEVELS` opacity steps
(at most :data:`ATTRIBUTION_MAX_OPACITY`, so the red grid stays readable), with a legend.

Pure: no Django. Texts are French by default (``lang="en"`` for English); the web layer passes the
active language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medtandem.ecg.record import STANDARD_LEADS, EcgRecord, canonical_lead_name

__all__ = [
    "MM_PER_MV",
    "MM_PER_S",
    "PaperLayout",
    "LAYOUT",
    "render_svg",
]

#: Paper speed (mm per second) and gain (mm per millivolt): the clinical standard.
MM_PER_S = 25.0
MM_PER_MV = 10.0
#: Width of one decimation bin in mm (0.2 mm = 8 ms at 25 mm/s).
RESOLUTION_MM = 0.2
#: How far (mm) a trace may spill above and below its row before being clipped.
OVERLAP_MM = 5.0
#: Opacity steps of the attribution heat band, and the opacity of the strongest step.
ATTRIBUTION_LEVELS = 8
ATTRIBUTION_MAX_OPACITY = 0.5

#: Colours (the site's CSS variables --ecg-grid-fine, --ecg-grid-bold, --ecg-trace override them
#: in the page; these presentation attributes keep a standalone SVG or a PDF looking right).
GRID_FINE_COLOUR = "#f5c6c6"
GRID_BOLD_COLOUR = "#e08a8a"
TRACE_COLOUR = "#111111"
ATTRIBUTION_COLOUR = "#1f5fbf"

#: The 3 x 4 layout: rows of (lead, column) and the rhythm strip's lead.
GRID_LEADS: tuple[tuple[str, ...], ...] = (
    ("I", "aVR", "V1", "V4"),
    ("II", "aVL", "V2", "V5"),
    ("III", "aVF", "V3", "V6"),
)
RHYTHM_LEAD = "II"

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class PaperLayout:
    """The page geometry, in millimetres.

    The paper (grid) spans the whole width and the rows; the title sits above it and the caption
    below, on white. Every boundary falls on the 5 mm bold grid, so baselines and the start of the
    traces sit on bold lines.
    """

    margin: float = 5.0  # left and right, before the calibration pulses and after the traces
    calibration_width: float = 10.0  # 2.5 mm baseline, 5 mm (200 ms) pulse, 2.5 mm baseline
    duration_s: float = 10.0
    columns: int = 4
    header: float = 10.0
    row_height: float = 40.0  # 4 mV: +/- 2 mV around the baseline
    rows: int = 4  # three 3 x 4 rows and the rhythm strip
    footer: float = 15.0

    @property
    def trace_x0(self) -> float:
        """x of time 0 (the left end of every row's traces)."""
        return self.margin + self.calibration_width

    @property
    def trace_width(self) -> float:
        return self.duration_s * MM_PER_S

    @property
    def column_s(self) -> float:
        return self.duration_s / self.columns

    @property
    def column_width(self) -> float:
        return self.column_s * MM_PER_S

    @property
    def width(self) -> float:
        return self.trace_x0 + self.trace_width + self.margin

    @property
    def paper_top(self) -> float:
        return self.header

    @property
    def paper_bottom(self) -> float:
        return self.header + self.rows * self.row_height

    @property
    def height(self) -> float:
        return self.paper_bottom + self.footer

    def row_top(self, row: int) -> float:
        return self.header + row * self.row_height

    def baseline(self, row: int) -> float:
        """y of the row's 0 mV line (the middle of the row)."""
        return self.row_top(row) + self.row_height / 2

    def x_of_time(self, t_s: float) -> float:
        return self.trace_x0 + t_s * MM_PER_S


LAYOUT = PaperLayout()

_TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "ECG 12 dérivations",
        "missing": "absente",
        "no_data": "pas de données",
        "unfiltered": "aucun (signal tel qu’enregistré)",
        "filter": "Filtre",
        "legend": "Attribution IA",
        "low": "faible",
        "high": "forte",
        "desc": (
            "Électrocardiogramme 12 dérivations{record} : {duration} s enregistrées à {fs} Hz, "
            "tracé sur papier millimétré à 25 mm/s et 10 mm/mV, avec une impulsion d’étalonnage "
            "de 1 mV en début de ligne. Disposition 3 × 4 (I, II, III ; aVR, aVL, aVF ; V1 à V3 ; "
            "V4 à V6 ; 2,5 s chacune) et bande rythmique de 10 s en dérivation II."
        ),
        "desc_missing": " Dérivations absentes : {leads}.",
        "desc_short": " L’enregistrement dure moins de 10 s : la fin de la page est vide.",
        "desc_attr": (
            " L’attribution de l’IA est superposée en bandes bleues translucides, "
            "d’autant plus opaques que la contribution est forte."
        ),
    },
    "en": {
        "title": "12-lead ECG",
        "missing": "missing",
        "no_data": "no data",
        "unfiltered": "none (signal as recorded)",
        "filter": "Filter",
        "legend": "AI attribution",
        "low": "low",
        "high": "high",
        "desc": (
            "12-lead electrocardiogram{record}: {duration} s recorded at {fs} Hz, drawn on "
            "millimetre paper at 25 mm/s and 10 mm/mV, with a 1 mV calibration pulse at the start "
            "of each row. 3 x 4 layout (I, II, III; aVR, aVL, aVF; V1 to V3; V4 to V6; 2.5 s each) "
            "and a 10 s lead II rhythm strip."
        ),
        "desc_missing": " Missing leads: {leads}.",
        "desc_short": " The record lasts less than 10 s: the end of the page is blank.",
        "desc_attr": (
            " The AI attribution is overlaid as translucent blue bands, more opaque where the "
            "contribution is stronger."
        ),
    },
}


# --------------------------------------------------------------------------------------------
# Numbers to path text, vectorised
# --------------------------------------------------------------------------------------------

_MAX_HUNDREDTHS = 99_999  # 999.99 mm: wider than any page


def _fmt(value: float) -> str:
    """A coordinate in mm as short text (two decimals at most, no trailing zeros)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _path_data(x: NDArray[np.float64], y: NDArray[np.float64], starts: NDArray[np.bool_]) -> str:
    """Compact SVG path data from mm coordinates rounded to 0.01 mm.

    Each sub-path is ``M x y l dx dy dx dy ...``: an absolute start (``starts`` marks the points
    that begin one, i.e. after a gap), then relative steps, which at ECG sampling rates are short
    numbers (``.05-.12``) and halve the text. Steps are differences of the *rounded* absolute
    positions, so rounding never accumulates. Absolute positions are clamped to [0, 999.99] mm,
    which never changes what is visible (traces are clipped to the page).

    The text is built as a byte matrix, one row per number, ``[M|l] [-] d d d . d d [space]``, and a
    mask drops what is not needed (the command letter, the sign, leading zeros, zero decimals and
    the space before a minus sign or a command): vectorised, no per-point Python loop.
    """
    n = int(x.size)
    if n == 0:
        return ""
    starts = np.asarray(starts, dtype=bool).copy()
    starts[0] = True
    xy = np.empty((n, 2), dtype=np.int64)
    xy[:, 0] = np.clip(np.rint(x * 100.0), 0, _MAX_HUNDREDTHS)
    xy[:, 1] = np.clip(np.rint(y * 100.0), 0, _MAX_HUNDREDTHS)
    steps = xy.copy()
    steps[1:] -= xy[:-1]
    steps[starts] = xy[starts]
    numbers = steps.ravel()
    negative = numbers < 0
    magnitude = np.abs(numbers)
    digits = np.empty((2 * n, 5), dtype=np.int64)
    rest = magnitude
    for col in range(4, -1, -1):
        digits[:, col] = rest % 10
        rest = rest // 10

    command = np.zeros(2 * n, dtype=np.uint8)  # 0: none
    command[0::2][starts] = ord("M")
    after_start = np.zeros(n, dtype=bool)
    after_start[1:] = starts[:-1] & ~starts[1:]
    command[0::2][after_start] = ord("l")

    chars = np.empty((2 * n, 10), dtype=np.uint8)
    chars[:, 0] = command
    chars[:, 1] = ord("-")
    chars[:, 2:5] = digits[:, 0:3] + ord("0")
    chars[:, 5] = ord(".")
    chars[:, 6:8] = digits[:, 3:5] + ord("0")
    chars[:, 8] = ord(" ")
    chars[:, 9] = 0  # unused padding column
    has_fraction = (digits[:, 3] != 0) | (digits[:, 4] != 0)
    keep = np.zeros((2 * n, 10), dtype=bool)
    keep[:, 0] = command != 0
    keep[:, 1] = negative
    keep[:, 2] = magnitude >= 10_000
    keep[:, 3] = magnitude >= 1_000
    keep[:, 4] = (magnitude >= 100) | ~has_fraction  # "0" alone, but ".05" rather than "0.05"
    keep[:, 5] = has_fraction
    keep[:, 6] = has_fraction
    keep[:, 7] = digits[:, 4] != 0
    # A space only where the next number starts with a digit or a point.
    keep[:-1, 8] = ~negative[1:] & (command[1:] == 0)
    return chars[keep].tobytes().decode("ascii")


def _m4_indices(values: NDArray[np.float64], per_bin: int) -> NDArray[np.int64]:
    """Indices kept by M4 aggregation: first, min, max and last sample of each bin, in time order.

    NaNs are ignored for the min/max (an all-NaN bin keeps its first and last, which the caller
    drops as NaN).
    """
    n = values.size
    if per_bin <= 4 or n <= 4:
        return np.arange(n, dtype=np.int64)
    n_bins = -(-n // per_bin)
    padded = np.full(n_bins * per_bin, np.nan)
    padded[:n] = values
    bins = padded.reshape(n_bins, per_bin)
    offsets = np.arange(n_bins, dtype=np.int64) * per_bin
    finite = ~np.isnan(bins)
    arg_min = np.argmin(np.where(finite, bins, np.inf), axis=1)
    arg_max = np.argmax(np.where(finite, bins, -np.inf), axis=1)
    last = np.minimum(per_bin - 1, n - 1 - offsets)
    picks = np.stack([np.zeros(n_bins, np.int64), arg_min, arg_max, last], axis=1)
    picks.sort(axis=1)
    idx = (picks + offsets[:, None]).ravel()
    keep = np.ones(idx.size, dtype=bool)
    keep[1:] = idx[1:] != idx[:-1]
    return idx[keep]


def _trace_path(
    samples: NDArray[np.floating], fs: float, first_index: int, baseline: float, layout: PaperLayout
) -> str:
    """Path data for ``samples`` (mV) whose first sample is sample ``first_index`` of the record.

    A sample at time t (from the start of the record) lands at ``layout.x_of_time(t)`` whatever
    the row: every row is time-aligned, as on the printout.
    """
    values = np.asarray(samples, dtype=np.float64)
    per_bin = int(fs * RESOLUTION_MM / MM_PER_S)
    idx = _m4_indices(values, per_bin)
    picked = values[idx]
    finite = np.isfinite(picked)
    if not finite.any():
        return ""
    nan_before = np.cumsum(~np.isfinite(values))
    idx_f = idx[finite]
    starts = np.ones(idx_f.size, dtype=bool)
    # A new sub-path wherever a non-finite sample lies between two kept points.
    starts[1:] = nan_before[idx_f[1:]] != nan_before[idx_f[:-1]]
    t = (idx_f + first_index) / fs
    x = layout.trace_x0 + t * MM_PER_S
    y = baseline - picked[finite] * MM_PER_MV
    return _path_data(x, y, starts)


# --------------------------------------------------------------------------------------------
# Static parts
# --------------------------------------------------------------------------------------------


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
    if not isinstance(attribution, Mapping) or "leads" not in attribution or "values" not in attribution:
        raise ValueError("attribution must be a dict with 'leads' and 'values'")
    leads = attribution["leads"]
    values = attribution["values"]
    if isinstance(leads, str) or not isinstance(leads, Sequence):
        raise ValueError("attribution['leads'] must be a list of lead names")
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"attribution['values'] must be a list of equal-length lists of numbers: {exc}") from None
    if array.ndim != 2 or array.shape[0] != len(leads) or array.shape[1] == 0:
        raise ValueError(
            f"attribution['values'] must have one non-empty row of bins per lead "
            f"({len(leads)} leads), got shape {array.shape}"
        )
    array = np.clip(np.nan_to_num(array, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    return {canonical_lead_name(str(name)): array[i] for i, name in enumerate(leads)}


def _attribution_rects(
    values: NDArray[np.float64], t_start: float, t_end: float, top: float, height: float,
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


def _legend(layout: PaperLayout, texts: Mapping[str, str]) -> str:
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
        f'font-weight="600">{escape(texts["legend"])}</text>'
        f'<text x="{_fmt(low_end)}" y="{_fmt(label_y)}" text-anchor="end">{escape(texts["low"])}</text>'
        f'<g fill="{ATTRIBUTION_COLOUR}" stroke="{GRID_BOLD_COLOUR}" stroke-width="0.1">'
        f'{"".join(rects)}</g>'
        f'<text x="{_fmt(high_end)}" y="{_fmt(label_y)}" text-anchor="end">{escape(texts["high"])}</text>'
        f"</g>"
    )


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


def _label(
    x: float, y: float, text: str, css_class: str = "lead-label", size: float = 3.5, anchor: str = "start"
) -> str:
    """Text with a white halo, readable over the grid and the trace."""
    return (
        f'<text class="{css_class}" x="{_fmt(x)}" y="{_fmt(y)}" font-size="{_fmt(size)}" '
        f'text-anchor="{anchor}" '
        f'font-weight="600" fill="{TRACE_COLOUR}" stroke="#ffffff" stroke-width="0.8" '
        f'stroke-linejoin="round" paint-order="stroke">{escape(text)}</text>'
    )


def _number(value: float) -> str:
    return f"{value:g}"


def render_svg(
    record: EcgRecord,
    *,
    attribution: Mapping[str, Any] | None = None,
    title: str | None = None,
    element_id: str = "ecg",
    filter_text: str | None = None,
    lang: str = "fr",
) -> str:
    """Draw ``record`` as a standard 12-lead ECG on paper and return the SVG markup.

    Args:
        record: the ECG; any sampling rate, any duration (the first 10 s are drawn; a shorter
            record leaves the end of its rows blank), leads in any order. Standard leads that it
            lacks are labelled "absente"/"missing"; extra leads are ignored. NaN samples leave gaps.
        attribution: optional AI explanation ``{"leads": [names], "values": [[0..1] * bins]}``,
            bins evenly spread over the 10 s page, drawn as a blue heat band behind each lead
            (and the lead II rhythm strip) with a legend.
        title: the visible header line and accessible name; defaults to "ECG 12 dérivations" and
            the record id.
        element_id: the ``id`` of the root ``<svg>`` and the prefix of every internal id, so that
            several tracings can share a page. Letters, digits, ``-`` and ``_``.
        filter_text: the filter applied to the signal, for the caption (e.g. "0,5–40 Hz");
            defaults to the record's ``meta["filter"]`` or "none".
        lang: ``"fr"`` (default) or ``"en"`` for the texts.

    Returns:
        A standalone ``<svg>`` element (mm units), suitable for inline HTML or a file.

    Raises:
        TypeError: ``record`` is not an :class:`EcgRecord`.
        ValueError: a malformed ``element_id``, ``attribution`` or ``lang``.
    """
    if not isinstance(record, EcgRecord):
        raise TypeError(f"record must be an EcgRecord, got {type(record).__name__}")
    if not _ID_RE.match(element_id):
        raise ValueError(f"element_id must match {_ID_RE.pattern}, got {element_id!r}")
    if lang not in _TEXTS:
        raise ValueError(f"lang must be one of {sorted(_TEXTS)}, got {lang!r}")
    layout = LAYOUT
    texts = _TEXTS[lang]
    heat = _check_attribution(attribution) if attribution is not None else None

    fs = float(record.fs)
    n = record.n_samples
    present = {name: i for i, name in enumerate(record.leads)}
    signal = record.signal
    missing = [name for name in STANDARD_LEADS if name not in present]

    header_title = title if title is not None else (
        f"{texts['title']} · {record.record_id}" if record.record_id else texts["title"]
    )
    duration = min(record.duration_s, layout.duration_s)
    desc = texts["desc"].format(
        record=f" {record.record_id}" if record.record_id else "",
        duration=_number(round(duration, 2)) if lang == "en" else f"{duration:g}".replace(".", ","),
        fs=_number(fs),
    )
    if missing:
        desc += texts["desc_missing"].format(leads=", ".join(missing))
    if record.duration_s < layout.duration_s:
        desc += texts["desc_short"]
    if heat is not None:
        desc += texts["desc_attr"]

    eid = element_id
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{eid}" class="ecg-paper" '
        f'viewBox="0 0 {_fmt(layout.width)} {_fmt(layout.height)}" '
        f'width="{_fmt(layout.width)}mm" height="{_fmt(layout.height)}mm" '
        f'role="img" aria-labelledby="{eid}-title {eid}-desc" '
        f'data-mm-per-s="{_number(MM_PER_S)}" data-mm-per-mv="{_number(MM_PER_MV)}" '
        f'data-duration-s="{_number(layout.duration_s)}" data-fs="{_number(fs)}" '
        f'data-record="{escape(record.record_id)}" '
        f'font-family="system-ui, \'DejaVu Sans\', Arial, sans-serif">',
        f'<title id="{eid}-title">{escape(header_title)}</title>',
        f'<desc id="{eid}-desc">{escape(desc)}</desc>',
        f'<rect class="ecg-sheet" width="{_fmt(layout.width)}" height="{_fmt(layout.height)}" fill="#ffffff"/>',
        _grid(layout),
    ]

    # Cells: (lead, row, window start and end in s, extra class); the rhythm strip last.
    cells: list[tuple[str, int, float, float, str]] = []
    for row, leads in enumerate(GRID_LEADS):
        for col, name in enumerate(leads):
            t0 = col * layout.column_s
            cells.append((name, row, t0, t0 + layout.column_s, ""))
    cells.append((RHYTHM_LEAD, len(GRID_LEADS), 0.0, layout.duration_s, " rhythm"))

    clips: list[str] = []
    body: list[str] = []
    for k, (name, row, t_start, t_end, extra) in enumerate(cells):
        top = layout.row_top(row)
        base = layout.baseline(row)
        x0 = layout.x_of_time(t_start)
        width = (t_end - t_start) * MM_PER_S
        clip_id = f"{eid}-clip-{k}"
        clips.append(
            f'<clipPath id="{clip_id}"><rect x="{_fmt(x0)}" y="{_fmt(top - OVERLAP_MM)}" '
            f'width="{_fmt(width)}" height="{_fmt(layout.row_height + 2 * OVERLAP_MM)}"/></clipPath>'
        )
        is_missing = name not in present
        cls = "lead" + extra + (" missing" if is_missing else "")
        parts = [
            f'<g class="{cls}" data-lead="{name}" data-t0="{_number(t_start)}" '
            f'data-x0="{_fmt(x0)}" data-y0="{_fmt(base)}" data-width="{_fmt(width)}" '
            f'data-height="{_fmt(layout.row_height)}">'
        ]
        if heat is not None and name in heat and not is_missing:
            parts.append(_attribution_rects(heat[name], t_start, t_end, top + 1, layout.row_height - 2, layout))
        label_x = x0 + 1.5
        label_y = top + 6
        if is_missing:
            parts.append(_label(label_x, label_y, name))
            sep = " : " if lang == "fr" else ": "
            parts.append(
                _label(x0 + width / 2, base + 1.2, f"{name}{sep}{texts['missing']}",
                       "missing-label", 3.0, "middle")
            )
        else:
            first = int(np.ceil(t_start * fs - 1e-9))
            last = min(n - 1, int(np.floor(t_end * fs + 1e-9)))
            d = ""
            if last > first:
                column = signal[first:last + 1, present[name]]
                d = _trace_path(column, fs, first, base, layout)
            if d:
                parts.append(
                    f'<path class="trace" clip-path="url(#{clip_id})" fill="none" '
                    f'stroke="{TRACE_COLOUR}" stroke-width="0.25" stroke-linejoin="round" '
                    f'stroke-linecap="round" d="{d}"/>'
                )
            else:
                parts.append(
                    _label(x0 + width / 2, base + 1.2, texts["no_data"], "missing-label", 3.0, "middle")
                )
            parts.append(_label(label_x, label_y, name))
        parts.append("</g>")
        body.append("".join(parts))

    out.append(f"<defs>{''.join(clips)}</defs>")
    out.append(_calibration(layout))
    out.append(_separators(layout))
    out.extend(body)

    # Header and caption.
    out.append(
        f'<text class="ecg-title" x="{_fmt(layout.margin)}" y="{_fmt(layout.header - 3)}" '
        f'font-size="4" font-weight="600" fill="{TRACE_COLOUR}">{escape(header_title)}</text>'
    )
    filt = filter_text if filter_text is not None else record.meta.get("filter", texts["unfiltered"])
    fs_text = _number(fs) if lang == "en" else _number(fs).replace(".", ",")
    caption = f"25 mm/s · 10 mm/mV · {texts['filter']} : {filt} · {fs_text} Hz" if lang == "fr" else (
        f"25 mm/s · 10 mm/mV · {texts['filter']}: {filt} · {fs_text} Hz"
    )
    out.append(
        f'<text class="ecg-caption" x="{_fmt(layout.margin)}" y="{_fmt(layout.paper_bottom + 6.5)}" '
        f'font-size="3" fill="{TRACE_COLOUR}">{escape(caption)}</text>'
    )
    if heat is not None:
        out.append(_legend(layout, texts))
    out.append("</svg>")
    return "".join(out)
