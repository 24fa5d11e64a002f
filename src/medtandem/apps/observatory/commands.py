"""``medtandem observatory …``: import the FDA's lists, recompute field monitoring, load the demo."""

from __future__ import annotations

import argparse

from medtandem.cli import show_help


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("observatory", help="the observatory of AI in healthcare")
    actions = p.add_subparsers(dest="observatory", metavar="ACTION")
    fda = actions.add_parser(
        "import-fda", help="import the FDA AI-enabled device list (CSV or XLSX) and MAUDE reports"
    )
    fda.add_argument("devices", nargs="?", help="device list (default: the shipped May 2024 list)")
    fda.add_argument(
        "--maude", help="MAUDE reports CSV (default: the shipped reports; 'none' to skip)"
    )
    fda.set_defaults(func=_import_fda)
    refresh = actions.add_parser("refresh", help="recompute field monitoring (idempotent)")
    refresh.add_argument("--window-days", type=int, default=7)
    refresh.add_argument("--windows", type=int, default=12)
    refresh.set_defaults(func=_refresh)
    demo = actions.add_parser(
        "demo", help="load the observatory demo (FDA data, field reads with an injected drift)"
    )
    demo.set_defaults(func=_demo)
    p.set_defaults(func=show_help(p))


def _import_fda(args: argparse.Namespace) -> int:
    from medtandem.cli import setup_django

    setup_django()
    from medtandem.apps.observatory import services

    maude = (
        None
        if (args.maude or "").lower() == "none"
        else (args.maude or (None if args.devices else services.FDA_MAUDE))
    )
    try:
        report = services.import_fda(args.devices or services.FDA_DEVICES, maude)
    except services.ImportFileError as exc:
        print(f"error: {exc} (nothing was written)")
        return 1
    print(report.summary())
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from medtandem.cli import setup_django

    setup_django()
    from medtandem.apps.observatory.services import refresh_field_monitoring

    print(
        refresh_field_monitoring(
            window_days=args.window_days, n_windows=args.windows, progress=print
        ).summary()
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from medtandem.cli import setup_django

    setup_django()
    from medtandem.apps.observatory.demo import load_demo

    print(load_demo(progress=print))
    return 0
