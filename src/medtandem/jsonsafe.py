"""The project's one JSON cleaner: what every module that writes JSON passes its data through.

Strict JSON (RFC 8259) has no NaN and no infinity: both become ``null``, so a file or a database
JSON column never receives ``NaN``/``Infinity`` (which Python's :mod:`json` writes by default and
PostgreSQL, browsers and most readers reject). NumPy scalars and arrays become Python numbers and
lists, tuples become lists and keys become strings. Pure Python and NumPy (no Django), so the cores
and the apps share it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["clean"]


def clean(obj: Any, digits: int | None = None) -> Any:
    """JSON-ready copy of ``obj``: NaN/inf -> None, NumPy -> Python, tuples -> lists.

    ``digits`` rounds floats (``None``, the default, keeps full precision).
    """
    if isinstance(obj, dict):
        return {str(k): clean(v, digits) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v, digits) for v in obj]
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist(), digits)  # a 0-d array's tolist() is its scalar
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        if not math.isfinite(obj):
            return None
        return obj if digits is None else round(obj, digits)
    return obj
