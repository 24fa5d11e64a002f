"""The ``medtandem`` command.

Each domain contributes its sub-commands through a module exposing
``register(subparsers: argparse._SubParsersAction) -> None``; each registered parser sets
``func`` (taking the parsed ``argparse.Namespace`` and returning an exit status).
Pure commands (``mrmc``, ``ai``) never set up Django; web commands call :func:`setup_django` first.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

#: Modules that register sub-commands; a module missing from an install is skipped.
COMMAND_MODULES = (
    "medtandem.mrmc.cli",
    "medtandem.ai.cli",
    "medtandem.apps.curriculum.commands",
    "medtandem.apps.audit.commands",
    "medtandem.apps.observatory.commands",
    "medtandem.web.commands",
    "medtandem.web.production",
)


def show_help(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """The ``func`` of a command group run without a sub-command: print its help, exit status 2."""

    def run(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return run


def setup_django() -> None:
    """Configure Django for commands that touch the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtandem.web.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medtandem",
        description="MedTandem: hybrid ECG reading, reader-study statistics, frugal ECG AI.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that domain is not part of this install
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
