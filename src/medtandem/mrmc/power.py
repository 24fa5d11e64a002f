"""Power and sample size of a planned MRMC study from pilot OR variance components.

Hillis, Obuchowski & Berbaum (2011), "Power estimation for multireader ROC methods: an updated
and unified approach", Acad Radiol 18:129-142 (see also Hillis, Obuchowski, Schartz & Berbaum
2005, Stat Med 24:1579). For random readers and random cases with ``r*`` readers and ``c*``
cases, the pilot error variance and covariances (estimated on ``c`` cases) scale by ``c/c*``::

    Var* = (c/c*) Var(error),  Cov_k* = (c/c*) Cov_k
    den  = Var(TR) + Var* - Cov1* + (r*-1) max(Cov2* - Cov3*, 0)
    lambda = r* sum_i (mu_i - mu)^2 / den          (= r* d^2 / (2 den) for effect d, t = 2)
    ddf  = den^2 / {[Var(TR) + Var* - Cov1* - max(Cov2* - Cov3*, 0)]^2 / [(t-1)(r*-1)]}
    power = P(F(t-1, ddf; lambda) > F_{1-alpha}(t-1, ddf))

``Var(TR)`` is the pilot estimate truncated at 0. For t > 2 the effect ``d`` is the difference
between two modalities, the others lying half-way. The proportion of diseased cases of the
pilot is assumed in the planned study.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .distributions import chi2_isf, f_isf, ncf_sf, ncx2_sf
from .errors import MrmcInputError
from .obuchowski_rockette import ORComponents, check_alpha
from .results import JsonResult, clean, format_table

__all__ = ["PowerResult", "SampleSizeResult", "power", "sample_size"]


@dataclass(frozen=True)
class PowerResult(JsonResult):
    """Power of the RRRC OR F test for a planned study."""

    n_readers: int
    n_cases: int
    effect: float
    alpha: float
    power: float
    df1: int
    ddf: float
    noncentrality: float

    def summary(self) -> str:
        return "Power of the RRRC test (Hillis, Obuchowski & Berbaum 2011):\n" + format_table(
            ["Readers", "Cases", "Effect", "alpha", "df1", "ddf", "lambda", "Power"],
            [
                [
                    self.n_readers,
                    self.n_cases,
                    self.effect,
                    self.alpha,
                    self.df1,
                    self.ddf,
                    self.noncentrality,
                    self.power,
                ]
            ],
        )


@dataclass(frozen=True)
class SampleSizeResult:
    """For each number of readers, the fewest cases reaching the target power (None: never)."""

    effect: float
    alpha: float
    target_power: float
    rows: tuple[PowerResult | None, ...]
    readers: tuple[int, ...]

    def cases_for(self, n_readers: int) -> int | None:
        row = self.rows[self.readers.index(n_readers)]
        return None if row is None else row.n_cases

    def to_dict(self) -> dict[str, Any]:
        return clean(
            {
                "effect": self.effect,
                "alpha": self.alpha,
                "target_power": self.target_power,
                "designs": [
                    {
                        "n_readers": r,
                        "n_cases": None if row is None else row.n_cases,
                        "power": None if row is None else row.power,
                    }
                    for r, row in zip(self.readers, self.rows, strict=True)
                ],
            }
        )

    def summary(self) -> str:
        return (
            f"Cases needed for power {self.target_power:g} to detect {self.effect:g} at "
            f"alpha {self.alpha:g} (RRRC):\n"
            + format_table(
                ["Readers", "Cases", "Power"],
                [
                    [
                        r,
                        "unreachable" if row is None else row.n_cases,
                        None if row is None else row.power,
                    ]
                    for r, row in zip(self.readers, self.rows, strict=True)
                ],
            )
        )


def _pilot(pilot: Any, pilot_cases: int | None) -> tuple[ORComponents, int, int]:
    comp = getattr(pilot, "components", pilot)
    if not isinstance(comp, ORComponents):
        raise MrmcInputError("pilot must be an MrmcResult or ORComponents")
    n = pilot_cases if pilot_cases is not None else getattr(pilot, "n_cases", None)
    if n is None or n < 2:
        raise MrmcInputError("pilot_cases (the number of cases in the pilot) is required")
    return comp, int(n), comp.n_modalities


def power(
    pilot: Any,
    effect: float,
    n_readers: int,
    n_cases: int,
    alpha: float = 0.05,
    *,
    pilot_cases: int | None = None,
) -> PowerResult:
    """Power of the RRRC test for ``n_readers`` x ``n_cases`` (see module docstring).

    Args:
        pilot: an :class:`~medtandem.mrmc.analysis.MrmcResult` (its OR components and case
            count are used) or :class:`ORComponents` with ``pilot_cases``.
        effect: difference in FOM to detect (e.g. 0.05 AUC).
    """
    comp, c0, t = _pilot(pilot, pilot_cases)
    if not isinstance(effect, int | float) or not math.isfinite(effect):
        raise MrmcInputError(f"effect must be a finite number; got {effect!r}")
    if not isinstance(n_readers, int) or not isinstance(n_cases, int):
        raise MrmcInputError(
            f"n_readers and n_cases must be integers; got {n_readers!r}, {n_cases!r}"
        )
    if n_readers < 2 or n_cases < 2:
        raise MrmcInputError("a planned study needs at least 2 readers and 2 cases")
    check_alpha(alpha)
    k = c0 / n_cases
    var_tr = max(comp.var_tr, 0.0)
    c23 = k * max(comp.cov2 - comp.cov3, 0.0)
    base = var_tr + k * (comp.var_error - comp.cov1)
    den = base + (n_readers - 1) * c23
    ms_tr = base - c23
    df1 = t - 1
    ddf = den**2 / (ms_tr**2 / (df1 * (n_readers - 1))) if ms_tr > 0 else float("inf")
    lam = n_readers * effect**2 / 2.0 / den if den > 0 else float("inf")
    if ddf == float("inf"):
        crit = chi2_isf(alpha, df1)
        pw = ncx2_sf(crit, df1, lam) if lam > 0 else alpha
    else:
        crit = f_isf(alpha, df1, ddf)
        # the non-central F is unreliable at lambda = 0: the power is then alpha
        pw = ncf_sf(crit, df1, ddf, lam) if lam > 0 else alpha
    return PowerResult(n_readers, n_cases, float(effect), alpha, pw, df1, float(ddf), float(lam))


def sample_size(
    pilot: Any,
    effect: float,
    target_power: float = 0.8,
    alpha: float = 0.05,
    *,
    readers: Iterable[int] = range(2, 21),
    max_cases: int = 100_000,
    pilot_cases: int | None = None,
) -> SampleSizeResult:
    """Fewest cases giving ``target_power`` for each number of readers in ``readers``.

    Power increases with the number of cases but is capped by the reader variability
    ``Var(TR)``: with too few readers the target may be unreachable (row None).
    """
    if not 0 < target_power < 1:
        raise MrmcInputError(f"target_power must be between 0 and 1; got {target_power!r}")
    readers = tuple(int(r) for r in readers)
    if not readers:
        raise MrmcInputError("readers must list at least one number of readers")
    rows: list[PowerResult | None] = []
    for r in readers:
        if power(pilot, effect, r, max_cases, alpha, pilot_cases=pilot_cases).power < target_power:
            rows.append(None)
            continue
        lo, hi = 1, 2
        while power(pilot, effect, r, hi, alpha, pilot_cases=pilot_cases).power < target_power:
            lo, hi = hi, hi * 2
        hi = min(hi, max_cases)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if power(pilot, effect, r, mid, alpha, pilot_cases=pilot_cases).power >= target_power:
                hi = mid
            else:
                lo = mid
        rows.append(power(pilot, effect, r, hi, alpha, pilot_cases=pilot_cases))
    return SampleSizeResult(float(effect), alpha, target_power, tuple(rows), readers)
