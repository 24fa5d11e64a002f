"""A cost counter that repeats exactly: floating-point operations per ECG, counted analytically.

Energy per ECG (:mod:`medtandem.ai.energy`) is an estimate on machines without an energy counter;
the operation count below depends only on the input size and the model, so it is the same on every
machine and every run. Conventions: a multiply-add is two operations; a comparison (tree split,
median selection, peak search) counts as one; transcendental functions (exp, atan2, sqrt) count
as one each. Counted stages, for a 12-lead record of ``n`` samples at ``fs`` Hz:

* conditioning (:mod:`medtandem.ecg.preprocess`): polyphase resampling to 250 Hz (SciPy's
  ``resample_poly`` FIR has ``2 * 10 * max(up, down) + 1`` taps, of which ``taps / up`` are used per
  output sample), two notch sections and a two-section band-pass run forward and backward
  (9 operations per section and sample: 5 multiplications, 4 additions);
* measurement (:mod:`medtandem.ecg.measure`): the 5-25 Hz detection filter (two sections, forward
  and backward), the energy envelope and its two moving averages, the median beat (about
  ``beats * log2(beats)`` comparisons per sample and lead), delineation and amplitudes (a few
  operations per median-beat sample and lead);
* the quality check: the same detection filter and envelope again, and the beat-residual SNR;
* the classifier: trees (one comparison per level per tree, one addition per tree) or the logistic
  model (a multiply-add per feature); Platt calibration (4 operations and one exp per output).
* the network: ``2 * c_in * c_out * k * l_out`` per convolution, 4 per element for batch norm and
  ReLU, pooling and the linear head.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

WORK_FS = 250.0
LEADS = 12


def _resample(n_in: int, fs_in: float, fs_out: float) -> tuple[int, int]:
    """(operations, output samples) of one lead's polyphase resampling."""
    if fs_in == fs_out:
        return 0, n_in
    ratio = Fraction(fs_out / fs_in).limit_denominator(1000)
    up, down = ratio.numerator, ratio.denominator
    taps = 2 * 10 * max(up, down) + 1
    n_out = math.ceil(n_in * up / down)
    return int(2 * n_out * math.ceil(taps / up)), n_out


def _sosfiltfilt(n: int, sections: int) -> int:
    return 2 * 9 * sections * n


def conditioning(n: int, fs: float, window_s: float = 10.0) -> dict[str, int]:
    n_in = min(n, int(round(window_s * fs)))
    res, n_w = _resample(n_in, fs, WORK_FS)
    pad = 2 * int(WORK_FS)
    return {
        "resample": LEADS * res,
        "notch_50_60": LEADS * _sosfiltfilt(n_w + pad, 2),
        "band_0.67_40": LEADS * _sosfiltfilt(n_w + pad, 2),
        "median_removal": LEADS * n_w * 2,
    }


def measurement(n_work: int = 2500, beats: int = 12, beat_samples: int = 225) -> dict[str, int]:
    detect = LEADS * _sosfiltfilt(n_work, 2) + LEADS * 3 * n_work + 2 * n_work * (25 + 5)
    median = int(LEADS * beat_samples * beats * max(1.0, math.log2(beats)))
    delineate = LEADS * beat_samples * 12
    return {"qrs_detection": detect, "median_beat": median, "delineation_and_amplitudes": delineate}


def quality(n_work: int = 2500, beats: int = 12, beat_samples: int = 50) -> dict[str, int]:
    detect = LEADS * _sosfiltfilt(n_work, 2) + LEADS * 3 * n_work + 2 * n_work * (25 + 5)
    snr = LEADS * beat_samples * (int(beats * max(1.0, math.log2(beats))) + 3 * beats)
    return {"quality_detection": detect, "quality_snr": snr}


def classifier(meta: dict[str, Any], weights: dict[str, Any] | None) -> dict[str, int]:
    """Operations of the classifier and the calibration, from the saved weights."""
    n_out = len(meta.get("labels", [])) or 6
    calib = n_out * 5
    if meta.get("family") == "cnn":
        return {"network": cnn_flops(), "calibration": calib}
    w = weights or {}
    if w.get("method") == "logistic":
        n_f = int(w.get("n_features", 0))
        return {"standardise": 3 * n_f, "logistic": n_out * (2 * n_f + 2), "calibration": calib}
    trees = sum(len(f["roots"]) * (int(f["depth"]) + 1) for f in w.get("forests", []))
    return {"trees": trees + n_out, "calibration": calib}


def cnn_flops(
    n_leads: int = 12,
    samples: int = 1000,
    widths: tuple[int, ...] = (32, 48, 64, 64, 64),
    kernels: tuple[int, ...] = (7, 5, 5, 5, 3),
    strides: tuple[int, ...] = (2, 2, 2, 2, 1),
    n_outputs: int = 6,
) -> int:
    """Operations of :class:`medtandem.ai.cnn.EcgCnn` on one (12, samples) input."""
    total, c_in, length = 0, n_leads, samples
    for c_out, k, s in zip(widths, kernels, strides, strict=True):
        length = (length + 2 * (k // 2) - k) // s + 1
        total += 2 * c_in * c_out * k * length + 4 * c_out * length
        c_in = c_out
    total += 2 * c_in * length  # mean and max pooling
    total += 2 * (2 * c_in) * n_outputs
    return int(total)


def count(
    meta: dict[str, Any], weights: dict[str, Any] | None, n: int = 5000, fs: float = 500.0
) -> dict[str, Any]:
    """Operations per ECG for the served pipeline (quality check, measurement, classifier), by stage."""
    stages: dict[str, int] = {}
    stages.update(conditioning(n, fs))
    stages.update(measurement())
    stages.update(quality())
    if meta.get("family") == "cnn":
        cnn_res, _ = _resample(min(n, int(10 * fs)), fs, 100.0)
        stages["cnn_resample"] = LEADS * cnn_res
    stages.update(classifier(meta, weights))
    return {
        "flops_per_ecg": int(sum(stages.values())),
        "by_stage": stages,
        "input": {"samples": n, "fs_hz": fs, "leads": LEADS},
        "method": "counted analytically (medtandem.ai.flops): identical on every machine and run",
    }
