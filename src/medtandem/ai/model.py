"""Inference: load a trained model folder and turn one ECG into a suggestion with its explanation.

Runs on NumPy, scikit-learn's absence is fine, and onnxruntime for the network: nothing here imports
PyTorch. A model folder holds ``meta.json`` (name, family, version, calibration, operating point),
the weights (``model.json`` for the measurement model, ``model.onnx`` for the network) and the
figures written by training and evaluation (``evaluation.json``, ``energy.json``, ``card.json``).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medtandem.ai.calibration import PlattCalibrator, logit
from medtandem.ecg.record import STANDARD_LEADS, EcgRecord

MODELS_DIR = Path(__file__).with_name("models")
DEFAULT_FILE = MODELS_DIR / "DEFAULT"

#: The network's input: 10 s at 100 Hz, twelve leads in standard order (PTB-XL benchmark setting).
CNN_FS = 100.0
CNN_SAMPLES = 1000
ATTRIBUTION_BINS = 10


class ModelLoadError(ValueError):
    """A model folder is missing or incomplete; the message names the folder and the file."""


@dataclass(frozen=True)
class Suggestion:
    """What the learner sees: calibrated probabilities per output and why.

    ``explanation`` is JSON-ready: ``{"kind": "attribution", ...}`` for the network,
    ``{"kind": "measurements", "items": [...]}`` for the measurement model.
    """

    model_name: str
    model_version: str
    probabilities: dict[str, float]
    explanation: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def prepare_cnn_input(record: EcgRecord) -> NDArray[np.float32]:
    """(12, 1000) float32: standard leads, 100 Hz, first 10 s (zero-padded when shorter), mV."""
    from medtandem.ai.features import canonical

    rec = canonical(record).resampled(CNN_FS)
    x = np.zeros((CNN_SAMPLES, 12), dtype=np.float32)
    n = min(CNN_SAMPLES, rec.n_samples)
    sig = np.nan_to_num(rec.signal[:n])
    x[:n] = np.clip(sig - np.median(sig, axis=0), -10.0, 10.0)
    return np.ascontiguousarray(x.T)


class EcgModel(ABC):
    """A trained MedTandem ECG model (read-only). Use :func:`load_model`."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        self.path = path
        self.meta = meta
        self.name: str = meta["name"]
        self.version: str = meta["version"]
        self.family: str = meta["family"]
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.calibrator = PlattCalibrator.from_dict(meta["calibration"])
        self.thresholds = np.asarray(meta["thresholds"], dtype=np.float64)

    # -- subclasses -------------------------------------------------------------------------
    @abstractmethod
    def raw_proba(self, records: Sequence[EcgRecord]) -> NDArray[np.float64]:
        """Uncalibrated probabilities (records, outputs)."""

    @abstractmethod
    def explain(self, record: EcgRecord, proba: NDArray[np.float64]) -> dict[str, Any]:
        """The explanation of one suggestion (see :class:`Suggestion`)."""

    @property
    @abstractmethod
    def n_parameters(self) -> int: ...

    @property
    @abstractmethod
    def weights_path(self) -> Path: ...

    # -- shared -----------------------------------------------------------------------------
    def predict_proba_records(self, records: Sequence[EcgRecord]) -> NDArray[np.float64]:
        """Calibrated probabilities (records, outputs) in :data:`LABELS` order."""
        return self.calibrator.transform(self.raw_proba(records))

    def predict_record(self, record: EcgRecord, explain: bool = True) -> Suggestion:
        """The suggestion for one ECG (any sampling rate; leads matched case-insensitively).

        Raises:
            EcgReadError: a standard lead is missing.
        """
        if not isinstance(record, EcgRecord):
            raise TypeError(f"record must be an EcgRecord, got {type(record).__name__}")
        p = self.predict_proba_records([record])[0]
        probabilities = {k: round(float(v), 4) for k, v in zip(self.labels, p, strict=True)}
        explanation = self.explain(record, p) if explain else {}
        return Suggestion(self.name, self.version, probabilities, explanation)

    def _read_json(self, name: str) -> dict[str, Any]:
        f = self.path / name
        return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else {}

    @cached_property
    def card(self) -> dict[str, Any]:
        """The model card (CHAI Applied Model Card fields, environmental impact, AI facts)."""
        card = self._read_json("card.json")
        if not card:
            from medtandem.ai.card import build_card

            card = build_card(self.path)
        return card

    @property
    def facts(self) -> dict[str, Any]:
        """The short "AI facts" label shown beside each suggestion."""
        return dict(self.card.get("ai_facts", {}))

    @property
    def evaluation(self) -> dict[str, Any]:
        return self._read_json("evaluation.json")

    @property
    def energy(self) -> dict[str, Any]:
        return self._read_json("energy.json")


class MeasurementModel(EcgModel):
    """Gradient-boosted trees (or logistic regression) on :mod:`medtandem.ecg.measure` figures."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        super().__init__(path, meta)
        from medtandem.ai.tabular import MeasurementClassifier

        self.classifier = MeasurementClassifier.load(self.weights_path)

    @property
    def weights_path(self) -> Path:
        return self.path / "model.json"

    @property
    def n_parameters(self) -> int:
        return self.classifier.n_parameters

    def raw_proba(self, records: Sequence[EcgRecord]) -> NDArray[np.float64]:
        from medtandem.ai.features import record_features

        X = np.stack([record_features(r)[0] for r in records])
        return self.classifier.predict_proba(X)

    def predict_record(self, record: EcgRecord, explain: bool = True) -> Suggestion:
        """As :meth:`EcgModel.predict_record`, measuring the record once for both outputs."""
        from medtandem.ai.features import record_features

        if not isinstance(record, EcgRecord):
            raise TypeError(f"record must be an EcgRecord, got {type(record).__name__}")
        x, m = record_features(record)
        p = self.calibrator.transform(self.classifier.predict_proba(x[None, :]))[0]
        probabilities = {k: round(float(v), 4) for k, v in zip(self.labels, p, strict=True)}
        explanation = self._explain(x, m, p) if explain else {}
        return Suggestion(self.name, self.version, probabilities, explanation)

    def explain(self, record: EcgRecord, proba: NDArray[np.float64]) -> dict[str, Any]:
        from medtandem.ai.features import record_features

        x, m = record_features(record)
        return self._explain(x, m, proba)

    def _explain(self, x: NDArray[np.float64], m: Any, proba: NDArray[np.float64], top: int = 8) -> dict[str, Any]:
        from medtandem.ai.features import FEATURES

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
            "kind": "measurements", "target": self.labels[target],
            "base_log_odds": round(float(bias[target]), 4),
            "note": "contribution = change in the log-odds of the target output due to the measurement",
            "items": items_by_label[self.labels[target]],
            "by_label": items_by_label,
        }


def _item(source: str, flat: dict[str, float | None], contribution: float) -> dict[str, Any]:
    from medtandem.ecg.measure import LABELS as MLABELS
    from medtandem.ecg.measure import UNITS

    base, _, lead = source.rpartition("_") if source.split("_")[-1] in STANDARD_LEADS else (source, "", "")
    label = MLABELS.get(base, source) + (f" in {lead}" if lead else "")
    value = flat.get(source)
    return {"name": source, "label": label, "value": None if value is None else round(float(value), 3),
            "unit": UNITS.get(base, ""), "contribution": round(contribution, 4)}


class CnnModel(EcgModel):
    """The compact 1-D convolutional network, run with onnxruntime (one intra-op thread)."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        super().__init__(path, meta)
        import onnxruntime as ort

        if not self.weights_path.is_file():
            raise ModelLoadError(f"{self.weights_path}: ONNX weights not found")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(self.weights_path), opts, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    @property
    def weights_path(self) -> Path:
        return self.path / "model.onnx"

    @property
    def n_parameters(self) -> int:
        return int(self.meta.get("n_parameters", 0))

    def logits(self, x: NDArray[np.float32]) -> NDArray[np.float64]:
        """Logits (batch, outputs) for inputs (batch, 12, 1000)."""
        return np.asarray(self.session.run(None, {self.input_name: np.ascontiguousarray(x, np.float32)})[0],
                          dtype=np.float64)

    def raw_proba(self, records: Sequence[EcgRecord]) -> NDArray[np.float64]:
        x = np.stack([prepare_cnn_input(r) for r in records])
        return np.asarray(1.0 / (1.0 + np.exp(-self.logits(x))))

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
            "kind": "attribution", "method": "occlusion (zeroed 1-s blocks), drop of the target logit",
            "target": self.labels[target], "fs": CNN_FS, "leads": list(STANDARD_LEADS),
            "bins_per_lead": ATTRIBUTION_BINS, "seconds_per_bin": width / CNN_FS,
            "values": [[round(float(v), 4) for v in row] for row in values],
        }


FAMILIES: dict[str, type[EcgModel]] = {"measurements": MeasurementModel, "cnn": CnnModel}


def default_model_dir() -> Path:
    """The shipped default model folder (named in ``models/DEFAULT``)."""
    if not DEFAULT_FILE.is_file():
        raise ModelLoadError(f"{DEFAULT_FILE}: no default model recorded")
    return MODELS_DIR / DEFAULT_FILE.read_text(encoding="utf-8").split()[0]


def load_model(path: str | Path | None = None) -> EcgModel:
    """Load a model folder; ``None`` loads the shipped default (chosen by the frugality report).

    A bare name (``"ecg-cnn1d"``) is looked up among the shipped models.
    """
    folder = default_model_dir() if path is None else Path(path)
    if path is not None and not folder.exists() and (MODELS_DIR / str(path)).is_dir():
        folder = MODELS_DIR / str(path)
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise ModelLoadError(f"{folder}: not a model folder (no meta.json)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    family = meta.get("family")
    if family not in FAMILIES:
        raise ModelLoadError(f"{meta_path}: unknown family {family!r}; expected one of {sorted(FAMILIES)}")
    return FAMILIES[family](folder, meta)


def shipped_models() -> list[Path]:
    return sorted(p for p in MODELS_DIR.iterdir() if (p / "meta.json").is_file()) if MODELS_DIR.is_dir() else []


__all__ = ["CnnModel", "EcgModel", "MeasurementModel", "ModelLoadError", "Suggestion", "load_model", "logit"]
