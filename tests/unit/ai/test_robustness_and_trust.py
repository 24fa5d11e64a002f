"""The robustness perturbations do what they say; the operating point is Youden's J (brute-force
oracle); the suggestion refuses bad inputs, flags out-of-range ones and carries the machine statement."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from medtandem.ai import load_model
from medtandem.ai.flops import cnn_flops, count
from medtandem.ai.ood import FeatureRange
from medtandem.ai.robustness import PERTURBATIONS, perturb
from medtandem.ai.train import youden_thresholds
from medtandem.ecg import EcgRecord, read_record


@pytest.fixture(scope="module")
def record(record_path) -> EcgRecord:
    return read_record(record_path)


def _power_at(x: np.ndarray, fs: float, f0: float) -> float:
    f, p = welch(x, fs=fs, nperseg=int(2 * fs), axis=0)
    return float(p[np.argmin(abs(f - f0))].mean())


def test_mains_perturbation_adds_power_at_its_frequency(record):
    for f0 in (50, 60):
        got = perturb(record, f"mains_{f0}hz")
        assert _power_at(got.signal, got.fs, f0) > 100 * _power_at(record.signal, record.fs, f0)


def test_gain_rate_noise_and_lead_perturbations(record):
    np.testing.assert_allclose(perturb(record, "gain_+20%").signal, record.signal * 1.2, rtol=1e-6)
    assert perturb(record, "fs_360hz").fs == 360 and perturb(record, "fs_100hz").n_samples == 1000
    noisy = perturb(record, "noise_snr10db").signal - record.signal
    x = record.signal - np.median(record.signal, axis=0)
    snr = 10 * np.log10(np.mean(x**2, axis=0) / np.mean(noisy**2, axis=0))
    np.testing.assert_allclose(snr, 10.0, atol=0.5)
    assert not perturb(record, "flat_V2").lead("V2").any()
    assert "V5" not in perturb(record, "missing_V5").leads
    np.testing.assert_array_equal(
        perturb(record, "wander_0.3hz", 4).signal, perturb(record, "wander_0.3hz", 4).signal
    )
    assert len(PERTURBATIONS) >= 15


def test_youden_threshold_matches_a_brute_force_search():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 1)) < 0.3).astype(int)
    p = np.clip(0.3 * y + rng.random((200, 1)) * 0.7, 0, 1)
    t = youden_thresholds(p, y, np.array([0.5]))[0]
    grid = np.linspace(0, 1, 2001)
    j = [((p[y == 1] >= g).mean() + (p[y == 0] < g).mean() - 1) for g in grid]
    best = max(j)
    assert ((p[y == 1] >= t).mean() + (p[y == 0] < t).mean() - 1) == pytest.approx(best, abs=1e-12)


def test_youden_falls_back_when_the_validation_fold_has_too_few_positives():
    y = np.array([[1], [0], [0], [0], [0]])
    assert youden_thresholds(np.full((5, 1), 0.2), y, np.array([0.42]))[0] == 0.42


def test_feature_range_flags_and_counts_out_of_range_values():
    rng = FeatureRange.fit(np.arange(200, dtype=float).reshape(100, 2), ["a", "b"])
    rep = rng.check(np.array([1000.0, 50.0]))
    assert rep.flagged and rep.n_outside == 1 and rep.outside[0].name == "a" and rep.n_checked == 2
    assert not rng.check(np.array([50.0, np.nan])).flagged
    assert FeatureRange.from_dict(rng.to_dict()) == rng


def test_the_default_model_refuses_a_lead_off_record_and_says_why(record):
    x = record.signal.copy()
    x[:, record.leads.index("V3")] = 0.0
    s = load_model().predict_record(EcgRecord(x, record.fs, record.leads, "off"))
    assert s.refused and s.probabilities == {} and s.explanation == {}
    assert any("V3" in m for m in s.quality.messages["en"]) and any(
        "V3" in m for m in s.quality.messages["fr"]
    )


def test_the_default_model_refuses_a_short_record(record):
    s = load_model().predict_record(
        EcgRecord(record.signal[: int(5 * record.fs)], record.fs, record.leads, "short")
    )
    assert s.refused and s.quality.issues[0].code == "too_short"


def test_a_suggestion_carries_the_statement_the_measurements_and_the_ood_report(record):
    s = load_model().predict_record(record)
    assert not s.refused and s.quality.ok
    assert s.statement["fr"].startswith(("Rythme", "Tachycardie", "Bradycardie"))
    assert "QTc" in s.statement["en"] and "(Bazett)" in s.statement["en"]
    assert s.measurements["rhythm"] and s.measurements["qrs_ms"] > 0
    assert s.ood is not None and s.ood.n_checked > 50


def test_a_record_with_extreme_measurements_is_flagged_out_of_distribution(record):
    big = EcgRecord(
        record.signal * 6, record.fs, record.leads, "x6"
    )  # voltages no training ECG had
    s = load_model().predict_record(big)
    assert not s.refused
    assert s.ood is not None and s.ood.flagged and s.ood.n_outside >= 3


def test_the_operation_count_repeats_exactly_and_grows_with_the_input():
    meta = {"family": "measurements-lr", "labels": list("abcdef")}
    w = {"method": "logistic", "n_features": 93}
    assert count(meta, w) == count(meta, w)
    assert count(meta, w, n=10000, fs=1000)["flops_per_ecg"] > count(meta, w)["flops_per_ecg"]
    assert cnn_flops() > 1e6
