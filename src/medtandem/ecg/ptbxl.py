"""PTB-XL metadata: the database CSV, the SCP-ECG statements, and the labels derived from them.

Labels follow the PTB-XL benchmark (Strodthoff et al. 2021, IEEE JBHI 25(5):1519-1528): a record's
diagnostic superclasses are the ``diagnostic_class`` of every diagnostic SCP statement it carries,
at any likelihood. The rhythm, for the reading task, is grouped as sinus, atrial fibrillation or
flutter, or other.

Reference: Wagner P. et al. PTB-XL, a large publicly available electrocardiography dataset.
Sci Data 7, 154 (2020). https://doi.org/10.1038/s41597-020-0495-6 (CC BY 4.0).
"""

from __future__ import annotations

import ast
import csv
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from medtandem.ecg.record import EcgReadError

SUPERCLASSES: tuple[str, ...] = ("NORM", "MI", "STTC", "CD", "HYP")
SUPERCLASS_NAMES = {
    "NORM": "Normal ECG",
    "MI": "Myocardial infarction",
    "STTC": "ST/T change",
    "CD": "Conduction disturbance",
    "HYP": "Hypertrophy",
}
RHYTHM_CHOICES: tuple[str, ...] = ("sinus", "afib_flutter", "other")
SINUS_CODES = frozenset({"SR", "STACH", "SBRAD", "SARRH"})
AFIB_FLUTTER_CODES = frozenset({"AFIB", "AFLT"})

DATABASE_COLUMNS = (
    "ecg_id",
    "patient_id",
    "age",
    "sex",
    "site",
    "device",
    "recording_date",
    "report",
    "scp_codes",
    "strat_fold",
    "filename_lr",
    "filename_hr",
)
STATEMENT_COLUMNS = (
    "description",
    "diagnostic",
    "form",
    "rhythm",
    "diagnostic_class",
    "diagnostic_subclass",
)


@dataclass(frozen=True)
class ScpStatement:
    code: str
    description: str
    diagnostic: bool
    form: bool
    rhythm: bool
    diagnostic_class: str
    diagnostic_subclass: str


@dataclass(frozen=True)
class PtbxlEntry:
    """One row of ``ptbxl_database.csv`` with its derived labels."""

    ecg_id: int
    patient_id: int | None
    age: int | None
    sex: str  # "M", "F" or "" (PTB-XL codes 0 = male, 1 = female)
    site: str
    device: str
    recording_date: str
    report: str
    scp_codes: dict[str, float]
    strat_fold: int
    filename_lr: str
    filename_hr: str
    superclasses: tuple[str, ...]
    rhythm: str
    extra: dict[str, str]

    def filename(self, sampling_rate: int) -> str:
        return self.filename_hr if sampling_rate == 500 else self.filename_lr


def _missing(fieldnames: Sequence[str] | None, required: tuple[str, ...], path: Path) -> None:
    got = set(fieldnames or [])
    missing = [c for c in required if c not in got]
    if missing:
        raise EcgReadError(f"{path}: missing columns {missing}")


def read_statements(path: Path) -> dict[str, ScpStatement]:
    """Read ``scp_statements.csv`` (first column: the SCP code)."""
    if not path.is_file():
        raise EcgReadError(f"{path}: file not found")
    out = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            _missing(reader.fieldnames, STATEMENT_COLUMNS, path)
            assert reader.fieldnames is not None
            code_col = reader.fieldnames[0]
            for row in reader:
                cell = {
                    k: (v or "").strip() if isinstance(v, str | None) else ""
                    for k, v in row.items()
                }
                code = cell[code_col]
                out[code] = ScpStatement(
                    code,
                    cell["description"],
                    cell["diagnostic"] in {"1", "1.0"},
                    cell["form"] in {"1", "1.0"},
                    cell["rhythm"] in {"1", "1.0"},
                    cell["diagnostic_class"],
                    cell["diagnostic_subclass"],
                )
    except UnicodeDecodeError as exc:
        raise EcgReadError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise EcgReadError(f"{path}: malformed CSV ({exc})") from None
    return out


def derive_superclasses(
    scp_codes: dict[str, float], statements: dict[str, ScpStatement]
) -> tuple[str, ...]:
    classes = {
        statements[c].diagnostic_class
        for c in scp_codes
        if c in statements and statements[c].diagnostic and statements[c].diagnostic_class
    }
    return tuple(s for s in SUPERCLASSES if s in classes)


def derive_rhythm(scp_codes: dict[str, float]) -> str:
    codes = set(scp_codes)
    if codes & AFIB_FLUTTER_CODES:
        return "afib_flutter"
    if codes & SINUS_CODES:
        return "sinus"
    return "other"


def _int_or_none(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    number = float(value)
    return None if math.isnan(number) else int(number)


def contained_path(root: Path, relative: str, column: str = "filename") -> Path:
    """``root / relative``, refusing any record path that leaves the dataset folder ``root``.

    Refused (``ValueError`` naming the column and the value): an absolute path (``/etc/x``,
    ``C:\\x``, ``\\\\server\\x``), any ``..`` component, and a path that resolves outside ``root``
    through a symbolic link (the record's folder, ``.hea``, ``.dat`` or ``.mat`` file). Backslashes
    count as separators, as on the Windows machines PTB-XL copies come from.
    """
    text = relative.replace("\\", "/")
    parts = PurePosixPath(text).parts
    if (
        text.startswith("/")
        or (len(text) > 1 and text[1] == ":")
        or ".." in parts
        or "\x00" in text
    ):
        raise ValueError(
            f"{column} {relative!r} points outside the dataset folder (absolute or '..' path refused)"
        )
    full = root.joinpath(*parts) if parts else root
    base = root.resolve()
    for candidate in (
        full.parent,
        full,
        *(full.with_name(full.name + ext) for ext in (".hea", ".dat", ".mat")),
    ):
        if not candidate.resolve().is_relative_to(base):
            raise ValueError(
                f"{column} {relative!r} resolves outside the dataset folder {root} (symbolic link?)"
            )
    return full


def iter_database(path: Path, statements: dict[str, ScpStatement]) -> Iterator[PtbxlEntry]:
    """Yield the rows of ``ptbxl_database.csv``; a malformed row raises with its line number.

    A row whose ``filename_lr`` or ``filename_hr`` leaves the folder of the CSV (``..``, an absolute
    path, a symbolic link pointing out) is malformed: see :func:`contained_path`.
    """
    try:
        yield from _iter_database(path, statements)
    except UnicodeDecodeError as exc:
        raise EcgReadError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise EcgReadError(f"{path}: malformed CSV ({exc})") from None


def _iter_database(path: Path, statements: dict[str, ScpStatement]) -> Iterator[PtbxlEntry]:
    root = path.parent
    if not path.is_file():
        raise EcgReadError(f"{path}: file not found")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        _missing(reader.fieldnames, DATABASE_COLUMNS, path)
        known = set(DATABASE_COLUMNS)
        for row in reader:
            line = reader.line_num
            try:
                scp = ast.literal_eval(row["scp_codes"] or "{}")
                if not isinstance(scp, dict):
                    raise ValueError("scp_codes is not a dictionary")
                scp = {str(k): float(v) for k, v in scp.items()}
                sex_code = _int_or_none(row["sex"])
                for column in ("filename_lr", "filename_hr"):
                    if (row[column] or "").strip():
                        contained_path(root, row[column].strip(), column)
                yield PtbxlEntry(
                    ecg_id=int(float(row["ecg_id"])),
                    patient_id=_int_or_none(row["patient_id"]),
                    age=_int_or_none(row["age"]),
                    sex={0: "M", 1: "F"}.get(sex_code, "") if sex_code is not None else "",
                    site=(row["site"] or "").strip().removesuffix(".0"),
                    device=(row["device"] or "").strip(),
                    recording_date=(row["recording_date"] or "").strip(),
                    report=(row["report"] or "").strip(),
                    scp_codes=scp,
                    strat_fold=int(float(row["strat_fold"])),
                    filename_lr=row["filename_lr"].strip(),
                    filename_hr=row["filename_hr"].strip(),
                    superclasses=derive_superclasses(scp, statements),
                    rhythm=derive_rhythm(scp),
                    extra={k: (v or "").strip() for k, v in row.items() if k not in known and k},
                )
            except (
                ValueError,
                SyntaxError,
                KeyError,
                AttributeError,
                TypeError,
                MemoryError,
                RecursionError,
                OverflowError,
            ) as exc:
                raise EcgReadError(
                    f"{path}, line {line} (ecg_id {(row.get('ecg_id') or '?').strip()}): {exc}"
                ) from None


@dataclass(frozen=True)
class PtbxlDatabase:
    root: Path
    statements: dict[str, ScpStatement]
    entries: tuple[PtbxlEntry, ...]


def read_database(root: str | Path, limit: int | None = None) -> PtbxlDatabase:
    """Read a PTB-XL folder of the standard layout (``ptbxl_database.csv``, ``scp_statements.csv``)."""
    root = Path(root)
    if not root.is_dir():
        raise EcgReadError(f"{root}: not a folder")
    statements = read_statements(root / "scp_statements.csv")
    entries = []
    for entry in iter_database(root / "ptbxl_database.csv", statements):
        entries.append(entry)
        if limit is not None and len(entries) >= limit:
            break
    return PtbxlDatabase(root, statements, tuple(entries))


import numpy as np  # noqa: E402

from medtandem.ecg.record import STANDARD_LEADS, EcgRecord  # noqa: E402

#: Name of the signal archive of the embedded bank (see :mod:`medtandem.ecg.bundle`).
SIGNAL_ARCHIVE = "signals500.npz.xz"
_ARCHIVE_FS = 500
_ARCHIVE_COUNTS_PER_MV = 1000.0


def iter_signals(db: PtbxlDatabase, sampling_rate: int) -> Iterator[tuple[PtbxlEntry, EcgRecord]]:
    """Yield ``(entry, record)`` for every entry of ``db``, at ``sampling_rate`` (100 or 500 Hz).

    Reads the WFDB record of the entry when its ``.hea`` is present under ``db.root``
    (``filename_lr`` at 100 Hz, ``filename_hr`` at 500 Hz; at 100 Hz the 500 Hz record is resampled
    when only that one is present). Otherwise reads the entry from the archive ``signals500.npz.xz``
    in ``db.root`` (the embedded bank layout: key ``00001_hr``, int16 at 1000 counts/mV, 500 Hz, the
    twelve leads in PTB-XL order), resampled to 100 Hz when asked. At 500 Hz both layouts give the
    same samples; at 100 Hz PTB-XL's own ``records100`` files and our polyphase resampling differ
    only by the anti-alias filter.

    Raises:
        ValueError: ``sampling_rate`` is neither 100 nor 500.
        EcgReadError: an entry has neither a WFDB record nor an archive signal.
    """
    from medtandem.ecg.bundle import read_archive
    from medtandem.ecg.wfdb import read_record

    if sampling_rate not in (100, 500):
        raise ValueError(f"sampling_rate must be 100 or 500 (Hz), got {sampling_rate!r}")
    root = Path(db.root)
    archive: dict[str, np.ndarray] | None = None
    for entry in db.entries:
        try:  # checked again here: a database may be built without iter_database
            wanted = contained_path(root, entry.filename(sampling_rate))
            hr = contained_path(root, entry.filename_hr, "filename_hr")
        except ValueError as exc:
            raise EcgReadError(f"ecg_id {entry.ecg_id}: {exc}") from None
        if wanted.with_suffix(".hea").is_file():
            record = read_record(wanted)
        elif sampling_rate == 100 and hr.with_suffix(".hea").is_file():
            record = read_record(hr).resampled(100)
        else:
            if archive is None:
                path = root / SIGNAL_ARCHIVE
                if not path.is_file():
                    raise EcgReadError(
                        f"{wanted}: no WFDB record, and no {SIGNAL_ARCHIVE} in {root} to read it from"
                    )
                archive = read_archive(str(path))
            key = Path(entry.filename_hr).name
            if key not in archive:
                raise EcgReadError(
                    f"{root / SIGNAL_ARCHIVE}: no signal {key!r} for ecg_id {entry.ecg_id}"
                )
            counts = archive[key]
            record = EcgRecord(
                (counts.astype(np.float32) / np.float32(_ARCHIVE_COUNTS_PER_MV)),
                float(_ARCHIVE_FS),
                STANDARD_LEADS[: counts.shape[1]],
                key,
            )
            if sampling_rate != _ARCHIVE_FS:
                record = record.resampled(sampling_rate)
        yield entry, record
