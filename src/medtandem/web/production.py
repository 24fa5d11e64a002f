"""``medtandem serve`` (the production web server) and ``medtandem worker`` (the task worker)."""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "serve", help="serve MedTandem in production (gunicorn); HUP reloads gracefully"
    )
    p.add_argument(
        "--bind",
        default=os.environ.get("MEDTANDEM_BIND", "127.0.0.1:8000"),
        help="address:port, or unix:/path (default 127.0.0.1:8000)",
    )
    p.add_argument(
        "--workers", type=int, default=None, help="web worker processes (default 2 x cores + 1)"
    )
    p.add_argument("--worker-class", choices=("sync", "gthread"), default=None, help="default sync")
    p.add_argument(
        "--threads", type=int, default=None, help="threads per gthread worker (default 4)"
    )
    p.add_argument("--migrate", action="store_true", help="apply migrations first")
    p.add_argument(
        "--no-collectstatic", action="store_true", help="do not collect static files first"
    )
    p.add_argument("--pid", default=None, help="write the master's pid to this file")
    p.set_defaults(func=_serve)

    p = subparsers.add_parser("worker", help="run the background task worker (huey consumer)")
    p.add_argument(
        "--workers", type=int, default=2, help="concurrent tasks in this process (default 2)"
    )
    p.add_argument("--worker-type", choices=("thread", "process"), default="thread")
    p.add_argument(
        "--no-periodic",
        action="store_true",
        help="do not fire scheduled jobs from this worker (they are idempotent per period anyway)",
    )
    p.set_defaults(func=_worker)


def _serve(args: argparse.Namespace) -> int:
    from medtandem.cli import setup_django

    setup_django()
    from django.core.management import call_command

    if args.migrate:
        call_command("migrate", interactive=False, verbosity=1)
    if not args.no_collectstatic:
        call_command("collectstatic", interactive=False, verbosity=0)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:medtandem.web.gunicorn_conf",
        "--bind",
        args.bind,
    ]
    if args.workers:
        argv += ["--workers", str(args.workers)]
    if args.worker_class:
        argv += ["--worker-class", args.worker_class]
    if args.threads:
        argv += ["--threads", str(args.threads)]
    if args.pid:
        argv += ["--pid", args.pid]
    argv.append("medtandem.web.wsgi:application")
    sys.stdout.flush()
    # exec: the gunicorn master takes this process's pid, so signals (HUP, TERM) reach it directly.
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover


def _worker(args: argparse.Namespace) -> int:
    from medtandem.cli import setup_django

    setup_django()
    from medtandem.apps.jobs.worker import run_consumer

    run_consumer(workers=args.workers, worker_type=args.worker_type, periodic=not args.no_periodic)
    return 0
