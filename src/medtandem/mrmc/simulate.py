"""Simulated reader studies from the Roe-Metz model.

Roe & Metz (1997, Acad Radiol 4:298) model a latent rating as a sum of independent normal
effects; for reader j, case k, modality i::

    X_ijk = mu_i * D_k + R_j(D) + C_k + TR_ij(D) + TC_ik + RC_jk + E_ijk

with ``D_k`` the truth, reader effects drawn separately for diseased and non-diseased cases,
and the variances ``var_r, var_c, var_tr, var_tc, var_rc, var_e``. The defaults follow Roe &
Metz's moderate-variability setting scaled so that the case-level variance is 1:
``var_c + var_tc + var_rc + var_e = 1``. The AUC of an average reader in modality i is about
``Phi(mu_i / sqrt(2 (var_r + var_tr + 1)))``.

Used by the tests and the benchmark to check the type I error of the RRRC test (Hillis 2007
did the same with the Roe-Metz model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from .errors import MrmcInputError

__all__ = ["RoeMetz", "simulate_study"]


@dataclass(frozen=True)
class RoeMetz:
    """Roe-Metz variance structure (see module docstring)."""

    var_r: float = 0.011
    var_c: float = 0.1
    var_tr: float = 0.011
    var_tc: float = 0.1
    var_rc: float = 0.2
    var_e: float = 0.7


def simulate_study(
    n_readers: int = 5,
    n_diseased: int = 50,
    n_nondiseased: int = 50,
    mu: Sequence[float] = (1.5, 1.5),
    model: RoeMetz | None = None,
    *,
    reader_groups: int = 1,
    seed: int | np.random.Generator | None = None,
    as_arrays: bool = False,
) -> pd.DataFrame | tuple[np.ndarray, np.ndarray]:
    """Simulate a reader study (continuous ratings).

    Args:
        n_readers, n_diseased, n_nondiseased: study size.
        mu: separation of the diseased and non-diseased means, one per modality (equal values
            give a null study).
        model: variance components (``RoeMetz()`` by default).
        reader_groups: 1 for a fully crossed study; G > 1 for a split-plot study where readers
            and cases are split in G groups and each reader group reads only its case group.
        seed: seed or numpy Generator.
        as_arrays: return ``(ratings (t, r, c), truth (c,))`` instead of a DataFrame (the
            fully crossed case only).

    Returns:
        A DataFrame with columns ``reader, case, modality, truth, rating`` (labels as strings
        "1", "2", ...), one row per read.
    """
    if n_readers < 1 or n_diseased < 1 or n_nondiseased < 1 or len(mu) < 1:
        raise MrmcInputError(
            "simulate_study needs at least one reader, modality and case of each truth"
        )
    if reader_groups < 1 or reader_groups > min(n_readers, n_diseased, n_nondiseased):
        raise MrmcInputError(
            "reader_groups must be between 1 and the number of readers and of cases of each truth"
        )
    m = model or RoeMetz()
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    t, r = len(mu), n_readers
    c = n_diseased + n_nondiseased
    truth = np.r_[np.ones(n_diseased, dtype=np.int8), np.zeros(n_nondiseased, dtype=np.int8)]
    d = truth.astype(bool)
    sd = {k: np.sqrt(v) for k, v in m.__dict__.items()}
    reader = rng.normal(0, sd["var_r"], (2, r))  # per truth class
    tr = rng.normal(0, sd["var_tr"], (2, t, r))
    case = rng.normal(0, sd["var_c"], c)
    tc = rng.normal(0, sd["var_tc"], (t, c))
    rc = rng.normal(0, sd["var_rc"], (r, c))
    x = rng.normal(0, sd["var_e"], (t, r, c))
    x += np.asarray(mu, dtype=float)[:, None, None] * d[None, None, :]
    x += np.where(d[None, :], reader[1][:, None], reader[0][:, None])[None, :, :]
    x += np.where(d[None, None, :], tr[1][:, :, None], tr[0][:, :, None])
    x += case[None, None, :] + tc[:, None, :] + rc[None, :, :]
    if as_arrays:
        return x, truth
    mi, rj, ck = np.meshgrid(np.arange(t), np.arange(r), np.arange(c), indexing="ij")
    keep = np.ones(x.shape, dtype=bool)
    if reader_groups > 1:
        rg = np.arange(r) * reader_groups // r
        cg = np.r_[
            np.arange(n_diseased) * reader_groups // n_diseased,
            np.arange(n_nondiseased) * reader_groups // n_nondiseased,
        ]
        keep = (rg[:, None] == cg[None, :])[None, :, :] & keep
    labels = np.char.mod("%d", np.arange(1, max(t, r, c) + 1))
    import pandas as pd

    return pd.DataFrame(
        {
            "reader": labels[rj[keep]],
            "case": labels[ck[keep]],
            "modality": labels[mi[keep]],
            "truth": truth[ck[keep]],
            "rating": x[keep],
        }
    )
