"""The bottom layer of :mod:`medtandem.ai`: where a model folder keeps its files, and the one JSON
reader, writer and cleaner that every other module uses.

A model folder holds::

    meta.json         name, family, version, calibration, operating point, training data, ranges
    model.json|.onnx  the weights (file name set by the family, see medtandem.ai.families)
    evaluation.json   figures written by ``medtandem ai evaluate`` (and fold 10 by ``train``)
    energy.json       training and inference cost
    card.json         the model card and the AI-facts label, in English and French

JSON written here is strict (RFC 8259): NaN and +/-infinity become ``null`` (``allow_nan=False``
makes any leak an error instead of an invalid file), NumPy scalars and arrays become Python numbers
and lists (:mod:`medtandem.jsonsafe`, the project's one cleaner). This module imports nothing
else from MedTandem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medtandem import jsonsafe

MODELS_DIR = Path(__file__).with_name("models")
DEFAULT_FILE = MODELS_DIR / "DEFAULT"
META = "meta.json"
EVALUATION = "evaluation.json"
ENERGY = "energy.json"
CARD = "card.json"


def clean(obj: Any, digits: int | None = 4) -> Any:
    """:func:`medtandem.jsonsafe.clean` with the model files' default rounding (4 digits; ``None``
    keeps full precision, for weights)."""
    return jsonsafe.clean(obj, digits)


def dumps(data: Any, digits: int | None = 4, compact: bool = False) -> str:
    """Strict JSON text of ``data`` (see :func:`clean`)."""
    if compact:
        return json.dumps(
            clean(data, digits), separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    return json.dumps(clean(data, digits), indent=1, ensure_ascii=False, allow_nan=False)


def write_json(path: str | Path, data: Any, digits: int | None = 4, compact: bool = False) -> None:
    """Write ``data`` as strict JSON (UTF-8, newline at the end)."""
    Path(path).write_text(dumps(data, digits, compact) + "\n", encoding="utf-8")


def read_json(path: str | Path) -> dict[str, Any]:
    """The JSON object in ``path``; ``{}`` when the file does not exist.

    Raises:
        ValueError: the file is not a JSON object (the message names the file).
    """
    p = Path(path)
    if not p.is_file():
        return {}
    data = json.loads(p.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{p}: expected a JSON object, got {type(data).__name__}")
    return data


def read_default_name() -> str | None:
    """The name recorded in ``models/DEFAULT`` (``None`` when absent)."""
    if not DEFAULT_FILE.is_file():
        return None
    words = DEFAULT_FILE.read_text(encoding="utf-8").split()
    return words[0] if words else None


def model_folders(root: str | Path | None = None) -> list[Path]:
    """Model folders (those with a ``meta.json``) under ``root`` (default: the shipped models)."""
    base = Path(root) if root else MODELS_DIR
    return sorted(p for p in base.iterdir() if (p / META).is_file()) if base.is_dir() else []
