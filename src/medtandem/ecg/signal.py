"""Signal processing: resampling and filtering of ECG arrays (samples along axis 0)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from numpy.typing import NDArray
from scipy import signal as sps


def resample(x: NDArray[np.floating], fs_in: float, fs_out: float) -> NDArray[np.float32]:
    """Resample along axis 0 from ``fs_in`` to ``fs_out`` hertz with a polyphase FIR filter.

    The rational factor is found from the two rates (e.g. 500 -> 100 Hz is 1/5, 360 -> 500 is 25/18).
    """
    if fs_in <= 0 or fs_out <= 0:
        raise ValueError(f"sampling rates must be positive, got {fs_in} and {fs_out}")
    ratio = Fraction(fs_out / fs_in).limit_denominator(1000)
    y = sps.resample_poly(
        np.asarray(x, dtype=np.float64), ratio.numerator, ratio.denominator, axis=0
    )
    return y.astype(np.float32)


def bandpass(
    x: NDArray[np.floating], fs: float, low_hz: float = 0.5, high_hz: float = 40.0, order: int = 2
) -> NDArray[np.float32]:
    """Zero-phase Butterworth band-pass along axis 0: removes baseline wander and high-frequency noise.

    0.5-40 Hz keeps the diagnostic content for rhythm and morphology reading; ST measurement
    should use the unfiltered signal or a 0.05 Hz high-pass (AHA recommendation) instead.
    """
    nyquist = fs / 2
    high = min(high_hz, 0.95 * nyquist)
    sos = sps.butter(order, [low_hz / nyquist, high / nyquist], btype="band", output="sos")
    return sps.sosfiltfilt(sos, np.asarray(x, dtype=np.float64), axis=0).astype(np.float32)


def remove_baseline(
    x: NDArray[np.floating], fs: float, cutoff_hz: float = 0.05
) -> NDArray[np.float32]:
    """Zero-phase high-pass at ``cutoff_hz`` (0.05 Hz preserves the ST segment)."""
    sos = sps.butter(2, cutoff_hz / (fs / 2), btype="high", output="sos")
    return sps.sosfiltfilt(sos, np.asarray(x, dtype=np.float64), axis=0).astype(np.float32)
