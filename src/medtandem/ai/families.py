"""The registry of model families: for each, how a record becomes an input row, which classifier is
trained on those rows, where its weights go, and the words of its model card.

Training (:mod:`medtandem.ai.train`) and evaluation look a family up here instead of branching on
its name; inference looks up the runtime class (:data:`medtandem.ai.model.RUNTIMES`) from the family
name stored in ``meta.json``. Layers: ``artifacts`` < ``card`` < ``model`` < ``families`` < ``train``.

Every classifier follows :class:`Classifier`: scikit-learn's ``fit(X, Y, seed)`` /
``predict_proba(X)`` / ``predict(X)``, plus ``n_parameters`` and ``save(path)`` (the weights file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self

import numpy as np
from numpy.typing import NDArray

from medtandem.ai.features import record_features
from medtandem.ai.model import RUNTIMES, EcgModel, prepare_cnn_input
from medtandem.ai.tabular import MeasurementClassifier
from medtandem.ecg.record import EcgRecord


class Classifier(Protocol):
    """The one training interface of every family."""

    def fit(self, X: Any, Y: NDArray[np.integer], seed: int = 0) -> Self: ...

    def predict_proba(self, X: Any) -> NDArray[np.float64]: ...

    def predict(
        self, X: Any, threshold: float | NDArray[np.floating] = 0.5
    ) -> NDArray[np.int8]: ...

    @property
    def n_parameters(self) -> int: ...

    def save(self, path: Path) -> None: ...


@dataclass(frozen=True)
class Family:
    """One model family.

    Attributes:
        name: the name in ``meta.json`` and on the command line (``--model``).
        default_model: the model folder and name it trains by default.
        featurize: one record (any rate) -> one input row (features, or a (12, 1000) array).
        input_dtype: the dtype of the stacked rows.
        make_classifier: ``options -> Classifier`` (untrained).
        default_options: ``n_train -> options``.
        text: ``{"en"|"fr": {"description", "explanation"}}`` for the model card.
    """

    name: str
    default_model: str
    featurize: Callable[[EcgRecord], NDArray[Any]]
    input_dtype: type
    make_classifier: Callable[[dict[str, Any]], Classifier]
    default_options: Callable[[int], dict[str, Any]]
    text: dict[str, dict[str, str]]
    input: dict[str, Any]

    @property
    def runtime(self) -> type[EcgModel]:
        return RUNTIMES[self.name]

    @property
    def weights_file(self) -> str:
        return self.runtime.WEIGHTS


def _measurement_row(record: EcgRecord) -> NDArray[np.float64]:
    return record_features(record)[0]


def _boosting_options(n_train: int) -> dict[str, Any]:
    return {
        "method": "boosting",
        "n_trees": 100,
        "max_depth": 3,
        "learning_rate": 0.05,
        "max_features": 0.3,
        "n_bags": 5,
    }


def _logistic_options(n_train: int) -> dict[str, Any]:
    return {"method": "logistic", "C": 0.01}


def _cnn_classifier(options: dict[str, Any]) -> Classifier:
    # PyTorch is imported here and only here: it belongs to the [train] extra, and inference (the
    # web app, `predict`) must run without it (a test checks that torch is never imported there).
    from medtandem.ai.cnn import CnnClassifier

    return CnnClassifier(**options)


def _cnn_options(n_train: int) -> dict[str, Any]:
    return {"epochs": 25 if n_train < 2000 else 15, "threads": 2}


_MEASURE_INPUT = {
    "fs_hz": 250.0,
    "window_s": 10.0,
    "note": "any rate and length >= 8 s; first 10 s, resampled to 250 Hz, 50 and 60 Hz notches, "
    "zero-phase 0.67-40 Hz (medtandem.ecg.preprocess), then measured",
}

FAMILIES: dict[str, Family] = {
    "measurements": Family(
        "measurements",
        "ecg-measure-gb",
        _measurement_row,
        np.float64,
        lambda o: MeasurementClassifier(**o),
        _boosting_options,
        {
            "en": {
                "description": "Five averaged gradient-boosted models of shallow decision trees (each split "
                "sees a random 30 % of the measurements) on ECG measurements (rate, intervals, axis, ST, "
                "voltages) computed on a median beat",
                "explanation": "the measurements that drove the suggestion, with their values and log-odds "
                "contributions",
            },
            "fr": {
                "description": "Moyenne de cinq modèles d'arbres de décision peu profonds en gradient boosting "
                "(chaque coupure voit 30 % des mesures, tirées au hasard) sur les mesures de l'ECG "
                "(fréquence, intervalles, axe, ST, voltages) prises sur un battement médian",
                "explanation": "les mesures qui ont porté la suggestion, avec leurs valeurs et leurs contributions "
                "au log-odds",
            },
        },
        _MEASURE_INPUT,
    ),
    "measurements-lr": Family(
        "measurements-lr",
        "ecg-measure-lr",
        _measurement_row,
        np.float64,
        lambda o: MeasurementClassifier(**o),
        _logistic_options,
        {
            "en": {
                "description": "L2-regularised logistic regression on standardised ECG measurements (rate, "
                "intervals, axis, ST, voltages) computed on a median beat",
                "explanation": "the measurements that drove the suggestion, with their values and log-odds "
                "contributions (coefficient x standardised value)",
            },
            "fr": {
                "description": "Régression logistique régularisée L2 sur les mesures standardisées de l'ECG "
                "(fréquence, intervalles, axe, ST, voltages) prises sur un battement médian",
                "explanation": "les mesures qui ont porté la suggestion, avec leurs valeurs et leurs contributions "
                "au log-odds (coefficient x valeur standardisée)",
            },
        },
        _MEASURE_INPUT,
    ),
    "cnn": Family(
        "cnn",
        "ecg-cnn1d",
        prepare_cnn_input,
        np.float32,
        _cnn_classifier,
        _cnn_options,
        {
            "en": {
                "description": "Compact 1-D convolutional neural network on the raw 12-lead signal (100 Hz, 10 s), ONNX",
                "explanation": "occlusion attribution over the 12 leads and 1-s time bins",
            },
            "fr": {
                "description": "Réseau de neurones convolutif 1-D compact sur le signal brut 12 dérivations "
                "(100 Hz, 10 s), ONNX",
                "explanation": "attribution par occultation sur les 12 dérivations et des fenêtres de 1 s",
            },
        },
        {
            "fs_hz": 100.0,
            "samples": 1000,
            "note": "any rate; resampled to 100 Hz, first 10 s (training reads the 500 Hz records and resamples "
            "them the same way)",
        },
    ),
}


def get_family(name: str) -> Family:
    """The family called ``name``.

    Raises:
        ValueError: no such family (the message lists the known ones).
    """
    if name not in FAMILIES:
        raise ValueError(f"family must be one of {tuple(FAMILIES)}, got {name!r}")
    return FAMILIES[name]
