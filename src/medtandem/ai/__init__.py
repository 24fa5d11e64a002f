"""Frugal, transparent ECG models: training, ONNX inference, calibration, evaluation, energy."""
