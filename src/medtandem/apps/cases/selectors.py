"""Read-side queries of the case bank."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from django.core.cache import cache
from django.db.models import Q, QuerySet

from medtandem.apps.cases.models import AIPrediction, Case, CaseSignal
from medtandem.ecg.bundle import decode_signal
from medtandem.ecg.ptbxl import SUPERCLASSES
from medtandem.ecg.record import EcgRecord


class CaseCriteria(TypedDict, total=False):
    """The filters of :func:`filter_cases`, as a filter form hands them over."""

    superclasses: Sequence[str]
    match: str
    rhythm: str | None
    age_min: int | None
    age_max: int | None
    sex: str | None
    source: str | None
    scp_code: str | None


def filter_cases(
    *,
    superclasses: Sequence[str] = (),
    match: str = "any",
    rhythm: str | None = None,
    age_min: int | None = None,
    age_max: int | None = None,
    sex: str | None = None,
    source: str | None = None,
    scp_code: str | None = None,
) -> QuerySet[Case]:
    """Cases matching every given filter. ``match`` says whether a case needs any or all superclasses."""
    unknown = [s for s in superclasses if s not in SUPERCLASSES]
    if unknown:
        raise ValueError(f"unknown superclasses {unknown}; expected some of {SUPERCLASSES}")
    if match not in ("any", "all"):
        raise ValueError("match must be 'any' or 'all'")
    qs = Case.objects.all()
    if superclasses:
        conditions = [Q(**{s.lower(): True}) for s in superclasses]
        combined = conditions[0]
        for condition in conditions[1:]:
            combined = combined | condition if match == "any" else combined & condition
        qs = qs.filter(combined)
    if rhythm:
        qs = qs.filter(rhythm=rhythm)
    if age_min is not None:
        qs = qs.filter(age__gte=age_min)
    if age_max is not None:
        qs = qs.filter(age__lte=age_max)
    if sex:
        qs = qs.filter(sex=sex)
    if source:
        qs = qs.filter(source=source)
    if scp_code:
        # JSON key lookups differ between SQLite and PostgreSQL; has_key is portable.
        qs = qs.filter(scp_codes__has_key=scp_code)
    return qs


def record_of(case: Case) -> EcgRecord:
    """The case's tracing as an :class:`EcgRecord` (mV)."""
    signal = case.signal
    return EcgRecord(
        decode_signal(bytes(signal.data)), signal.fs, tuple(signal.leads), case.record_name
    )


def record_or_none(case: Case) -> EcgRecord | None:
    """The tracing, or None for a case imported without its signal (e.g. another tool's reads)."""
    if not CaseSignal.objects.filter(case=case).exists():
        return None
    return record_of(case)


def prediction_for(case: Case, model_name: str, model_version: str) -> AIPrediction | None:
    return AIPrediction.objects.filter(
        case=case, model_name=model_name, model_version=model_version
    ).first()


#: Cached suggestions are kept a day: a model version's output for a case never changes (a new
#: version gets new rows), and :func:`medtandem.apps.cases.services.cache_predictions` drops the
#: entries it rewrites.
PREDICTION_CACHE_S = 24 * 3600


def prediction_cache_key(case_id: int, model_name: str, model_version: str) -> str:
    return f"medtandem:cases:prediction:{case_id}:{model_name}:{model_version}"


def cached_prediction(case_id: int, model_name: str, model_version: str) -> AIPrediction | None:
    """That model version's stored suggestion for the case, from the cache or one query."""
    key = prediction_cache_key(case_id, model_name, model_version)
    prediction = cache.get(key)
    if prediction is None:
        prediction = AIPrediction.objects.filter(
            case_id=case_id, model_name=model_name, model_version=model_version
        ).first()
        if prediction is not None:
            remember_prediction(prediction)
    return prediction


def remember_prediction(prediction: AIPrediction) -> None:
    """Keep a stored suggestion in the cache (after it was computed on first use)."""
    cache.set(
        prediction_cache_key(prediction.case_id, prediction.model_name, prediction.model_version),
        prediction,
        PREDICTION_CACHE_S,
    )
