"""Builders shared by tests: files in real formats, written the way their standard writers do."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from medtandem.ecg.record import STANDARD_LEADS, EcgRecord


def write_record(
    folder: Path,
    name: str,
    digital: np.ndarray,
    fmt: int = 16,
    gain: float = 1000.0,
    leads: tuple[str, ...] = STANDARD_LEADS,
    fs: int = 500,
    checksum: bool = True,
) -> Path:
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
        raw = (
            np.stack([a & 0xFF, ((a >> 8) & 0x0F) | ((b >> 4) & 0xF0), b & 0xFF], axis=1)
            .astype(np.uint8)
            .tobytes()
        )
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


FS = 500.0
LEAD_ANGLES = {"I": 0, "II": 60, "III": 120, "aVR": -150, "aVL": -30, "aVF": 90}
PRECORDIAL = {"V1": -0.5, "V2": -0.2, "V3": 0.3, "V4": 0.8, "V5": 1.0, "V6": 0.9}


def _hann(n: int) -> np.ndarray:
    return 0.5 * (1 - np.cos(2 * np.pi * np.arange(n) / max(n - 1, 1)))


def synthetic(
    rr_ms: float = 1000,
    pr_ms: float = 160,
    qrs_ms: float = 100,
    qt_ms: float = 400,
    axis_deg: float = 60,
    st_mv: dict[str, float] | None = None,
    seconds: float = 10,
    p_wave: bool = True,
    rr_jitter_ms: float = 0,
) -> EcgRecord:
    """Beats of known timing: P (Hann, 100 ms) starting PR before the QRS; a Q-R-S piecewise-linear
    complex of ``qrs_ms``; T (Hann) ending ``qt_ms`` after QRS onset. Leads are projections of a
    frontal vector at ``axis_deg`` (limb leads) and fixed gains (chest leads)."""
    n = int(seconds * FS)
    base = np.zeros(n)
    rng = np.random.default_rng(0)
    t = 0.4
    onsets = []
    while t * FS + qt_ms / 1000 * FS + 10 < n:
        onsets.append(int(t * FS))
        t += (rr_ms + rng.uniform(-rr_jitter_ms, rr_jitter_ms)) / 1000
    q = int(qrs_ms / 1000 * FS)
    shape = np.interp(
        np.arange(q), [0, 0.15 * q, 0.45 * q, 0.75 * q, q - 1], [0, -0.1, 1.0, -0.25, 0]
    )
    t_len = int(0.2 * FS)
    leads = np.zeros((n, 12))
    gains = [math.cos(math.radians(axis_deg - LEAD_ANGLES[name])) for name in STANDARD_LEADS[:6]]
    gains += [PRECORDIAL[name] for name in STANDARD_LEADS[6:]]
    for o in onsets:
        if p_wave:
            p0 = o - int(pr_ms / 1000 * FS)
            base[p0 : p0 + int(0.1 * FS)] += 0.15 * _hann(int(0.1 * FS))
        base[o : o + q] += shape
        t_end = o + int(qt_ms / 1000 * FS)
        base[t_end - t_len : t_end] += 0.3 * _hann(t_len)
    for k, g in enumerate(gains):
        leads[:, k] = base * (abs(g) if k >= 6 and k != 6 else g)
    for name, level in (st_mv or {}).items():
        k = STANDARD_LEADS.index(name)
        for o in onsets:
            leads[o + q : o + int(qt_ms / 1000 * FS), k] += level
    return EcgRecord(leads.astype(np.float32), FS, STANDARD_LEADS, "synthetic")


BANK = Path(__file__).resolve().parents[1] / "src" / "medtandem" / "data" / "ptbxl500"


def make_ptbxl_folder(root: Path, n: int = 4, rates: tuple[int, ...] = (500,)) -> Path:
    """A standard-layout PTB-XL folder with the first ``n`` real records, written as WFDB files
    from the embedded bank (the same ADC counts as PhysioNet's files)."""
    import shutil

    from medtandem.ecg.bundle import read_archive
    from medtandem.ecg.signal import resample

    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(BANK / "scp_statements.csv", root)
    lines = (BANK / "ptbxl_database.csv").read_text().splitlines(keepends=True)
    (root / "ptbxl_database.csv").write_text("".join(lines[: n + 1]))
    archive = read_archive(str(BANK / "signals500.npz.xz"))
    for i in range(1, n + 1):
        counts = archive[f"{i:05d}_hr"].astype(np.int32)
        if 500 in rates:
            (root / "records500" / "00000").mkdir(parents=True, exist_ok=True)
            write_record(root / "records500" / "00000", f"{i:05d}_hr", counts)
        if 100 in rates:
            (root / "records100" / "00000").mkdir(parents=True, exist_ok=True)
            low = np.rint(resample(counts.astype(np.float64), 500, 100)).astype(np.int32)
            write_record(root / "records100" / "00000", f"{i:05d}_lr", low, fs=100)
    return root
