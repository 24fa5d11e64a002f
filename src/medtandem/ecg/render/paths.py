"""Numbers to SVG path text, vectorised: M4 decimation and compact relative paths."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from medtandem.ecg.render.layout import MM_PER_MV, MM_PER_S, RESOLUTION_MM, PaperLayout

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
