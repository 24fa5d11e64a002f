"""Observatory pages. Public pages need no login (transparency is the point); submitting needs an
account; reviewing, triage and alerts need the Analyst role. Views parse, call services, render."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtandem.apps.accounts.http import AuthedRequest
from medtandem.apps.accounts.permissions import role_required
from medtandem.apps.accounts.selectors import has_role
from medtandem.apps.observatory import selectors, services
from medtandem.apps.observatory.fields import FIELDS, grouped
from medtandem.apps.observatory.forms import EntryForm, HurdleForm, IncidentForm, TriageForm
from medtandem.apps.observatory.models import (
    AIActRisk,
    Alert,
    ApplicationVersion,
    Hurdle,
    HurdleCategory,
    Incident,
    Revision,
    Source,
    Status,
)
from medtandem.charts import Reference, Series, line_chart
from medtandem.web.charts import chart_locale, for_template

PAGE_SIZE = 25


def _show_errors(form: forms.Form, exc: services.ObservatoryError) -> None:
    """The service's refusal on the form: an invalid entry's messages each on its field (or on the
    whole form), any other refusal on the whole form."""
    if not isinstance(exc, services.EntryInvalid):
        form.add_error(None, str(exc))
        return
    for key, message in exc.errors.items():
        form.add_error(key if key in form.fields else None, message)


def csv_response(name: str, header: list[str], rows: Any) -> HttpResponse:
    response = HttpResponse(services.csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- registry -------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.RegistryFilters:
    g = {k: request.GET.get(k, "").replace("\x00", "")[:200] for k in request.GET}
    return selectors.RegistryFilters(
        q=g.get("q", "").strip()[:100],
        task=g.get("task", ""),
        modality=g.get("modality", ""),
        status=g.get("status", "") if g.get("status", "") in Status.values else "",
        risk_class=g.get("risk_class", "") if g.get("risk_class", "") in AIActRisk.values else "",
        region=g.get("region", ""),
        source=g.get("source", "") if g.get("source", "") in Source.values else "",
        has_field_data=g.get("field") == "1",
        has_open_incidents=g.get("incidents") == "1",
    )


def registry(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    entries = selectors.filter_registry(f)
    if request.GET.get("format") == "csv":
        return csv_response(
            "registry",
            [
                "id",
                "name",
                "version",
                "provider",
                "source",
                "status",
                "risk_class",
                "fda_submission",
                "decision_date",
                "task",
                "region",
                "open_incidents",
            ],
            (
                [
                    e.slug,
                    e.name,
                    e.version,
                    e.developer,
                    e.application.source,
                    e.status,
                    e.risk_class,
                    e.fda_submission,
                    e.decision_date,
                    e.application.task,
                    e.application.region,
                    e.open_incidents,
                ]
                for e in entries
            ),
        )
    return render(
        request,
        "observatory/registry.html",
        {
            "page": _page(request, entries),
            "filters": f,
            "choices": selectors.filter_choices(),
            "statuses": Status.choices,
            "risks": AIActRisk.choices,
            "sources": Source.choices,
            "query": _without_page(request),
            "alerts": selectors.open_alerts().count()
            if has_role(request.user, "analyst")
            else None,
        },
    )


def registry_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "applications": [
                {
                    **selectors.version_public(e, full=True),
                    "slug": e.slug,
                    "developer": e.developer,
                    "in_service": e.in_service,
                    "registered_at": e.registered_at.isoformat(),
                }
                for e in selectors.registry().filter(application__source=Source.MEDTANDEM)
            ]
        }
    )


def _no_nul(value: str) -> str:
    """Identifiers from the URL or a form: PostgreSQL text cannot hold NUL, so such a value is a 404."""
    if "\x00" in value:
        raise Http404
    return value


def _version_or_404(slug: str) -> ApplicationVersion:
    version = selectors.version_by_slug(_no_nul(slug))
    if version is None or not version.published:
        raise Http404
    return version


def application(request: HttpRequest, slug: str) -> HttpResponse:
    return _application_page(request, _version_or_404(slug))


def _application_page(request: HttpRequest, entry: ApplicationVersion) -> HttpResponse:
    siblings = entry.application.versions.filter(published=True).order_by(
        "-decision_date", "-registered_at"
    )
    incidents = selectors.public_incidents().filter(version=entry)
    values = selectors.sheet_values(entry)
    return render(
        request,
        "observatory/application.html",
        {
            "entry": entry,
            "groups": grouped(values),
            "intended_use": values.get("intended_purpose") or entry.intended_use,
            "siblings": siblings,
            "status_changes": entry.status_changes.all(),
            "incidents": incidents[:20],
            "n_incidents": incidents.count(),
            "run": selectors.latest_run(entry),
            "facts": selectors.localised_facts(entry),
            "is_example": entry.application.source == Source.EXAMPLE,
        },
    )


def application_json(request: HttpRequest, slug: str) -> JsonResponse:
    entry = _version_or_404(slug)
    return JsonResponse(
        {
            **selectors.version_public(entry, full=True),
            "slug": entry.slug,
            "developer": entry.developer,
            "in_service": entry.in_service,
        }
    )


def application_xml(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(
        selectors.chai_xml(_version_or_404(slug)), content_type="application/xml; charset=utf-8"
    )


def application_history(request: HttpRequest, slug: str) -> HttpResponse:
    entry = _version_or_404(slug)
    return render(
        request,
        "observatory/history.html",
        {
            "entry": entry,
            "history": selectors.history(entry),
            "status_changes": entry.status_changes.all(),
        },
    )


def model_card(request: HttpRequest) -> HttpResponse:
    """The card of the model now in service (the learner's AI step links here)."""
    entry = selectors.in_service()
    if entry is None:
        raise Http404("no model in service")
    return _application_page(request, entry)


def frugality(request: HttpRequest) -> HttpResponse:
    """One row per shipped model: size, energy, latency, AUC and AUC per joule, and why the default won."""
    from medtandem.ai import frugality_report

    report = frugality_report()
    if request.GET.get("format") == "json":
        return JsonResponse(report)
    # How each figure was obtained, said once for the models that share a method.
    methods: dict[tuple[str, str], list[str]] = {}
    for row in report["rows"]:
        key = (
            selectors.energy_method_text(row["training_energy"]),
            selectors.energy_method_text(row["inference_energy"]),
        )
        methods.setdefault(key, []).append(row["name"])
    # The footnote on a training energy shown as a bound (a stored 0 that is only a rounding).
    below = [r["training_energy"]["below_wh"] for r in report["rows"]]
    return render(
        request,
        "observatory/frugality.html",
        {
            "report": report,
            "methods": [(", ".join(names), t, i) for (t, i), names in methods.items()],
            "below_wh": max((b for b in below if b is not None), default=None),
        },
    )


@login_required
def submit(request: AuthedRequest, slug: str | None = None) -> HttpResponse:
    version = _version_or_404(slug) if slug else None
    if request.method == "POST":
        form = EntryForm(request.POST)
        if form.is_valid():
            try:
                data = {k: v for k, v in form.cleaned_data.items() if k != "note"}
                revision = services.submit_entry(
                    data, author=request.user, version=version, note=form.cleaned_data["note"]
                )
            except services.EntryInvalid as exc:
                _show_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Merci : la fiche (révision %(n)d) sera publiée après relecture par un analyste."
                    )
                    % {"n": revision.number},
                )
                return redirect("observatory:registry")
    else:
        initial = services._entry_data(version) if version else {}
        if version:
            initial.update(
                {
                    "task": version.application.task,
                    "modality": version.application.modality,
                    "region": version.application.region,
                }
            )
        form = EntryForm(initial=initial)
    return render(request, "observatory/submit.html", {"form": form, "entry": version})


@role_required("analyst")
def review_queue(request: AuthedRequest) -> HttpResponse:
    rows = [
        (r, selectors.diff((selectors.previous_published(r) or Revision(data={})).data, r.data))
        for r in selectors.pending_revisions()
    ]
    return render(request, "observatory/review.html", {"rows": rows})


@require_POST
@role_required("analyst")
def review(request: AuthedRequest, pk: int) -> HttpResponse:
    revision = get_object_or_404(Revision, pk=pk)
    try:
        services.review_revision(
            revision,
            reviewer=request.user,
            approve=request.POST.get("decision") == "publish",
            note=request.POST.get("note", "")[:500],
        )
    except services.ObservatoryError as exc:
        messages.error(request, str(exc))
    return redirect("observatory:review_queue")


# --- field monitoring -----------------------------------------------------------------------------


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%d/%m")


def field(request: HttpRequest, slug: str) -> HttpResponse:
    entry = _version_or_404(slug)
    run = selectors.latest_run(entry)
    context: dict[str, Any] = {"entry": entry, "run": run}
    if run is None:
        return render(request, "observatory/field.html", context)
    payload = run.payload
    labels = [_day(w["start"]) for w in payload["windows"]]
    metrics = list(selectors.run_metrics(run))
    if request.GET.get("format") == "csv":
        rows = [selectors.metric_public(m, entry) for m in metrics]
        header = list(rows[0]) if rows else ["output"]
        return csv_response(f"field-{entry.slug}", header, ([r[h] for h in header] for r in rows))
    outputs = sorted(
        {m.output for m in metrics}, key=lambda o: list(payload["thresholds"]).index(o)
    )
    overall = {m.output: m for m in metrics if m.subgroup == "all" and m.window == -1}
    by_window = {
        o: [m for m in metrics if m.output == o and m.subgroup == "all" and m.window >= 0]
        for o in outputs
    }
    window_title = _("fenêtre hebdomadaire n° (voir le tableau pour les dates)")

    def by_index(values: list[float | None]) -> list[tuple[float | None, float | None]]:
        return [(float(i + 1), v) for i, v in enumerate(values)]

    auc_svg = for_template(
        line_chart(
            [
                Series(o, by_index([m.auc if m.enough else None for m in by_window[o]]))
                for o in outputs
            ],
            title=_("AUC de terrain par fenêtre (fenêtres avec assez de données)"),
            x_title=window_title,
            y_title="AUC",
            locale=chart_locale(),
            y_range=(0.4, 1.0),
            series_header=_("sortie"),
            empty_text=_("pas encore assez de données"),
        )
    )
    chart = payload["control_chart"]
    points = chart["points"]
    spc_svg = for_template(
        line_chart(
            [
                Series(_("taux d'erreur"), by_index([p["rate"] for p in points])),
                Series(_("limite haute 3σ"), by_index([p["ucl"] for p in points]), markers=False),
            ],
            title=_("Carte de contrôle p : erreurs au point de fonctionnement"),
            x_title=window_title,
            y_title=_("taux d'erreur (proportion)"),
            locale=chart_locale(),
            y_range=(
                0.0,
                max([0.4] + [p["ucl"] or 0 for p in points] + [p["rate"] or 0 for p in points]),
            ),
            references=[Reference(float(chart["p0"]), _("référence p0"))],
            series_header=_("série"),
            empty_text=_("pas encore assez de données"),
        )
    )
    cusum_svg = for_template(
        line_chart(
            [Series("CUSUM", by_index([p["cusum"] for p in points]))],
            title=_("CUSUM supérieur du taux d'erreur standardisé"),
            x_title=window_title,
            y_title=_("CUSUM (écarts-types)"),
            locale=chart_locale(),
            y_range=(0.0, max([chart["h"] * 1.5] + [p["cusum"] for p in points])),
            references=[Reference(float(chart["h"]), _("seuil d'alerte h"))],
            series_header=_("série"),
            empty_text=_("pas encore assez de données"),
        )
    )
    energy = payload["energy"]
    energy_svg = for_template(
        line_chart(
            [Series("kWh", by_index([p["kwh"] for p in energy["points"]]))],
            title=_("Énergie cumulée (entraînement + inférences)"),
            x_title=_("mois n° (voir le tableau)"),
            y_title="kWh",
            locale=chart_locale(),
            y_range=(0.0, max([1e-6] + [p["kwh"] * 1.2 for p in energy["points"]])),
            series_header=_("série"),
            empty_text=_("pas encore de données"),
        )
    )
    subgroups: dict[str, list[Any]] = {}
    for m in metrics:
        if m.subgroup != "all":
            subgroups.setdefault(m.subgroup, []).append(m)
    context.update(
        {
            "payload": payload,
            "labels": labels,
            "outputs": outputs,
            "overall": [overall[o] for o in outputs if o in overall],
            "by_window": by_window,
            "auc_svg": auc_svg,
            "spc_svg": spc_svg,
            "cusum_svg": cusum_svg,
            "points": points,
            "chart": chart,
            "subgroups": subgroups,
            "drift": payload["drift"][:15],
            "reliance": payload["reliance"],
            "energy": energy,
            "energy_svg": energy_svg,
            "alerts": entry.alerts.all()[:10],
            "simulated_share": run.n_simulated / run.n_reads if run.n_reads else 0,
            "simulated_pct": round(100 * run.n_simulated / run.n_reads) if run.n_reads else 0,
            "training_overlap_pct": round(100 * payload.get("training_overlap", 0)),
            "window_rows": list(zip(labels, points, strict=False)),
            # Runs stored before refusals and out-of-domain flags were counted have none.
            "input_flags": payload.get("input_flags"),
            "input_flag_rows": list(
                zip(labels, (payload.get("input_flags") or {}).get("windows", []), strict=False)
            ),
        }
    )
    return render(request, "observatory/field.html", context)


@role_required("analyst")
def alerts(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "observatory/alerts.html",
        {"alerts": Alert.objects.select_related("version")[:200]},
    )


@require_POST
@role_required("analyst")
def alert_incident(request: AuthedRequest, pk: int) -> HttpResponse:
    incident = services.open_incident_from_alert(get_object_or_404(Alert, pk=pk), by=request.user)
    return redirect("observatory:triage", public_id=incident.public_id)


# --- incidents ------------------------------------------------------------------------------------


@login_required
def report_incident(request: AuthedRequest) -> HttpResponse:
    """From the reading page (``?session=&position=``, resolved on the server) or a registry entry (``?entry=``)."""
    source = request.GET if request.method == "GET" else request.POST
    try:
        session_pk = int(source.get("session", "")) if source.get("session") else None
        position = int(source.get("position", "")) if source.get("position") else None
    except ValueError:
        raise Http404 from None
    entry = _version_or_404(source["entry"]) if source.get("entry") else None
    if session_pk is not None and (
        position is None
        or services.sources.reading_context(request.user, session_pk, position) is None
    ):
        raise Http404
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if session_pk is not None:
                incident = services.report_from_reading(
                    request.user,
                    session_pk,
                    position or 0,
                    description=d["description"],
                    category=d["category"],
                    seriousness=d["seriousness"],
                )
            else:
                incident = services.report_incident(
                    reporter=request.user,
                    description=d["description"],
                    category=d["category"],
                    seriousness=d["seriousness"],
                    origin=d["origin"] or Incident.Origin.REGISTRY,
                    version=entry,
                    deployer=d["deployer"],
                )
        except services.EntryInvalid as exc:
            _show_errors(form, exc)
        except services.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from None
        else:
            return render(request, "observatory/incident_thanks.html", {"incident": incident})
    return render(
        request,
        "observatory/report_incident.html",
        {
            "form": form,
            "entry": entry,
            "session_pk": session_pk,
            "position": position,
            "from_reading": session_pk is not None,
        },
    )


def incidents(request: HttpRequest) -> HttpResponse:
    qs = selectors.public_incidents()
    origin = request.GET.get("origin", "")
    if origin in Incident.Origin.values:
        qs = qs.filter(origin=origin)
    if request.GET.get("format") == "csv":
        rows = [selectors.incident_public(i) for i in qs]
        header = [
            "id",
            "application_version",
            "application_name",
            "category",
            "seriousness",
            "reported_seriousness",
            "state",
            "origin",
            "unverified",
            "occurred_month",
            "aware_on",
            "summary",
            "corrective_action",
        ]
        return csv_response("incidents", header, ([r[h] for h in header] for r in rows))
    return render(
        request,
        "observatory/incidents.html",
        {
            "page": _page(request, qs),
            "origin": origin,
            "origins": Incident.Origin.choices,
            "query": _without_page(request),
        },
    )


def incident_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = selectors.public_incidents().filter(public_id=_no_nul(public_id)).first()
    if incident is None:
        raise Http404
    return render(
        request,
        "observatory/incident.html",
        {"incident": incident, "public": selectors.incident_public(incident)},
    )


@role_required("analyst")
def triage_list(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    qs = selectors.triage_queue(state if state in Incident.State.values else "")
    rows = [(i, selectors.is_overdue(i)) for i in qs[:300]]
    return render(
        request,
        "observatory/triage_list.html",
        {
            "rows": rows,
            "state": state,
            "states": Incident.State.choices,
            "counts": selectors.incident_counts(),
            "n_overdue": selectors.overdue().count(),
        },
    )


@role_required("analyst")
def triage(request: AuthedRequest, public_id: str) -> HttpResponse:
    incident = get_object_or_404(Incident, public_id=_no_nul(public_id))
    initial = {
        "state": incident.state,
        "seriousness": incident.seriousness,
        "category": incident.category,
        "corrective_action": incident.corrective_action,
        "public_summary": incident.public_summary,
        "notified_at": incident.notified_at,
    }
    form = TriageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:  # the form's fields are the triage's own arguments
            services.triage(incident, by=request.user, **form.cleaned_data)
        except services.ObservatoryError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Incident mis à jour."))
            return redirect("observatory:triage", public_id=incident.public_id)
    return render(
        request,
        "observatory/triage.html",
        {
            "incident": incident,
            "form": form,
            "overdue": selectors.is_overdue(incident),
            "reports": incident.reports.all(),
            "entities": incident.entities.all(),
            "events": incident.events.all(),
        },
    )


# --- hurdles --------------------------------------------------------------------------------------


def hurdles(request: HttpRequest) -> HttpResponse:
    agg = selectors.hurdle_aggregates()
    published = selectors.published_hurdles()
    if request.GET.get("format") == "csv":
        header = [
            "id",
            "category",
            "profession",
            "region",
            "on_behalf_of_site",
            "severity",
            "is_example",
            "reported_month",
            "text",
        ]
        return csv_response(
            "hurdles", header, ([selectors.hurdle_public(h)[k] for k in header] for h in published)
        )
    labels = dict(HurdleCategory.choices)
    bar_max = max([1] + [r["count"] for r in agg["by_category"]])
    return render(
        request,
        "observatory/hurdles.html",
        {
            "agg": agg,
            "page": _page(request, published),
            "labels": labels,
            "bar_max": bar_max,
            "query": _without_page(request),
        },
    )


@login_required
def report_hurdle(request: AuthedRequest) -> HttpResponse:
    form = HurdleForm(
        request.POST or None, initial={"profession": getattr(request.user, "profession", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:  # the form's fields are the report's own arguments
            services.report_hurdle(reporter=request.user, **form.cleaned_data)
        except services.EntryInvalid as exc:
            _show_errors(form, exc)
        else:
            messages.success(
                request,
                _("Merci : votre signalement est compté ; son texte sera relu avant publication."),
            )
            return redirect("observatory:hurdles")
    return render(request, "observatory/report_hurdle.html", {"form": form})


@role_required("analyst")
def hurdle_review(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        hurdle = get_object_or_404(Hurdle, public_id=_no_nul(request.POST.get("id", "")))
        services.review_hurdle(
            hurdle, by=request.user, publish=request.POST.get("decision") == "publish"
        )
        return redirect("observatory:hurdle_review")
    return render(
        request,
        "observatory/hurdle_review.html",
        {"hurdles": Hurdle.objects.filter(state=Hurdle.State.SUBMITTED)[:200]},
    )


def open_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "observatory/open_data.html",
        {"api": reverse("observatory_api:openapi"), "fields": FIELDS},
    )
