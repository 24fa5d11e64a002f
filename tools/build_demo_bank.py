"""Rebuild the embedded demo case bank from a PTB-XL folder (run by maintainers, not at run time).

    python tools/build_demo_bank.py ../shared/data/ptbxl-first500 src/medtandem/data/ptbxl500

Copies the metadata CSVs and licence, and packs the 500 Hz signals into ``signals500.npz.xz``
(lossless: int16 ADC counts at 1000 counts/mV, as in PTB-XL's WFDB files).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from medtandem.ecg.bundle import write_archive  # noqa: E402
from medtandem.ecg.ptbxl import read_database  # noqa: E402
from medtandem.ecg.wfdb import read_record  # noqa: E402


def main(src: str, dst: str) -> None:
    src_p, dst_p = Path(src), Path(dst)
    dst_p.mkdir(parents=True, exist_ok=True)
    for name in ("ptbxl_database.csv", "scp_statements.csv", "LICENSE.txt"):
        shutil.copy(src_p / name, dst_p / name)
    db = read_database(src_p)
    signals = {}
    for entry in db.entries:
        rec = read_record(src_p / entry.filename_hr)
        signals[Path(entry.filename_hr).name] = np.rint(rec.signal * 1000).astype(np.int16)
    write_archive(str(dst_p / "signals500.npz.xz"), signals)
    print(f"packed {len(signals)} records into {dst_p / 'signals500.npz.xz'}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
