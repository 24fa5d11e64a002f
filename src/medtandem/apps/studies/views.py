"""Reader-study pages and the reliance pages. Views parse, call services/selectors, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtandem.apps.accounts.http import AuthedRequest
from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.permissions import role_required
from medtandem.apps.accounts.selectors import cohorts_of_instructor, has_role
from medtandem.apps.cases.selectors import record_or_none
from medtandem.apps.studies import figures, selectors, services, texts
from medtandem.apps.studies.advice import OVER_RELIANCE_FLAG
from medtandem.apps.studies.forms import ImportForm, JoinForm, StudyForm, WithdrawForm
from medtandem.apps.studies.models import Participant, Study
from medtandem.apps.studies.report import analysis_for, mrmc_html, report_context
from medtandem.ecg.ptbxl import SUPERCLASSES
from medtandem.ecg.render import render_svg
from medtandem.web.downloads import csv_response, csv_text_response

STUDY_ROLES = (Role.INVESTIGATOR, Role.ADMINISTRATOR)


def _own_study(request: HttpRequest, pk: int) -> Study:
    study = (
        selectors.studies_visible_to(request.user).filter(pk=pk).select_related("case_set").first()
    )
    if study is None:
        raise Http404
    return study


def _reading_url(session_id: int) -> str:
    try:
        return reverse("reading:session", args=[session_id])
    except NoReverseMatch:
        return f"/reading/session/{session_id}/"


@role_required(*STUDY_ROLES)
def study_list(request: AuthedRequest) -> HttpResponse:
    studies = selectors.studies_visible_to(request.user).select_related("case_set")
    return render(request, "studies/list.html", {"studies": studies})


@role_required(*STUDY_ROLES)
def study_create(request: AuthedRequest) -> HttpResponse:
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            study = services.create_study(created_by=request.user, **data)
        except services.StudyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Étude créée. Code d'invitation : %(code)s") % {"code": study.invitation_code},
            )
            return redirect("studies:detail", pk=study.pk)
    return render(request, "studies/form.html", {"form": form})


@role_required(*STUDY_ROLES)
def study_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    study = _own_study(request, pk)
    rows = selectors.progress(study)
    counts = {
        s: sum(1 for r in rows if r.status == s)
        for s in ("active", "completed", "withdrawn", "dropped_out")
    }
    return render(
        request,
        "studies/detail.html",
        {
            "study": study,
            "rows": rows,
            "counts": counts,
            "import_form": ImportForm(),
            "can_reveal": has_role(request.user, Role.ADMINISTRATOR),
            "join_url": request.build_absolute_uri(reverse("studies:join"))
            + f"?code={study.invitation_code}",
        },
    )


@role_required(*STUDY_ROLES)
def study_analysis(request: AuthedRequest, pk: int) -> HttpResponse:
    study = _own_study(request, pk)
    analysis = analysis_for(study)
    return render(
        request,
        "studies/analysis.html",
        {
            "study": study,
            "analysis": analysis,
            "mrmc_html": mrmc_html(analysis),
            "mrmc_text": texts.mrmc_conclusion(
                analysis.mrmc, n_readers=analysis.n_readers, n_cases=analysis.n_cases
            ),
            "reliance_figures": figures.study_reliance(analysis),
            "roc": figures.study_roc(analysis),
            "reader_rocs": figures.reader_rocs(analysis),
            "cases": study.case_set.ordered_cases(),
        },
    )


@role_required(*STUDY_ROLES)
def study_analysis_json(request: AuthedRequest, pk: int) -> JsonResponse:
    return JsonResponse(analysis_for(_own_study(request, pk)).to_dict())


@role_required(*STUDY_ROLES)
def study_report(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "studies/report.html", report_context(_own_study(request, pk)))


@role_required(*STUDY_ROLES)
def study_report_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    study = _own_study(request, pk)
    html = render_to_string(
        "studies/report.html", report_context(study) | {"for_pdf": True}, request=request
    )
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="study-{study.pk}-report.pdf"'
    return response


@role_required(*STUDY_ROLES)
def study_export(request: AuthedRequest, pk: int) -> HttpResponse:
    study = _own_study(request, pk)
    text = selectors.export_csv(study)
    services.record_export(study, text, by=request.user)
    return csv_text_response(f"study-{study.pk}-reads.csv", text)


@role_required(*STUDY_ROLES)
@require_POST
def study_import(request: AuthedRequest, pk: int) -> HttpResponse:
    study = _own_study(request, pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.error_message())
        return redirect("studies:detail", pk=pk)
    try:
        report = services.import_reads(
            study, form.text, source=form.cleaned_data["file"].name, by=request.user
        )
    except services.ReadImportError as exc:
        messages.error(
            request, _("Import refusé, rien n'a été enregistré : %(errors)s") % {"errors": exc}
        )
    except services.StudyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(n)d lectures importées (%(r)d lecteurs).")
            % {"n": report.created, "r": report.readers},
        )
    return redirect("studies:detail", pk=pk)


@role_required(*STUDY_ROLES)
@require_POST
def study_lock(request: AuthedRequest, pk: int) -> HttpResponse:
    study = _own_study(request, pk)
    try:
        services.lock_study(study, by=request.user)
    except services.StudyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Étude verrouillée : ses lectures et son analyse sont figées."))
    return redirect("studies:detail", pk=pk)


@role_required(*STUDY_ROLES)
def case_review(request: AuthedRequest, pk: int, case_id: int) -> HttpResponse:
    """One case: every reader's unaided and aided rating beside the AI and the truth."""
    study = _own_study(request, pk)
    review = selectors.case_review(study, case_id)
    if review is None:
        raise Http404
    record = record_or_none(review.case)
    svg = (
        mark_safe(render_svg(record, element_id="ecg-review", lang=figures.locale()))
        if record
        else None
    )  # noqa: S308
    return render(
        request, "studies/case_review.html", {"study": study, "review": review, "svg": svg}
    )


@role_required(Role.ADMINISTRATOR)
@require_POST
def reveal(request: AuthedRequest, pk: int, participant_id: int) -> HttpResponse:
    """Who is behind one pseudonym (administrators only; the look is recorded)."""
    study = _own_study(request, pk)
    participant = get_object_or_404(Participant, pk=participant_id, study=study)
    try:
        person = services.reveal_identity(participant, by=request.user)
    except services.NotAllowedError as exc:
        raise PermissionDenied(str(exc)) from None
    return render(
        request,
        "studies/reveal.html",
        {"study": study, "participant": participant, "person": person},
    )


# --- readers ---------------------------------------------------------------------------------


@login_required
def join(request: AuthedRequest) -> HttpResponse:
    form = JoinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    code = (request.POST.get("code") or request.GET.get("code") or "").strip().upper()
    study = Study.objects.filter(invitation_code=code).first() if code else None
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.join_study(
                request.user, form.cleaned_data["code"], consent=form.cleaned_data["consent"]
            )
        except services.StudyError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("studies:participate", pk=participant.pk)
    return render(request, "studies/join.html", {"form": form, "study": study})


@login_required
def my_studies(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "studies/mine.html", {"participations": selectors.participations_of(request.user)}
    )


@login_required
def participate(request: AuthedRequest, pk: int) -> HttpResponse:
    participant = get_object_or_404(
        Participant.objects.select_related("study"), pk=pk, user=request.user
    )
    current = services.advance(participant)
    sessions = [
        {
            "session": r.session,
            "url": _reading_url(r.session.reading_session_id),
            "state": r.state,
            "opens_at": r.opens_at,
        }
        for r in selectors.reader_sessions(participant)
    ]
    return render(
        request,
        "studies/participate.html",
        {
            "participant": participant,
            "study": participant.study,
            "sessions": sessions,
            "current": current,
            "withdraw_form": WithdrawForm(),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    participant = get_object_or_404(Participant, pk=pk, user=request.user)
    form = WithdrawForm(request.POST)
    try:
        services.withdraw(participant, form.data.get("reason", ""))
    except services.StudyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Votre retrait est enregistré ; vos lectures sont exclues des analyses.")
        )
    return redirect("studies:participate", pk=pk)


# --- reliance pages ------------------------------------------------------------------------------


def _label(request: HttpRequest) -> str:
    label = request.GET.get("label", selectors.ALL_LABELS)
    return label if label in SUPERCLASSES else selectors.ALL_LABELS


@login_required
def my_reliance(request: AuthedRequest) -> HttpResponse:
    view = selectors.learner_reliance(request.user, _label(request))
    return render(
        request,
        "studies/my_reliance.html",
        {
            "measures": view.measures,
            "by_label": view.by_label,
            "watch": view.watch,
            "figures": figures.learner_reliance(view.measures, view.watch),
            "label": view.label,
            "labels": SUPERCLASSES,
            "advice": view.advice,
        },
    )


def _cohort_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("cohort", "")
    return int(raw) if raw.isdigit() else None


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def cohort_reliance(request: AuthedRequest) -> HttpResponse:
    label = _label(request)
    rows, report = selectors.cohort_reliance(request.user, _cohort_id(request), label)
    if request.GET.get("format") == "csv":
        return _cohort_csv(rows)
    charts = figures.cohort_reliance(
        [(r.learner.display_name(), r.measures) for r in rows if r.measures]
    )
    return render(
        request,
        "studies/cohort_reliance.html",
        {
            "rows": rows,
            "report": report,
            "figures": charts,
            "label": label,
            "labels": SUPERCLASSES,
            "cohorts": cohorts_of_instructor(request.user),
            "cohort": request.GET.get("cohort", ""),
            "flag_pct": round(100 * OVER_RELIANCE_FLAG),
            "rereads": selectors.cohort_rereads(
                request.user, _cohort_id(request), timezone.localdate()
            ),
        },
    )


def _cohort_csv(rows: list[selectors.CohortReader]) -> HttpResponse:
    header = [
        "learner",
        "years_experience",
        "paired_items",
        "accuracy_unaided",
        "accuracy_aided",
        "benefit",
        "benefit_ci_lower",
        "benefit_ci_upper",
        "over_reliance",
        "under_reliance",
        "rair",
        "rsr",
        "aided_accuracy_ai_wrong",
        "brier_unaided",
        "ece_unaided",
        "unaided_baseline",
        "unaided_after_n_aided",
        "deskilling_p",
        "over_relies",
        "lost_unaided_skill",
    ]
    out = []
    for r in rows:
        m, w = r.measures, r.watch
        cal = m.calibration_unaided if m else None
        out.append(
            [
                r.learner.username,
                r.learner.years_experience,
                m.n if m else 0,
                *(
                    _v(x)
                    for x in (
                        (
                            m.unaided.accuracy.value,
                            m.aided.accuracy.value,
                            m.benefit.value,
                            m.benefit.ci_lower,
                            m.benefit.ci_upper,
                            m.over_reliance.value,
                            m.under_reliance.value,
                            m.rair.value,
                            m.rsr.value,
                            m.aided_accuracy_ai_wrong.value,
                        )
                        if m
                        else (None,) * 10
                    )
                ),
                _v(cal.brier if cal else None),
                _v(cal.ece if cal else None),
                _v(w.baseline.value if w else None),
                _v(w.follow_up.value if w else None),
                _v(w.change.p if w else None),
                int(r.over_relies),
                int(r.lost_skill),
            ]
        )
    return csv_response("cohort-reliance.csv", out, header)


def _v(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"
