"""Frugal, transparent ECG models: training, ONNX inference, calibration, evaluation, energy.

Layers, bottom up (each imports only from those below it): ``artifacts`` (model-folder layout, the
one strict JSON reader/writer/cleaner) < ``labels``, ``calibration``, ``features``, ``tabular``,
``ood``, ``robustness``, ``flops``, ``metrics`` < ``card`` < ``model`` (inference) < ``families``
(the registry of model families) < ``train`` < ``report`` < ``cli``.

Inference (:func:`load_model`, :class:`EcgModel`, :class:`Suggestion`) needs NumPy, SciPy and
onnxruntime only; PyTorch (the ``[train]`` extra) is imported by :mod:`medtandem.ai.cnn` alone, which
only the ``cnn`` family's classifier factory imports.
"""

from medtandem.ai.labels import LABEL_NAMES, LABELS
from medtandem.ai.model import EcgModel, ModelLoadError, Suggestion, load_model
from medtandem.ai.report import frugality_report

__all__ = [
    "LABELS",
    "LABEL_NAMES",
    "EcgModel",
    "ModelLoadError",
    "Suggestion",
    "frugality_report",
    "load_model",
]
