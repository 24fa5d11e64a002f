"""The paired DeLong comparison of two scorers: against the MRMC covariance, brute force and simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medtandem.mrmc import FomSpec, MrmcInputError, prepare_reads
from medtandem.mrmc.covariance import estimate_covariance
from medtandem.mrmc.paired import paired_auc_comparison


def _brute_auc(y: np.ndarray, s: np.ndarray) -> float:
    pos, neg = s[y == 1], s[y == 0]
    wins = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def _case(seed: int, n: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    a = y * 1.2 + rng.normal(size=n)
    b = y * 0.6 + 0.5 * a + rng.normal(size=n)  # correlated with a, as two models are
    return y, np.round(a, 1), np.round(b, 1)  # rounding makes ties


def test_one_output_matches_the_delong_covariance_of_the_mrmc_package() -> None:
    y, a, b = _case(1)
    result = paired_auc_comparison(y, a, b)
    frame = pd.DataFrame(
        [
            {"reader": r, "case": i, "modality": mod, "truth": int(y[i]), "rating": float(s[i])}
            for mod, s in (("a", a), ("b", b))
            for r in ("r1", "r2")  # the package needs two readers; the second repeats the first
            for i in range(len(y))
        ]
    )
    cov = estimate_covariance(prepare_reads(frame), FomSpec("auc"), "delong")
    theta = cov.theta[:, 0]  # (modality, reader)
    # modality-major order: a/r1, a/r2, b/r1, b/r2
    var = cov.cov[0, 0] + cov.cov[2, 2] - 2 * cov.cov[0, 2]
    assert result.auc_a == pytest.approx(theta[0])
    assert result.auc_b == pytest.approx(theta[1])
    assert result.se == pytest.approx(np.sqrt(var), rel=1e-12)


def test_aucs_match_a_brute_force_count_of_pairs() -> None:
    y, a, b = _case(2, n=40)
    result = paired_auc_comparison(y, a, b)
    assert result.auc_a == pytest.approx(_brute_auc(y, a))
    assert result.auc_b == pytest.approx(_brute_auc(y, b))
    assert result.difference == pytest.approx(_brute_auc(y, a) - _brute_auc(y, b))


def test_a_repeated_output_gives_the_same_test_as_one() -> None:
    y, a, b = _case(3)
    one = paired_auc_comparison(y, a, b)
    two = paired_auc_comparison(np.c_[y, y], np.c_[a, a], np.c_[b, b])
    assert two.se == pytest.approx(one.se)
    assert two.p_value == pytest.approx(one.p_value)


def test_macro_auc_leaves_out_an_output_with_one_class() -> None:
    y, a, b = _case(4)
    result = paired_auc_comparison(np.c_[y, np.zeros_like(y)], np.c_[a, a], np.c_[b, b])
    assert result.outputs == (0,)
    assert result.auc_a == pytest.approx(_brute_auc(y, a))


def test_identical_scorers_have_no_difference_and_no_p_value() -> None:
    y, a, _b = _case(5)
    result = paired_auc_comparison(y, a, a)
    assert result.difference == 0 and result.se == 0
    assert not result.significant


def test_the_test_holds_its_level_under_the_null_with_five_outputs() -> None:
    """Two scorers of the same quality, correlated, over five correlated outputs: about 5 % of
    simulated challenges call the difference significant."""
    rng = np.random.default_rng(7)
    n, k, runs = 120, 5, 300
    rejected = 0
    for _ in range(runs):
        latent = rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
        y = (latent > 0.8).astype(int)
        shared = rng.normal(size=(n, k))
        a = latent + shared + rng.normal(size=(n, k))
        b = latent + shared + rng.normal(size=(n, k))
        rejected += paired_auc_comparison(y, a, b).significant
    assert 0.02 <= rejected / runs <= 0.09


def test_a_better_scorer_is_found_significant() -> None:
    rng = np.random.default_rng(8)
    y = (rng.random(300) < 0.5).astype(int)
    good = y * 2.0 + rng.normal(size=300)
    poor = y * 0.3 + rng.normal(size=300)
    result = paired_auc_comparison(y, good, poor)
    assert result.difference > 0 and result.significant
    assert result.ci[0] > 0


@pytest.mark.parametrize(
    ("truth", "a", "message"),
    [
        ([1, 0, 1, 0], [0.1, float("nan"), 0.3, 0.2], "NaN"),
        ([1, 0, 0, 0], [0.1, 0.2, 0.3, 0.4], "at least 2"),
        ([1, 2, 0, 0], [0.1, 0.2, 0.3, 0.4], "only 0 and 1"),
        ([0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4], "both classes"),
    ],
)
def test_bad_input_is_refused_with_a_message(truth, a, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MrmcInputError, match=message):
        paired_auc_comparison(truth, a, [0.5, 0.4, 0.3, 0.2])
