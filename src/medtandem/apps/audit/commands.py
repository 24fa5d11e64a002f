"""``medtandem audit verify``: walk the audit trail's hash chain."""

from __future__ import annotations

import argparse

from medtandem.cli import show_help


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("audit", help="the audit trail")
    kinds = p.add_subparsers(dest="audit", metavar="ACTION")
    v = kinds.add_parser(
        "verify", help="recompute the hash chain; exit 1 if an entry was changed or removed"
    )
    v.set_defaults(func=_verify)
    p.set_defaults(func=show_help(p))


def _verify(args: argparse.Namespace) -> int:
    from medtandem.cli import setup_django

    setup_django()
    from medtandem.apps.audit.services import verify_chain

    report = verify_chain()
    print(report.summary())
    return 0 if report.ok else 1
