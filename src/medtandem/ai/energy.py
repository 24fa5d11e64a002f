"""Energy and carbon of training and inference, measured with CodeCarbon's offline tracker.

CodeCarbon (https://mlco2.github.io/codecarbon/) reads Intel RAPL counters when the machine exposes
them; otherwise it *estimates* CPU power from the process's CPU load times the processor's TDP, and
RAM power from a constant per GB. The mode it used is recorded with every figure, because an
estimate is not a measurement. Carbon intensity: France's grid average (country ``FRA``).
When CodeCarbon is not installed (it belongs to the ``[train]`` extra), the figures are ``None`` and
the mode says so.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

COUNTRY = "FRA"
#: Decimal places of the kWh figures in energy.json. Files written before this field existed were
#: rounded to 4 places (the JSON writer's default), which turns a training of a few joules into 0.0:
#: such a 0.0 only says "below 0.00005 kWh" (0.05 Wh), and is shown as that bound, never as 0 Wh.
KWH_DIGITS = 9
LEGACY_KWH_DIGITS = 4


@dataclass
class EnergyReading:
    """Energy of one tracked task. ``kwh`` is CPU + RAM (+ GPU) energy; ``g_co2e`` its emissions."""

    task: str
    seconds: float = 0.0
    kwh: float | None = None
    cpu_kwh: float | None = None
    ram_kwh: float | None = None
    g_co2e: float | None = None
    mode: str = "not measured (CodeCarbon not installed)"
    country: str = COUNTRY
    tool: str = "none"
    extra: dict[str, Any] = field(default_factory=dict)
    kwh_digits: int = KWH_DIGITS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EnergyFigure:
    """What a stored energy reading allows one to say, in watt-hours.

    ``wh``: the recorded figure (rounded to what the file kept), or ``None``. ``below_wh``: set when
    the file kept a 0 that is only a rounding (the true figure is below this bound). ``method``:
    ``"measured"`` (an energy counter), ``"estimated"`` (CodeCarbon's model of power from CPU load)
    or ``"not_measured"``; ``tool_mode`` and ``tdp_w`` name the estimate's inputs when recorded.
    """

    wh: float | None
    below_wh: float | None
    method: str
    tool_mode: str | None = None
    tdp_w: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _significant(x: float, digits: int = 2) -> float:
    return float(f"{x:.{digits}g}")


def energy_figure(reading: Mapping[str, Any] | None) -> EnergyFigure:
    """The figure a reading (``energy.json``'s ``training``, or a card's copy) supports.

    A missing reading or a ``None`` kWh is "not measured"; a stored 0 is "below half the last kept
    decimal" (never 0 Wh: no computation costs nothing); otherwise the kWh figure in Wh, with two
    significant digits at most and never more precision than the file kept.
    """
    reading = reading or {}
    mode = str(reading.get("mode") or "")
    kwh = reading.get("kwh")
    tool = re.search(r"CodeCarbon '(\w+)' mode", mode)
    tdp = re.search(r"TDP ([\d.]+) W", mode)
    if kwh is None or mode.startswith("not measured"):
        return EnergyFigure(None, None, "not_measured")
    method = "measured" if mode.startswith("measured") else "estimated"
    digits = int(reading.get("kwh_digits") or LEGACY_KWH_DIGITS)
    tool_mode = tool.group(1) if tool else None
    tdp_w = float(tdp.group(1)) if tdp else None
    if float(kwh) <= 0.0:  # the bound is half a kept unit of kWh, in Wh
        return EnergyFigure(None, float(f"5e{2 - digits}"), method, tool_mode, tdp_w)
    wh = round(_significant(float(kwh) * 1000.0), max(digits - 3, 0))
    return EnergyFigure(wh, None, method, tool_mode, tdp_w)


def _mode_of(tracker: Any) -> str:
    for hw in getattr(tracker, "_hardware", []):
        if type(hw).__name__ == "CPU":
            mode = getattr(hw, "_mode", "unknown")
            tdp = getattr(hw, "_tdp", None)
            if mode == "intel_rapl":
                return "measured: Intel RAPL energy counters (CPU); RAM estimated by CodeCarbon"
            return (
                f"estimated: CodeCarbon '{mode}' mode (no RAPL on this machine): CPU power = process "
                f"CPU load x TDP {tdp} W; RAM power = CodeCarbon's constant estimate"
            )
    return "estimated by CodeCarbon (mode unknown)"


@contextmanager
def track(task: str) -> Iterator[EnergyReading]:
    """Track the energy of the ``with`` block; the reading is filled in when the block ends."""
    reading = EnergyReading(task)
    tracker = None
    try:
        from codecarbon import OfflineEmissionsTracker

        logging.getLogger("codecarbon").setLevel(logging.ERROR)
        tracker = OfflineEmissionsTracker(
            country_iso_code=COUNTRY,
            save_to_file=False,
            log_level="error",
            measure_power_secs=1,
            tracking_mode="process",
            project_name=f"medtandem-{task}",
        )
        tracker.start()
    except Exception:  # codecarbon missing or unable to start: figures stay None, mode says why
        tracker = None
    start = time.perf_counter()
    try:
        yield reading
    finally:
        reading.seconds = time.perf_counter() - start
        if tracker is not None:
            try:
                tracker.stop()
                d = tracker.final_emissions_data
                import codecarbon

                reading.kwh = float(d.energy_consumed)
                reading.cpu_kwh = float(d.cpu_energy)
                reading.ram_kwh = float(d.ram_energy)
                reading.g_co2e = float(d.emissions) * 1000.0
                reading.mode = _mode_of(tracker)
                reading.tool = f"codecarbon {codecarbon.__version__} OfflineEmissionsTracker"
                reading.extra = {
                    "cpu_power_w": float(d.cpu_power),
                    "ram_power_w": float(d.ram_power),
                    "cpu_model": str(d.cpu_model),
                    "tracking_mode": "process",
                }
            except (
                Exception
            ) as exc:  # pragma: no cover - tracker failure must not lose a training run
                reading.mode = f"not measured (CodeCarbon failed: {exc})"
