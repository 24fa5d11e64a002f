"""Read WFDB records (PhysioNet): the header (``.hea``) and its signal files (``.dat`` or ``.mat``).

Supported storage formats: 16, 212, 80, 24, 32 in ``.dat`` files, and PhysioNet/CinC Challenge
``.mat`` files (a MATLAB array ``val`` of shape ``(n_signals, n_samples)``).
Every problem raises :class:`EcgReadError` naming the file: a missing file, a malformed header, a
signal file of the wrong size, or a checksum that does not match the header (a corrupt signal).

Reference: WFDB header and signal specifications, https://physionet.org/physiotools/wag/header-5.htm
and https://physionet.org/physiotools/wag/signal-5.htm
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from medtandem.ecg.record import EcgReadError, EcgRecord, as_leads

_SUPPORTED_FORMATS = {16, 212, 80, 24, 32}
_GAIN_RE = re.compile(r"^(?P<gain>[-+0-9.eE]+)(\((?P<baseline>-?\d+)\))?(/(?P<units>\S+))?$")


@dataclass(frozen=True)
class SignalSpec:
    """One signal line of a WFDB header."""

    file_name: str
    fmt: int
    gain: float
    baseline: int
    units: str
    adc_zero: int
    init_value: int | None
    checksum: int | None
    description: str


@dataclass(frozen=True)
class WfdbHeader:
    record_name: str
    n_signals: int
    fs: float
    n_samples: int | None
    signals: tuple[SignalSpec, ...]
    comments: tuple[str, ...]


def record_base(path: str | Path) -> Path:
    """The record's path without extension: ``x/00001_hr.hea``, ``x/00001_hr`` -> ``x/00001_hr``."""
    p = Path(path)
    return p.with_suffix("") if p.suffix.lower() in {".hea", ".dat", ".mat"} else p


def parse_header(text: str, source: str = "<header>") -> WfdbHeader:
    """Parse the text of a ``.hea`` file (single-segment records)."""
    lines = [ln.strip() for ln in text.splitlines()]
    comments = tuple(ln.lstrip("#").strip() for ln in lines if ln.startswith("#"))
    content = [ln for ln in lines if ln and not ln.startswith("#")]
    if not content:
        raise EcgReadError(f"{source}: empty header")
    fields = content[0].split()
    if len(fields) < 2:
        raise EcgReadError(
            f"{source}: record line needs a name and a signal count, got {content[0]!r}"
        )
    name = fields[0]
    if "/" in name:
        raise EcgReadError(f"{source}: multi-segment records are not supported")
    try:
        n_signals = int(fields[1])
        fs = float(fields[2].split("/")[0]) if len(fields) > 2 else 250.0
        n_samples = int(fields[3]) if len(fields) > 3 else None
    except ValueError:
        raise EcgReadError(f"{source}: malformed record line {content[0]!r}") from None
    if (
        n_signals < 1
        or not math.isfinite(fs)
        or fs <= 0
        or (n_samples is not None and n_samples < 0)
    ):
        raise EcgReadError(f"{source}: record line declares {n_signals} signals at {fs} Hz")
    if len(content) - 1 < n_signals:
        raise EcgReadError(
            f"{source}: header declares {n_signals} signals but has {len(content) - 1} signal lines"
        )
    specs = []
    for line in content[1 : 1 + n_signals]:
        specs.append(_parse_signal_line(line, source))
    return WfdbHeader(name, n_signals, fs, n_samples, tuple(specs), comments)


def _parse_signal_line(line: str, source: str) -> SignalSpec:
    parts = line.split(maxsplit=8)
    if len(parts) < 2:
        raise EcgReadError(f"{source}: malformed signal line {line!r}")
    try:
        fmt = int(re.split(r"[x:+]", parts[1])[0])
        gain, baseline, units = 200.0, 0, "mV"
        adc_zero = 0
        if len(parts) > 2:
            m = _GAIN_RE.match(parts[2])
            if not m:
                raise ValueError(parts[2])
            gain = (
                float(m.group("gain")) or 200.0
            )  # a gain of 0 means "uncalibrated": WFDB uses 200
            adc_zero = int(parts[4]) if len(parts) > 4 else 0
            baseline = int(m.group("baseline")) if m.group("baseline") else adc_zero
            units = m.group("units") or "mV"
        init_value = int(parts[5]) if len(parts) > 5 else None
        checksum = int(parts[6]) if len(parts) > 6 else None
    except ValueError:
        raise EcgReadError(f"{source}: malformed signal line {line!r}") from None
    description = parts[8].strip() if len(parts) > 8 else ""
    if fmt not in _SUPPORTED_FORMATS:
        raise EcgReadError(
            f"{source}: signal format {fmt} is not supported (supported: {sorted(_SUPPORTED_FORMATS)})"
        )
    return SignalSpec(
        parts[0], fmt, gain, baseline, units, adc_zero, init_value, checksum, description
    )


def _decode(raw: bytes, fmt: int, n_signals: int, source: str) -> NDArray[np.int32]:
    if fmt == 16:
        if len(raw) % (2 * n_signals):
            raise EcgReadError(
                f"{source}: size {len(raw)} bytes is not a whole number of format-16 frames"
            )
        return np.frombuffer(raw, dtype="<i2").astype(np.int32).reshape(-1, n_signals)
    frame = {80: 1, 32: 4, 24: 3}.get(fmt)
    if frame is not None and len(raw) % (frame * n_signals):
        raise EcgReadError(
            f"{source}: size {len(raw)} bytes is not a whole number of format-{fmt} frames"
        )
    if fmt == 80:
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.int32) - 128).reshape(-1, n_signals)
    if fmt == 32:
        return np.frombuffer(raw, dtype="<i4").astype(np.int32).reshape(-1, n_signals)
    if fmt == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        return v.reshape(-1, n_signals)
    if fmt == 212:
        b = (
            np.frombuffer(raw[: len(raw) - len(raw) % 3], dtype=np.uint8)
            .reshape(-1, 3)
            .astype(np.int32)
        )
        s0 = b[:, 0] | ((b[:, 1] & 0x0F) << 8)
        s1 = b[:, 2] | ((b[:, 1] & 0xF0) << 4)
        v = np.empty(2 * len(b), dtype=np.int32)
        v[0::2], v[1::2] = s0, s1
        v = np.where(v >= 2048, v - 4096, v)
        usable = len(v) - len(v) % n_signals
        return v[:usable].reshape(-1, n_signals)
    raise EcgReadError(f"{source}: format {fmt} not supported")


def _read_mat(path: Path, n_signals: int) -> NDArray[np.int32]:
    from scipy.io import loadmat

    try:
        val = loadmat(str(path))["val"]
    except Exception as exc:  # scipy raises several types for a damaged file
        raise EcgReadError(f"{path}: cannot read MATLAB signal file ({exc})") from None
    if val.ndim != 2 or val.shape[0] != n_signals:
        raise EcgReadError(f"{path}: expected 'val' of shape ({n_signals}, n), got {val.shape}")
    return val.T.astype(np.int32)


def read_record(path: str | Path, *, verify_checksums: bool = True) -> EcgRecord:
    """Read one WFDB record.

    Args:
        path: the record path with or without ``.hea`` (``records500/00000/00001_hr``).
        verify_checksums: compare each signal's 16-bit sum with the header's checksum.

    Returns:
        An :class:`EcgRecord` in physical units (mV when the header says mV; µV is converted).
    """
    base = record_base(path)
    hea = base.with_suffix(".hea")
    if not hea.is_file():
        raise EcgReadError(f"{hea}: header file not found")
    try:
        text = hea.read_text(encoding="latin-1")
    except OSError as exc:
        raise EcgReadError(f"{hea}: cannot read header ({exc})") from None
    header = parse_header(text, str(hea))

    # Group the signals by file, keeping the header's order.
    by_file: dict[str, list[int]] = {}
    for i, spec in enumerate(header.signals):
        by_file.setdefault(spec.file_name, []).append(i)
    columns: list[NDArray[np.int32] | None] = [None] * header.n_signals
    folder = base.parent.resolve()
    for file_name, indices in by_file.items():
        # A signal file sits beside its header (WFDB): a name with a folder in it, or one that a
        # symbolic link sends elsewhere, could make a hostile header read any file on the machine.
        if "/" in file_name or "\\" in file_name or file_name in {".", ".."} or "\x00" in file_name:
            raise EcgReadError(
                f"{hea}: signal file name {file_name!r} must be a plain name in the header's folder"
            )
        sig_path = base.parent / file_name
        if sig_path.exists() and not sig_path.resolve().parent == folder:
            raise EcgReadError(
                f"{hea}: signal file {file_name!r} resolves outside the record's folder"
            )
        if not sig_path.is_file():
            raise EcgReadError(f"{sig_path}: signal file not found (named in {hea.name})")
        fmts = {header.signals[i].fmt for i in indices}
        if len(fmts) != 1:
            raise EcgReadError(f"{hea}: mixed formats {sorted(fmts)} in one file are not supported")
        if sig_path.suffix.lower() == ".mat":
            block = _read_mat(sig_path, len(indices))
        else:
            block = _decode(sig_path.read_bytes(), fmts.pop(), len(indices), str(sig_path))
        if header.n_samples is not None:
            if block.shape[0] < header.n_samples:
                raise EcgReadError(
                    f"{sig_path}: truncated: {block.shape[0]} samples, header declares {header.n_samples}"
                )
            block = block[: header.n_samples]
        for j, i in enumerate(indices):
            columns[i] = block[:, j]

    digital = np.stack([c for c in columns if c is not None], axis=1)
    if verify_checksums:
        for i, spec in enumerate(header.signals):
            if spec.checksum is None:
                continue
            total = int(digital[:, i].astype(np.int64).sum())
            # The header holds the 16-bit sum; writers differ on signedness, so compare modulo 2**16.
            found = total % 65536
            if found != spec.checksum % 65536:
                raise EcgReadError(
                    f"{base.parent / spec.file_name}: checksum mismatch on signal {i} "
                    f"({spec.description or i}): header {spec.checksum}, data {found} (corrupt signal?)"
                )
    gains = np.array([s.gain for s in header.signals], dtype=np.float64)
    baselines = np.array([s.baseline for s in header.signals], dtype=np.float64)
    scale = np.array([1e-3 if s.units.lower() in {"uv", "µv"} else 1.0 for s in header.signals])
    physical = ((digital - baselines) / gains * scale).astype(np.float32)
    leads = as_leads([s.description or f"sig{i}" for i, s in enumerate(header.signals)])
    meta = {}
    for comment in header.comments:
        if ":" in comment:
            key, _, value = comment.partition(":")
            meta[key.strip()] = value.strip()
    return EcgRecord(physical, header.fs, leads, header.record_name, meta)


def write_record(record: EcgRecord, name: str, *, gain: float = 1000.0) -> tuple[str, bytes]:
    """The record as a WFDB pair (``name.hea`` text, ``name.dat`` bytes), format 16, in mV.

    Samples are ``round(mV * gain)`` as little-endian int16 (PTB-XL's own gain is 1000/mV, so its
    signals come back sample for sample); each signal line carries its first value and 16-bit
    checksum so :func:`read_record` verifies what it reads. ``name`` must be a plain record name
    (letters, digits, ``_`` and ``-``): it becomes file names inside an archive.
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
        raise ValueError(f"record name must be 1-64 letters, digits, '_' or '-', got {name!r}")
    if not gain > 0:
        raise ValueError(f"gain must be positive, got {gain!r}")
    counts = np.rint(np.asarray(record.signal, dtype=np.float64) * gain)
    if counts.size and (counts.max() > 32767 or counts.min() < -32768):
        raise ValueError("signal out of the int16 range at this gain; use a smaller gain")
    digital = counts.astype("<i2")
    n_samples, n_leads = digital.shape
    lines = [f"{name} {n_leads} {record.fs:g} {n_samples}"]
    for i, lead in enumerate(record.leads):
        column = digital[:, i].astype(np.int64)
        first = int(column[0]) if n_samples else 0
        checksum = int(column.sum()) % 65536
        if checksum > 32767:  # WFDB writes the 16-bit sum as a signed number
            checksum -= 65536
        lines.append(f"{name}.dat 16 {gain:g}/mV 16 0 {first} {checksum} 0 {lead}")
    return "\n".join(lines) + "\n", digital.tobytes()
