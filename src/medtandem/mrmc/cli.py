"""``medtandem mrmc READS.csv``: MRMC ROC analysis from the command line."""

from __future__ import annotations

import argparse
import json
import sys

from .analysis import METHODS, analyze
from .covariance import COV_METHODS, JACKKNIFE_CONVENTIONS
from .errors import MrmcInputError

__all__ = ["handle", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``mrmc`` sub-command."""
    p = subparsers.add_parser(
        "mrmc",
        help="multi-reader multi-case ROC analysis (Obuchowski-Rockette / DBM, Hillis df)",
        description="Analyse a reads CSV with columns reader,case,modality,truth,rating "
        "(truth 1 diseased, 0 not).",
    )
    p.add_argument("reads", help="CSV file of reads")
    p.add_argument(
        "--cov",
        choices=COV_METHODS,
        default="jackknife",
        help="covariance of the FOMs over cases (default jackknife)",
    )
    p.add_argument(
        "--method",
        choices=METHODS,
        default="or",
        help="or: Obuchowski-Rockette; dbm: Dorfman-Berbaum-Metz (default or)",
    )
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument(
        "--fom",
        choices=("auc", "sensitivity", "specificity", "pauc"),
        default="auc",
        help="figure of merit (default auc)",
    )
    p.add_argument("--threshold", type=float, help="rating threshold for sensitivity/specificity")
    p.add_argument("--max-fpr", type=float, help="upper FPF of the partial AUC")
    p.add_argument(
        "--jackknife",
        choices=JACKKNIFE_CONVENTIONS,
        default="study_cases",
        help="jackknife convention on incomplete designs: study_cases (MRMCaov, "
        "default) or own_cases",
    )
    p.add_argument(
        "--frrc-no-truncate",
        dest="frrc_truncate",
        action="store_false",
        help="do not truncate Cov2 - Cov3 at 0 in the fixed-readers OR test "
        "(MRMCaov); default truncates (OR-DBM MRMC)",
    )
    p.add_argument("--n-boot", type=int, default=2000, help="bootstrap replicates")
    p.add_argument("--seed", type=int, help="bootstrap random seed")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--report", help="write a report: .html, or .pdf (WeasyPrint)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the analysis; input problems go to stderr with exit status 2."""
    try:
        result = analyze(
            args.reads,
            cov=args.cov,
            method=args.method,
            alpha=args.alpha,
            fom=args.fom,
            threshold=args.threshold,
            max_fpr=args.max_fpr,
            n_boot=args.n_boot,
            seed=args.seed,
            jackknife=args.jackknife,
            frrc_truncate=args.frrc_truncate,
        )
        if args.report:
            from .report import write_report

            try:
                write_report(result, args.report)
            except OSError as exc:
                raise MrmcInputError(f"cannot write report {args.report}: {exc}") from exc
    except MrmcInputError as exc:
        print(f"medtandem mrmc: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, allow_nan=False))
    else:
        print(result.summary())
    return 0
