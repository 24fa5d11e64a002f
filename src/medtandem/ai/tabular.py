"""The interpretable model on ECG measurements: gradient-boosted trees or logistic regression.

Two methods, one interface (scikit-learn style ``fit`` / ``predict_proba`` / ``predict``):

* ``"boosting"`` (default): per output, scikit-learn's histogram gradient boosting (Friedman,
  Ann Stat 29:1189-1232, 2001; Ke et al., LightGBM, NeurIPS 2017) with shallow trees. The trees are
  copied into plain arrays and saved as JSON, so inference needs NumPy only (no pickle, no
  scikit-learn version lock). Each suggestion is explained exactly by the path decomposition of the
  trees (Saabas, "Interpreting random forests", 2014; Lundberg et al., Nat Mach Intell 2:56-67,
  2020, section "Saabas values"): the log-odds is the base value plus one term per measurement.
* ``"logistic"``: per output, L2-regularised logistic regression on standardised measurements;
  the terms ``coef_j * z_j`` are the explanation.

Missing measurements (no P wave, no end of T) are NaN: the trees route them with the branch learnt for
missing values; the logistic model imputes the training median (and sees the 0/1 indicators).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from medtandem.ai.artifacts import read_json, write_json

METHODS = ("boosting", "logistic")


@dataclass
class _Forest:
    """The trees of one output as flat arrays (node-major; ``left``/``right`` are node indices)."""

    base: float
    feature: NDArray[np.int32]
    threshold: NDArray[np.float64]
    missing_left: NDArray[np.bool_]
    left: NDArray[np.int32]
    right: NDArray[np.int32]
    leaf: NDArray[np.bool_]
    value: NDArray[np.float64]  # leaf value; for internal nodes the training-weighted mean below it
    roots: NDArray[np.int32]
    depth: int

    def _leaves(self, X: NDArray[np.float64]) -> NDArray[np.int32]:
        """Leaf index reached by each record in each tree: (records, trees)."""
        node = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        rows = np.arange(len(X))[:, None]
        for _ in range(self.depth):
            f = self.feature[node]
            x = X[rows, f]
            go_left = np.where(np.isnan(x), self.missing_left[node], x <= self.threshold[node])
            nxt = np.where(go_left, self.left[node], self.right[node])
            node = np.where(self.leaf[node], node, nxt)
        return node

    def raw(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self.base + self.value[self._leaves(X)].sum(axis=1))

    def contributions(
        self, x: NDArray[np.float64], n_features: int
    ) -> tuple[float, NDArray[np.float64]]:
        """(bias, per-feature terms) with ``bias + terms.sum() == raw(x)`` (Saabas decomposition)."""
        terms = np.zeros(n_features)
        # All trees walked together, one level at a time (a bagged model has hundreds of trees).
        node = self.roots.copy()
        bias = self.base + float(self.value[node].sum())
        for _ in range(self.depth):
            inner = ~self.leaf[node]
            if not inner.any():
                break
            at = node[inner]
            f = self.feature[at]
            v = x[f]
            go_left = np.where(np.isnan(v), self.missing_left[at], v <= self.threshold[at])
            child = np.where(go_left, self.left[at], self.right[at])
            np.add.at(terms, f, self.value[child] - self.value[at])
            node[inner] = child
        return bias, terms

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "depth": self.depth,
            "roots": self.roots.tolist(),
            "feature": self.feature.tolist(),
            "threshold": self.threshold.tolist(),
            "missing_left": self.missing_left.astype(int).tolist(),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "leaf": self.leaf.astype(int).tolist(),
            "value": [float(f"{v:.9g}") for v in self.value],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _Forest:
        return cls(
            float(d["base"]),
            np.asarray(d["feature"], np.int32),
            np.asarray(d["threshold"], np.float64),
            np.asarray(d["missing_left"], bool),
            np.asarray(d["left"], np.int32),
            np.asarray(d["right"], np.int32),
            np.asarray(d["leaf"], bool),
            np.asarray(d["value"], np.float64),
            np.asarray(d["roots"], np.int32),
            int(d["depth"]),
        )


def _forest_from_sklearn(model: Any, X: NDArray[np.float64]) -> _Forest:
    """Copy a fitted binary HistGradientBoostingClassifier into a :class:`_Forest`."""
    feats, thr, miss, left, right, leaf, value, roots = [], [], [], [], [], [], [], []
    offset = 0
    depth = 0
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        roots.append(offset)
        feats.append(nodes["feature_idx"].astype(np.int32))
        thr.append(nodes["num_threshold"].astype(np.float64))
        miss.append(nodes["missing_go_to_left"].astype(bool))
        left.append(nodes["left"].astype(np.int32) + offset)
        right.append(nodes["right"].astype(np.int32) + offset)
        leaf.append(nodes["is_leaf"].astype(bool))
        value.append(
            np.where(nodes["is_leaf"].astype(bool), nodes["value"], 0.0).astype(np.float64)
        )
        depth = max(depth, int(nodes["depth"].max()))
        offset += len(nodes)
    forest = _Forest(
        float(np.ravel(model._baseline_prediction)[0]),
        np.concatenate(feats),
        np.concatenate(thr),
        np.concatenate(miss),
        np.concatenate(left),
        np.concatenate(right),
        np.concatenate(leaf),
        np.concatenate(value),
        np.asarray(roots, np.int32),
        depth,
    )
    # Internal node value = mean leaf value of the training records passing through it.
    leaves = forest._leaves(X)  # (records, trees)
    total = np.zeros(len(forest.value))
    count = np.zeros(len(forest.value))
    node = np.broadcast_to(forest.roots, leaves.shape).copy()
    rows = np.arange(len(X))[:, None]
    leaf_value = forest.value[leaves]
    for _ in range(depth + 1):
        np.add.at(total, node.ravel(), leaf_value.ravel())
        np.add.at(count, node.ravel(), 1.0)
        x = X[rows, forest.feature[node]]
        go_left = np.where(np.isnan(x), forest.missing_left[node], x <= forest.threshold[node])
        nxt = np.where(go_left, forest.left[node], forest.right[node])
        done = forest.leaf[node]
        node = np.where(done, node, nxt)
        # stop counting records that already sit on a leaf
        leaf_value = np.where(done, 0.0, leaf_value)
        # (a record on a leaf is re-added with 0 value; count must not grow for it)
        np.add.at(count, node[done], -1.0)
    internal = ~forest.leaf
    forest.value[internal] = np.where(
        count[internal] > 0, total[internal] / np.maximum(count[internal], 1), 0.0
    )
    return forest


def _average_forests(forests: list[_Forest]) -> _Forest:
    """One forest whose log-odds is the mean of the ``forests``' log-odds: all their trees, every
    node value divided by their number (internal-node values too, so the Saabas terms average)."""
    if len(forests) == 1:
        return forests[0]
    k = len(forests)
    offsets = np.cumsum([0] + [len(f.value) for f in forests[:-1]])
    return _Forest(
        float(np.mean([f.base for f in forests])),
        np.concatenate([f.feature for f in forests]),
        np.concatenate([f.threshold for f in forests]),
        np.concatenate([f.missing_left for f in forests]),
        np.concatenate([f.left + o for f, o in zip(forests, offsets, strict=True)]).astype(
            np.int32
        ),
        np.concatenate([f.right + o for f, o in zip(forests, offsets, strict=True)]).astype(
            np.int32
        ),
        np.concatenate([f.leaf for f in forests]),
        np.concatenate([f.value for f in forests]) / k,
        np.concatenate([f.roots + o for f, o in zip(forests, offsets, strict=True)]).astype(
            np.int32
        ),
        max(f.depth for f in forests),
    )


@dataclass
class MeasurementClassifier:
    """Multi-output classifier on a measurement matrix (records, features); NaN allowed.

    Args:
        method: ``"boosting"`` or ``"logistic"``.
        C: inverse L2 strength (logistic).
        n_trees, max_depth, learning_rate: boosting settings (shallow trees, few of them: the
            training set is small and the explanation stays readable).
        max_features, n_bags: each split looks at a random share ``max_features`` of the
            measurements, and ``n_bags`` such boosted models (seeds ``seed .. seed + n_bags - 1``)
            are averaged in log-odds. Averaging is a sum of trees with leaf values divided by
            ``n_bags``, so the saved model is still one forest and its explanation stays exact. On
            held-out sites and devices this transferred better than one model on all measurements
            (docs/ai.md, "What was tried").
    """

    method: str = "boosting"
    C: float = 0.01
    n_trees: int = 100
    max_depth: int = 3
    learning_rate: float = 0.05
    max_features: float = 1.0
    n_bags: int = 1
    n_features_: int = 0
    median_: NDArray[np.float64] | None = None
    mean_: NDArray[np.float64] | None = None
    scale_: NDArray[np.float64] | None = None
    coef_: NDArray[np.float64] | None = None
    intercept_: NDArray[np.float64] | None = None
    forests_: list[_Forest] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")

    def _check_X(self, X: NDArray[np.floating]) -> NDArray[np.float64]:
        X64: NDArray[np.float64] = np.asarray(X, dtype=np.float64)
        if X64.ndim != 2:
            raise ValueError(f"X must be 2-D (records, features), got shape {X64.shape}")
        if self.n_features_ and X64.shape[1] != self.n_features_:
            raise ValueError(
                f"X has {X64.shape[1]} features; the model was fitted on {self.n_features_}"
            )
        return X64

    def _standardise(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        assert self.median_ is not None and self.mean_ is not None and self.scale_ is not None
        X = np.where(np.isnan(X), self.median_, X)
        return np.clip((X - self.mean_) / self.scale_, -6.0, 6.0)

    def fit(
        self, X: NDArray[np.floating], Y: NDArray[np.integer], seed: int = 0
    ) -> MeasurementClassifier:
        X = self._check_X(X)
        Y = np.asarray(Y)
        if Y.ndim != 2 or len(Y) != len(X):
            raise ValueError(
                f"Y must be (records, outputs) with {len(X)} rows, got shape {Y.shape}"
            )
        self.n_features_ = X.shape[1]
        med = np.nanmedian(np.where(np.all(np.isnan(X), axis=0), 0.0, X), axis=0)
        self.median_ = np.where(np.isnan(med), 0.0, med)
        Xi = np.where(np.isnan(X), self.median_, X)
        self.mean_ = Xi.mean(axis=0)
        sd = Xi.std(axis=0)
        self.scale_ = np.where(sd > 1e-9, sd, 1.0)
        if self.method == "logistic":
            self._fit_logistic(self._standardise(X), Y, seed)
        else:
            self._fit_boosting(X, Y, seed)
        return self

    def _fit_logistic(self, Z: NDArray[np.float64], Y: NDArray[np.integer], seed: int) -> None:
        coefs, intercepts = [], []
        for k in range(Y.shape[1]):
            yk = Y[:, k]
            if yk.min() == yk.max():
                coefs.append(np.zeros(Z.shape[1]))
                p = float(np.clip(yk.mean(), 1e-3, 1 - 1e-3))
                intercepts.append(float(np.log(p / (1 - p))))
                continue
            lr = LogisticRegression(
                C=self.C, class_weight="balanced", max_iter=3000, random_state=seed
            )
            lr.fit(Z, yk)
            coefs.append(lr.coef_[0])
            intercepts.append(float(lr.intercept_[0]))
        self.coef_ = np.asarray(coefs)
        self.intercept_ = np.asarray(intercepts)

    def _fit_boosting(self, X: NDArray[np.float64], Y: NDArray[np.integer], seed: int) -> None:
        self.forests_ = []
        for k in range(Y.shape[1]):
            yk = Y[:, k]
            if yk.min() == yk.max():
                p = float(np.clip(yk.mean(), 1e-3, 1 - 1e-3))
                empty = np.zeros(1)
                self.forests_.append(
                    _Forest(
                        float(np.log(p / (1 - p))),
                        np.zeros(1, np.int32),
                        empty,
                        np.zeros(1, bool),
                        np.zeros(1, np.int32),
                        np.zeros(1, np.int32),
                        np.ones(1, bool),
                        empty.copy(),
                        np.zeros(1, np.int32),
                        0,
                    )
                )
                continue
            bags = []
            for b in range(self.n_bags):
                model = HistGradientBoostingClassifier(
                    max_iter=self.n_trees,
                    max_depth=self.max_depth,
                    learning_rate=self.learning_rate,
                    max_features=self.max_features,
                    early_stopping=False,
                    random_state=seed + b,
                ).fit(X, yk)
                bags.append(_forest_from_sklearn(model, X))
            self.forests_.append(_average_forests(bags))

    def decision_function(self, X: NDArray[np.floating]) -> NDArray[np.float64]:
        """Log-odds per output: (records, outputs)."""
        X = self._check_X(X)
        if self.method == "logistic":
            if self.coef_ is None or self.intercept_ is None:
                raise RuntimeError("MeasurementClassifier is not fitted; call fit() first")
            return np.asarray(self._standardise(X) @ self.coef_.T + self.intercept_)
        if not self.forests_:
            raise RuntimeError("MeasurementClassifier is not fitted; call fit() first")
        return np.stack([f.raw(X) for f in self.forests_], axis=1)

    def predict_proba(self, X: NDArray[np.floating]) -> NDArray[np.float64]:
        """Probabilities (records, outputs), before calibration (see :mod:`medtandem.ai.calibration`)."""
        return np.asarray(1.0 / (1.0 + np.exp(-self.decision_function(X))))

    def predict(
        self, X: NDArray[np.floating], threshold: float | NDArray[np.floating] = 0.5
    ) -> NDArray[np.int8]:
        return (self.predict_proba(X) >= threshold).astype(np.int8)

    def contributions(
        self, x: NDArray[np.floating]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Exact additive explanation of one record: (bias per output, terms (outputs, features)),
        with ``bias + terms.sum(axis=1)`` equal to the log-odds."""
        x64 = self._check_X(np.asarray(x, dtype=np.float64)[None, :])[0]
        if self.method == "logistic":
            assert self.coef_ is not None and self.intercept_ is not None
            z = self._standardise(x64[None, :])[0]
            return self.intercept_.copy(), np.asarray(self.coef_ * z[None, :])
        out = [f.contributions(x64, self.n_features_) for f in self.forests_]
        return np.array([b for b, _ in out]), np.stack([t for _, t in out])

    @property
    def n_parameters(self) -> int:
        """Learnt numbers: coefficients and intercepts, or split thresholds and leaf values."""
        if self.method == "logistic":
            assert self.coef_ is not None
            return int(self.coef_.size + len(self.coef_))
        return int(sum(len(f.value) + int((~f.leaf).sum()) for f in self.forests_))

    def to_dict(self) -> dict[str, Any]:
        assert self.median_ is not None and self.mean_ is not None and self.scale_ is not None
        d: dict[str, Any] = {
            "method": self.method,
            "C": self.C,
            "n_trees": self.n_trees,
            "max_depth": self.max_depth,
            "learning_rate": self.learning_rate,
            "max_features": self.max_features,
            "n_bags": self.n_bags,
            "n_features": self.n_features_,
            "median": self.median_.tolist(),
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
        }
        if self.method == "logistic":
            assert self.coef_ is not None and self.intercept_ is not None
            d["coef"] = self.coef_.tolist()
            d["intercept"] = self.intercept_.tolist()
        else:
            d["forests"] = [f.to_dict() for f in self.forests_]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MeasurementClassifier:
        m = cls(
            method=d["method"],
            C=float(d["C"]),
            n_trees=int(d["n_trees"]),
            max_depth=int(d["max_depth"]),
            learning_rate=float(d["learning_rate"]),
            max_features=float(d.get("max_features", 1.0)),
            n_bags=int(d.get("n_bags", 1)),
        )
        m.n_features_ = int(d["n_features"])
        m.median_ = np.asarray(d["median"], np.float64)
        m.mean_ = np.asarray(d["mean"], np.float64)
        m.scale_ = np.asarray(d["scale"], np.float64)
        if m.method == "logistic":
            m.coef_ = np.asarray(d["coef"], np.float64)
            m.intercept_ = np.asarray(d["intercept"], np.float64)
        else:
            m.forests_ = [_Forest.from_dict(f) for f in d["forests"]]
        return m

    def save(self, path: Path) -> None:
        write_json(path, self.to_dict(), digits=None, compact=True)

    @classmethod
    def load(cls, path: Path) -> MeasurementClassifier:
        return cls.from_dict(read_json(path))
