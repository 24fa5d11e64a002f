"""The page geometry and drawing constants of the ECG paper (millimetres)."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
