"""Axis ticks at "nice numbers" (1, 2 or 5 times a power of ten).

Heckbert's *loose labelling* (P. S. Heckbert, "Nice numbers for graph labels", in A. Glassner (ed.),
*Graphics Gems*, Academic Press, 1990, pp. 61-63): the range is rounded up to a nice number, the
step to a nice number near ``range / (count - 1)``, and the axis runs from the multiple of the step
at or below the minimum to the one at or above the maximum, so that every datum lies inside it.
The number of decimals shown is the step's: ``max(-floor(log10(step)), 0)``.

Worked examples (``count=5``): 0-0.87 gives 0, 0.2, ..., 1.0; 0-93 512 gives 0, 20 000, ..., 100 000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Ticks", "fixed_ticks", "nice_number", "nice_ticks"]


@dataclass(frozen=True)
class Ticks:
    """Tick positions of one axis: the axis runs from ``lo`` to ``hi``; ``digits`` to print them."""

    lo: float
    hi: float
    step: float
    values: tuple[float, ...]
    digits: int

    def digits_for(self, percent: bool) -> int:
        """Decimals a tick label needs, once multiplied by 100 when shown as a percentage."""
        step = self.step * 100 if percent else self.step
        return max(-math.floor(math.log10(step) + 1e-9), 0)


def nice_number(x: float, round_: bool) -> float:
    """Heckbert's ``nicenum``: a number of the form {1, 2, 5, 10} × 10^k close to ``x`` (> 0).

    With ``round_`` the nearest such number; without, the smallest one not below ``x``.
    """
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"x must be a positive finite number, got {x!r}")
    exp = math.floor(math.log10(x))
    f = x / 10.0**exp
    if round_:
        nf = 1.0 if f < 1.5 else 2.0 if f < 3 else 5.0 if f < 7 else 10.0
    else:
        nf = 1.0 if f <= 1 else 2.0 if f <= 2 else 5.0 if f <= 5 else 10.0
    return nf * 10.0**exp


def _make(lo: float, hi: float, step: float) -> Ticks:
    digits = max(-math.floor(math.log10(step) + 1e-9), 0)
    n = round((hi - lo) / step)
    values = tuple(round(lo + i * step, digits + 2) + 0.0 for i in range(n + 1))
    return Ticks(lo=values[0], hi=values[-1], step=step, values=values, digits=digits)


def nice_ticks(lo: float, hi: float, count: int = 5) -> Ticks:
    """Loose nice ticks covering [``lo``, ``hi``] with about ``count`` ticks.

    A degenerate range (``lo == hi``) is widened: [0, 1] around 0, else ±10 % of the value.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"lo and hi must be finite, got {lo!r} and {hi!r}")
    if lo > hi:
        raise ValueError(f"lo must not exceed hi, got {lo!r} > {hi!r}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 2:
        raise ValueError(f"count must be an integer >= 2, got {count!r}")
    if lo == hi:
        if lo == 0:
            lo, hi = 0.0, 1.0
        else:
            half = abs(lo) * 0.1
            lo, hi = lo - half, hi + half
    span = nice_number(hi - lo, False)
    step = nice_number(span / (count - 1), True)
    g_lo = math.floor(lo / step + 1e-9) * step
    g_hi = math.ceil(hi / step - 1e-9) * step
    return _make(g_lo, g_hi, step)


def fixed_ticks(lo: float, hi: float, step: float) -> Ticks:
    """Ticks every ``step`` from ``lo`` to ``hi`` (e.g. 0-1 every 0.2 for an ROC plot)."""
    if not all(math.isfinite(v) for v in (lo, hi, step)) or step <= 0 or hi <= lo:
        raise ValueError(
            f"need finite lo < hi and step > 0, got lo={lo!r}, hi={hi!r}, step={step!r}"
        )
    if abs((hi - lo) / step - round((hi - lo) / step)) > 1e-6:
        raise ValueError(f"step must divide hi - lo, got step={step!r} for {lo!r}-{hi!r}")
    return _make(lo, hi, step)
