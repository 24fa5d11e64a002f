"""Benchmark: PTB-XL records imported per second into the case bank.

Imports the 500 records of a PTB-XL folder (default: the shared WFDB subset when present, else the
embedded bank) into a fresh database: SQLite in a temporary folder, and PostgreSQL when PG_URL answers.
Prints records per second and the time per record; the import goes through the same service as
``medtandem import-ptbxl`` (parsing, checksum checks, compression, bulk writes, one transaction).

    .venv/bin/python bench/import.py [PTBXL_DIR] [--rate 500]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "ptbxl-first500"
EMBEDDED = ROOT / "src" / "medtandem" / "data" / "ptbxl500"
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")

CHILD = r"""
import os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "medtandem.web.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from medtandem.apps.cases.services import import_ptbxl
root, rate = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter(); first = import_ptbxl(root, sampling_rate=rate); t1 = time.perf_counter()
again = import_ptbxl(root, sampling_rate=rate); t2 = time.perf_counter()
print(first.total, t1 - t0, again.total, t2 - t1)
"""


def run(label: str, env: dict[str, str], root: Path, rate: int) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(rate)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        print(f"{label}: failed\n{out.stderr[-2000:]}")
        return
    n, t_first, n2, t_again = out.stdout.split()[-4:]
    n_i, tf, ta = int(n), float(t_first), float(t_again)
    print(
        f"{label:12} first import: {n_i} records in {tf:6.2f} s = {n_i / tf:7.1f} records/s "
        f"({1000 * tf / n_i:5.1f} ms/record); re-import (idempotent update): {int(n2) / ta:7.1f} records/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(SHARED if SHARED.is_dir() else EMBEDDED))
    parser.add_argument("--rate", type=int, default=500, choices=(100, 500))
    args = parser.parse_args()
    root = Path(args.path)
    print(f"Source: {root} at {args.rate} Hz")
    base = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as tmp:
        run(
            "SQLite",
            {**base, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "MEDTANDEM_VAR_DIR": tmp},
            root,
            args.rate,
        )
    try:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS medtandem_bench_import")
            conn.execute("CREATE DATABASE medtandem_bench_import")
        url = PG_URL.rsplit("/", 1)[0] + "/medtandem_bench_import"
        try:
            run("PostgreSQL", {**base, "DATABASE_URL": url}, root, args.rate)
        finally:
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS medtandem_bench_import WITH (FORCE)")
    except Exception as exc:  # no server: say so, do not fail the benchmark run
        print(f"PostgreSQL  skipped ({exc.__class__.__name__}: {exc})")


if __name__ == "__main__":
    main()
