"""The six outputs of the MedTandem ECG models and how they are derived from PTB-XL labels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from medtandem.ecg.ptbxl import SUPERCLASS_NAMES, SUPERCLASSES, PtbxlEntry

#: Output order everywhere: the five PTB-XL diagnostic superclasses, then AF/flutter (rhythm).
LABELS: tuple[str, ...] = (*SUPERCLASSES, "AFIB")
LABEL_NAMES: dict[str, str] = {**SUPERCLASS_NAMES, "AFIB": "Atrial fibrillation or flutter"}


def label_matrix(entries: Sequence[PtbxlEntry]) -> NDArray[np.int8]:
    """Binary (n, 6) targets: superclass present (any likelihood, as in the PTB-XL benchmark),
    and AFIB = the AFIB or AFLT rhythm statement."""
    y = np.zeros((len(entries), len(LABELS)), dtype=np.int8)
    for i, e in enumerate(entries):
        for j, name in enumerate(SUPERCLASSES):
            y[i, j] = name in e.superclasses
        y[i, -1] = e.rhythm == "afib_flutter"
    return y
