"""Inference: load a trained model folder and turn one ECG into a suggestion with its explanation.

Runs on NumPy, SciPy, scikit-learn (a core dependency, imported with the classifier module) and
onnxruntime for the network: nothing here imports PyTorch. A model folder holds ``meta.json`` (name, family, version, calibration, operating point),
the weights (``model.json`` for the measurement model, ``model.onnx`` for the network) and the
figures written by training and evaluation (``evaluation.json``, ``energy.json``, ``card.json``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from medtandem.ai.artifacts import (
    CARD,
    DEFAULT_FILE,
    ENERGY,
    EVALUATION,
    META,
    MODELS_DIR,
    model_folders,
    read_default_name,
    read_json,
)
from medtandem.ai.calibration import PlattCalibrator, logit
from medtandem.ai.card import build_card, localised
from medtandem.ai.features import FEATURE_NAMES, FEATURES, canonical, record_features
from medtandem.ai.ood import FeatureRange, OodReport
from medtandem.ai.tabular import MeasurementClassifier
from medtandem.ecg.measure import LABELS as MLABELS
from medtandem.ecg.measure import UNITS, EcgMeasurements, machine_statement, rhythm_of
from medtandem.ecg.preprocess import condition
from medtandem.ecg.quality import QualityVerdict, assess
from medtandem.ecg.record import STANDARD_LEADS, EcgRecord

#: The network's input: 10 s at 100 Hz, twelve leads in standard order (PTB-XL benchmark setting).
CNN_FS = 100.0
CNN_SAMPLES = 1000
ATTRIBUTION_BINS = 10
#: The measurements a suggestion carries for display (the machine statement's figures).
SHOWN_MEASUREMENTS = (
    "heart_rate_bpm",
    "pr_ms",
    "qrs_ms",
    "qt_ms",
    "qtc_bazett_ms",
    "qtc_fridericia_ms",
    "qrs_axis_deg",
)


class ModelLoadError(ValueError):
    """A model folder is missing or incomplete; the message names the folder and the file."""


@dataclass(frozen=True)
class Suggestion:
    """What the learner sees: calibrated probabilities per output and why, or a refusal and why.

    ``explanation`` is JSON-ready: ``{"kind": "attribution", ...}`` for the network,
    ``{"kind": "measurements", "items": [...]}`` for the measurement models.

    Fields added for issue 14 (all with defaults, so older callers keep working):

    * ``quality``: the input-quality verdict (:class:`medtandem.ecg.quality.QualityVerdict`). When
      ``quality.ok`` is False the model **refuses**: ``probabilities`` and ``explanation`` are empty
      and ``quality.messages["en"|"fr"]`` say why.
    * ``ood``: the out-of-distribution report (:class:`medtandem.ai.ood.OodReport`): measurements
      outside the model's training range, counted and listed.
    * ``statement``: the machine statement in English and French (``{"en": ..., "fr": ...}``),
      from :func:`medtandem.ecg.measure.machine_statement`.
    * ``measurements``: the figures of that statement (rate, rhythm code, PR, QRS, QT, QTc, axis).
    """

    model_name: str
    model_version: str
    probabilities: dict[str, float]
    explanation: dict[str, Any] = field(default_factory=dict)
    quality: QualityVerdict | None = None
    ood: OodReport | None = None
    statement: dict[str, str] = field(default_factory=dict)
    measurements: dict[str, float | str | None] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        """True when the input quality forbade an automatic suggestion."""
        return self.quality is not None and not self.quality.ok

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def prepare_cnn_input(record: EcgRecord) -> NDArray[np.float32]:
    """(12, 1000) float32: the common conditioning (:func:`medtandem.ecg.preprocess.condition`: first
    10 s, mains notches, zero-phase 0.67-40 Hz) at 100 Hz, zero-padded when shorter, clipped to
    +/-10 mV; the same physical signal whatever the input rate or front end."""
    rec = condition(record, CNN_FS)
    x = np.zeros((CNN_SAMPLES, 12), dtype=np.float32)
    n = min(CNN_SAMPLES, rec.n_samples)
    x[:n] = np.clip(rec.signal[:n], -10.0, 10.0)
    return np.ascontiguousarray(x.T)


def _shown(m: EcgMeasurements | None) -> tuple[dict[str, str], dict[str, float | str | None]]:
    if m is None:
        return {}, {}
    values: dict[str, float | str | None] = {
        k: (None if getattr(m, k) is None else round(float(getattr(m, k)), 1))
        for k in SHOWN_MEASUREMENTS
    }
    values["rhythm"] = rhythm_of(m)
    return {lang: machine_statement(m, lang) for lang in ("en", "fr")}, values


class EcgModel(ABC):
    """A trained MedTandem ECG model (read-only). Use :func:`load_model`."""

    #: The family name written in ``meta.json`` and the weights file of that family.
    FAMILY: ClassVar[str] = ""
    WEIGHTS: ClassVar[str] = ""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        self.path = path
        self.meta = meta
        self.name: str = meta["name"]
        self.version: str = meta["version"]
        self.family: str = meta["family"]
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.calibrator = PlattCalibrator.from_dict(meta["calibration"])
        self.thresholds = np.asarray(meta["thresholds"], dtype=np.float64)
        rng = meta.get("feature_range")
        self.feature_range: FeatureRange | None = FeatureRange.from_dict(rng) if rng else None
        if not self.weights_path.is_file():
            raise ModelLoadError(f"{self.weights_path}: weights not found")

    # -- subclasses -------------------------------------------------------------------------
    @abstractmethod
    def raw_proba(self, records: Sequence[EcgRecord]) -> NDArray[np.float64]:
        """Uncalibrated probabilities (records, outputs)."""

    @abstractmethod
    def raw_proba_inputs(self, X: NDArray[Any]) -> NDArray[np.float64]:
        """Uncalibrated probabilities from the family's prepared inputs (see medtandem.ai.families)."""

    @abstractmethod
    def explain(self, record: EcgRecord, proba: NDArray[np.float64]) -> dict[str, Any]:
        """The explanation of one suggestion (see :class:`Suggestion`)."""

    @property
    @abstractmethod
    def n_parameters(self) -> int: ...

    @property
    def weights_path(self) -> Path:
        return self.path / self.WEIGHTS

    # -- shared -----------------------------------------------------------------------------
    def predict_proba_records(self, records: Sequence[EcgRecord]) -> NDArray[np.float64]:
        """Calibrated probabilities (records, outputs) in :data:`LABELS` order (no quality gate)."""
        return self.calibrator.transform(self.raw_proba(records))

    def _check(self, record: EcgRecord) -> None:
        if not isinstance(record, EcgRecord):
            raise TypeError(f"record must be an EcgRecord, got {type(record).__name__}")
        canonical(record)  # EcgReadError when a standard lead is missing

    def _ood(self, x: NDArray[np.float64] | None) -> OodReport | None:
        return (
            self.feature_range.check(x)
            if self.feature_range is not None and x is not None
            else None
        )

    def predict_record(self, record: EcgRecord, explain: bool = True) -> Suggestion:
        """The suggestion for one ECG (any sampling rate; leads matched case-insensitively), or a
        refusal when its quality verdict fails.

        Raises:
            EcgReadError: a standard lead is missing.
        """
        self._check(record)
        conditioned = condition(record)
        quality = assess(record, conditioned)
        x, m = record_features(record, conditioned)
        statement, shown = _shown(m)
        if not quality.ok:
            return Suggestion(self.name, self.version, {}, {}, quality, None, statement, shown)
        p, explanation = self._suggest(record, x, m, explain)
        probabilities = {k: round(float(v), 4) for k, v in zip(self.labels, p, strict=True)}
        return Suggestion(
            self.name,
            self.version,
            probabilities,
            explanation,
            quality,
            self._ood(x),
            statement,
            shown,
        )

    def _suggest(
        self,
        record: EcgRecord,
        x: NDArray[np.float64],
        m: EcgMeasurements | None,
        explain: bool,
    ) -> tuple[NDArray[np.float64], dict[str, Any]]:
        """Calibrated probabilities of one record that passed the quality gate, and (when asked)
        their explanation; ``x`` and ``m`` are its features and measurements, already computed."""
        p = self.predict_proba_records([record])[0]
        return p, (self.explain(record, p) if explain else {})

    @cached_property
    def card(self) -> dict[str, Any]:
        """The model card in English (CHAI Applied Model Card fields, environmental impact, AI facts);
        the French text is under ``card["translations"]["fr"]`` (see :meth:`card_in`)."""
        return read_json(self.path / CARD) or build_card(self.path)

    def card_in(self, lang: str = "en") -> dict[str, Any]:
        """The model card in ``lang`` (``"en"`` or ``"fr"``)."""
        return localised(self.card, lang)

    @property
    def facts(self) -> dict[str, Any]:
        """The short "AI facts" label shown beside each suggestion (English)."""
        return dict(self.card.get("ai_facts", {}))

    def facts_in(self, lang: str = "en") -> dict[str, Any]:
        """The AI-facts label in ``lang`` (``"en"`` or ``"fr"``)."""
        return dict(self.card_in(lang).get("ai_facts", {}))

    @property
    def evaluation(self) -> dict[str, Any]:
        return read_json(self.path / EVALUATION)

    @property
    def energy(self) -> dict[str, Any]:
        return read_json(self.path / ENERGY)


class MeasurementModel(EcgModel):
    """Gradient-boosted trees or L2 logistic regression on :mod:`medtandem.ecg.measure` figures."""

    FAMILY = "measurements"
    WEIGHTS = "model.json"

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        super().__init__(path, meta)
        self.classifier = MeasurementClassifier.load(self.weights_path)

    @property
    def n_parameters(self) -> int:
        return self.classifier.n_parameters

    def raw_proba_inputs(self, X: NDArray[Any]) -> NDArray[np.float64]:
        return self.classifier.predict_proba(X)

    def raw_proba(self, records: Sequence[EcgRecord]) -> NDArray[np.float64]:
        return self.raw_proba_inputs(np.stack([record_features(r)[0] for r in records]))

    def _suggest(
        self,
        record: EcgRecord,
        x: NDArray[np.float64],
        m: EcgMeasurements | None,
        explain: bool,
    ) -> tuple[NDArray[np.float64], dict[str, Any]]:
        # The features are the measurements already taken for the quality gate: measured once.
        p = self.calibrator.transform(self.classifier.predict_proba(x[None, :]))[0]
        return p, (self._explain(x, m, p) if explain else {})

    def explain(self, record: EcgRecord, proba: NDArray[np.float64]) -> dict[str, Any]:
        x, m = record_features(record)
        return self._explain(x, m, proba)

    def _explain(
        self,
        x: NDArray[np.float64],
        m: EcgMeasurements | None,
        proba: NDArray[np.float64],
        top: int = 8,
    ) -> dict[str, Any]:
        bias, terms = self.classifier.contributions(x)
        flat = m.flat() if m is not None else {}
        target = int(np.argmax(proba))
        items_by_label = {}
        for k, label in enumerate(self.labels):
            # Group terms by the measurement they come from (cos/sin of an angle are one item).
            grouped: dict[str, float] = {}
            for f, t in zip(FEATURES, terms[k], strict=True):
                grouped[f.source] = grouped.get(f.source, 0.0) + float(t)
            order = sorted(grouped, key=lambda s: -abs(grouped[s]))[:top]
            items_by_label[label] = [_item(s, flat, grouped[s]) for s in order]
        return {
            "kind": "measurements",
            "target": self.labels[target],
            "base_log_odds": round(float(bias[target]), 4),
            "note": "contribution = change in the log-odds of the target output due to the measurement",
            "items": items_by_label[self.labels[target]],
            "by_label": items_by_label,
        }


def _item(source: str, flat: dict[str, float | None], contribution: float) -> dict[str, Any]:
    base, _, lead = (
        source.rpartition("_") if source.split("_")[-1] in STANDARD_LEADS else (source, "", "")
    )
    label = MLABELS.get(base, source) + (f" in {lead}" if lead else "")
    value = flat.get(source)
    return {
        "name": source,
        "label": label,
        "value": None if value is None else round(float(value), 3),
        "unit": UNITS.get(base, ""),
        "contribution": round(contribution, 4),
    }


class CnnModel(EcgModel):
    """The compact 1-D convolutional network, run with onnxruntime (one intra-op thread)."""

    FAMILY = "cnn"
    WEIGHTS = "model.onnx"

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        super().__init__(path, meta)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(self.weights_path), opts, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name

    @property
    def n_parameters(self) -> int:
        return int(self.meta.get("n_parameters", 0))

    def logits(self, x: NDArray[np.float32]) -> NDArray[np.float64]:
        """Logits (batch, outputs) for inputs (batch, 12, 1000)."""
        return np.asarray(
            self.session.run(None, {self.input_name: np.ascontiguousarray(x, np.float32)})[0],
            dtype=np.float64,
        )

    def raw_proba_inputs(self, X: NDArray[Any]) -> NDArray[np.float64]:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logits(X))))

    def raw_proba(self, records: Sequence[EcgRecord]) -> NDArray[np.float64]:
        return self.raw_proba_inputs(np.stack([prepare_cnn_input(r) for r in records]))

    def explain(self, record: EcgRecord, proba: NDArray[np.float64]) -> dict[str, Any]:
        """Occlusion attribution (Zeiler & Fergus, ECCV 2014) over leads and 1-s bins.

        Each (lead, bin) block is set to zero (the baseline) and the drop of the target output's
        logit is recorded; positive drops are scaled to 0..1 over the 12 x 10 grid.
        """
        x = prepare_cnn_input(record)
        target = int(np.argmax(proba))
        width = CNN_SAMPLES // ATTRIBUTION_BINS
        batch = np.repeat(x[None], 12 * ATTRIBUTION_BINS + 1, axis=0)
        for lead in range(12):
            for b in range(ATTRIBUTION_BINS):
                batch[1 + lead * ATTRIBUTION_BINS + b, lead, b * width : (b + 1) * width] = 0.0
        z = self.logits(batch)[:, target]
        drop = np.maximum(z[0] - z[1:], 0.0).reshape(12, ATTRIBUTION_BINS)
        top = float(drop.max())
        values = (drop / top) if top > 0 else drop
        return {
            "kind": "attribution",
            "method": "occlusion (zeroed 1-s blocks), drop of the target logit",
            "target": self.labels[target],
            "fs": CNN_FS,
            "leads": list(STANDARD_LEADS),
            "bins_per_lead": ATTRIBUTION_BINS,
            "seconds_per_bin": width / CNN_FS,
            "values": [[round(float(v), 4) for v in row] for row in values],
        }


#: Inference runtimes by the family name stored in ``meta.json`` (the training side of each family
#: is in :mod:`medtandem.ai.families`, which sits above this module).
RUNTIMES: dict[str, type[EcgModel]] = {
    "measurements": MeasurementModel,
    "measurements-lr": MeasurementModel,
    "cnn": CnnModel,
}


def default_model_dir() -> Path:
    """The shipped default model folder (named in ``models/DEFAULT``)."""
    name = read_default_name()
    if name is None:
        raise ModelLoadError(f"{DEFAULT_FILE}: no default model recorded")
    return MODELS_DIR / name


def load_model(path: str | Path | None = None) -> EcgModel:
    """Load a model folder; ``None`` loads the shipped default (chosen by the frugality report).

    A bare name (``"ecg-cnn1d"``) is looked up among the shipped models.
    """
    folder = default_model_dir() if path is None else Path(path)
    if path is not None and not folder.exists() and (MODELS_DIR / str(path)).is_dir():
        folder = MODELS_DIR / str(path)
    meta_path = folder / META
    if not meta_path.is_file():
        raise ModelLoadError(f"{folder}: not a model folder (no meta.json)")
    meta = read_json(meta_path)
    family = meta.get("family")
    if family not in RUNTIMES:
        raise ModelLoadError(
            f"{meta_path}: unknown family {family!r}; expected one of {sorted(RUNTIMES)}"
        )
    return RUNTIMES[family](folder, meta)


def shipped_models() -> list[Path]:
    return model_folders()


__all__ = [
    "FEATURE_NAMES",
    "CnnModel",
    "EcgModel",
    "MeasurementModel",
    "ModelLoadError",
    "Suggestion",
    "load_model",
    "logit",
]
