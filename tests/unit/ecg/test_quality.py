"""The quality verdict: refuse to read automatically when the input is too short, lead-off,
saturated, too noisy, or lacks a lead, and say why in English and French."""

from __future__ import annotations

import numpy as np
import pytest
from tests.factories import synthetic

from medtandem.ecg import EcgRecord
from medtandem.ecg.quality import assess


def _with(r: EcgRecord, x: np.ndarray, leads: tuple[str, ...] | None = None) -> EcgRecord:
    return EcgRecord(x.astype(np.float32), r.fs, leads or r.leads, "q")


@pytest.fixture(scope="module")
def clean() -> EcgRecord:
    return synthetic(rr_ms=850, axis_deg=45)


def test_a_clean_record_passes(clean):
    v = assess(clean)
    assert v.ok and v.issues == () and v.messages == {"en": [], "fr": []}


def test_a_record_under_8_s_is_refused(clean):
    v = assess(_with(clean, clean.signal[: int(6 * clean.fs)]))
    assert not v.ok and [i.code for i in v.issues] == ["too_short"]
    assert "6.0 s" in v.messages["en"][0] and "trop court" in v.messages["fr"][0]


def test_a_flat_lead_is_a_lead_off(clean):
    x = clean.signal.copy()
    x[:, 7] = 0.0
    v = assess(_with(clean, x))
    assert not v.ok and (v.issues[0].code, v.issues[0].lead) == ("lead_off", "V2")
    assert "V2" in v.messages["fr"][0]


def test_clipped_samples_are_saturation(clean):
    x = clean.signal.copy()
    x[:, 1] = np.clip(x[:, 1] * 3, -0.3, 0.3)
    v = assess(_with(clean, x))
    assert any(i.code == "saturation" and i.lead == "II" for i in v.issues)


def test_heavy_in_band_noise_is_refused(clean):
    rng = np.random.default_rng(1)
    noise = rng.normal(size=clean.signal.shape) * 1.0  # 1 mV RMS, far above the complexes
    v = assess(_with(clean, clean.signal + noise))
    assert not v.ok and any(i.code == "noise" for i in v.issues)
    assert v.snr_db is not None and v.snr_db < 3


def test_moderate_noise_is_accepted(clean):
    rng = np.random.default_rng(2)
    v = assess(_with(clean, clean.signal + rng.normal(size=clean.signal.shape) * 0.02))
    assert v.ok


def test_a_missing_lead_is_named(clean):
    v = assess(_with(clean, clean.signal[:, :11], clean.leads[:11]))
    assert not v.ok and [(i.code, i.lead) for i in v.issues] == [("missing_lead", "V6")]


def test_missing_samples_over_a_tenth_are_a_lead_off(clean):
    x = clean.signal.copy()
    x[: len(x) // 5, 0] = np.nan
    v = assess(_with(clean, x))
    assert any(i.code == "lead_off" and i.lead == "I" for i in v.issues)
