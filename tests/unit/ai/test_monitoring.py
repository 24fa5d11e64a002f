"""Field-monitoring computations against values worked by hand (or by brute force)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from medtandem.ai import monitoring as mon
from medtandem.reliance.measures import reliance_measures


def test_windows_end_at_now_and_drop_older_or_future_times() -> None:
    day = mon.SECONDS_PER_DAY
    now = 100 * day
    times = np.array(
        [
            now,
            now - 0.5 * day,
            now - 7 * day,
            now - 7.5 * day,
            now - 14 * day,
            now - 15 * day,
            now + 1,
        ]
    )
    windows, idx = mon.time_windows(times, now=now, width_days=7, n_windows=2)
    assert [w.start for w in windows] == [86 * day, 93 * day] and windows[-1].end == now
    # now and half a day before: last window; 7 days before is the start of the last window;
    # 7.5 days before: the first; 14 days before is the start of the first; 15 days before and the future: none.
    assert idx.tolist() == [1, 1, 1, 0, 0, -1, -1]


def test_sensitivity_specificity_auc_by_hand() -> None:
    truth = np.array([1, 1, 1, 0, 0, 0, 0], bool)
    prob = np.array([0.9, 0.6, 0.3, 0.7, 0.2, 0.1, 0.3])
    perf = mon.output_performance(truth, prob, threshold=0.5)
    assert (perf.sensitivity.successes, perf.sensitivity.n) == (2, 3)
    assert (perf.specificity.successes, perf.specificity.n) == (3, 4)
    # Pairs (pos, neg): 0.9 beats all 4; 0.6 beats 3 (not 0.7); 0.3 beats 0.2, 0.1, ties 0.3: 2.5. 9.5/12.
    assert perf.auc == pytest.approx(9.5 / 12)
    assert not perf.enough  # 3 positives is too few


def test_cusum_accumulates_standardised_excess_and_alarms_after_h() -> None:
    # p0 = 0.1 from the first two windows (10/100 each); sigma at n=100 is 0.03.
    errors = [10, 10, 13, 19, 19, 10]
    n = [100] * 6
    chart = mon.control_chart(errors, n, reference_windows=2)
    assert chart.p0 == pytest.approx(0.1)
    z = [p.z for p in chart.points]
    assert z == pytest.approx([0, 0, 1, 3, 3, 0])
    # C: 0, 0, 0.5, 3.0, 5.5 (> 4: alarm), 5.0
    assert [p.cusum for p in chart.points] == pytest.approx([0, 0, 0.5, 3.0, 5.5, 5.0])
    assert chart.first_alarm == 4
    assert chart.points[3].ucl == pytest.approx(0.19) and not chart.points[3].shewhart_alarm
    assert chart.points[4].rate == pytest.approx(0.19)


def test_cusum_skips_empty_windows() -> None:
    chart = mon.control_chart([5, 0, 8], [50, 0, 50], reference_windows=1)
    assert chart.points[1].rate is None and chart.points[1].cusum == chart.points[0].cusum


def test_psi_by_hand_on_two_bins() -> None:
    ref = np.array([0.0] * 50 + [1.0] * 50)
    cur = np.array([0.0] * 20 + [1.0] * 80)
    # One edge at the median (0.5 after merging equal quantiles... here quantiles give 0 and 1 edges);
    # shares below/above: e = (0.5, 0.5), a = (0.2, 0.8); missing bin empty in both.
    expected = (0.2 - 0.5) * math.log(0.2 / 0.5) + (0.8 - 0.5) * math.log(0.8 / 0.5)
    assert mon.psi(ref, cur, n_bins=2) == pytest.approx(expected, abs=1e-3)


def test_psi_is_zero_for_the_same_sample_and_counts_missing_values() -> None:
    rng = np.random.default_rng(0)
    ref = rng.normal(size=1000)
    assert mon.psi(ref, ref) == pytest.approx(0.0, abs=1e-9)
    cur = ref.copy()
    cur[:500] = np.nan
    assert mon.psi(ref, cur) > mon.PSI_MAJOR


def test_drift_level_reads_psi_and_refuses_small_samples() -> None:
    rng = np.random.default_rng(1)
    ref = rng.normal(0, 1, 2000)
    assert mon.drift(ref, rng.normal(0, 1, 2000)).level == "stable"
    shifted = mon.drift(ref, rng.normal(1.0, 1, 2000))
    assert shifted.level == "major" and shifted.ks_pvalue is not None and shifted.ks_pvalue < 1e-6
    assert mon.drift(ref, rng.normal(1.0, 1, 10)).level == "too little data"


def test_reliance_rates_agree_with_the_reliance_core() -> None:
    rng = np.random.default_rng(3)
    t, u, a, m = (rng.random(400) < 0.5 for _ in range(4))
    ours = mon.reliance_rates(t, u, a, m)
    core = reliance_measures(t.tolist(), u.tolist(), a.tolist(), m.tolist())
    assert (ours.over_reliance.successes, ours.over_reliance.n) == (
        core.over_reliance.successes,
        core.over_reliance.n,
    )
    assert (ours.under_reliance.successes, ours.under_reliance.n) == (
        core.under_reliance.successes,
        core.under_reliance.n,
    )


def test_input_flags_count_each_ecg_once_per_window_by_hand() -> None:
    # Window 0: case 1 read three times (refused), case 2 twice (out of domain), case 3 once
    # (clean). Window 1: case 1 again (refused), case 4 (out of domain and refused: counted as a
    # refusal only, a refused input is not measured). Window 2: nothing.
    case = np.array([1, 1, 1, 2, 2, 3, 1, 4])
    window = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    refused = np.array([1, 1, 1, 0, 0, 0, 1, 1], bool)
    ood = np.array([0, 0, 0, 1, 1, 0, 0, 1], bool)
    flags = mon.input_flags(case, window, refused, ood, n_windows=3)
    w0, w1, w2 = flags.windows
    assert (w0.n, w0.refused.successes, w0.refused.n) == (3, 1, 3)
    assert (w0.out_of_domain.successes, w0.out_of_domain.n) == (1, 2)
    assert (w1.n, w1.refused.successes, w1.out_of_domain.successes, w1.out_of_domain.n) == (
        2,
        2,
        0,
        0,
    )
    assert w2.n == 0 and w2.refused.value is None
    # Over the whole period each distinct ECG counts once: 4 ECGs, 2 refused, 1 of 2 out of domain.
    overall = flags.overall
    assert (overall.n, overall.refused.successes, overall.out_of_domain.successes) == (4, 2, 1)
    assert overall.out_of_domain.n == 2
    low, high = overall.refused.confidence_interval() or (0, 0)
    assert low < 0.5 < high
    assert flags.to_dict()["overall"]["refused"]["value"] == 0.5


def test_input_flags_refuse_mismatched_or_out_of_range_input() -> None:
    with pytest.raises(ValueError, match="same shape"):
        mon.input_flags(np.array([1]), np.array([0, 0]), np.array([True]), np.array([False]), 1)
    with pytest.raises(ValueError, match="window indices"):
        mon.input_flags(np.array([1]), np.array([2]), np.array([True]), np.array([False]), 2)


def test_energy_ledger_by_hand() -> None:
    # 0.01 kWh training; 3.6e6 mJ per inference is 0.001 kWh; 2 then 3 inferences; 50 g/kWh.
    ledger = mon.energy_ledger(
        0.01, 3.6e6, [("2026-01", 2), ("2026-02", 3)], grid_g_per_kwh=50, grid_source="x"
    )
    assert [p.kwh for p in ledger.points] == pytest.approx([0.012, 0.015])
    assert ledger.total_g_co2e == pytest.approx(0.75)
