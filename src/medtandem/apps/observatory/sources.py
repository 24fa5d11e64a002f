"""What the observatory reads from the other apps, in one place.

The reading, cases and accounts apps own these tables; the observatory only reads them, through
their selectors where one exists (``record_of``, ``cases_of``, ``may_see_ai``) and, for the bulk
columnar reads that field monitoring needs (a million reads in seconds, which no selector offers
yet), through the read-only queries below. Nothing here writes. When those apps add bulk-export
selectors, only this module changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import QuerySet
from numpy.typing import NDArray

from medtandem.apps.cases.models import AIPrediction, Case
from medtandem.apps.cases.selectors import record_of
from medtandem.apps.reading.models import Condition, Read, ReadingSession
from medtandem.apps.reading.selectors import cases_of
from medtandem.apps.reading.services import may_see_ai
from medtandem.ecg.ptbxl import SUPERCLASSES

OUTPUTS = (*SUPERCLASSES, "AFIB")
DECISIONS = tuple(s.lower() for s in SUPERCLASSES)


@dataclass(frozen=True)
class ReadColumns:
    """Reads as columns (one row per read)."""

    session: NDArray[np.int64]
    case: NDArray[np.int64]
    prediction: NDArray[np.int64]
    time: NDArray[np.float64]  # seconds since the epoch
    profession: NDArray[Any]
    simulated: NDArray[np.bool_]
    seen_truth_before: NDArray[np.bool_]
    decisions: NDArray[np.bool_]  # (n, 5), SUPERCLASSES order

    def __len__(self) -> int:
        return len(self.case)


def _columns(rows: list[tuple[Any, ...]]) -> ReadColumns:
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return ReadColumns(
            empty,
            empty,
            empty,
            np.zeros(0),
            np.zeros(0, dtype=object),
            np.zeros(0, bool),
            np.zeros(0, bool),
            np.zeros((0, 5), bool),
        )
    cols = list(zip(*rows, strict=True))
    return ReadColumns(
        session=np.asarray(cols[0], dtype=np.int64),
        case=np.asarray(cols[1], dtype=np.int64),
        prediction=np.asarray([-1 if v is None else v for v in cols[2]], dtype=np.int64),
        time=np.fromiter((t.timestamp() for t in cols[3]), dtype=np.float64, count=len(rows)),
        profession=np.asarray(cols[4], dtype=object),
        simulated=np.asarray(cols[5], dtype=bool),
        seen_truth_before=np.asarray(cols[6], dtype=bool),
        decisions=np.asarray(cols[7:12], dtype=bool).T,
    )


_FIELDS = (
    "session_id",
    "case_id",
    "ai_prediction_id",
    "submitted_at",
    "learner__profession",
    "learner__is_simulated",
    "seen_truth_before",
    *DECISIONS,
)


def _aided(model_name: str, model_version: str) -> QuerySet[Read]:
    """The aided reads where that model version's suggestion was shown."""
    return Read.objects.filter(
        condition=Condition.AIDED,
        ai_prediction__model_name=model_name,
        ai_prediction__model_version=model_version,
    ).order_by()


def aided_reads_of(model_name: str, model_version: str) -> ReadColumns:
    """The aided reads where that model version's suggestion was shown."""
    return _columns(list(_aided(model_name, model_version).values_list(*_FIELDS)))


def aided_reads_exist(model_name: str, model_version: str) -> bool:
    return _aided(model_name, model_version).exists()


def unaided_reads_in(model_name: str, model_version: str) -> ReadColumns:
    """The unaided reads of sessions that then showed that model (the first read of the pair)."""
    qs = Read.objects.filter(
        condition=Condition.UNAIDED,
        session__ai_model_name=model_name,
        session__ai_model_version=model_version,
    ).order_by()
    return _columns(list(qs.values_list(*_FIELDS)))


@dataclass(frozen=True)
class StoredSuggestion:
    """What field monitoring needs of a cached suggestion: its probabilities, whether the model
    refused the input (no probabilities were shown) and whether it flagged it out of domain."""

    probabilities: dict[str, float]
    refused: bool
    out_of_domain: bool


def suggestions(ids: Iterable[int]) -> dict[int, StoredSuggestion]:
    """The cached suggestions with these primary keys (the explanation's two flags are read as JSON
    keys by the database, not loaded whole)."""
    wanted = sorted({int(i) for i in ids if i >= 0})
    out: dict[int, StoredSuggestion] = {}
    for start in range(0, len(wanted), 5000):
        for pk, probs, refused, ood in AIPrediction.objects.filter(
            pk__in=wanted[start : start + 5000]
        ).values_list("pk", "probabilities", "explanation__refused", "explanation__ood__flagged"):
            out[pk] = StoredSuggestion(probs or {}, bool(refused), bool(ood))
    return out


@dataclass(frozen=True)
class CaseFacts:
    age: int | None
    sex: str
    device: str
    site: str
    truth: tuple[bool, ...]  # OUTPUTS order (AFIB: rhythm is AF or flutter)
    strat_fold: int | None
    source: str


def case_facts(ids: Iterable[int] | None = None) -> dict[int, CaseFacts]:
    qs = Case.objects.all() if ids is None else Case.objects.filter(pk__in=sorted(set(ids)))
    out = {}
    for row in qs.values_list(
        "pk", "age", "sex", "device", "site", *DECISIONS, "rhythm", "strat_fold", "source"
    ):
        out[row[0]] = CaseFacts(
            row[1],
            row[2] or "",
            row[3] or "",
            row[4] or "",
            (*[bool(v) for v in row[5:10]], row[10] == "afib_flutter"),
            row[11],
            row[12],
        )
    return out


def training_case_ids() -> list[int]:
    """The cases of the shipped models' training folds (PTB-XL strat_fold 1-8, as their protocol states)."""
    return list(
        Case.objects.filter(source="PTB-XL", strat_fold__lte=8).values_list("pk", flat=True)
    )


def record_of_case(case_id: int) -> Any:
    return record_of(Case.objects.select_related("signal").get(pk=case_id))


def inferences_by_month(model_name: str, model_version: str) -> list[tuple[str, int]]:
    """Cached predictions of that model per month (each was one inference)."""
    counts: dict[str, int] = {}
    for created in AIPrediction.objects.filter(
        model_name=model_name, model_version=model_version
    ).values_list("created_at", flat=True):
        key = created.strftime("%Y-%m")
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items())


@dataclass(frozen=True)
class ReadingContext:
    """What an incident reported from the reading page needs, resolved on the server."""

    case_id: int
    prediction_id: int
    model_name: str
    model_version: str


def reading_context(user: Any, session_pk: int, position: int) -> ReadingContext | None:
    """The case and suggestion at ``position`` of the user's own session, once the AI was shown
    there; None otherwise (another's session, a position not reached, no AI yet)."""
    session = (
        ReadingSession.objects.filter(pk=session_pk, learner=user)
        .select_related("case_set")
        .first()
    )
    if session is None or not session.ai_model_name:
        return None
    cases = cases_of(session)
    if not 0 <= position < len(cases) or not may_see_ai(session, cases[position]):
        return None
    case = cases[position]
    prediction = AIPrediction.objects.filter(
        case=case, model_name=session.ai_model_name, model_version=session.ai_model_version
    ).first()
    return ReadingContext(
        case.pk,
        prediction.pk if prediction else -1,
        session.ai_model_name,
        session.ai_model_version,
    )
