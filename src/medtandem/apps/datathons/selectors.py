"""Read-side of datathons: phases, case ids, downloads, leaderboards and evidence.

Truth is read here for two purposes only: scoring on the server (:func:`truth_matrix`) and the
development phase's download (:func:`archive`, ``phase="development"``). Nothing returned for a
page carries a final-phase case's truth, its bank id, or a per-case score; final-phase scores stay
out of every page until the challenge closes (:func:`final_scores_visible`).
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from medtandem.apps.accounts.models import User
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.selectors import record_of
from medtandem.apps.datathons.models import (
    Challenge,
    ChallengeCase,
    Metric,
    Phase,
    Submission,
    Task,
    Team,
)
from medtandem.csvsafe import write_csv
from medtandem.ecg.ptbxl import SUPERCLASSES
from medtandem.ecg.wfdb import write_record
from medtandem.mrmc import MrmcInputError
from medtandem.mrmc.paired import paired_auc_comparison

SUPERCLASS_OUTPUTS: tuple[str, ...] = tuple(s for s in SUPERCLASSES if s != "AFIB")
ABNORMAL_OUTPUTS: tuple[str, ...] = ("ABNORMAL",)


def outputs(task: str) -> tuple[str, ...]:
    """The columns a predictions file carries for ``task`` (besides ``id``)."""
    return SUPERCLASS_OUTPUTS if task == Task.SUPERCLASSES else ABNORMAL_OUTPUTS


def truth_rows(cases: Iterable[Case], task: str) -> dict[int, tuple[int, ...]]:
    """Case pk -> 0/1 per output of ``task`` (ABNORMAL is "not NORM")."""
    out: dict[int, tuple[int, ...]] = {}
    for case in cases:
        if task == Task.SUPERCLASSES:
            out[case.pk] = tuple(int(getattr(case, name.lower())) for name in SUPERCLASS_OUTPUTS)
        else:
            out[case.pk] = (int(not case.norm),)
    return out


def cases_in_unclosed_challenges(now: datetime) -> QuerySet[ChallengeCase, int]:
    return ChallengeCase.objects.filter(challenge__final_closes__gt=now).values_list(
        "case_id", flat=True
    )


def cases_with_published_truth() -> QuerySet[ChallengeCase, int]:
    """Cases of any development phase: their truth is downloadable."""
    return ChallengeCase.objects.filter(phase=Phase.DEVELOPMENT).values_list("case_id", flat=True)


def challenges() -> QuerySet[Challenge]:
    return Challenge.objects.all()


def challenge_by_slug(slug: str) -> Challenge | None:
    return Challenge.objects.filter(slug=slug).first()


def open_phase(challenge: Challenge, now: datetime | None = None) -> str | None:
    """The phase accepting submissions at ``now`` (None before the start and after the close)."""
    now = now or timezone.now()
    if challenge.development_opens <= now < challenge.final_opens:
        return Phase.DEVELOPMENT
    if challenge.final_opens <= now < challenge.final_closes:
        return Phase.FINAL
    return None


def final_scores_visible(challenge: Challenge, now: datetime | None = None) -> bool:
    """Final-phase scores are shown once the phase has closed (none can then be used to probe)."""
    return (now or timezone.now()) >= challenge.final_closes


def phase_cases(challenge: Challenge, phase: str) -> QuerySet[ChallengeCase]:
    return ChallengeCase.objects.filter(challenge=challenge, phase=phase).order_by("public_id")


def public_ids(challenge: Challenge, phase: str) -> list[str]:
    return list(phase_cases(challenge, phase).values_list("public_id", flat=True))


def phase_sizes(challenge: Challenge) -> dict[str, int]:
    return {p: phase_cases(challenge, p).count() for p in Phase.values}


def truth_matrix(challenge: Challenge, phase: str, ids: list[str]) -> np.ndarray:
    """The truth (len(ids), outputs) in the order of ``ids``: for scoring, on the server only."""
    links = {c.public_id: c.case for c in phase_cases(challenge, phase).select_related("case")}
    rows = truth_rows(links.values(), challenge.task)
    return np.array([rows[links[i].pk] for i in ids], dtype=int)


def team_of(challenge: Challenge, user: User | None) -> Team | None:
    if user is None or not user.is_authenticated:
        return None
    return Team.objects.filter(challenge=challenge, members=user).first()


@dataclass(frozen=True)
class TeamSubmission:
    """A team's submission as its page shows it: ``scores`` is None for a final-phase submission
    until the challenge closes (the team learns it was accepted, not how it scored)."""

    submission: Submission
    scores: dict[str, object] | None


def team_submissions(team: Team, now: datetime | None = None) -> list[TeamSubmission]:
    visible = final_scores_visible(team.challenge, now)
    return [
        TeamSubmission(s, s.scores if s.phase == Phase.DEVELOPMENT or visible else None)
        for s in team.submissions.defer("predictions")
        .select_related("registered_version")
        .order_by("-submitted_at")
    ]


def final_submissions_left(team: Team) -> int:
    used = team.submissions.filter(phase=Phase.FINAL).count()
    return max(0, team.challenge.max_final_submissions - used)


# --- downloads ------------------------------------------------------------------------------------


def archive(challenge: Challenge, phase: str) -> bytes:
    """A zip of the phase's cases: WFDB records named by ``public_id``, ``cases.csv`` (id, age,
    sex, sampling rate), ``template.csv`` (the layout of a submission) and, for the development
    phase only, ``truth.csv``. Record headers carry no comment, no original record name, no date."""
    out_cols = outputs(challenge.task)
    links = list(phase_cases(challenge, phase).select_related("case", "case__signal"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        meta_rows = []
        for link in links:
            record = record_of(link.case)
            header, data = write_record(record, link.public_id)
            z.writestr(f"records/{link.public_id}.hea", header)
            z.writestr(f"records/{link.public_id}.dat", data)
            meta_rows.append([link.public_id, link.case.age, link.case.sex, record.fs])
        z.writestr("cases.csv", write_csv(meta_rows, ["id", "age", "sex", "fs_hz"]))
        z.writestr(
            "template.csv",
            write_csv(
                [[link.public_id, *([0.5] * len(out_cols))] for link in links], ["id", *out_cols]
            ),
        )
        if phase == Phase.DEVELOPMENT:
            truth = truth_rows([link.case for link in links], challenge.task)
            z.writestr(
                "truth.csv",
                write_csv(
                    [[link.public_id, *truth[link.case.pk]] for link in links], ["id", *out_cols]
                ),
            )
        z.writestr("LICENSE.txt", LICENCE)
    return buffer.getvalue()


LICENCE = (
    "ECG records from PTB-XL v1.0.3 (Wagner et al., Scientific Data 7:154, 2020;\n"
    "https://doi.org/10.13026/kfzx-aw45), Creative Commons Attribution 4.0 International.\n"
    "Records renamed to the challenge's case ids; signals unchanged (WFDB format 16, 1000/mV).\n"
)


# --- leaderboard ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    team: Team
    submission: Submission
    value: float | None
    ci: tuple[float, float] | None
    #: Paired DeLong against the leader: ``difference`` is this row's AUC minus the leader's
    #: (AUC metrics; None for the leader and for Brier).
    difference: float | None
    p_value: float | None
    significant: bool | None


@dataclass(frozen=True)
class Leaderboard:
    phase: str
    metric: str
    visible: bool
    rows: tuple[LeaderboardRow, ...]
    n_cases: int


def _value(submission: Submission, metric: str) -> float | None:
    raw = submission.scores.get("brier" if metric == Metric.BRIER else "macro_auc")
    return None if raw is None or not math.isfinite(float(raw)) else float(raw)


def _better(metric: str, a: float | None, b: float | None) -> bool:
    if a is None:
        return False
    if b is None:
        return True
    return a < b if metric == Metric.BRIER else a > b


def leaderboard(challenge: Challenge, phase: str, now: datetime | None = None) -> Leaderboard:
    """One row per team: in development its best submission, in the final its last one (choosing
    the best of several final scores would reward probing the hidden truth). Ranked by the
    challenge's metric; for AUC metrics each row is compared with the leader by paired DeLong on
    the same cases (:func:`medtandem.mrmc.paired.paired_auc_comparison`)."""
    metric = challenge.metric
    visible = phase == Phase.DEVELOPMENT or final_scores_visible(challenge, now)
    ids = public_ids(challenge, phase)
    if not visible:
        return Leaderboard(phase, metric, False, (), len(ids))
    chosen: dict[int, Submission] = {}
    for s in (
        Submission.objects.filter(team__challenge=challenge, phase=phase)
        .select_related("team", "registered_version")
        .order_by("submitted_at", "pk")
    ):
        current = chosen.get(s.team_id)
        if (
            phase == Phase.FINAL
            or current is None
            or _better(metric, _value(s, metric), _value(current, metric))
        ):
            chosen[s.team_id] = s
    ordered = sorted(
        chosen.values(),
        key=lambda s: (
            _value(s, metric) is None,
            (1 if metric == Metric.BRIER else -1) * (_value(s, metric) or 0.0),
            s.team.name,
        ),
    )
    rows: list[LeaderboardRow] = []
    truth = truth_matrix(challenge, phase, ids) if ordered and metric == Metric.MACRO_AUC else None
    leader = ordered[0] if ordered else None
    for rank, s in enumerate(ordered, start=1):
        ci = s.scores.get("macro_auc_ci") if metric == Metric.MACRO_AUC else None
        difference = p_value = significant = None
        if truth is not None and leader is not None and s is not leader:
            try:
                cmp = paired_auc_comparison(
                    truth,
                    np.array([s.predictions[i] for i in ids]),
                    np.array([leader.predictions[i] for i in ids]),
                )
                difference, p_value, significant = cmp.difference, cmp.p_value, cmp.significant
            except MrmcInputError:
                pass  # too few cases of a class to test; the row shows no comparison
        rows.append(
            LeaderboardRow(
                rank=rank,
                team=s.team,
                submission=s,
                value=_value(s, metric),
                ci=(float(ci[0]), float(ci[1])) if ci and None not in ci else None,
                difference=difference,
                p_value=p_value,
                significant=significant,
            )
        )
    return Leaderboard(phase, metric, True, tuple(rows), len(ids))


def results_for_version(version_id: int, now: datetime | None = None) -> list[Submission]:
    """Submissions linked to a registry entry whose scores may be shown (development, or final
    after the close): the challenge evidence of that model."""
    now = now or timezone.now()
    out = []
    for s in (
        Submission.objects.filter(registered_version_id=version_id)
        .select_related("team", "team__challenge")
        .defer("predictions")
        .order_by("-submitted_at")
    ):
        if s.phase == Phase.DEVELOPMENT or final_scores_visible(s.team.challenge, now):
            out.append(s)
    return out
