"""The observatory's writes and rules: registry, FDA import, field monitoring, incidents, hurdles.

Invariants this module guarantees:
- Only published revisions reach an entry's public fields; every accepted change is a numbered
  revision (the history and its diffs), every status change a dated :class:`StatusChange`.
- Imports are atomic and idempotent: a file with a wrong column, a bad date or an unreadable body
  raises :class:`ImportFileError` before anything is written; running an import again changes nothing.
- Field monitoring is recomputed by :func:`refresh_field_monitoring` (a plain, idempotent function
  for the task queue), never on page load; pages read the stored run.
- An incident's reporter, free text and case stay private; only an analyst's anonymised summary
  of a closed incident, and public-source records (FDA MAUDE), are public.
- The AI Act Art. 73 clock runs from awareness: 2 days for a widespread infringement or a serious
  disruption of critical infrastructure (Art. 73(3)), 10 days for a death (Art. 73(4)), 15 days
  otherwise (Art. 73(2)); an incident not yet assessed runs the 15-day clock provisionally.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from medtandem.ai import monitoring as mon
from medtandem.ai.metrics import age_band
from medtandem.apps.accounts.selectors import has_role
from medtandem.apps.observatory import selectors, sources
from medtandem.apps.observatory.fields import FIELDS, SHEET_KEYS
from medtandem.apps.observatory.models import (
    AIActRisk,
    Alert,
    Application,
    ApplicationVersion,
    CaseFeatures,
    Category,
    FieldMetric,
    Hurdle,
    HurdleCategory,
    Incident,
    IncidentEntity,
    IncidentEvent,
    IncidentReport,
    MDRClass,
    MonitoringRun,
    Revision,
    Seriousness,
    Source,
    Status,
    StatusChange,
)
from medtandem.web.slugs import free_slug

FDA_DIR = Path(__file__).resolve().parents[2] / "data" / "fda"
FDA_DEVICES = FDA_DIR / "fda_ai_devices_may2024.csv"
FDA_MAUDE = FDA_DIR / "maude_mdr_ai_510k_2010_2023.csv"
FDA_ATTRIBUTION = (
    'U.S. Food and Drug Administration, "Artificial Intelligence-Enabled Medical Devices" '
    "(list of May 2024, public domain); MAUDE reports as compiled by Babic et al., npj Digit Med "
    "8:328 (2025), doi:10.1038/s41746-025-01717-9"
)
#: Carbon intensity of France's electricity used for gCO2e: 56.039 gCO2e/kWh, year 2023, from
#: CodeCarbon 3.3's ``global_energy_mix.json`` (Our World in Data / Ember compilation), the same
#: source CodeCarbon used to estimate the shipped models' training emissions.
GRID_G_PER_KWH = 56.039
GRID_SOURCE = "France 2023, 56.039 gCO2e/kWh (CodeCarbon 3.3 global_energy_mix.json: Our World in Data / Ember)"


class ObservatoryError(Exception):
    """A rule of the observatory refused the action."""


class NotAllowed(ObservatoryError):
    """The person may not do this (views answer 403)."""


class EntryInvalid(ObservatoryError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ImportFileError(ObservatoryError):
    """A file to import has the wrong layout or an unreadable value; nothing was written."""


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- registry ------------------------------------------------------------------------------------

_FDA_NUMBER = re.compile(r"^(K\d{6}|P\d{6}(/S\d{3})?|DEN\d{6})$")
_URL = re.compile(r"^https?://[^\s]+$")


def validate_entry(data: Mapping[str, Any]) -> dict[str, Any]:
    """The entry's fields, cleaned; raises :class:`EntryInvalid` naming each wrong field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for f in FIELDS:
        value = str(data.get(f.key) or "").strip()
        if f.required and not value:
            errors[f.key] = _("champ obligatoire")
        if f.kind == "url" and value and not _URL.match(value):
            errors[f.key] = _("adresse web attendue (https://…)")
        if f.kind == "line" and len(value) > 300:
            errors[f.key] = _("300 caractères au plus")
        clean[f.key] = value
    if clean["fda_submission"] and not _FDA_NUMBER.match(clean["fda_submission"].upper()):
        errors["fda_submission"] = _("numéro FDA attendu : K, P ou DEN suivi de 6 chiffres")
    clean["fda_submission"] = clean["fda_submission"].upper()
    if clean["mdr_class"] not in MDRClass.values:
        errors["mdr_class"] = _("classe inconnue")
    if clean["risk_class"] not in AIActRisk.values:
        errors["risk_class"] = _("classe inconnue")
    clean["status"] = clean["status"] or Status.AUTHORISED
    if clean["status"] not in Status.values:
        errors["status"] = _("statut inconnu")
    if errors:
        raise EntryInvalid(errors)
    return clean


def _entry_data(version: ApplicationVersion) -> dict[str, Any]:
    """The current published fields of a version (sheet plus columns)."""
    data = {k: version.sheet.get(k, "") for k in SHEET_KEYS}
    data.update(
        {
            "mdr_class": version.mdr_class,
            "risk_class": version.risk_class,
            "fda_submission": version.fda_submission,
            "regulatory_status": version.regulatory_status,
            "status": version.status,
            "trade_name": version.name,
            "version": version.version,
            "provider_name": version.developer,
            "intended_purpose": version.intended_use,
        }
    )
    return data


def _apply(
    version: ApplicationVersion, data: Mapping[str, Any], *, at: datetime, reason: str
) -> None:
    """Write published fields to a version, recording a status change."""
    old_status = version.status if version.pk and version.published else ""
    version.sheet = {k: data.get(k, "") for k in SHEET_KEYS if data.get(k, "") != ""}
    version.name = str(data.get("trade_name") or version.name)
    version.version = str(data.get("version") or version.version)
    version.developer = str(data.get("provider_name") or "")
    version.intended_use = str(data.get("intended_purpose") or "")
    version.regulatory_status = str(data.get("regulatory_status") or "")
    version.mdr_class = str(data.get("mdr_class") or "")
    version.risk_class = str(data.get("risk_class") or "")
    version.fda_submission = str(data.get("fda_submission") or "")
    version.status = str(data.get("status") or Status.AUTHORISED)
    version.published = True
    version.save()
    if old_status != version.status:
        StatusChange.objects.create(
            version=version, old=old_status, new=version.status, at=at, reason=reason
        )


def _next_number(version: ApplicationVersion) -> int:
    return (version.revisions.aggregate(m=Max("number"))["m"] or 0) + 1


def _publish_revision(
    version: ApplicationVersion,
    data: dict[str, Any],
    *,
    author_label: str,
    at: datetime,
    note: str = "",
) -> Revision | None:
    """Record ``data`` as the version's next published revision when it differs from the last one."""
    last = version.revisions.filter(state=Revision.State.PUBLISHED).order_by("-number").first()
    if last is not None and last.data == data:
        return None
    return Revision.objects.create(
        version=version,
        number=_next_number(version),
        data=data,
        state=Revision.State.PUBLISHED,
        author_label=author_label,
        note=note,
        reviewed_at=at,
    )


def _card_sheet(model: Any) -> dict[str, Any]:
    """A MedTandem model's registry fields, read from its card (every figure computed by training)."""
    return selectors.card_sheet(
        model.card, name=model.name, version=model.version, facts=model.facts
    )


@transaction.atomic
def register_model(
    model: Any,
    *,
    in_service: bool = True,
    frugality: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ApplicationVersion:
    """Record (or refresh) a MedTandem ECG model as a registry entry; only one is in service.

    Called on training and by the demo. Its fields come from the model card; a version put in
    service retires the one before it (a dated status change, "replaced by").
    """
    at = _now(now)
    app, _created = Application.objects.get_or_create(
        source=Source.MEDTANDEM,
        source_ref=model.name,
        defaults={
            "slug": slugify(model.name)[:140],
            "name": model.name,
            "provider": "MedTandem",
            "task": "ECG 12 dérivations (5 superclasses, FA)",
            "modality": "ECG",
            "region": "France",
        },
    )
    data = _card_sheet(model)
    if in_service:
        data["status"] = Status.IN_SERVICE
    version = ApplicationVersion.objects.filter(application=app, version=model.version).first()
    if version is None:
        version = ApplicationVersion(
            application=app,
            slug=slugify(f"{model.name}-{model.version}")[:160],
            name=model.name,
            version=model.version,
        )
    elif not in_service:
        data["status"] = version.status  # registering again does not change a status
    version.model_card = dict(model.card)
    version.facts = dict(model.facts)
    version.frugality = frugality or version.frugality or {}
    version.in_service = in_service or version.in_service
    created = str(model.card.get("release_info", {}).get("release_date") or "")
    version.decision_date = (
        date.fromisoformat(created) if re.match(r"^\d{4}-\d{2}-\d{2}$", created) else None
    )
    _apply(
        version,
        data,
        at=at,
        reason=_("enregistré à l'entraînement") if _created else _("fiche mise à jour"),
    )
    _publish_revision(version, data, author_label="MedTandem (entraînement et évaluation)", at=at)
    if in_service:
        for other in ApplicationVersion.objects.filter(in_service=True).exclude(pk=version.pk):
            other.in_service = False
            other.save(update_fields=["in_service"])
            if other.status == Status.IN_SERVICE:
                set_status(
                    other,
                    Status.WITHDRAWN,
                    reason=_("remplacé par %(v)s") % {"v": str(version)},
                    now=at,
                )
    return version


def set_status(
    version: ApplicationVersion, status: str, *, reason: str, now: datetime | None = None
) -> None:
    if status not in Status.values:
        raise ObservatoryError(f"unknown status {status!r}")
    at = _now(now)
    if version.status == status:
        return
    data = _entry_data(version)
    data["status"] = status
    _apply(version, data, at=at, reason=reason)
    _publish_revision(version, data, author_label="MedTandem", at=at, note=reason)


@transaction.atomic
def submit_entry(
    data: Mapping[str, Any],
    *,
    author: Any,
    version: ApplicationVersion | None = None,
    note: str = "",
    is_example: bool = False,
) -> Revision:
    """A provider's (or an analyst's, on their behalf) new entry or update, awaiting review.

    A new entry is created unpublished; an update leaves the published fields as they are until an
    analyst accepts it.
    """
    clean = validate_entry(data)
    if version is None:
        source = Source.EXAMPLE if is_example else Source.SUBMISSION
        slug = free_slug(
            Application,
            f"{clean['provider_name']} {clean['trade_name']}",
            max_length=120,
            fallback="entry",
        )
        app = Application.objects.create(
            slug=slug,
            name=clean["trade_name"],
            provider=clean["provider_name"],
            source=source,
            task=str(data.get("task") or "")[:120],
            modality=str(data.get("modality") or "")[:120],
            region=str(data.get("region") or "")[:60],
        )
        version = ApplicationVersion.objects.create(
            application=app,
            slug=slugify(f"{slug}-{clean['version']}")[:160],
            name=clean["trade_name"],
            version=clean["version"],
            developer=clean["provider_name"],
            status=clean["status"],
            published=False,
        )
    label = getattr(author, "get_full_name", lambda: "")() or getattr(author, "username", "")
    return Revision.objects.create(
        version=version,
        number=_next_number(version),
        data=clean,
        author=author,
        author_label=label,
        note=note,
    )


@transaction.atomic
def review_revision(
    revision: Revision, *, reviewer: Any, approve: bool, note: str = "", now: datetime | None = None
) -> Revision:
    """An analyst publishes or refuses a submitted revision."""
    if not has_role(reviewer, "analyst"):
        raise NotAllowed(_("seuls les analystes de l'observatoire relisent les fiches"))
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if revision.state != Revision.State.SUBMITTED:
        raise ObservatoryError(_("cette révision a déjà été relue"))
    at = _now(now)
    revision.state = Revision.State.PUBLISHED if approve else Revision.State.REJECTED
    revision.reviewer, revision.review_note, revision.reviewed_at = reviewer, note, at
    revision.save()
    if approve:
        _apply(
            revision.version,
            revision.data,
            at=at,
            reason=note or _("révision %(n)d publiée") % {"n": revision.number},
        )
    return revision


# --- FDA import ------------------------------------------------------------------------------------

FDA_COLUMNS = (
    "Date of Final Decision",
    "Submission Number",
    "Device",
    "Company",
    "Panel (Lead)",
    "Primary Product Code",
)
MAUDE_COLUMNS = (
    "idnumber",
    "mdr_report_key",
    "report_source_code",
    "date_received",
    "adverse_event_flag",
    "product_problem_flag",
    "date_report",
    "date_of_event",
    "reporter_occupation_code",
    "health_professional",
    "event_location",
    "date_manufacturer_received",
    "remedial_action",
    "event_type",
    "type_of_report",
)
MAUDE_EVENT = {"M": Seriousness.NOT_SERIOUS, "IN": Seriousness.HEALTH, "D": Seriousness.DEATH}


@dataclass
class FdaImportReport:
    devices_created: int = 0
    devices_updated: int = 0
    devices_unchanged: int = 0
    applications: int = 0
    reports_created: int = 0
    reports_unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"FDA devices: {self.devices_created} new, {self.devices_updated} updated, "
            f"{self.devices_unchanged} unchanged ({self.applications} applications); "
            f"MAUDE reports: {self.reports_created} new, {self.reports_unchanged} already there"
        )


def _read_table(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8) or XLSX file whose header is exactly ``columns`` (any order)."""
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            import pandas as pd

            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
            header = [str(c).strip() for c in frame.columns]
            rows = [
                dict(zip(header, (str(v).strip() for v in values), strict=True))
                for values in frame.itertuples(index=False, name=None)
            ]
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                header = [c.strip() for c in (reader.fieldnames or [])]
                rows = [
                    {(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader
                ]
    except ImportFileError:
        raise
    except Exception as exc:  # a corrupt workbook or an undecodable file
        raise ImportFileError(
            f"{path.name}: unreadable file ({type(exc).__name__}: {exc})"
        ) from None
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    if missing or extra:
        raise ImportFileError(
            f"{path.name}: expected the columns {list(columns)}; missing {missing}, unexpected {extra}"
        )
    return rows


def _us_date_or_none(value: str, *, what: str, line: int) -> date | None:
    """An optional date of a source file (``None`` when the cell is empty)."""
    return _us_date(value, what=what, line=line) if value.strip() else None


def _us_date(value: str, *, what: str, line: int) -> date:
    value = value.strip()
    if not value:
        raise ImportFileError(f"line {line}: {what} is empty")
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ImportFileError(f"line {line}: {what} {value!r} is not a date (MM/DD/YYYY)")


def _aware(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _fda_slug(company: str, device: str) -> str:
    """One application per company and device name, ignoring case, accents and punctuation."""
    slug = "fda-" + slugify(f"{company} {device}")
    if len(slug) > 140:
        slug = slug[:131] + "-" + hashlib.sha1(slug.encode()).hexdigest()[:8]
    return slug


@transaction.atomic
def import_fda(
    devices: Path | str = FDA_DEVICES,
    maude: Path | str | None = FDA_MAUDE,
    *,
    now: datetime | None = None,
) -> FdaImportReport:
    """Import the FDA's AI-enabled device list (and MAUDE reports) into the registry.

    One application per (company, device name), one version per submission number (its decision
    date); a later list in the same layout adds new submissions and updates changed ones. Each
    MAUDE report becomes an unverified incident of the version with its submission number.
    All or nothing: every row is checked before the first write.
    """
    at = _now(now)
    report = FdaImportReport()
    rows = _read_table(Path(devices), FDA_COLUMNS)
    parsed = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        number = row["Submission Number"].upper()
        if not _FDA_NUMBER.match(number):
            raise ImportFileError(f"line {i}: {number!r} is not an FDA submission number")
        if number in seen:
            raise ImportFileError(f"line {i}: submission {number} appears twice")
        seen.add(number)
        if not row["Device"] or not row["Company"]:
            raise ImportFileError(f"line {i}: Device and Company must not be empty")
        parsed.append(
            (
                number,
                _us_date(row["Date of Final Decision"], what="Date of Final Decision", line=i),
                row,
            )
        )
    maude_rows = _read_table(Path(maude), MAUDE_COLUMNS) if maude else []
    maude_parsed = []
    for i, row in enumerate(maude_rows, start=2):
        number = row["idnumber"].upper()
        if (
            number not in seen
            and not ApplicationVersion.objects.filter(fda_submission=number).exists()
        ):
            raise ImportFileError(
                f"line {i}: MAUDE report {row['mdr_report_key']} names {number}, not in the device list"
            )
        if not row["mdr_report_key"].isdigit():
            raise ImportFileError(
                f"line {i}: mdr_report_key {row['mdr_report_key']!r} is not a number"
            )
        if row["event_type"] not in MAUDE_EVENT:
            raise ImportFileError(
                f"line {i}: event_type {row['event_type']!r} is not one of M, IN, D"
            )
        received = _us_date(row["date_received"], what="date_received", line=i)
        aware = (
            _us_date_or_none(
                row["date_manufacturer_received"], what="date_manufacturer_received", line=i
            )
            or received
        )
        event = _us_date_or_none(row["date_of_event"], what="date_of_event", line=i)
        maude_parsed.append((number, row, received, aware, event))

    apps = {a.slug: a for a in Application.objects.filter(source=Source.FDA)}
    versions = {
        v.fda_submission: v
        for v in ApplicationVersion.objects.filter(application__source=Source.FDA)
    }
    for number, decided, row in parsed:
        slug = _fda_slug(row["Company"], row["Device"])
        app = apps.get(slug)
        if app is None:
            app = Application.objects.create(
                slug=slug,
                name=row["Device"],
                provider=row["Company"],
                source=Source.FDA,
                task=row["Panel (Lead)"],
                region="États-Unis (FDA)",
            )
            apps[slug] = app
        data = {
            "provider_name": row["Company"],
            "trade_name": row["Device"],
            "version": number,
            "fda_submission": number,
            "status": Status.AUTHORISED,
            "mdr_class": "",
            "risk_class": "",
            "regulatory_status": f"FDA {'510(k)' if number.startswith('K') else 'De Novo' if number.startswith('DEN') else 'PMA'} "
            f"{number}, {decided.isoformat() if decided else ''}",
            "release_date": decided.isoformat() if decided else "",
            "intended_purpose": "",
            "unique_reference": f"FDA product code {row['Primary Product Code']}",
            "deployed_in": "États-Unis (autorisation de mise sur le marché)",
            "additional_info_url": f"https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfpmn/pmn.cfm?ID={number}"
            if number.startswith("K")
            else "",
            "publications": FDA_ATTRIBUTION,
        }
        version = versions.get(number)
        if version is None:
            version = ApplicationVersion(
                application=app,
                slug=f"fda-{number.lower()}",
                name=row["Device"],
                version=number,
                decision_date=decided,
                facts={
                    "panel": row["Panel (Lead)"],
                    "product_code": row["Primary Product Code"],
                    "source": "FDA AI-enabled device list",
                },
            )
            _apply(version, data, at=at, reason=_("importé de la liste FDA"))
            _publish_revision(version, data, author_label="FDA (import)", at=at)
            versions[number] = version
            report.devices_created += 1
        elif _publish_revision(version, data, author_label="FDA (import)", at=at) is not None:
            version.decision_date = decided
            _apply(version, data, at=at, reason=_("mis à jour par une liste FDA plus récente"))
            report.devices_updated += 1
        else:
            report.devices_unchanged += 1
    report.applications = len(apps)

    existing = set(
        IncidentReport.objects.filter(origin=Incident.Origin.FDA_MAUDE).values_list(
            "external_ref", flat=True
        )
    )
    for number, row, received, aware, event in maude_parsed:
        key = row["mdr_report_key"]
        if key in existing:
            report.reports_unchanged += 1
            continue
        version = versions.get(number) or ApplicationVersion.objects.get(fda_submission=number)
        kind = {"M": _("dysfonctionnement"), "IN": _("blessure"), "D": _("décès")}[
            row["event_type"]
        ]
        incident = Incident.objects.create(
            public_id=f"MAUDE-{key}",
            version=version,
            title=f"{kind} — {version.name}"[:200],
            description="",
            public_summary=_(
                "Rapport MAUDE (FDA) de type « %(k)s », déposé par le fabricant ; "
                "non vérifié : un rapport ne prouve pas que le dispositif a causé "
                "l'événement."
            )
            % {"k": kind},
            category=Category.MALFUNCTION if row["product_problem_flag"] == "Y" else Category.OTHER,
            reported_seriousness=MAUDE_EVENT[row["event_type"]],
            seriousness=Seriousness.UNKNOWN,
            state=Incident.State.RECEIVED,
            origin=Incident.Origin.FDA_MAUDE,
            unverified=True,
            occurred_on=event,
            aware_at=_aware(aware),
            deadline=None,
            source_data=row,
        )
        IncidentReport.objects.create(
            incident=incident,
            origin=Incident.Origin.FDA_MAUDE,
            external_ref=key,
            received_at=_aware(received),
            text=f"MAUDE {key}, report source {row['report_source_code']}",
        )
        IncidentEntity.objects.create(
            incident=incident, role=IncidentEntity.Role.DEVELOPER, name=version.developer
        )
        if row["event_type"] in ("IN", "D"):
            IncidentEntity.objects.create(
                incident=incident, role=IncidentEntity.Role.HARMED, name=_("patient·e")
            )
        existing.add(key)
        report.reports_created += 1
    return report


# --- field monitoring ------------------------------------------------------------------------------

FEATURE_SET = "medtandem.ai.features v1"


def ensure_case_features(case_ids: Iterable[int]) -> int:
    """Compute and store the model-input measurements of the cases that lack them (once per case)."""
    from medtandem.ai.features import record_features

    wanted = set(int(c) for c in case_ids)
    have = set(
        CaseFeatures.objects.filter(case_id__in=wanted, feature_set=FEATURE_SET).values_list(
            "case_id", flat=True
        )
    )
    rows = []
    for case_id in sorted(wanted - have):
        try:
            vector, _m = record_features(sources.record_of_case(case_id))
            values = [None if math.isnan(v) else round(float(v), 6) for v in vector]
        except Exception:  # a tracing that cannot be read counts as not measurable
            values = None
        rows.append(CaseFeatures(case_id=case_id, feature_set=FEATURE_SET, values=values or []))
    CaseFeatures.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


def _feature_matrix(case_ids: list[int]) -> tuple[np.ndarray, dict[int, int]]:
    from medtandem.ai.features import FEATURE_NAMES

    rows = dict(
        CaseFeatures.objects.filter(case_id__in=case_ids, feature_set=FEATURE_SET).values_list(
            "case_id", "values"
        )
    )
    order = {cid: i for i, cid in enumerate(sorted(rows))}
    matrix = np.full((len(order), len(FEATURE_NAMES)), np.nan)
    for cid, i in order.items():
        if rows[cid]:
            matrix[i] = [np.nan if v is None else v for v in rows[cid]]
    return matrix, order


@dataclass(frozen=True)
class RefreshReport:
    versions: int
    reads: int
    alerts_raised: int
    seconds: float

    def summary(self) -> str:
        return (
            f"field monitoring: {self.versions} application version(s), {self.reads} reads, "
            f"{self.alerts_raised} new alert(s), {self.seconds:.1f} s"
        )


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _claimed(version: ApplicationVersion) -> dict[str, dict[str, float | None]]:
    metrics = (version.model_card or {}).get("key_metrics") or {}
    return {
        k: {
            "auc": (metrics.get("cv10_auc_per_output") or {}).get(k),
            "sensitivity": (metrics.get("cv10_sensitivity") or {}).get(k),
            "specificity": (metrics.get("cv10_specificity") or {}).get(k),
        }
        for k in sources.OUTPUTS
    }


def _metric_row(
    run: MonitoringRun,
    output: str,
    window: int,
    start: float,
    end: float,
    subgroup: str,
    value: str,
    perf: mon.OutputPerformance,
    claimed: Mapping[str, float | None],
    n_reads: int,
) -> FieldMetric:
    def ci(p: Any) -> tuple[float | None, float | None, float | None]:
        interval = p.confidence_interval()
        return p.value, (interval[0] if interval else None), (interval[1] if interval else None)

    sens, spec = ci(perf.sensitivity), ci(perf.specificity)
    return FieldMetric(
        run=run,
        output=output,
        window=window,
        window_start=_dt(start),
        window_end=_dt(end),
        subgroup=subgroup,
        subgroup_value=value[:80],
        n=perf.n,
        n_reads=n_reads,
        n_positive=perf.n_positive,
        auc=perf.auc,
        auc_lower=perf.auc_ci[0] if perf.auc_ci else None,
        auc_upper=perf.auc_ci[1] if perf.auc_ci else None,
        sensitivity=sens[0],
        sensitivity_lower=sens[1],
        sensitivity_upper=sens[2],
        specificity=spec[0],
        specificity_lower=spec[1],
        specificity_upper=spec[2],
        ece=perf.ece,
        enough=perf.enough,
        claimed_auc=claimed.get("auc"),
        claimed_sensitivity=claimed.get("sensitivity"),
        claimed_specificity=claimed.get("specificity"),
    )


def _raise_alert(
    *,
    version: ApplicationVersion,
    kind: str,
    subject: str,
    window_start: datetime,
    defaults: dict[str, Any],
) -> bool:
    """One alert per drift: none is added while an open alert of that kind and subject exists."""
    if Alert.objects.filter(
        version=version, kind=kind, subject=subject, state=Alert.State.OPEN
    ).exists():
        return False
    _alert, made = Alert.objects.get_or_create(
        version=version, kind=kind, subject=subject, window_start=window_start, defaults=defaults
    )
    return made


def monitor_version(
    version: ApplicationVersion,
    *,
    now: datetime | None = None,
    window_days: int = 7,
    n_windows: int = 12,
    drift_windows: int = 2,
) -> tuple[MonitoringRun, int]:
    """Recompute and store one version's field monitoring; returns the run and the new alerts."""
    started = time.perf_counter()
    at = _now(now)
    reads = sources.aided_reads_of(version.name, version.version)
    thresholds = {
        k: float(v) for k, v in ((version.facts or {}).get("operating_point") or {}).items()
    }
    # Windows sit on a fixed weekly grid (from Monday 5 January 1970, UTC), the last one still open:
    # refreshing again during the same window gives the same windows, so an alert keeps its window.
    width = window_days * mon.SECONDS_PER_DAY
    grid_origin = datetime(1970, 1, 5, tzinfo=UTC).timestamp()
    end = grid_origin + math.ceil((at.timestamp() - grid_origin) / width) * width
    windows, widx = mon.time_windows(
        reads.time, now=end, width_days=window_days, n_windows=n_windows
    )
    keep = (widx >= 0) & (reads.prediction >= 0)
    shown = sources.suggestions(np.unique(reads.prediction[keep]).tolist())
    keep &= np.isin(reads.prediction, np.fromiter(shown, dtype=np.int64, count=len(shown)))
    # Refusals and out-of-domain flags are counted over every suggestion shown; a refused one
    # showed no probabilities, so it leaves the performance and reliance figures (read as
    # probability 0 it would count as a confident "absent" on every output).
    flag_rows = np.flatnonzero(keep)
    flag_pred, flag_inv = np.unique(reads.prediction[flag_rows], return_inverse=True)
    refused = np.array([shown[int(p)].refused for p in flag_pred], dtype=bool)[flag_inv]
    out_of_domain = np.array([shown[int(p)].out_of_domain for p in flag_pred], dtype=bool)
    flags = mon.input_flags(
        reads.case[flag_rows], widx[flag_rows], refused, out_of_domain[flag_inv], n_windows
    )
    keep[flag_rows] = ~refused
    probs_by_id = {pk: s.probabilities for pk, s in shown.items()}
    case_ids = reads.case[keep]
    facts = sources.case_facts(np.unique(case_ids).tolist())
    widx = widx[keep]
    n = int(keep.sum())
    pred_ids = reads.prediction[keep]
    # Per distinct prediction/case, then broadcast to reads (a million reads share a few thousand).
    uniq_pred, pred_inv = np.unique(pred_ids, return_inverse=True)
    P = np.array(
        [[float(probs_by_id[int(p)].get(k, 0.0)) for k in sources.OUTPUTS] for p in uniq_pred]
    ).reshape(-1, len(sources.OUTPUTS))[pred_inv]
    uniq_case, case_inv = np.unique(case_ids, return_inverse=True)
    Y = np.array([facts[int(c)].truth for c in uniq_case], dtype=bool).reshape(
        -1, len(sources.OUTPUTS)
    )[case_inv]
    groups = {
        "sex": np.array([facts[int(c)].sex or "?" for c in uniq_case], dtype=object)[case_inv],
        "age_band": np.array([age_band(facts[int(c)].age) for c in uniq_case], dtype=object)[
            case_inv
        ],
        "device": np.array([facts[int(c)].device or "?" for c in uniq_case], dtype=object)[
            case_inv
        ],
        "site": np.array([facts[int(c)].site or "?" for c in uniq_case], dtype=object)[case_inv],
        "profession": np.asarray([p or "?" for p in reads.profession[keep]], dtype=object),
    }
    claimed = _claimed(version)
    thr = np.array([thresholds.get(k, 0.5) for k in sources.OUTPUTS])
    calls = thr <= P

    MonitoringRun.objects.filter(version=version).delete()
    run = MonitoringRun.objects.create(
        version=version,
        computed_at=at,
        window_days=window_days,
        n_windows=n_windows,
        n_reads=n,
        n_simulated=int(reads.simulated[keep].sum()),
    )
    rows: list[FieldMetric] = []
    start_all, end_all = windows[0].start, windows[-1].end

    def distinct(mask: np.ndarray) -> np.ndarray:
        """Rows of the distinct cases among ``mask``: the AI's output on a case does not depend on
        who reads it, so a case read by twelve people is one observation of the AI, not twelve
        (counting each read would make every interval falsely narrow)."""
        rows_ = np.flatnonzero(mask)
        _u, first = np.unique(case_ids[rows_], return_index=True)
        return rows_[np.sort(first)]

    everything = np.ones(n, dtype=bool)
    selections: list[tuple[int, float, float, str, str, np.ndarray, int]] = [
        (-1, start_all, end_all, "all", "", distinct(everything), n)
    ]
    for w in windows:
        sel = widx == w.index
        selections.append((w.index, w.start, w.end, "all", "", distinct(sel), int(sel.sum())))
    for name, labels in groups.items():
        for value in sorted(set(labels.tolist())):
            sel = labels == value
            selections.append(
                (-1, start_all, end_all, name, str(value), distinct(sel), int(sel.sum()))
            )
    for k, output in enumerate(sources.OUTPUTS):
        if output not in thresholds:
            continue
        for window, w_start, w_end, subgroup, value, idx, n_reads in selections:
            rows.append(
                _metric_row(
                    run,
                    output,
                    window,
                    w_start,
                    w_end,
                    subgroup,
                    value,
                    mon.output_performance(Y[idx, k], P[idx, k], thresholds[output]),
                    claimed[output],
                    n_reads,
                )
            )
    FieldMetric.objects.bulk_create(rows, batch_size=1000)

    # Control chart of the error rate at the operating point, all outputs pooled (distinct case x
    # output items of each window).
    wrong = (calls != Y).sum(axis=1)
    errors, items = [], []
    for *_rest, idx, _n_reads in selections[1 : n_windows + 1]:
        errors.append(int(wrong[idx].sum()))
        items.append(int(len(idx) * len(sources.OUTPUTS)))
    chart = mon.control_chart(errors, items)
    new_alerts = 0
    if chart.first_alarm is not None:
        pt = chart.points[chart.first_alarm]
        made = _raise_alert(
            version=version,
            kind=Alert.Kind.PERFORMANCE,
            subject="all outputs",
            window_start=_dt(windows[chart.first_alarm].start),
            defaults={
                "run": run,
                "statistic": pt.cusum,
                "limit": chart.h,
                "raised_at": at,
                "message": _(
                    "Le taux d'erreur au point de fonctionnement a dérivé : CUSUM %(c).1f > %(h).0f "
                    "(taux %(r).3f contre %(p).3f de référence) dans la fenêtre commençant le %(d)s."
                )
                % {
                    "c": pt.cusum,
                    "h": chart.h,
                    "r": pt.rate or 0,
                    "p": chart.p0 or 0,
                    "d": _dt(windows[chart.first_alarm].start).date().isoformat(),
                },
            },
        )
        new_alerts += made

    # Input drift of the measurements: cases shown in the last windows against the training cases.
    from medtandem.ai.features import FEATURES

    reference_ids = sources.training_case_ids()
    recent = widx >= n_windows - drift_windows
    ensure_case_features(set(reference_ids) | set(np.unique(case_ids[recent]).tolist()))
    matrix, order = _feature_matrix(
        sorted(set(reference_ids) | set(np.unique(case_ids[recent]).tolist()))
    )
    ref_rows = [order[c] for c in reference_ids if c in order]
    cur_rows = np.array(
        [order.get(int(c), -1) for c in np.unique(case_ids[recent])], dtype=np.int64
    )
    cur_rows = cur_rows[cur_rows >= 0]
    drift_rows: list[dict[str, Any]] = []
    for j, info in enumerate(FEATURES):
        d = mon.drift(matrix[ref_rows, j], matrix[cur_rows, j])
        drift_rows.append(
            {"feature": info.name, "label": info.label, "unit": info.unit, **d.to_dict()}
        )
    drift_rows.sort(key=lambda r: -(r["psi"] or 0))
    major = [r for r in drift_rows if r["level"] == "major"]
    if major:
        top = major[0]
        made = _raise_alert(
            version=version,
            kind=Alert.Kind.INPUT,
            subject=top["feature"][:80],
            window_start=_dt(windows[n_windows - drift_windows].start),
            defaults={
                "run": run,
                "statistic": top["psi"],
                "limit": mon.PSI_MAJOR,
                "raised_at": at,
                "message": _(
                    "Les entrées du modèle ont changé : %(n)d mesure(s) avec un PSI > %(l).2f, dont "
                    "« %(f)s » (PSI %(p).2f) sur les %(w)d dernières fenêtres."
                )
                % {
                    "n": len(major),
                    "l": mon.PSI_MAJOR,
                    "f": top["label"],
                    "p": top["psi"],
                    "w": drift_windows,
                },
            },
        )
        new_alerts += made

    # How people use it: over- and under-reliance by profession, from paired reads of the same case.
    unaided = sources.unaided_reads_in(version.name, version.version)
    reliance_rows = []
    clean = keep & ~reads.seen_truth_before
    a_key = reads.session[clean] * 10_000_000 + reads.case[clean]
    u_ok = ~unaided.seen_truth_before
    u_key = unaided.session[u_ok] * 10_000_000 + unaided.case[u_ok]
    common, a_pos, u_pos = np.intersect1d(a_key, u_key, return_indices=True)
    if len(common):
        a_idx = np.flatnonzero(clean)[a_pos]
        u_idx = np.flatnonzero(u_ok)[u_pos]
        keep_pos = np.cumsum(keep) - 1  # read index -> row of P/Y
        rows_py = keep_pos[a_idx]
        truth, ai_call = Y[rows_py, :5], calls[rows_py, :5]
        aided_dec, unaided_dec = reads.decisions[a_idx], unaided.decisions[u_idx]
        profession = reads.profession[a_idx]
        for value in sorted(
            set(profession.tolist()) | {None}, key=lambda v: (v is not None, v or "")
        ):
            sel = np.ones(len(a_idx), bool) if value is None else profession == value
            rates = mon.reliance_rates(
                truth[sel].ravel(),
                unaided_dec[sel].ravel(),
                aided_dec[sel].ravel(),
                ai_call[sel].ravel(),
            )
            reliance_rows.append(
                {"profession": value or "all", "pairs": int(sel.sum()), **rates.to_dict()}
            )

    card_energy = (version.model_card or {}).get("environmental_impact") or {}
    ledger = mon.energy_ledger(
        float((card_energy.get("training") or {}).get("kwh") or 0.0),
        float((card_energy.get("inference_per_ecg") or {}).get("mj") or 0.0),
        sources.inferences_by_month(version.name, version.version),
        grid_g_per_kwh=GRID_G_PER_KWH,
        grid_source=GRID_SOURCE,
    )
    run.payload = {
        "windows": [w.to_dict() for w in windows],
        "control_chart": chart.to_dict(),
        "drift": drift_rows,
        "drift_reference": {
            "cases": len(ref_rows),
            "what": "PTB-XL strat_fold 1-8 (the training folds)",
        },
        "drift_current": {"reads": int(len(cur_rows)), "windows": drift_windows},
        # Share of the distinct cases shown that the model was trained on: field figures on its own
        # training ECGs are optimistic, and the page says so.
        "training_overlap": float(
            np.isin(uniq_case, np.asarray(reference_ids, dtype=np.int64)).mean()
        )
        if len(uniq_case)
        else 0.0,
        "reliance": reliance_rows,
        "input_flags": flags.to_dict(),
        "energy": ledger.to_dict(),
        "claimed": claimed,
        "thresholds": thresholds,
        "min_per_class": mon.MIN_PER_CLASS,
        "min_items": mon.MIN_ITEMS,
    }
    run.seconds = time.perf_counter() - started
    run.save(update_fields=["payload", "seconds"])
    return run, new_alerts


def refresh_field_monitoring(
    now: datetime | None = None,
    *,
    window_days: int = 7,
    n_windows: int = 12,
    progress: Callable[[str], None] | None = None,
) -> RefreshReport:
    """Recompute the field monitoring of every MedTandem application version in service, or
    with reads in the field. Plain and idempotent: the task queue schedules it (e.g. nightly)."""
    started = time.perf_counter()
    versions = [
        v
        for v in ApplicationVersion.objects.filter(application__source=Source.MEDTANDEM)
        if v.status == Status.IN_SERVICE or sources.aided_reads_exist(v.name, v.version)
    ]
    total = alerts = 0
    for version in versions:
        with transaction.atomic():
            run, made = monitor_version(
                version, now=now, window_days=window_days, n_windows=n_windows
            )
        total += run.n_reads
        alerts += made
        if progress:
            progress(f"{version}: {run.n_reads} reads, {made} new alert(s), {run.seconds:.1f} s")
    return RefreshReport(len(versions), total, alerts, time.perf_counter() - started)


def acknowledge_alert(alert: Alert, *, by: Any) -> Alert:
    if not has_role(by, "analyst"):
        raise NotAllowed(_("réservé aux analystes"))
    alert.state = Alert.State.ACKNOWLEDGED
    alert.save(update_fields=["state"])
    return alert


# --- incidents -------------------------------------------------------------------------------------

SERIOUS = {
    Seriousness.DEATH,
    Seriousness.HEALTH,
    Seriousness.INFRASTRUCTURE,
    Seriousness.RIGHTS,
    Seriousness.PROPERTY,
    Seriousness.WIDESPREAD,
}
TRANSITIONS: dict[str, set[str]] = {
    Incident.State.RECEIVED: {Incident.State.ASSESSED, Incident.State.CLOSED},
    Incident.State.ASSESSED: {Incident.State.INVESTIGATING, Incident.State.CLOSED},
    Incident.State.INVESTIGATING: {Incident.State.ASSESSED, Incident.State.CLOSED},
    Incident.State.CLOSED: {Incident.State.INVESTIGATING},
}


def reporting_deadline(seriousness: str, aware_at: datetime) -> datetime | None:
    """AI Act Art. 73: 2 days (Art. 3(49)(b) or a widespread infringement), 10 days (death), 15 days
    (other serious incidents, and provisionally while not assessed); none for a non-serious one."""
    if seriousness in (Seriousness.INFRASTRUCTURE, Seriousness.WIDESPREAD):
        return aware_at + timedelta(days=2)
    if seriousness == Seriousness.DEATH:
        return aware_at + timedelta(days=10)
    if seriousness in SERIOUS or seriousness == Seriousness.UNKNOWN:
        return aware_at + timedelta(days=15)
    return None


@transaction.atomic
def report_incident(
    *,
    reporter: Any,
    description: str,
    category: str,
    seriousness: str,
    origin: str,
    version: ApplicationVersion | None = None,
    title: str = "",
    case_id: int | None = None,
    prediction_id: int | None = None,
    alert: Alert | None = None,
    deployer: str = "",
    now: datetime | None = None,
) -> Incident:
    """Receive a report: a new incident, its first report, its entities and its Art. 73 clock."""
    if not description.strip():
        raise EntryInvalid({"description": _("décrivez ce qui s'est passé")})
    if category not in Category.values:
        raise EntryInvalid({"category": _("catégorie inconnue")})
    if seriousness not in Seriousness.values:
        raise EntryInvalid({"seriousness": _("gravité inconnue")})
    at = _now(now)
    incident = Incident.objects.create(
        public_id=f"tmp-{time.time_ns()}",
        version=version,
        title=(title or str(Category(category).label))[:200],
        description=description.strip(),
        category=category,
        reported_seriousness=seriousness,
        seriousness=Seriousness.UNKNOWN,
        origin=origin,
        aware_at=at,
        deadline=reporting_deadline(
            seriousness if seriousness in SERIOUS else Seriousness.UNKNOWN, at
        ),
        reporter=reporter if getattr(reporter, "is_authenticated", False) else None,
        case_id_private=case_id,
        prediction_id_private=prediction_id,
        alert=alert,
    )
    incident.public_id = f"INC-{at.year}-{incident.pk:05d}"
    incident.save(update_fields=["public_id"])
    IncidentReport.objects.create(
        incident=incident,
        origin=origin,
        text=description.strip(),
        reporter=incident.reporter,
        received_at=at,
    )
    if version is not None and version.developer:
        IncidentEntity.objects.create(
            incident=incident, role=IncidentEntity.Role.DEVELOPER, name=version.developer[:300]
        )
    if deployer or origin == Incident.Origin.READING:
        IncidentEntity.objects.create(
            incident=incident,
            role=IncidentEntity.Role.DEPLOYER,
            name=(deployer or "MedTandem")[:300],
        )
    if origin == Incident.Origin.READING:
        IncidentEntity.objects.create(
            incident=incident,
            role=IncidentEntity.Role.HARMED,
            name=_("professionnel·le en formation"),
        )
    IncidentEvent.objects.create(
        incident=incident,
        new_state=incident.state,
        by=incident.reporter,
        at=at,
        note=_("signalement reçu"),
    )
    return incident


def report_from_reading(
    user: Any,
    session_pk: int,
    position: int,
    *,
    description: str,
    category: str,
    seriousness: str,
    now: datetime | None = None,
) -> Incident:
    """A learner's report on the suggestion shown at ``position`` of their session. The case and
    the suggestion are resolved here, on the server; the learner never handles their identifiers."""
    from medtandem.apps.observatory.selectors import version_of

    context = sources.reading_context(user, session_pk, position)
    if context is None:
        raise NotAllowed(_("aucune suggestion de l'IA n'a été montrée à cette étape"))
    return report_incident(
        reporter=user,
        description=description,
        category=category,
        seriousness=seriousness,
        origin=Incident.Origin.READING,
        version=version_of(context.model_name, context.model_version),
        case_id=context.case_id,
        prediction_id=context.prediction_id if context.prediction_id >= 0 else None,
        now=now,
    )


def open_incident_from_alert(alert: Alert, *, by: Any, now: datetime | None = None) -> Incident:
    if not has_role(by, "analyst"):
        raise NotAllowed(_("réservé aux analystes"))
    existing = alert.incidents.first()
    if existing is not None:
        return existing
    incident = report_incident(
        reporter=by,
        description=alert.message,
        category=Category.DRIFT,
        seriousness=Seriousness.UNKNOWN,
        origin=Incident.Origin.ALERT,
        version=alert.version,
        title=_("Alerte de dérive : %(s)s") % {"s": alert.subject},
        alert=alert,
        deployer="MedTandem",
        now=now,
    )
    acknowledge_alert(alert, by=by)
    return incident


@transaction.atomic
def triage(
    incident: Incident,
    *,
    by: Any,
    state: str | None = None,
    seriousness: str | None = None,
    category: str | None = None,
    corrective_action: str | None = None,
    public_summary: str | None = None,
    notified_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Incident:
    """An analyst's triage step: assess, investigate, close; set seriousness, action, public text."""
    if not has_role(by, "analyst"):
        raise NotAllowed(_("seuls les analystes trient les incidents"))
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    at = _now(now)
    old = incident.state
    if seriousness is not None:
        if seriousness not in Seriousness.values:
            raise EntryInvalid({"seriousness": _("gravité inconnue")})
        incident.seriousness = seriousness
        if incident.origin != Incident.Origin.FDA_MAUDE:
            incident.deadline = reporting_deadline(seriousness, incident.aware_at)
    if category is not None:
        if category not in Category.values:
            raise EntryInvalid({"category": _("catégorie inconnue")})
        incident.category = category
    if corrective_action is not None:
        incident.corrective_action = corrective_action.strip()
    if public_summary is not None:
        incident.public_summary = public_summary.strip()
    if notified_at is not None:
        incident.notified_at = notified_at
    if state is not None and state != old:
        if state not in TRANSITIONS.get(old, set()):
            raise ObservatoryError(
                _("passage de « %(a)s » à « %(b)s » impossible") % {"a": old, "b": state}
            )
        if (
            state == Incident.State.CLOSED
            and incident.origin != Incident.Origin.FDA_MAUDE
            and incident.seriousness == Seriousness.UNKNOWN
        ):
            raise EntryInvalid({"seriousness": _("évaluez la gravité avant de clore")})
        incident.state = state
        incident.closed_at = at if state == Incident.State.CLOSED else None
    incident.save()
    if state is not None and state != old or note:
        IncidentEvent.objects.create(
            incident=incident, old_state=old, new_state=incident.state, by=by, note=note, at=at
        )
    return incident


# --- hurdles ---------------------------------------------------------------------------------------


def report_hurdle(
    *,
    reporter: Any,
    category: str,
    text: str,
    profession: str = "",
    region: str = "",
    on_behalf_of_site: bool = False,
    severity: int = 3,
    is_example: bool = False,
    now: datetime | None = None,
) -> Hurdle:
    errors = {}
    if category not in HurdleCategory.values:
        errors["category"] = _("catégorie inconnue")
    if not text.strip():
        errors["text"] = _("décrivez l'obstacle")
    if not 1 <= int(severity) <= 5:
        errors["severity"] = _("entre 1 et 5")
    if errors:
        raise EntryInvalid(errors)
    at = _now(now)
    hurdle = Hurdle.objects.create(
        public_id=f"tmp-{time.time_ns()}",
        category=category,
        text=text.strip(),
        profession=profession[:20],
        region=region[:60],
        on_behalf_of_site=on_behalf_of_site,
        severity=int(severity),
        is_example=is_example,
        reporter=reporter if getattr(reporter, "is_authenticated", False) else None,
        created_at=at,
    )
    hurdle.public_id = f"HUR-{at.year}-{hurdle.pk:05d}"
    hurdle.save(update_fields=["public_id"])
    return hurdle


def review_hurdle(hurdle: Hurdle, *, by: Any, publish: bool, now: datetime | None = None) -> Hurdle:
    if not has_role(by, "analyst"):
        raise NotAllowed(_("réservé aux analystes"))
    hurdle.state = Hurdle.State.PUBLISHED if publish else Hurdle.State.WITHHELD
    hurdle.reviewed_at = _now(now)
    hurdle.save(update_fields=["state", "reviewed_at"])
    return hurdle


# --- CSV -------------------------------------------------------------------------------------------


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """Every CSV the observatory writes goes through here (one place to swap for the shared writer).

    Cells that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a carriage
    return) are prefixed with an apostrophe (OWASP, CSV injection).
    """

    def cell(value: Any) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return repr(value) if isinstance(value, float) else str(value)
        text = "" if value is None else str(value)
        return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
