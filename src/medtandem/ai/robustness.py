"""Perturbations that imitate how other hospitals' ECGs differ from PTB-XL's, for the robustness suite.

Each perturbation takes a held-out record (physical units) and returns the record as another site
might have delivered it. ``medtandem ai evaluate`` predicts every perturbed held-out record with
the model trained without it (the same cross-validation folds as the clean figures) and reports
the normal-vs-abnormal AUC and the macro AUC under each perturbation, their loss against the clean
records, the share of records the quality check refuses and the share flagged out of distribution.

* ``mains_50hz`` / ``mains_60hz``: 0.1 mV sinusoidal interference on every lead (random phase per
  lead): European and American mains.
* ``frontend_0.05-150hz``: a diagnostic front end (AHA bandwidth; Kligfield et al., Circulation
  115:1306-1324, 2007): causal first-order high-pass at 0.05 Hz and second-order Butterworth
  low-pass at 150 Hz, as an analogue amplifier would apply them (with their phase).
* ``frontend_0.5-40hz``: a monitoring front end: causal first-order high-pass at 0.5 Hz (which
  distorts the ST segment) and second-order low-pass at 40 Hz.
* ``gain_+20%`` / ``gain_-20%``: amplitude calibration error.
* ``fs_100hz`` / ``fs_250hz`` / ``fs_360hz`` / ``fs_1000hz``: the record delivered at another
  sampling rate (polyphase resampling).
* ``wander_0.3hz``: 0.5 mV respiratory baseline wander at 0.3 Hz.
* ``noise_snr20db`` / ``noise_snr10db``: white Gaussian noise at that SNR (per lead, against the
  lead's power with its median removed), over the record's full bandwidth.
* ``flat_V2``: lead V2 flat (electrode off: zeros). ``missing_V5``: lead V5 absent from the record.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import signal as sps

from medtandem.ecg.record import EcgRecord

Perturbation = Callable[[EcgRecord, np.random.Generator], EcgRecord]


def _with(
    record: EcgRecord,
    signal: np.ndarray,
    fs: float | None = None,
    leads: tuple[str, ...] | None = None,
) -> EcgRecord:
    return EcgRecord(
        np.asarray(signal, dtype=np.float32),
        record.fs if fs is None else fs,
        record.leads if leads is None else leads,
        record.record_id,
        record.meta,
    )


def _mains(f0: float, amplitude_mv: float = 0.1) -> Perturbation:
    def apply(r: EcgRecord, rng: np.random.Generator) -> EcgRecord:
        t = np.arange(r.n_samples)[:, None] / r.fs
        phase = rng.uniform(0, 2 * np.pi, (1, r.signal.shape[1]))
        return _with(r, r.signal + amplitude_mv * np.sin(2 * np.pi * f0 * t + phase))

    return apply


def _frontend(high_pass_hz: float, low_pass_hz: float) -> Perturbation:
    def apply(r: EcgRecord, rng: np.random.Generator) -> EcgRecord:
        nyq = r.fs / 2
        x = np.asarray(r.signal, dtype=np.float64)
        x = x - x[:1]  # the amplifier settles on the first sample (no start-up transient)
        hp = sps.butter(1, high_pass_hz / nyq, btype="high", output="sos")
        y = sps.sosfilt(hp, x, axis=0)
        if low_pass_hz < 0.95 * nyq:
            y = sps.sosfilt(sps.butter(2, low_pass_hz / nyq, btype="low", output="sos"), y, axis=0)
        return _with(r, y)

    return apply


def _gain(factor: float) -> Perturbation:
    return lambda r, rng: _with(r, r.signal * factor)


def _rate(fs: float) -> Perturbation:
    return lambda r, rng: r.resampled(fs)


def _wander(f0: float = 0.3, amplitude_mv: float = 0.5) -> Perturbation:
    def apply(r: EcgRecord, rng: np.random.Generator) -> EcgRecord:
        t = np.arange(r.n_samples)[:, None] / r.fs
        phase = rng.uniform(0, 2 * np.pi, (1, r.signal.shape[1]))
        return _with(r, r.signal + amplitude_mv * np.sin(2 * np.pi * f0 * t + phase))

    return apply


def _noise(snr_db: float) -> Perturbation:
    def apply(r: EcgRecord, rng: np.random.Generator) -> EcgRecord:
        x = np.asarray(r.signal, dtype=np.float64)
        power = np.mean((x - np.median(x, axis=0)) ** 2, axis=0)
        sd = np.sqrt(power / 10 ** (snr_db / 10))
        return _with(r, x + rng.normal(size=x.shape) * sd)

    return apply


def _flat(lead: str) -> Perturbation:
    def apply(r: EcgRecord, rng: np.random.Generator) -> EcgRecord:
        x = np.array(r.signal, dtype=np.float32)
        x[:, r.leads.index(lead)] = 0.0
        return _with(r, x)

    return apply


def _missing(lead: str) -> Perturbation:
    def apply(r: EcgRecord, rng: np.random.Generator) -> EcgRecord:
        keep = [i for i, name in enumerate(r.leads) if name != lead]
        return _with(r, r.signal[:, keep], leads=tuple(r.leads[i] for i in keep))

    return apply


PERTURBATIONS: dict[str, Perturbation] = {
    "mains_50hz": _mains(50.0),
    "mains_60hz": _mains(60.0),
    "frontend_0.05-150hz": _frontend(0.05, 150.0),
    "frontend_0.5-40hz": _frontend(0.5, 40.0),
    "gain_+20%": _gain(1.2),
    "gain_-20%": _gain(0.8),
    "fs_100hz": _rate(100.0),
    "fs_250hz": _rate(250.0),
    "fs_360hz": _rate(360.0),
    "fs_1000hz": _rate(1000.0),
    "wander_0.3hz": _wander(),
    "noise_snr20db": _noise(20.0),
    "noise_snr10db": _noise(10.0),
    "flat_V2": _flat("V2"),
    "missing_V5": _missing("V5"),
}


def perturb(record: EcgRecord, name: str, seed: int = 0) -> EcgRecord:
    """The record under perturbation ``name`` (deterministic for a given ``seed``).

    Raises:
        ValueError: unknown perturbation (the message lists the known ones).
    """
    if name not in PERTURBATIONS:
        raise ValueError(f"perturbation must be one of {tuple(PERTURBATIONS)}, got {name!r}")
    return PERTURBATIONS[name](
        record.standard_12() if name != "missing_V5" else record, np.random.default_rng(seed)
    )
