"""Is this ECG good enough to read automatically? A typed verdict with its reasons.

The checks mirror the signal-quality indices of the PhysioNet/CinC Challenge 2011 ("Improving the
quality of ECGs collected using mobile phones"; Clifford et al., Physiol Meas 33:1419-1433, 2012:
flat lines, saturation, high-frequency noise, beat-to-beat consistency) and run on the record in
physical units, before and after the common conditioning (:mod:`medtandem.ecg.preprocess`):

* ``too_short``: under :data:`~medtandem.ecg.preprocess.MIN_DURATION_S` seconds;
* ``missing_lead``: one of the twelve standard leads is absent;
* ``lead_off``: a lead is flat (conditioned amplitude range below 0.02 mV over the first 10 s),
  or holds missing samples over more than a tenth of it;
* ``saturation``: more than 2 % of a lead's samples sit at its extreme values (the amplifier or
  the converter clipped);
* ``noise``: the beat-to-beat signal-to-noise ratio around the QRS (median beat against the median residual of
  the beats, Clifford et al. 2012's template-matching idea) is under :data:`MIN_SNR_DB` in at least three leads;
* ``no_qrs``: fewer than two QRS complexes are found.

Any issue refuses the automatic suggestion: the verdict says which and why, in English and French.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal as sps

from medtandem.ecg.measure import detect_qrs, qrs_band_sos
from medtandem.ecg.preprocess import MIN_DURATION_S, WINDOW_S, WORK_FS, condition
from medtandem.ecg.record import STANDARD_LEADS, EcgRecord, as_leads

FLAT_MV = 0.02
SATURATED_FRACTION = 0.02
MISSING_FRACTION = 0.10
MIN_SNR_DB = 3.0
NOISY_LEADS = 3

_TEXT = {
    "too_short": (
        "Record too short ({detail}); at least {min:.0f} s are needed.",
        "Enregistrement trop court ({detail}) ; au moins {min:.0f} s sont nécessaires.",
    ),
    "missing_lead": ("Lead {lead} missing.", "Dérivation {lead} absente."),
    "lead_off": (
        "Lead {lead} flat or disconnected ({detail}).",
        "Dérivation {lead} plate ou débranchée ({detail}).",
    ),
    "saturation": ("Lead {lead} saturated ({detail}).", "Dérivation {lead} saturée ({detail})."),
    "noise": ("Signal too noisy ({detail}).", "Signal trop bruité ({detail})."),
    "no_qrs": ("No QRS complexes found.", "Aucun complexe QRS détecté."),
}


@dataclass(frozen=True)
class QualityIssue:
    """One reason not to read the record automatically."""

    code: str
    lead: str | None = None
    detail: str = ""

    def message(self, lang: str = "en") -> str:
        en, fr = _TEXT[self.code]
        text = fr if lang == "fr" else en
        return text.format(lead=self.lead or "", detail=self.detail, min=MIN_DURATION_S)


@dataclass(frozen=True)
class QualityVerdict:
    """``ok`` is False when the record must not get an automatic suggestion; ``issues`` say why."""

    ok: bool
    issues: tuple[QualityIssue, ...] = ()
    snr_db: float | None = None
    messages: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, issues: list[QualityIssue], snr_db: float | None = None) -> QualityVerdict:
        return cls(
            not issues,
            tuple(issues),
            None if snr_db is None else round(snr_db, 1),
            {lang: [i.message(lang) for i in issues] for lang in ("en", "fr")},
        )


def _snr_per_lead(x: np.ndarray, fs: float) -> np.ndarray | None:
    """Beat-to-beat SNR (dB) per lead around the QRS (-100..+100 ms): power of the median beat over
    the median, across beats, of each beat's residual power (the median ignores ectopic beats)."""
    peaks = detect_qrs(sps.sosfiltfilt(qrs_band_sos(fs), x, axis=0), fs)
    half = int(0.10 * fs)
    peaks = peaks[(peaks - half >= 0) & (peaks + half < len(x))]
    if len(peaks) < 3:
        return None
    beats = x[peaks[:, None] + np.arange(-half, half)[None, :]]  # (beats, window, leads)
    med = np.median(beats, axis=0)
    signal_power = np.mean(med**2, axis=0)
    noise_power = np.median(np.mean((beats - med[None]) ** 2, axis=1), axis=0)
    return np.asarray(10 * np.log10((signal_power + 1e-12) / (noise_power + 1e-12)))


def assess(record: EcgRecord, conditioned: EcgRecord | None = None) -> QualityVerdict:
    """The quality verdict of one record (any sampling rate; leads matched case-insensitively).

    ``conditioned`` is ``condition(record)`` when the caller already has it."""
    issues: list[QualityIssue] = []
    if record.duration_s < MIN_DURATION_S:
        issues.append(QualityIssue("too_short", detail=f"{record.duration_s:.1f} s"))
    names = as_leads(record.leads)
    missing = [lead for lead in STANDARD_LEADS if lead not in names]
    issues += [QualityIssue("missing_lead", lead) for lead in missing]
    if missing or record.n_samples < 2:
        return QualityVerdict.of(issues)
    rec = EcgRecord(record.signal, record.fs, names, record.record_id).standard_12()
    n = min(rec.n_samples, int(round(WINDOW_S * rec.fs)))
    raw = np.asarray(rec.signal[:n], dtype=np.float64)
    cond = np.asarray(
        (conditioned if conditioned is not None else condition(rec)).signal, dtype=np.float64
    )
    for k, lead in enumerate(STANDARD_LEADS):
        col = raw[:, k]
        nan_fraction = float(np.isnan(col).mean())
        if nan_fraction > MISSING_FRACTION:
            issues.append(
                QualityIssue("lead_off", lead, f"{100 * nan_fraction:.0f} % of samples missing")
            )
            continue
        span = float(np.ptp(cond[:, k]))
        if span < FLAT_MV:
            issues.append(QualityIssue("lead_off", lead, f"range {span:.3f} mV"))
            continue
        finite = col[np.isfinite(col)]
        lo, hi = float(finite.min()), float(finite.max())
        at_edge = float(np.mean((finite >= hi) | (finite <= lo)))
        if hi > lo and at_edge > SATURATED_FRACTION:
            issues.append(
                QualityIssue("saturation", lead, f"{100 * at_edge:.1f} % of samples at the limits")
            )
    snr = _snr_per_lead(cond, WORK_FS)
    if snr is None:
        if not any(i.code == "lead_off" for i in issues):
            issues.append(QualityIssue("no_qrs"))
        return QualityVerdict.of(issues)
    noisy = int(np.sum(snr < MIN_SNR_DB))
    if noisy >= NOISY_LEADS:
        issues.append(
            QualityIssue("noise", detail=f"SNR under {MIN_SNR_DB:.0f} dB in {noisy} leads")
        )
    return QualityVerdict.of(issues, float(np.median(snr)))
