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

Pure: no Django. Texts come from the project catalogue through :mod:`medtandem.i18n` (French
source strings, ``lang="en"`` for English); the web layer passes the active language.

Modules: :mod:`.layout` (geometry, constants), :mod:`.paths` (path encoding), :mod:`.paper` (grid,
pulses, attribution), :mod:`.texts` (the words); this module assembles the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import numpy as np

from medtandem.ecg.record import STANDARD_LEADS, EcgRecord
from medtandem.ecg.render.layout import (
    _ID_RE,
    GRID_LEADS,
    LAYOUT,
    MM_PER_MV,
    MM_PER_S,
    OVERLAP_MM,
    RHYTHM_LEAD,
    TRACE_COLOUR,
    PaperLayout,
)
from medtandem.ecg.render.paper import (
    _attribution_rects,
    _calibration,
    _check_attribution,
    _grid,
    _legend,
    _separators,
)
from medtandem.ecg.render.paths import _fmt, _trace_path
from medtandem.ecg.render.texts import RenderTexts, render_texts

__all__ = [
    "LAYOUT",
    "MM_PER_MV",
    "MM_PER_S",
    "PaperLayout",
    "RenderTexts",
    "render_svg",
    "render_texts",
]


def _label(
    x: float,
    y: float,
    text: str,
    css_class: str = "lead-label",
    size: float = 3.5,
    anchor: str = "start",
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
    texts: RenderTexts | None = None,
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
        lang: ``"fr"`` (default) or ``"en"`` for the texts (from the project catalogue).
        texts: the words to use instead (a :class:`RenderTexts`), e.g. for another language.

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
    if texts is None:
        texts = render_texts(lang)  # raises ValueError for an unknown language
    layout = LAYOUT
    heat = _check_attribution(attribution) if attribution is not None else None

    fs = float(record.fs)
    n = record.n_samples
    present = {name: i for i, name in enumerate(record.leads)}
    signal = record.signal
    missing = [name for name in STANDARD_LEADS if name not in present]

    header_title = (
        title
        if title is not None
        else (f"{texts.title} · {record.record_id}" if record.record_id else texts.title)
    )
    duration = min(record.duration_s, layout.duration_s)
    desc = texts.desc.format(
        record=f" {record.record_id}" if record.record_id else "",
        duration=texts.number(round(duration, 2)),
        fs=_number(fs),
        speed=texts.number(MM_PER_S),
        gain=texts.number(MM_PER_MV),
    )
    if missing:
        desc += texts.desc_missing.format(leads=", ".join(missing))
    if record.duration_s < layout.duration_s:
        desc += texts.desc_short
    if heat is not None:
        desc += texts.desc_attr

    eid = element_id
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{eid}" class="ecg-paper" '
        f'viewBox="0 0 {_fmt(layout.width)} {_fmt(layout.height)}" '
        f'width="{_fmt(layout.width)}mm" height="{_fmt(layout.height)}mm" '
        f'role="img" aria-labelledby="{eid}-title {eid}-desc" '
        f'data-mm-per-s="{_number(MM_PER_S)}" data-mm-per-mv="{_number(MM_PER_MV)}" '
        f'data-duration-s="{_number(layout.duration_s)}" data-fs="{_number(fs)}" '
        f'data-record="{escape(record.record_id)}" '
        f"font-family=\"system-ui, 'DejaVu Sans', Arial, sans-serif\">",
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
            parts.append(
                _attribution_rects(
                    heat[name], t_start, t_end, top + 1, layout.row_height - 2, layout
                )
            )
        label_x = x0 + 1.5
        label_y = top + 6
        if is_missing:
            parts.append(_label(label_x, label_y, name))
            parts.append(
                _label(
                    x0 + width / 2,
                    base + 1.2,
                    texts.missing_label.format(lead=name),
                    "missing-label",
                    3.0,
                    "middle",
                )
            )
        else:
            first = int(np.ceil(t_start * fs - 1e-9))
            last = min(n - 1, int(np.floor(t_end * fs + 1e-9)))
            d = ""
            if last > first:
                column = signal[first : last + 1, present[name]]
                d = _trace_path(column, fs, first, base, layout)
            if d:
                parts.append(
                    f'<path class="trace" clip-path="url(#{clip_id})" fill="none" '
                    f'stroke="{TRACE_COLOUR}" stroke-width="0.25" stroke-linejoin="round" '
                    f'stroke-linecap="round" d="{d}"/>'
                )
            else:
                parts.append(
                    _label(
                        x0 + width / 2, base + 1.2, texts.no_data, "missing-label", 3.0, "middle"
                    )
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
    filt = filter_text if filter_text is not None else record.meta.get("filter", texts.unfiltered)
    caption = texts.caption.format(
        speed=texts.number(MM_PER_S), gain=texts.number(MM_PER_MV), filter=filt, fs=texts.number(fs)
    )
    out.append(
        f'<text class="ecg-caption" x="{_fmt(layout.margin)}" y="{_fmt(layout.paper_bottom + 6.5)}" '
        f'font-size="3" fill="{TRACE_COLOUR}">{escape(caption)}</text>'
    )
    if heat is not None:
        out.append(_legend(layout, texts))
    out.append("</svg>")
    return "".join(out)
