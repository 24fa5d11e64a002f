"""``medtandem ai``: train, evaluate, predict and report (no Django)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from medtandem.ai.artifacts import DEFAULT_FILE, MODELS_DIR, dumps
from medtandem.ai.families import FAMILIES
from medtandem.ai.model import ModelLoadError, load_model
from medtandem.ai.report import format_report, frugality_report, markdown_tables
from medtandem.cli import show_help
from medtandem.ecg import EcgReadError, read_record
from medtandem.ecg.agreement import measurement_agreement


def _train(args: argparse.Namespace) -> int:
    # medtandem.ai.train pulls in scikit-learn and fairlearn: imported when a training command runs,
    # so that `medtandem ai predict` and `report` start fast.
    from medtandem.ai.train import train_model

    try:
        train_model(
            args.data,
            args.out,
            family=args.model,
            name=args.name,
            seed=args.seed,
            limit=args.limit,
            log=lambda s: print(s, file=sys.stderr),
        )
    except ModuleNotFoundError as exc:
        print(
            f"error: training the {args.model} model needs {exc.name}: "
            "pip install 'medtandem[train]'",
            file=sys.stderr,
        )
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from medtandem.ai.train import evaluate_family, format_holdouts, format_robustness  # see _train

    model_dir = Path(args.model)
    if not model_dir.exists() and (MODELS_DIR / args.model).is_dir():
        model_dir = MODELS_DIR / args.model
    try:
        ev = evaluate_family(
            args.data,
            model_dir,
            seed=args.seed,
            limit=args.limit,
            log=lambda s: print(s, file=sys.stderr),
            holdouts=not args.no_holdouts,
            robustness=not args.no_robustness,
        )
    except (ModuleNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.json:
        print(f"model {model_dir.name}")
        cv = ev.get("cv10") or {}
        print(
            f"10-fold CV: macro AUC {cv.get('macro_auc')} {cv.get('macro_auc_ci')}, normal vs abnormal "
            f"{cv.get('abnormal_vs_normal_auc')}, ECE {cv.get('ece')}"
        )
        if "holdout" in ev:
            print(
                "held-out sites and devices (re-trained without them):\n"
                + format_holdouts(ev["holdout"])
            )
        if ev.get("robustness"):
            print(format_robustness(ev["robustness"]))
        floor = ev.get("floor") or {}
        print(
            f"floor (LR on band powers): normal vs abnormal {floor.get('abnormal_vs_normal_auc')}, "
            f"macro {floor.get('macro_auc')}"
        )
        return 0
    summary = {k: ev.get(k) for k in ("cv10", "fold10")}
    print(
        dumps(
            {
                "model": str(model_dir),
                **{
                    k: {
                        "macro_auc": v.get("macro_auc"),
                        "macro_auc_ci": v.get("macro_auc_ci"),
                        "ece": v.get("ece"),
                    }
                    for k, v in summary.items()
                    if v
                },
                "holdout": {k: v.get("macro_auc") for k, v in (ev.get("holdout") or {}).items()},
                "robustness": (ev.get("robustness") or {}).get("summary"),
                "floor": ev.get("floor"),
            },
            compact=True,
        )
    )
    return 0


def _predict(args: argparse.Namespace) -> int:
    try:
        model = load_model(args.model)
    except ModelLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failures = 0
    for path in args.records:
        try:
            record = read_record(path)
            s = model.predict_record(record, explain=args.explain)
        except (EcgReadError, KeyError, ValueError, OSError) as exc:
            failures += 1
            print(f"error: {path}: {exc}", file=sys.stderr)
            continue
        out: dict[str, Any] = {
            "record": path,
            "model": s.model_name,
            "version": s.model_version,
            "probabilities": s.probabilities,
        }
        if s.refused:
            failures += 1
            reasons = "; ".join(s.quality.messages["en"]) if s.quality else ""
            print(f"error: {path}: refused by the quality check: {reasons}", file=sys.stderr)
            continue
        if args.explain:
            out["explanation"] = s.explanation
        if args.json:
            print(json.dumps(out), flush=True)
        else:
            probs = "  ".join(f"{k} {v:.2f}" for k, v in s.probabilities.items())
            print(f"{path}: {probs}", flush=True)
    return 1 if failures else 0


def _report(args: argparse.Namespace) -> int:
    if args.markdown:
        print(markdown_tables(args.models_dir))
        return 0
    report = frugality_report(args.models_dir)
    if args.write_default:
        if report["chosen_by_rule"] is None:
            print("error: no model is evaluated on held-out sites and devices", file=sys.stderr)
            return 2
        DEFAULT_FILE.write_text(report["chosen_by_rule"] + "\n", encoding="utf-8")
        report = frugality_report(args.models_dir)
    print(dumps(report) if args.json else format_report(report))
    return 0


def _agreement(args: argparse.Namespace) -> int:
    try:
        result = measurement_agreement(args.data, limit=args.limit)
    except (EcgReadError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(dumps(result.to_dict()))
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ai = subparsers.add_parser("ai", help="frugal ECG models: train, evaluate, predict, report")
    sub = ai.add_subparsers(dest="ai_command", metavar="AI_COMMAND")
    ai.set_defaults(func=show_help(ai))

    p = sub.add_parser("train", help="train a model (folds 1-8 train, 9 calibrate, 10 test)")
    p.add_argument(
        "--data", required=True, help="PTB-XL folder (standard layout or the embedded bank)"
    )
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--model", choices=tuple(FAMILIES), default="measurements", help="model family")
    p.add_argument(
        "--name", default=None, help="model name (default: the family's, e.g. ecg-measure-gb)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="read only the first N records")
    p.set_defaults(func=_train)

    p = sub.add_parser(
        "evaluate",
        help="10-fold CV, site/device hold-outs, perturbations, subgroups; updates the card",
    )
    p.add_argument("--data", required=True)
    p.add_argument("--model", required=True, help="model folder (or a shipped model's name)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--no-holdouts", action="store_true", help="skip the site and device hold-outs")
    p.add_argument("--no-robustness", action="store_true", help="skip the perturbation suite")
    p.add_argument(
        "--json", action="store_true", help="print a one-line JSON summary instead of the tables"
    )
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("predict", help="suggest labels for WFDB records (one JSON object per line)")
    p.add_argument(
        "records", nargs="+", metavar="RECORD", help="WFDB record path, with or without .hea"
    )
    p.add_argument(
        "--model", default=None, help="model folder or shipped name (default: the default model)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per record and line")
    p.add_argument("--explain", action="store_true", help="include the explanation")
    p.set_defaults(func=_predict)

    p = sub.add_parser(
        "agreement", help="agreement of the measurement program with PTB-XL's own statements"
    )
    p.add_argument("--data", required=True)
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(func=_agreement)

    p = sub.add_parser("report", help="frugality report of the shipped models")
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", action="store_true", help="the comparison tables of docs/ai.md")
    p.add_argument(
        "--write-default",
        action="store_true",
        help="record the model chosen by the rule in models/DEFAULT",
    )
    p.add_argument("--models-dir", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=_report)
