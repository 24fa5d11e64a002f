"""Sub-commands of ``medtandem`` that need Django: import, demo data, serving, management."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "import-ptbxl", help="import a PTB-XL folder (standard layout) into the case bank"
    )
    p.add_argument(
        "path", help="PTB-XL folder with ptbxl_database.csv, scp_statements.csv, records100/500"
    )
    p.add_argument("--sampling-rate", type=int, choices=(100, 500), default=500)
    p.add_argument("--limit", type=int, default=None, help="import only the first N records")
    p.set_defaults(func=_import_ptbxl)

    p = subparsers.add_parser("demo", help="migrate, load the embedded demo data and serve it")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", default="8000")
    p.add_argument("--no-serve", action="store_true", help="load the data and stop")
    p.set_defaults(func=_demo)

    p = subparsers.add_parser(
        "manage", help="run a Django management command (migrate, createsuperuser, ...)"
    )
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_manage)


def _import_ptbxl(args: argparse.Namespace) -> int:
    from medtandem.cli import setup_django

    setup_django()
    from tqdm import tqdm

    from medtandem.apps.cases.services import CaseImportError, import_ptbxl
    from medtandem.ecg.ptbxl import read_database
    from medtandem.ecg.record import EcgReadError

    try:
        total = len(read_database(args.path, limit=args.limit).entries)
    except EcgReadError as exc:
        print(f"medtandem import-ptbxl: {exc}. Nothing was imported.", file=sys.stderr)
        return 2
    with tqdm(total=total, unit="ECG", desc="Import PTB-XL", disable=None) as bar:
        try:
            report = import_ptbxl(
                args.path, sampling_rate=args.sampling_rate, limit=args.limit, progress=bar.update
            )
        except CaseImportError as exc:
            bar.close()
            print(f"medtandem import-ptbxl: {exc}. Nothing was imported.", file=sys.stderr)
            return 2
    print(
        f"Imported {report.total} ECGs at {report.sampling_rate} Hz "
        f"({report.created} new, {report.updated} updated; {report.statements} SCP statements)."
    )
    return 0


def _manage(args: argparse.Namespace) -> int:
    from medtandem.cli import setup_django

    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["medtandem manage", *args.args])
    return 0


def _demo(args: argparse.Namespace) -> int:
    import os

    # The demo runs like production: DEBUG off whatever the environment says (error pages never list
    # the URL patterns nor show a traceback), static files collected and served by WhiteNoise.
    os.environ["DEBUG"] = "0"
    from medtandem.cli import setup_django

    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from medtandem.web.demo import load_demo

    report = load_demo()
    print()
    print(
        "MedTandem demo ready"
        + (f" on http://{args.host}:{args.port}/" if not args.no_serve else "")
    )
    print("Demo logins (username / password — role):")
    for username, password, roles in report.people:
        print(f"  {username:15} {password:24} {roles}")
    for note in report.notes:
        print(f"  note: {note}")
    if args.no_serve:
        return 0
    # Issue 12: the embedded task worker runs beside the demo server and stops with it.
    from medtandem.apps.jobs.worker import spawn_worker, stop_worker

    worker = spawn_worker(workers=1)
    try:
        call_command("runserver", f"{args.host}:{args.port}", use_reloader=False)
    finally:
        stop_worker(worker)
    return 0
