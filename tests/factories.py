"""Builders shared by tests: files in real formats, written the way their standard writers do."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medtandem.ecg.record import STANDARD_LEADS


def write_record(folder: Path, name: str, digital: np.ndarray, fmt: int = 16, gain: float = 1000.0,
                 leads: tuple[str, ...] = STANDARD_LEADS, fs: int = 500, checksum: bool = True) -> Path:
    """Write a WFDB record the way PhysioNet's writers do (for round-trip tests)."""
    n, k = digital.shape
    if fmt == 16:
        raw = digital.astype("<i2").tobytes()
    elif fmt == 80:
        raw = (digital + 128).astype(np.uint8).tobytes()
    elif fmt == 32:
        raw = digital.astype("<i4").tobytes()
    elif fmt == 212:
        flat = (digital.reshape(-1) & 0xFFF).astype(np.int64)
        if len(flat) % 2:
            flat = np.append(flat, 0)
        a, b = flat[0::2], flat[1::2]
        raw = np.stack([a & 0xFF, ((a >> 8) & 0x0F) | ((b >> 4) & 0xF0), b & 0xFF], axis=1).astype(np.uint8).tobytes()
    else:
        raise ValueError(fmt)
    (folder / f"{name}.dat").write_bytes(raw)
    lines = [f"{name} {k} {fs} {n}"]
    for i, lead in enumerate(leads):
        total = int(digital[:, i].sum()) % 65536 if checksum else 0
        lines.append(f"{name}.dat {fmt} {gain}(0)/mV 16 0 {int(digital[0, i])} {total} 0 {lead}")
    lines.append("# Age: 63")
    (folder / f"{name}.hea").write_text("\n".join(lines) + "\n")
    return folder / name
