"""Print, as JSON, the reliance figures the learner and cohort reliance pages show for the demo.

Run it with the interpreter of the tree whose code is to be measured, against a demo database
(``medtandem demo --no-serve`` with ``MEDTANDEM_VAR_DIR`` set); it calls that tree's selectors
(``learner_reliance``, ``cohort_reliance``), so it works on the code before the issue-17 reliance
corrections (8b10636) and after them. ``--compare A.json B.json`` prints a Markdown table of the two.
See docs/reliance.md, "Demo figures before and after the corrections".

    MEDTANDEM_VAR_DIR=/tmp/figs-after .venv/bin/python tools/reliance_before_after.py > after.json
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def _prop(x: Any) -> str | None:
    if x is None:
        return None
    ci = x.confidence_interval()
    if not x.n or ci is None:
        return f"- (0/{x.n})"
    return f"{x.value:.3f} [{ci[0]:.3f}; {ci[1]:.3f}] ({x.successes}/{x.n})"


def _est(e: Any, digits: int = 3) -> str | None:
    if e is None or e.value is None:
        return None
    out = f"{e.value:.{digits}f}"
    if e.ci_lower is not None and e.ci_upper is not None:
        out += f" [{e.ci_lower:.{digits}f}; {e.ci_upper:.{digits}f}]"
    if e.p is not None:
        out += f" p={e.p:.3g}"
    return out


def _measures(m: Any) -> dict[str, Any] | None:
    if m is None:
        return None
    out: dict[str, Any] = {"paired items": m.n}
    for name in (
        "unaided.accuracy",
        "aided.accuracy",
        "ai.accuracy",
        "over_reliance",
        "switch_to_wrong_ai",
        "agreement_with_wrong_ai",
        "under_reliance",
        "rair",
        "rsr",
        "aided_accuracy_ai_right",
        "aided_accuracy_ai_wrong",
        "unaided_accuracy_ai_right",
        "unaided_accuracy_ai_wrong",
    ):
        obj: Any = m
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            out[name] = _prop(obj)
    for name in ("benefit", "benefit_ai_right", "benefit_ai_wrong", "dratsch_contrast"):
        if hasattr(m, name):
            e = getattr(m, name)
            out[name] = _est(e)
            if name == "benefit":
                out["benefit method"] = e.method
    for cond in ("unaided", "aided"):
        c = getattr(m, f"calibration_{cond}", None)
        if c is not None and c.n:
            out[f"ECE {cond} (P(present) vs prevalence)"] = f"{c.ece:.3f}"
            ce = getattr(c, "confidence_ece", None)
            if ce is not None and ce.value is not None:
                out[f"ECE {cond} (confidence, Guo)"] = _est(ce)
    return out


def _watch(w: Any) -> dict[str, Any] | None:
    if w is None:
        return None
    out: dict[str, Any] = {
        "baseline (unaided before N aided)": _prop(w.baseline),
        "follow-up (unaided after N aided)": _prop(w.follow_up),
        "change": _est(w.change),
        "alert": w.alert,
    }
    if hasattr(w, "cusum"):
        out["CUSUM statistic / threshold"] = f"{w.cusum.statistic:.2f} / {w.cusum.threshold:g}"
        out["CUSUM follow-up reads"] = len(w.cusum.points)
        out["model identifiable"] = w.model.identifiable
        out["model exposure (log-odds per 100 reads)"] = _est(w.model.exposure)
    if hasattr(w, "slope_per_100"):
        out["slope per 100 aided"] = _est(w.slope_per_100)
    return out


def _reads_digest(users: list[Any]) -> tuple[int, str]:
    """Digest of the learners' reads (by username, order kept), to check both databases hold the same."""
    from medtandem.apps.studies.selectors import learner_reads

    names = {u.pk: u.username for u in users}
    rows = []
    for r in learner_reads(users):
        row = {k: v for k, v in r.items() if k not in ("learner_id", "submitted_at")}
        row["learner"] = names[r["learner_id"]]
        rows.append(json.dumps(row, sort_keys=True, default=str))
    ordered = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]  # learner, time order
    rows.sort()
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16] + " / " + ordered


def measure() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtandem.web.settings")
    import django

    django.setup()
    from medtandem.apps.accounts.models import User
    from medtandem.apps.studies import selectors

    root = Path(selectors.__file__).resolve().parents[4]
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    instructor = User.objects.get(username="enseignant")
    learners = selectors.cohort_learners(instructor, None)
    n_reads, digest = _reads_digest(learners)
    rows, report = selectors.cohort_reliance(instructor, None, selectors.ALL_LABELS)
    out: dict[str, Any] = {
        "commit": commit,
        "learners": len(learners),
        "reads": n_reads,
        "reads digest": digest,
        "cohort": {},
        "readers": {},
        "learner pages": {},
    }
    if report is not None:
        cohort: dict[str, Any] = {"pooled": _measures(report.overall)}
        for name in (
            "mean_benefit",
            "mean_over_reliance",
            "mean_under_reliance",
            "mean_rair",
            "mean_rsr",
        ):
            if hasattr(report, name):
                cohort[name] = _est(getattr(report, name))
        if hasattr(report, "clustered"):
            c = report.clustered
            cohort["clustered"] = {
                name: _est(getattr(c, name))
                for name in (
                    "accuracy_unaided",
                    "accuracy_aided",
                    "benefit",
                    "over_reliance",
                    "under_reliance",
                    "rair",
                    "rsr",
                    "agreement_with_wrong_ai",
                    "dratsch_contrast",
                )
            }
        cohort["by_stratum"] = {k: _measures(v) for k, v in report.by_stratum.items()}
        out["cohort"] = cohort
    flagged_over, flagged_skill = [], []
    for r in rows:
        name = r.learner.username
        out["readers"][name] = {
            "years_experience": r.learner.years_experience,
            "measures": _measures(r.measures),
            "watch": _watch(r.watch),
            "over_relies": r.over_relies,
            "lost_skill": r.lost_skill,
        }
        if r.over_relies:
            flagged_over.append(name)
        if r.lost_skill:
            flagged_skill.append(name)
    out["flagged over-reliance"] = flagged_over
    out["flagged unaided decline"] = flagged_skill
    for user in learners:
        view = selectors.learner_reliance(user, selectors.ALL_LABELS)
        page: dict[str, Any] = {
            "measures": _measures(view.measures),
            "watch": _watch(view.watch),
            "advice count": len(view.advice),
        }
        by_label = getattr(view, "by_label", None)
        if by_label:
            page["by superclass"] = {
                k: {
                    "unaided.accuracy": _prop(v.unaided.accuracy),
                    "aided.accuracy": _prop(v.aided.accuracy),
                    "over_reliance": _prop(v.over_reliance),
                }
                for k, v in by_label.items()
            }
        out["learner pages"][user.username] = page
    return out


def compare(a: dict[str, Any], b: dict[str, Any]) -> str:
    def flat(d: Any, prefix: str = "") -> dict[str, Any]:
        if not isinstance(d, dict):
            return {prefix: d}
        res: dict[str, Any] = {}
        for k, v in d.items():
            res.update(flat(v, f"{prefix}{k}" if not prefix else f"{prefix} / {k}"))
        return res

    fa, fb = flat(a), flat(b)
    keys = list(fa) + [k for k in fb if k not in fa]
    lines = [f"| measure | before ({a['commit']}) | after ({b['commit']}) |", "|---|---|---|"]
    for k in keys:
        lines.append(f"| {k} | {fa.get(k, '')} | {fb.get(k, '')} |")
    return "\n".join(lines)


def readers_table(a: dict[str, Any], b: dict[str, Any]) -> str:
    """One line per learner: over-reliance, benefit, deskilling watch and flags, before | after."""

    def cell(d: dict[str, Any], reader: str) -> list[str]:
        r = d["readers"][reader]
        m, w = r["measures"] or {}, r["watch"] or {}

        def short(x: Any) -> str:  # "0.750 [0.301; 0.954] (3/4)" -> "0.750 (3/4)"
            return (
                "-"
                if x is None
                else str(x)
                if str(x).startswith("-")
                else str(x).split(" [")[0]
                + (" " + str(x).rsplit(" ", 1)[-1] if "(" in str(x) else "")
            )

        return [
            short(m.get("over_reliance")),
            str(m.get("benefit", "-")).split(" p=")[0],
            f"{short(w.get('baseline (unaided before N aided)'))} → "
            f"{short(w.get('follow-up (unaided after N aided)'))}",
            ", ".join(
                name
                for name, on in (
                    ("over-reliance", r["over_relies"]),
                    ("unaided decline", r["lost_skill"]),
                )
                if on
            )
            or "none",
        ]

    head = ["over-reliance", "benefit [95% CI]", "unaided accuracy, baseline → follow-up", "flags"]
    lines = [
        "| learner (years) | paired items | "
        + " | ".join(f"{h}: before | after" for h in head)
        + " |",
        "|---|---|" + "---|---|" * len(head),
    ]
    for reader, r in b["readers"].items():
        n = (r["measures"] or {}).get("paired items", 0)
        ca, cb = cell(a, reader), cell(b, reader)
        pairs = " | ".join(f"{x} | {y}" for x, y in zip(ca, cb, strict=True))
        lines.append(f"| {reader} ({r['years_experience']}) | {n} | {pairs} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--readers":
        print(readers_table(*(json.loads(Path(p).read_text()) for p in sys.argv[2:])))
    elif len(sys.argv) == 4 and sys.argv[1] == "--compare":
        print(compare(*(json.loads(Path(p).read_text()) for p in sys.argv[2:])))
    else:
        print(json.dumps(measure(), indent=1, ensure_ascii=False, default=str))
