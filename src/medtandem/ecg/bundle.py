"""A compact container for many ECG signals: the embedded demo case bank and database blobs.

Signals are stored as int16 ADC counts (PTB-XL: 1000 counts per mV), differenced along time and
compressed, which brings PTB-XL's 500 Hz records from 120 kB to about 30 kB each without loss.
"""

from __future__ import annotations

import functools
import io
import lzma
import zlib
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medtandem.ecg.record import EcgReadError

_MAGIC_ZLIB = b"MTE1"


def encode_signal(signal_mv: NDArray[np.floating], counts_per_mv: float = 1000.0) -> bytes:
    """Losslessly pack a (samples, leads) signal quantised at ``counts_per_mv`` (zlib, fast)."""
    counts = np.rint(np.asarray(signal_mv, dtype=np.float64) * counts_per_mv)
    if counts.size and (counts.max() > 32767 or counts.min() < -32768):
        raise ValueError("signal exceeds the int16 range at this resolution")
    digital = counts.astype(np.int16)
    delta = np.diff(digital, axis=0, prepend=np.zeros((1, digital.shape[1]), np.int16)).astype(
        np.int16
    )
    header = np.array([digital.shape[0], digital.shape[1]], dtype="<i4").tobytes()
    scale = np.array([counts_per_mv], dtype="<f8").tobytes()
    return _MAGIC_ZLIB + header + scale + zlib.compress(np.ascontiguousarray(delta.T).tobytes(), 6)


def decode_signal(blob: bytes) -> NDArray[np.float32]:
    """Inverse of :func:`encode_signal`; returns millivolts as float32 (samples, leads)."""
    if blob[:4] != _MAGIC_ZLIB:
        raise EcgReadError("not a MedTandem signal blob")
    n, leads = np.frombuffer(blob[4:12], dtype="<i4")
    scale = float(np.frombuffer(blob[12:20], dtype="<f8")[0])
    delta = np.frombuffer(zlib.decompress(blob[20:]), dtype="<i2").reshape(int(leads), int(n)).T
    digital = np.cumsum(delta, axis=0, dtype=np.int16)
    return digital.astype(np.float32) / np.float32(scale)


def write_archive(path: str, signals: dict[str, NDArray[np.int16]]) -> None:
    """Write int16 signals (same shape) to an LZMA-compressed, delta-encoded ``.npz.xz`` archive."""
    buf = io.BytesIO()
    # dict[str, Any]: numpy's savez stub also has the keyword-only ``allow_pickle: bool``, so mypy
    # rejects ``**`` of a dict of arrays; the keys here are signal names.
    deltas: dict[str, Any] = {
        k: np.diff(v, axis=0, prepend=np.zeros((1, v.shape[1]), np.int16)).astype(np.int16).T.copy()
        for k, v in signals.items()
    }
    np.savez(buf, **deltas)
    with lzma.open(path, "wb", preset=9 | lzma.PRESET_EXTREME) as fh:
        fh.write(buf.getvalue())


def read_archive(path: str) -> dict[str, NDArray[np.int16]]:
    """Read an archive written by :func:`write_archive`: name -> int16 (samples, leads), read-only.

    Decompressing the embedded bank takes about a second, so the result is cached per file version.
    """
    import os

    stat = os.stat(path)
    return _read_archive(os.path.abspath(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=2)
def _read_archive(path: str, _mtime_ns: int, _size: int) -> dict[str, NDArray[np.int16]]:
    try:
        with lzma.open(path, "rb") as fh:
            data = np.load(io.BytesIO(fh.read()))
            out = {}
            for k in data.files:
                signal = np.cumsum(data[k].T, axis=0, dtype=np.int16)
                signal.setflags(write=False)
                out[k] = signal
            return out
    except (OSError, lzma.LZMAError, ValueError) as exc:
        raise EcgReadError(f"{path}: cannot read signal archive ({exc})") from None
