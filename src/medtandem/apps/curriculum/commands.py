"""``medtandem report national``: the national dashboard's figures, as CSV or a short text summary."""

from __future__ import annotations

import argparse
import sys

from medtandem.cli import show_help
from medtandem.csvsafe import write_csv


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser("report", help="reports on training (national figures)")
    kinds = report.add_subparsers(dest="report", metavar="REPORT")
    p = kinds.add_parser(
        "national", help="learners trained against the national targets (100,000 / 500,000)"
    )
    p.add_argument("--year", type=int, default=None, help="the year reported (default: this year)")
    p.add_argument(
        "--csv", action="store_true", help="write CSV (the dashboard's export) instead of a summary"
    )
    p.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
    p.add_argument(
        "--exclude-simulated", action="store_true", help="leave demo (simulated) accounts out"
    )
    p.add_argument("--no-refresh", action="store_true", help="use the summary tables as they are")
    p.set_defaults(func=_national)
    report.set_defaults(func=show_help(report))


def _national(args: argparse.Namespace) -> int:
    from medtandem.cli import setup_django

    setup_django()
    from django.utils import timezone

    from medtandem.apps.curriculum import selectors, services

    if not args.no_refresh:
        services.refresh_national_stats()
    year = args.year or timezone.localdate().year
    figures = selectors.national_figures(year, include_simulated=not args.exclude_simulated)
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="", encoding="utf-8")  # noqa: SIM115
    try:
        if args.csv:
            out.write(write_csv(selectors.national_csv_rows(figures)))
        else:
            out.write(
                f"{year}: {figures.trained_this_year} learners trained / {figures.annual_target} "
                f"({figures.annual_share:.1f} %); {figures.five_year_window[0]}-{figures.five_year_window[1]}: "
                f"{figures.cumulative_five_years} / {figures.five_year_target} ({figures.five_year_share:.1f} %); "
                f"completion rate {figures.completion_rate} %; median {figures.median_days} days"
                f"{'; simulated: ' + str(figures.simulated_this_year) if figures.simulated_this_year else ''}\n"
            )
    finally:
        if out is not sys.stdout:
            out.close()
    return 0
