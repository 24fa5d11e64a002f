"""Thin views: parse input, call a service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from medtandem.apps.accounts.http import AuthedRequest
from medtandem.apps.accounts.models import Role, User
from medtandem.apps.accounts.permissions import role_required
from medtandem.apps.accounts.selectors import (
    cohorts_of_instructor,
    has_role,
    learners_of_instructor,
)
from medtandem.apps.curriculum import badges, forms, selectors, services
from medtandem.apps.curriculum.markup import render_markdown
from medtandem.apps.curriculum.models import (
    Activity,
    Attestation,
    Enrolment,
    Programme,
    Question,
    Quiz,
)
from medtandem.apps.curriculum.quizformats import QuizFormatError
from medtandem.apps.reading.models import ReadingSession
from medtandem.charts import Bar, bar_chart
from medtandem.web.charts import chart_locale, for_template
from medtandem.web.downloads import csv_response

STAFF = (Role.INSTRUCTOR, Role.ADMINISTRATOR)


# --- learners -------------------------------------------------------------------------------


@login_required
def catalogue(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "curriculum/catalogue.html", {"programmes": selectors.catalogue(request.user)}
    )


@login_required
def programme_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme, slug=slug, is_published=True)
    return render(
        request,
        "curriculum/programme.html",
        {
            "programme": programme,
            "enrolment": selectors.enrolment_of(request.user, programme),
            "outline": selectors.programme_outline(request.user, programme),
            "summary_html": render_markdown(programme.summary),
            "is_staff": has_role(request.user, *STAFF),
        },
    )


@login_required
@require_POST
def enrol_self(request: AuthedRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme, slug=slug)
    try:
        services.enrol(request.user, programme)
        messages.success(request, _("Vous êtes inscrit·e à « %s ».") % programme.title)
    except services.CurriculumRuleError as exc:
        messages.error(request, str(exc))
    return redirect("curriculum:programme", slug=slug)


def _activity(pk: int) -> Activity:
    return get_object_or_404(
        Activity.objects.select_related(
            "module__programme", "module__hybrid_competency", "quiz", "case_set"
        ),
        pk=pk,
    )


def _quiz_context(learner: User, activity: Activity, quiz: Quiz) -> dict[str, Any]:
    """The activity's quiz as its page shows it: questions, the learner's attempts, attempts left."""
    attempts = selectors.quiz_attempts(learner, activity)
    return {
        "questions": quiz.questions.prefetch_related("answers"),
        "attempts": attempts,
        "attempts_left": None
        if quiz.max_attempts is None
        else max(0, quiz.max_attempts - attempts.count()),
    }


@login_required
def activity_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(pk)
    done = activity.pk in selectors.completed_activity_ids(
        request.user, activity.module.programme_id
    )
    is_staff = has_role(request.user, *STAFF)
    locked = None if done else selectors.lock_reason(request.user, activity)
    context: dict[str, Any] = {
        "activity": activity,
        "programme": activity.module.programme,
        "done": done,
        "locked": None if is_staff else locked,
        "preview": bool(is_staff and locked),
        "is_staff": is_staff,
    }
    if activity.quiz_id is not None and is_staff:
        context["can_edit_quiz"] = (
            selectors.quiz_for_staff(request.user, activity.quiz_id, change=True) is not None
        )
    if activity.kind == Activity.Kind.PAGE:
        context["body_html"] = render_markdown(activity.body)
        if not done and not context["locked"] and not context["preview"]:
            services.record_visit(request.user, activity)
        context.update(
            time_floor=selectors.format_duration(selectors.page_time_floor(activity)),
            time_left=selectors.page_time_remaining(request.user, activity),
            checks_passed=selectors.check_questions_passed(request.user, activity),
        )
        if context["time_left"]:
            context["time_left_text"] = selectors.format_duration(context["time_left"])
        if activity.quiz:
            context.update(_quiz_context(request.user, activity, activity.quiz))
    elif activity.kind == Activity.Kind.QUIZ and activity.quiz:
        context.update(_quiz_context(request.user, activity, activity.quiz))
    elif activity.kind == Activity.Kind.READING:
        link = selectors.current_link(request.user, activity)
        session = link.session if link else None
        context.update(
            session=session,
            link=link,
            accuracy=selectors.unaided_accuracy(session) if session else None,
            session_url=_reading_url(session) if session else None,
        )
        if activity.is_gate and session is not None:
            context["gate"] = selectors.gate_state(request.user, activity)
    elif activity.kind == Activity.Kind.EVENT and context["is_staff"]:
        context["cohort_learners"] = learners_of_instructor(request.user).order_by(
            "last_name", "username"
        )[:500]
        context["present"] = set(activity.attendances.values_list("learner_id", flat=True))
    return render(request, "curriculum/activity.html", context)


@login_required
@require_POST
def activity_done(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(pk)
    try:
        services.mark_page_read(request.user, activity)
        messages.success(request, _("Activité validée."))
    except services.CurriculumRuleError as exc:
        messages.error(request, str(exc))
        return redirect("curriculum:activity", pk=pk)
    return redirect("curriculum:programme", slug=activity.module.programme.slug)


@login_required
@require_POST
def quiz_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(pk)
    if activity.quiz is None:
        raise PermissionDenied
    responses: dict[int, Any] = {}
    for question in activity.quiz.questions.all():
        key = f"q{question.pk}"
        responses[question.pk] = (
            request.POST.getlist(key)
            if question.kind == Question.Kind.MULTIPLE
            else request.POST.get(key, "")
        )
    try:
        outcome = services.submit_quiz(request.user, activity, responses)
    except services.CurriculumRuleError as exc:
        messages.error(request, str(exc))
        return redirect("curriculum:activity", pk=pk)
    return render(
        request,
        "curriculum/quiz_result.html",
        {
            "activity": activity,
            "outcome": outcome,
            "programme": activity.module.programme,
        },
    )


def _reading_url(session: Any) -> str | None:
    for name, args in (("reading:session", [session.pk]), ("reading:dashboard", [])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def _open_reading(
    request: AuthedRequest, pk: int, start: Callable[[User, Activity], ReadingSession]
) -> HttpResponse:
    """Open the activity's reading with ``start(user, activity)`` (a service) and go to it; a
    curriculum rule that refuses it is shown on the activity page."""
    activity = _activity(pk)
    try:
        session = start(request.user, activity)
    except services.CurriculumRuleError as exc:
        messages.error(request, str(exc))
        return redirect("curriculum:activity", pk=pk)
    return redirect(_reading_url(session) or reverse("curriculum:activity", args=[pk]))


@login_required
@require_POST
def reading_start(request: AuthedRequest, pk: int) -> HttpResponse:
    return _open_reading(request, pk, services.start_reading)


@login_required
@require_POST
def reading_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    return _open_reading(request, pk, services.start_new_attempt)


@role_required(*STAFF)
def reading_attempts(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(pk)
    if activity.kind != Activity.Kind.READING:
        raise Http404
    return render(
        request,
        "curriculum/reading_attempts.html",
        {
            "activity": activity,
            "programme": activity.module.programme,
            "rows": selectors.reading_attempts_for_staff(request.user, activity),
        },
    )


@login_required
def progress(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "curriculum/progress.html", {"progress": selectors.learner_progress(request.user)}
    )


# --- attestations and badges ----------------------------------------------------------------


def _own_attestation(request: HttpRequest, code: str) -> Attestation:
    attestation = selectors.attestation_by_code(code)
    if attestation is None:
        raise PermissionDenied
    if attestation.enrolment.learner_id != request.user.pk and not has_role(
        request.user, Role.ADMINISTRATOR
    ):
        raise PermissionDenied
    return attestation


def _verify_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("curriculum:verify", args=[code]))


@login_required
def attestation_pdf(request: AuthedRequest, code: str) -> HttpResponse:
    attestation = _own_attestation(request, code)
    pdf = services.attestation_pdf(
        attestation, verify_url=_verify_url(request, code), base_url=request.build_absolute_uri("/")
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="attestation-{attestation.code}.pdf"'
    return response


@login_required
def attestation_badge(request: AuthedRequest, code: str) -> HttpResponse:
    """The signed Open Badges 3.0 credential (VC-JWT) for the learner's wallet."""
    attestation = _own_attestation(request, code)
    token = services.signed_badge(
        attestation,
        issuer_url=request.build_absolute_uri("/learn/"),
        verify_url=_verify_url(request, code),
        status_url=request.build_absolute_uri(reverse("curriculum:badge_status")),
    )
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="badge-{attestation.code}.jwt"'
    return response


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: validity, holder's name, programme. Nothing else about the person."""
    attestation = selectors.attestation_by_code(code)
    lines = selectors.evidence_lines(attestation.evidence, public=True) if attestation else []
    return render(
        request,
        "curriculum/verify.html",
        {"attestation": attestation, "code": code, "evidence_lines": lines},
        status=200 if attestation else 404,
    )


@csrf_exempt  # a public, side-effect-free check: any wallet or verifier may POST a token
@require_http_methods(["GET", "POST"])
def badge_verify(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "curriculum/badge_verify.html", {})
    check = badges.check_request(request)
    result = check.to_dict()
    if check.valid and check.claims:
        attestation = selectors.attestation_by_code(str(check.claims.get("sub", "")))
        if attestation is None or not attestation.is_valid:
            result.update(valid=False, reason="attestation inconnue ou révoquée")
    if "text/html" in request.headers.get("Accept", "") and request.POST.get("token"):
        return render(request, "curriculum/badge_verify.html", {"result": result})
    return JsonResponse(result, status=200 if result["valid"] else 400)


@require_http_methods(["GET"])
def badge_status(request: HttpRequest) -> HttpResponse:
    """Public: our revocation list (Bitstring Status List credential, VC-JWT), for verifiers."""
    token = services.status_list_credential(
        issuer_url=request.build_absolute_uri("/learn/"),
        status_url=request.build_absolute_uri(reverse("curriculum:badge_status")),
    )
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_http_methods(["GET"])
def badge_issuer(request: HttpRequest) -> JsonResponse:
    """Public: the issuer's Open Badges 3.0 Profile (the ``issuer.id`` of our credentials)."""
    return JsonResponse(
        services.issuer_profile(request.build_absolute_uri("/learn/")),
        content_type="application/ld+json",
    )


def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": [badges.public_jwk()]})


# --- instructors ----------------------------------------------------------------------------


@role_required(*STAFF)
def instructor(request: AuthedRequest) -> HttpResponse:
    cohorts = cohorts_of_instructor(request.user)
    programmes = Programme.objects.all()
    form = forms.CohortFilterForm(request.GET or None, cohorts=cohorts, programmes=programmes)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.cohort_progress(
        request.user,
        cohort_id=filters.get("cohort"),
        programme_id=filters.get("programme"),
        status=filters.get("status") or "",
        profession=filters.get("profession") or "",
    )
    if request.GET.get("format") == "csv":
        table: list[list[object]] = [
            [
                "username",
                "last_name",
                "first_name",
                "profession",
                "institution",
                "programme",
                "enrolled_at",
                "activities_done",
                "activities_required",
                "hours",
                "completed_at",
            ]
        ]
        for e in rows.iterator(chunk_size=2000):
            table.append(
                [
                    e.learner.username,
                    e.learner.last_name,
                    e.learner.first_name,
                    e.learner.profession,
                    e.learner.institution.name if e.learner.institution else "",
                    e.programme.title,
                    e.enrolled_at.date().isoformat(),
                    e.activities_done,
                    e.activities_required,
                    e.hours_done,
                    e.completed_at.date().isoformat() if e.completed_at else "",
                ]
            )
        return csv_response("cohortes.csv", table)
    return render(
        request,
        "curriculum/instructor.html",
        {
            "form": form,
            "rows": rows[:500],
            "count": rows.count(),
            "programmes": programmes,
            "query": request.GET.urlencode(),
        },
    )


@role_required(*STAFF)
def manage_enrolments(request: AuthedRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme, slug=slug)
    one = forms.EnrolLearnerForm(prefix="one")
    bulk = forms.CsvEnrolmentForm(prefix="csv")
    csv_errors: list[tuple[int, str]] = []
    if request.method == "POST" and "one-username" in request.POST:
        one = forms.EnrolLearnerForm(request.POST, prefix="one")
        if one.is_valid():
            learner = User.objects.filter(username=one.cleaned_data["username"]).first()
            if learner is None:
                one.add_error("username", _("Identifiant inconnu."))
            else:
                try:
                    services.enrol(
                        learner, programme, by=request.user, source=Enrolment.Source.INSTRUCTOR
                    )
                    messages.success(request, _("%s inscrit·e.") % learner.username)
                    return redirect("curriculum:manage_enrolments", slug=slug)
                except services.CurriculumRuleError as exc:
                    one.add_error("username", str(exc))
    elif request.method == "POST":
        bulk = forms.CsvEnrolmentForm(request.POST, request.FILES, prefix="csv")
        if bulk.is_valid():
            try:
                done = services.enrol_from_csv(
                    programme, bulk.cleaned_data["file"], by=request.user
                )
                messages.success(request, _("%d inscriptions importées.") % len(done))
                return redirect("curriculum:manage_enrolments", slug=slug)
            except services.CsvImportError as exc:
                csv_errors = exc.errors
            except services.CurriculumRuleError as exc:
                csv_errors = [(0, str(exc))]
    enrolments = selectors.enrolments_visible_to(request.user, programme)[:200]
    return render(
        request,
        "curriculum/manage_enrolments.html",
        {
            "programme": programme,
            "one": one,
            "bulk": bulk,
            "csv_errors": csv_errors,
            "enrolments": enrolments,
            "is_admin": has_role(request.user, Role.ADMINISTRATOR),
            "status": 400 if csv_errors else 200,
        },
        status=400 if csv_errors else 200,
    )


@role_required(*STAFF)
@require_POST
def attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(pk)
    learners = list(User.objects.filter(pk__in=request.POST.getlist("learners")))
    try:
        n = services.record_attendance(activity, learners, by=request.user)
        messages.success(request, _("%d présences enregistrées.") % n)
    except services.CurriculumRuleError as exc:
        messages.error(request, str(exc))
    return redirect("curriculum:activity", pk=pk)


@role_required(*STAFF)
def quiz_import(request: AuthedRequest, pk: int) -> HttpResponse:
    quiz = selectors.quiz_for_staff(request.user, pk, change=True)
    if quiz is None:
        raise Http404
    form = forms.QuizImportForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            created = services.import_questions(
                quiz,
                form.cleaned_data["file"],
                form.cleaned_data["format"],
                replace=form.cleaned_data["replace"],
                by=request.user,
            )
            messages.success(request, _("%d questions importées.") % len(created))
            return redirect("curriculum:quiz_import", pk=pk)
        except QuizFormatError as exc:
            error = str(exc)
    return render(
        request,
        "curriculum/quiz_import.html",
        {
            "quiz": quiz,
            "form": form,
            "error": error,
            "questions": quiz.questions.all(),
        },
        status=400 if error else 200,
    )


@role_required(*STAFF)
def quiz_export(request: AuthedRequest, pk: int) -> HttpResponse:
    quiz = selectors.quiz_for_staff(request.user, pk, change=False)
    if quiz is None:
        raise Http404
    fmt = request.GET.get("format", "gift")
    if fmt not in services.FORMATS:
        fmt = "gift"
    content = services.export_questions(quiz, fmt)
    extension, mime = ("gift.txt", "text/plain") if fmt == "gift" else ("xml", "application/xml")
    response = HttpResponse(content, content_type=f"{mime}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.pk}.{extension}"'
    return response


# --- national dashboard ---------------------------------------------------------------------


@role_required(Role.ADMINISTRATOR)
def national(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        services.refresh_national_stats()
        messages.success(request, _("Chiffres nationaux recalculés."))
        return redirect(request.get_full_path())
    form = forms.NationalFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    year = cleaned.get("year") or timezone.localdate().year
    include_simulated = cleaned.get("simulated") != "exclude"
    if not request.GET:
        form = forms.NationalFilterForm(initial={"year": year, "simulated": "include"})
    figures = selectors.national_figures(year, include_simulated=include_simulated)
    if request.GET.get("format") == "csv":
        return csv_response(f"tableau-national-{year}.csv", selectors.national_csv_rows(figures))
    lang = chart_locale()
    year_chart = for_template(
        bar_chart(
            [Bar(str(y), n) for y, n in figures.trained_by_year],
            title=_("Personnes formées par année"),
            value_title=_("personnes formées (nombre)"),
            target=figures.annual_target,
            target_label=_("objectif annuel"),
            locale=lang,
            category_header=_("année"),
            empty_text=_("aucune donnée"),
        )
    )
    breakdown_charts = [
        (
            b,
            for_template(
                bar_chart(
                    [Bar(str(r["label"]), r["trained"]) for r in b.rows[:15]],
                    title=b.title,
                    value_title=_("personnes formées (nombre)"),
                    locale=lang,
                    category_header=b.title,
                    empty_text=_("aucune donnée"),
                )
            ),
        )
        for b in figures.breakdowns
    ]
    return render(
        request,
        "curriculum/national.html",
        {
            "figures": figures,
            "form": form,
            "year_chart": year_chart,
            "breakdown_charts": breakdown_charts,
            "csv_query": (request.GET.copy().urlencode() + "&" if request.GET else "")
            + "format=csv",
        },
    )
