"""Write-side rules of the case bank: importing PTB-XL, building case sets, caching AI predictions."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from medtandem.ai import EcgModel, Suggestion, artifacts, load_model
from medtandem.apps.audit.services import Action, record
from medtandem.apps.cases.models import (
    AIPrediction,
    Case,
    CaseSet,
    CaseSetItem,
    CaseSignal,
    ScpStatement,
)
from medtandem.apps.cases.selectors import filter_cases, prediction_cache_key, record_of
from medtandem.ecg.bundle import encode_signal
from medtandem.ecg.ptbxl import PtbxlEntry, iter_signals, read_database
from medtandem.ecg.record import EcgReadError, EcgRecord

PTBXL_ATTRIBUTION = (
    "Wagner P, Strodthoff N, Bousseljot R-D, Kreiseler D, Lunze FI, Samek W, Schaeffter T. "
    "PTB-XL, a large publicly available electrocardiography dataset. Sci Data 7, 154 (2020); "
    "PhysioNet, doi:10.13026/kfzx-aw45. CC BY 4.0."
)
DEMO_BANK = Path(__file__).resolve().parents[2] / "data" / "ptbxl500"


class CaseImportError(Exception):
    """An import failed; nothing was written. The message names the file and the problem."""


@dataclass(frozen=True)
class ImportReport:
    source: str
    sampling_rate: int
    created: int
    updated: int
    statements: int

    @property
    def total(self) -> int:
        return self.created + self.updated


def _case_fields(entry: PtbxlEntry) -> dict[str, Any]:
    supers = set(entry.superclasses)
    return {
        "source": "PTB-XL",
        "record_name": Path(entry.filename_hr).name,
        "patient_ref": str(entry.patient_id or ""),
        "age": entry.age if entry.age is not None and 0 <= entry.age < 150 else None,
        "sex": entry.sex,
        "site": entry.site,
        "device": entry.device,
        "recorded_at": entry.recording_date,
        "strat_fold": entry.strat_fold,
        "norm": "NORM" in supers,
        "mi": "MI" in supers,
        "sttc": "STTC" in supers,
        "cd": "CD" in supers,
        "hyp": "HYP" in supers,
        "rhythm": entry.rhythm,
        "scp_codes": entry.scp_codes,
        "report": entry.report,
        "report_language": "de",
        "licence": "CC BY 4.0",
        "attribution": PTBXL_ATTRIBUTION,
    }


def _batched(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def import_ptbxl(
    root: str | Path,
    *,
    sampling_rate: int = 500,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 250,
    by: Any = None,
) -> ImportReport:
    """Import a PTB-XL folder (standard layout, or the embedded compact bank) into the case bank.

    Atomic: any unreadable file or malformed row aborts the whole import and nothing is written.
    Idempotent: a case is keyed by its PTB-XL ``ecg_id``; re-importing updates it in place.

    Args:
        progress: called with the number of records just stored (for a progress bar).
        by: who imports (for the audit trail; the command line imports as nobody).
    """
    if sampling_rate not in (100, 500):
        raise CaseImportError(f"sampling rate must be 100 or 500 Hz, got {sampling_rate}")
    try:
        database = read_database(root, limit=limit)
    except EcgReadError as exc:
        raise CaseImportError(str(exc)) from None
    created = updated = 0
    try:
        with transaction.atomic():
            for statement in database.statements.values():
                ScpStatement.objects.update_or_create(
                    code=statement.code,
                    defaults={
                        "description": statement.description,
                        "diagnostic_class": statement.diagnostic_class,
                        "diagnostic_subclass": statement.diagnostic_subclass,
                        "is_diagnostic": statement.diagnostic,
                        "is_form": statement.form,
                        "is_rhythm": statement.rhythm,
                    },
                )
            for batch in _batched(iter_signals(database, sampling_rate), batch_size):
                c, u = _store_batch(batch)
                created, updated = created + c, updated + u
                if progress:
                    progress(len(batch))
            record(
                Action.CASES_IMPORTED,
                actor=by,
                target_type="cases.case",
                details={
                    "source": str(root),
                    "sampling_rate": sampling_rate,
                    "created": created,
                    "updated": updated,
                    "statements": len(database.statements),
                },
            )
    except EcgReadError as exc:
        raise CaseImportError(str(exc)) from None
    return ImportReport(str(root), sampling_rate, created, updated, len(database.statements))


def _store_batch(batch: Sequence[tuple[PtbxlEntry, EcgRecord]]) -> tuple[int, int]:
    ids = {f"ptbxl:{entry.ecg_id:05d}": (entry, record) for entry, record in batch}
    existing = {c.external_id: c for c in Case.objects.filter(external_id__in=list(ids))}
    new_cases, changed = [], []
    for external_id, (entry, _record) in ids.items():
        fields = _case_fields(entry)
        if external_id in existing:
            case = existing[external_id]
            for name, value in fields.items():
                setattr(case, name, value)
            changed.append(case)
        else:
            new_cases.append(Case(external_id=external_id, **fields))
    Case.objects.bulk_create(new_cases)
    if changed:
        Case.objects.bulk_update(changed, list(_case_fields(batch[0][0])))
    stored = {c.external_id: c for c in Case.objects.filter(external_id__in=list(ids))}
    CaseSignal.objects.filter(case__in=list(stored.values())).delete()
    CaseSignal.objects.bulk_create(
        [
            CaseSignal(
                case=stored[external_id],
                fs=record.fs,
                leads=list(record.leads),
                n_samples=record.n_samples,
                data=encode_signal(record.signal),
            )
            for external_id, (_entry, record) in ids.items()
        ]
    )
    return len(new_cases), len(changed)


def import_demo_bank(
    limit: int | None = None, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Import the 500 PTB-XL records shipped inside the package."""
    return import_ptbxl(DEMO_BANK, sampling_rate=500, limit=limit, progress=progress)


@transaction.atomic
def build_case_set(
    name: str,
    *,
    created_by: Any = None,
    description: str = "",
    case_ids: Sequence[int] | None = None,
    sample_size: int | None = None,
    seed: int | None = None,
    exclude_case_ids: Iterable[int] = (),
    **criteria: Any,
) -> CaseSet:
    """Create a case set from explicit cases or from filters (see :func:`filter_cases`), optionally sampled.

    Sampling is reproducible: the seed is stored with the criteria. ``exclude_case_ids`` (e.g. the
    cases the intended readers already saw with their truth) are left out before sampling, and how
    many were left out is stored with the criteria.
    """
    excluded = set(exclude_case_ids)
    if case_ids is not None:
        found = {c.pk: c for c in Case.objects.filter(pk__in=case_ids)}
        missing = [pk for pk in case_ids if pk not in found]
        if missing:
            raise ValueError(f"unknown cases {missing}")
        cases = [found[pk] for pk in case_ids]
    else:
        cases = list(filter_cases(**criteria).order_by("external_id"))
    n_before = len(cases)
    cases = [c for c in cases if c.pk not in excluded]
    n_excluded = n_before - len(cases)
    if sample_size is not None:
        if sample_size < 1:
            raise ValueError("sample_size must be at least 1")
        seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        rng = random.Random(seed)
        cases = rng.sample(cases, min(sample_size, len(cases)))
    if not cases:
        raise ValueError("no case matches these criteria")
    stored_criteria = {k: v for k, v in criteria.items() if v not in (None, "", [], ())}
    if sample_size is not None:
        stored_criteria.update(sample_size=sample_size, seed=seed)
    if n_excluded:
        stored_criteria["excluded_seen_with_truth"] = n_excluded
    case_set = CaseSet.objects.create(
        name=name, description=description, created_by=created_by, criteria=stored_criteria
    )
    CaseSetItem.objects.bulk_create(
        [CaseSetItem(case_set=case_set, case=case, position=i) for i, case in enumerate(cases)]
    )
    record(
        Action.CASE_SET_CREATED,
        actor=created_by,
        target=case_set,
        details={"name": name, "n_cases": len(cases), "criteria": stored_criteria},
    )
    return case_set


def store_prediction(
    case: Case,
    model_name: str,
    model_version: str,
    probabilities: dict[str, float],
    explanation: dict[str, Any] | None = None,
) -> tuple[AIPrediction, bool]:
    """The one writer of the AI-prediction cache: a model version's suggestion for a case.

    Returns ``(prediction, created)``. A version's output is deterministic, so storing it again
    replaces the row with identical content (a race between two writers is harmless).
    """
    stored = AIPrediction.objects.update_or_create(
        case=case,
        model_name=model_name,
        model_version=model_version,
        defaults={"probabilities": probabilities, "explanation": explanation or {}},
    )
    cache.delete(
        prediction_cache_key(case.pk, model_name, model_version)
    )  # the reading path caches it
    return stored


def stored_explanation(suggestion: Suggestion) -> dict[str, Any]:
    """What the cache keeps of a suggestion beside its probabilities: the explanation, plus the input
    quality verdict (a refusal and why), the out-of-distribution report and the machine statement,
    as JSON (the AI step shows them; none of it is the truth)."""
    out = dict(suggestion.explanation)
    if suggestion.quality is not None:
        out["quality"] = dataclasses.asdict(suggestion.quality)
        out["refused"] = suggestion.refused
    if suggestion.ood is not None:
        out["ood"] = dataclasses.asdict(suggestion.ood)
    if suggestion.statement:
        out["statement"] = dict(suggestion.statement)
    return artifacts.clean(out)  # the one JSON cleaner: NaN and infinities become null


def _predict_and_store(model: EcgModel, case: Case) -> tuple[AIPrediction, bool]:
    """``model``'s suggestion for the case, computed now and written to the cache."""
    suggestion = model.predict_record(record_of(case))
    return store_prediction(
        case,
        suggestion.model_name,
        suggestion.model_version,
        suggestion.probabilities,
        stored_explanation(suggestion),
    )


def cache_predictions(
    model: EcgModel,
    cases: Iterable[Case] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store ``model``'s suggestion for every case that lacks one for this model version.

    Returns the number of predictions written.
    """
    written = 0
    queryset = Case.objects.all() if cases is None else cases
    for case in queryset:
        _obj, created = _predict_and_store(model, case)
        written += int(created)
        if progress:
            progress(1)
    return written


# --- the AI model in service ----------------------------------------------------------------

_MODELS: dict[str, EcgModel] = {}


def current_model() -> EcgModel:
    """The ECG model in service (``settings.MEDTANDEM_MODEL_DIR`` or the shipped default), loaded once."""
    key = settings.MEDTANDEM_MODEL_DIR or ""
    if key not in _MODELS:
        _MODELS[key] = load_model(key or None)
    return _MODELS[key]


def suggestion_for(case: Case, model_name: str, model_version: str) -> AIPrediction:
    """The cached suggestion of that model for the case, computed and cached on first use."""
    cached = AIPrediction.objects.filter(
        case=case, model_name=model_name, model_version=model_version
    ).first()
    if cached is not None:
        return cached
    model = current_model()
    if (model.name, model.version) != (model_name, model_version):
        raise LookupError(
            f"no cached prediction of {model_name} {model_version} for {case}, and that model is not in service"
        )
    prediction, _ = _predict_and_store(model, case)
    return prediction
