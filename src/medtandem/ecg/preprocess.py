"""One physical signal from every input path: the conditioning applied before anything is measured.

Whatever the source (PTB-XL at 100 or 500 Hz, a Holter-grade 1,000 Hz export, a 257 Hz INCART or a
360 Hz MIT-BIH-like file, a 0.05-150 Hz or a 0.5-40 Hz front end, 50 Hz or 60 Hz mains), the
measurement program and the models see the same thing:

1. the twelve standard leads in standard order, in millivolts (gain and units come from the
   header: :mod:`medtandem.ecg.wfdb`);
2. the first :data:`WINDOW_S` seconds (records of at least :data:`MIN_DURATION_S` seconds; shorter
   ones are refused by :mod:`medtandem.ecg.quality`);
3. resampled to :data:`WORK_FS` (polyphase FIR with anti-alias filtering, any rational ratio);
4. mains interference removed by zero-phase IIR notches at **both** 50 Hz and 60 Hz (quality
   factor 30, about 2 Hz wide; Hamilton, IEEE TBME 43:105-109, 1996 discusses notch width and
   ringing), so the origin of the recording does not have to be known;
5. baseline wander removed by a zero-phase (forward-backward) Butterworth high-pass at 0.67 Hz and
   high-frequency noise by a zero-phase low-pass at 40 Hz. The AHA/ACCF/HRS recommendations allow a
   0.67 Hz low-frequency cut-off for diagnostic ECGs when the filter has no phase distortion, which
   is what keeps the ST segment (Kligfield et al., Circulation 115:1306-1324, 2007, section
   "Low-frequency filtering"). The common 0.67-40 Hz band is narrower than any front end's, so a
   0.05-150 Hz and a 0.5-40 Hz recording of the same heart give nearly the same conditioned signal.

Nothing here knows about models; :func:`condition` is pure and deterministic.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy import signal as sps

from medtandem.ecg.record import EcgRecord, as_leads

#: Working sampling rate (Hz) of the measurement program: one sample is 4 ms.
WORK_FS = 250.0
#: Seconds of signal read (PTB-XL's record length); longer records are cut to their first 10 s.
WINDOW_S = 10.0
#: Shortest record accepted for a suggestion (seconds).
MIN_DURATION_S = 8.0
#: Mains frequencies removed whatever the country (Hz).
MAINS_HZ: tuple[float, ...] = (50.0, 60.0)
NOTCH_Q = 30.0
HIGH_PASS_HZ = 0.67
LOW_PASS_HZ = 40.0


@lru_cache(maxsize=16)
def _band_sos(low_hz: float, high_hz: float, fs: float) -> NDArray[np.float64]:
    return np.asarray(
        sps.butter(2, [low_hz / (fs / 2), high_hz / (fs / 2)], btype="band", output="sos")
    )


@lru_cache(maxsize=16)
def _notch_sos(f0: float, fs: float) -> NDArray[np.float64]:
    b, a = sps.iirnotch(f0, NOTCH_Q, fs)
    return np.asarray(sps.tf2sos(b, a))


@lru_cache(maxsize=16)
def _chain_sos(fs: float) -> NDArray[np.float64]:
    """Notches at the mains frequencies below 0.45 fs, then the 0.67-40 Hz band-pass, as one cascade."""
    sections = [_notch_sos(f0, fs) for f0 in MAINS_HZ if f0 < 0.45 * fs]
    sections.append(_band_sos(HIGH_PASS_HZ, min(LOW_PASS_HZ, 0.45 * fs), fs))
    return np.ascontiguousarray(np.concatenate(sections, axis=0))


def standard_leads(record: EcgRecord) -> EcgRecord:
    """The record with its lead names in standard spelling (``AVR`` -> ``aVR``), twelve leads in order.

    Raises:
        EcgReadError: a standard lead is missing.
    """
    leads = as_leads(record.leads)
    if leads != record.leads:
        record = EcgRecord(record.signal, record.fs, leads, record.record_id, record.meta)
    return record.standard_12()


def remove_mains(
    x: NDArray[np.floating], fs: float, mains: tuple[float, ...] = MAINS_HZ
) -> NDArray[np.float64]:
    """Zero-phase notches at each mains frequency below 0.45 ``fs`` (samples along axis 0)."""
    y = np.asarray(x, dtype=np.float64)
    for f0 in mains:
        if f0 < 0.45 * fs:
            y = sps.sosfiltfilt(_notch_sos(f0, fs), y, axis=0)
    return y


def band_limit(x: NDArray[np.floating], fs: float) -> NDArray[np.float64]:
    """Zero-phase 0.67-40 Hz band-pass (baseline wander and high-frequency noise out)."""
    return np.asarray(
        sps.sosfiltfilt(
            _band_sos(HIGH_PASS_HZ, min(LOW_PASS_HZ, 0.45 * fs), fs),
            np.asarray(x, dtype=np.float64),
            axis=0,
        )
    )


def condition(record: EcgRecord, fs: float = WORK_FS, window_s: float = WINDOW_S) -> EcgRecord:
    """The conditioned record: standard 12 leads, first ``window_s`` s, ``fs`` Hz, mains and baseline out.

    Missing samples (NaN) become 0 mV after the per-lead median is removed.

    Raises:
        EcgReadError: a standard lead is missing.
        ValueError: ``fs`` or ``window_s`` is not positive.
    """
    if not fs > 0 or not window_s > 0:
        raise ValueError(f"fs and window_s must be positive, got {fs} and {window_s}")
    rec = standard_leads(record)
    n = min(rec.n_samples, int(round(window_s * rec.fs)))
    rec = EcgRecord(rec.signal[:n], rec.fs, rec.leads, rec.record_id, rec.meta).resampled(fs)
    x = np.asarray(rec.signal, dtype=np.float64)
    x = (
        np.nan_to_num(x - np.nanmedian(x, axis=0))
        if np.isnan(x).any()
        else x - np.median(x, axis=0)
    )
    # Pad by reflection before filtering so that the first and last beats keep their shape.
    pad = min(len(x) - 1, int(round(1.0 * fs)))
    xp = np.pad(x, ((pad, pad), (0, 0)), mode="reflect") if pad > 0 else x
    y = sps.sosfiltfilt(_chain_sos(fs), xp, axis=0)  # = band_limit(remove_mains(xp)): one cascade
    y = y[pad : pad + len(x)] if pad > 0 else y
    return EcgRecord(y.astype(np.float32), fs, rec.leads, rec.record_id, rec.meta)
