"""Frugal, transparent ECG models: training, ONNX inference, calibration, evaluation, energy.

Inference (:func:`load_model`, :class:`EcgModel`, :class:`Suggestion`) needs NumPy, SciPy and
onnxruntime only; PyTorch (the ``[train]`` extra) is imported by :mod:`medtandem.ai.cnn` alone.
"""

from medtandem.ai.labels import LABEL_NAMES, LABELS
from medtandem.ai.model import EcgModel, ModelLoadError, Suggestion, load_model
from medtandem.ai.report import frugality_report

__all__ = ["LABELS", "LABEL_NAMES", "EcgModel", "ModelLoadError", "Suggestion", "frugality_report", "load_model"]
