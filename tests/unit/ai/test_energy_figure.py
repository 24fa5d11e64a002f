"""Training energy as a page may state it: a figure, an upper bound, or "not measured" (issue 13:
the frugality page said 0 Wh for trainings whose kWh the file had rounded to 0)."""

from __future__ import annotations

import json

from medtandem.ai import frugality_report
from medtandem.ai.artifacts import ENERGY, write_json
from medtandem.ai.energy import KWH_DIGITS, EnergyReading, energy_figure
from medtandem.ai.model import shipped_models
from medtandem.ai.report import format_report

ESTIMATED = (
    "estimated: CodeCarbon 'cpu_load' mode (no RAPL on this machine): CPU power = process CPU "
    "load x TDP 8 W; RAM power = CodeCarbon's constant estimate"
)


def test_a_rounded_zero_is_a_bound_never_zero_watt_hours() -> None:
    # Written before kwh_digits existed: 4 decimals of kWh; 0.0 means "< 0.00005 kWh" = 0.05 Wh.
    f = energy_figure({"kwh": 0.0, "mode": ESTIMATED})
    assert (f.wh, f.below_wh, f.method) == (None, 0.05, "estimated")
    assert (f.tool_mode, f.tdp_w) == ("cpu_load", 8.0)
    # 0.0003 kWh kept at 4 decimals: 0.3 Wh, no more digits than the file kept.
    assert energy_figure({"kwh": 0.0003, "mode": ESTIMATED}).wh == 0.3


def test_a_full_precision_reading_keeps_small_figures() -> None:
    # 13 J (1.18 s at 11 W) is 3.6e-6 kWh: kept by the 9-decimal writer, shown as 0.0036 Wh.
    f = energy_figure({"kwh": 3.6111e-6, "mode": ESTIMATED, "kwh_digits": KWH_DIGITS})
    assert f.wh == 0.0036 and f.below_wh is None
    assert energy_figure({"kwh": 0.0, "mode": ESTIMATED, "kwh_digits": 9}).below_wh == 5e-7


def test_no_reading_or_no_tool_is_not_measured() -> None:
    for reading in (None, {}, {"kwh": None, "mode": "not measured (CodeCarbon not installed)"}):
        f = energy_figure(reading)
        assert (f.wh, f.below_wh, f.method) == (None, None, "not_measured")
    measured = energy_figure({"kwh": 0.002, "mode": "measured: Intel RAPL energy counters (CPU)"})
    assert (measured.wh, measured.method) == (2.0, "measured")


def test_energy_json_keeps_the_small_decimals(tmp_path) -> None:
    reading = EnergyReading("train", seconds=1.18, kwh=3.6111e-6, mode=ESTIMATED)
    write_json(tmp_path / ENERGY, {"training": reading.to_dict()}, digits=KWH_DIGITS)
    stored = json.loads((tmp_path / ENERGY).read_text())["training"]
    assert stored["kwh"] == round(3.6111e-6, KWH_DIGITS) and stored["kwh_digits"] == KWH_DIGITS
    assert energy_figure(stored).wh == 0.0036


def test_report_rows_never_state_zero_training_energy() -> None:
    report = frugality_report()
    stored = {
        p.name: json.loads((p / ENERGY).read_text())["training"]["kwh"] for p in shipped_models()
    }
    for row in report["rows"]:
        figure = row["training_energy"]
        assert figure["wh"] != 0
        if stored[row["name"]] == 0:  # rounded away in the file: a bound, not a figure
            assert figure["wh"] is None and figure["below_wh"] == 0.05
        else:
            assert abs(figure["wh"] - stored[row["name"]] * 1000) < 1e-9
    text = format_report(report)
    assert "<0.05" in text or all(stored.values())
