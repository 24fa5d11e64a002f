"""The ECG record: a multi-lead signal in millivolts with its sampling rate and lead names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

#: The standard 12-lead order used everywhere in MedTandem (PTB-XL's order).
STANDARD_LEADS: tuple[str, ...] = (
    "I",
    "II",
    "III",
    "aVR",
    "aVL",
    "aVF",
    "V1",
    "V2",
    "V3",
    "V4",
    "V5",
    "V6",
)
_CANONICAL = {name.upper(): name for name in STANDARD_LEADS}


class EcgReadError(ValueError):
    """A record could not be read; the message names the file and the problem."""


def canonical_lead_name(name: str) -> str:
    """Map a lead label to its standard spelling, case-insensitively (``AVR`` -> ``aVR``)."""
    cleaned = name.strip()
    return _CANONICAL.get(cleaned.upper(), cleaned)


@dataclass(frozen=True)
class EcgRecord:
    """A multi-lead ECG.

    Attributes:
        signal: array of shape ``(n_samples, n_leads)``, in millivolts, float32.
        fs: sampling rate in hertz.
        leads: lead names in the order of the signal's columns, canonical spelling.
        record_id: a name for messages and provenance (e.g. ``"00001_hr"``).
    """

    signal: NDArray[np.float32]
    fs: float
    leads: tuple[str, ...]
    record_id: str = ""
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.signal.ndim != 2:
            raise ValueError(f"signal must be 2-D (samples, leads), got shape {self.signal.shape}")
        if self.signal.shape[1] != len(self.leads):
            raise ValueError(
                f"signal has {self.signal.shape[1]} columns but {len(self.leads)} lead names"
            )
        if not self.fs > 0:
            raise ValueError(f"fs must be positive, got {self.fs}")

    @property
    def n_samples(self) -> int:
        return int(self.signal.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs

    def lead(self, name: str) -> NDArray[np.float32]:
        """One lead's samples (mV), the name matched case-insensitively."""
        wanted = canonical_lead_name(name)
        try:
            return self.signal[:, self.leads.index(wanted)]
        except ValueError:
            raise KeyError(
                f"record {self.record_id!r} has no lead {name!r}; it has {self.leads}"
            ) from None

    def standard_12(self) -> EcgRecord:
        """The record with its leads reordered to :data:`STANDARD_LEADS`.

        Raises:
            EcgReadError: if one of the twelve standard leads is missing.
        """
        missing = [lead for lead in STANDARD_LEADS if lead not in self.leads]
        if missing:
            raise EcgReadError(f"record {self.record_id!r} lacks leads {missing}")
        order = [self.leads.index(lead) for lead in STANDARD_LEADS]
        return EcgRecord(
            np.ascontiguousarray(self.signal[:, order]),
            self.fs,
            STANDARD_LEADS,
            self.record_id,
            self.meta,
        )

    def resampled(self, fs: float) -> EcgRecord:
        """The record at another sampling rate (polyphase resampling with anti-alias filtering)."""
        from medtandem.ecg.signal import resample

        if fs == self.fs:
            return self
        return EcgRecord(
            resample(self.signal, self.fs, fs), fs, self.leads, self.record_id, self.meta
        )


def as_leads(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(canonical_lead_name(n) for n in names)
