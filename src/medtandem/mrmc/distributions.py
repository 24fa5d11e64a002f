"""The few distribution functions the analyses need, from :mod:`scipy.special`.

``scipy.stats`` costs about a second to import (it loads most of SciPy); the command line
(``medtandem mrmc``) imports only these cephes wrappers. Each function is the textbook
identity: Student t, F, chi-square and normal tail areas and quantiles, and the non-central F
and chi-square used for power (Abramowitz & Stegun 26.5-26.7; scipy.special documents each).
"""

from __future__ import annotations

import math

from scipy import special

__all__ = [
    "chi2_isf",
    "chi2_sf",
    "f_isf",
    "f_sf",
    "ncf_sf",
    "ncx2_sf",
    "norm_isf",
    "norm_sf",
    "t_isf",
    "t_sf",
]


def t_sf(x: float, df: float) -> float:
    """P(T > x) for Student t on ``df`` degrees of freedom (``df`` inf: normal)."""
    if math.isinf(df):
        return norm_sf(x)
    return float(special.stdtr(df, -x))


def t_isf(q: float, df: float) -> float:
    """x with P(T > x) = q."""
    if math.isinf(df):
        return norm_isf(q)
    return float(-special.stdtrit(df, q))


def norm_sf(x: float) -> float:
    """P(Z > x) for the standard normal."""
    return float(special.ndtr(-x))


def norm_isf(q: float) -> float:
    """x with P(Z > x) = q."""
    return float(-special.ndtri(q))


def f_sf(x: float, df1: float, df2: float) -> float:
    """P(F > x) for F on (df1, df2)."""
    if math.isinf(x):
        return 0.0
    return float(special.fdtrc(df1, df2, x))


def f_isf(q: float, df1: float, df2: float) -> float:
    """x with P(F > x) = q."""
    return float(special.fdtri(df1, df2, 1.0 - q))


def chi2_sf(x: float, df: float) -> float:
    """P(X2 > x) for chi-square on ``df``."""
    if math.isinf(x):
        return 0.0
    return float(special.chdtrc(df, x))


def chi2_isf(q: float, df: float) -> float:
    """x with P(X2 > x) = q."""
    return float(special.chdtri(df, q))


def ncf_sf(x: float, df1: float, df2: float, nc: float) -> float:
    """P(F' > x) for the non-central F on (df1, df2) with non-centrality ``nc``."""
    return float(1.0 - special.ncfdtr(df1, df2, nc, x))


def ncx2_sf(x: float, df: float, nc: float) -> float:
    """P(X2' > x) for the non-central chi-square on ``df`` with non-centrality ``nc``."""
    return float(1.0 - special.chndtr(x, df, nc))
