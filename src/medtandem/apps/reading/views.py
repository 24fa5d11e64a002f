"""Reading pages. Every rule about what may be shown lives in :mod:`.services`; views only ask."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from medtandem.apps.accounts.http import AuthedRequest
from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.permissions import role_required
from medtandem.apps.accounts.selectors import (
    cohorts_of_instructor,
    has_role,
    learners_of_cohorts,
    learners_of_instructor,
)
from medtandem.apps.cases.models import Case, CaseSet
from medtandem.apps.cases.selectors import case_by_id, filter_cases, record_of, scp_statements_of
from medtandem.apps.cases.services import current_model
from medtandem.apps.observatory.selectors import facts_of
from medtandem.apps.reading import rating, selectors, services
from medtandem.apps.reading.forms import (
    AssignForm,
    CaseFilterForm,
    CaseSetForm,
    RereadScheduleForm,
)
from medtandem.apps.reading.models import Condition, Mode, ReadingSession
from medtandem.apps.reading.tracing import tracing_svg
from medtandem.web.charts import chart_locale


def _own_session(request: HttpRequest, pk: int) -> ReadingSession:
    """A learner reaches only their own sessions; anything else is a 404 (no existence leak)."""
    learner_id = request.user.pk
    session = selectors.own_session(pk, learner_id) if learner_id is not None else None
    if session is None:
        raise Http404
    return session


def _case_at(session: ReadingSession, position: int) -> tuple[services.SessionState, Case]:
    """The session's state (loaded once for the request) and the case at ``position``."""
    state = services.load_state(session, position)
    if not state.may_open(position):
        raise Http404
    case = case_by_id(state.case_ids[position])
    if case is None:
        raise Http404
    return state, case


def _state_at(session: ReadingSession, position: int) -> tuple[services.SessionState, int]:
    """Like :func:`_case_at` without loading the case (its id is enough)."""
    state = services.load_state(session)
    if not state.may_open(position):
        raise Http404
    return state, state.case_ids[position]


def _wants_json(request: HttpRequest) -> bool:
    return (
        "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
    )


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    # The due re-read rounds open here, on the GET, not behind a "start" button: opening is
    # idempotent (one session per learner, schedule and round, race-safe) and reveals nothing (the
    # session is unaided, its truth hidden until finished), so a reload or a prefetch changes
    # nothing the learner would not get by clicking; and a round is open as soon as the learner
    # sees that it is due, so "missed" means "never came while it was due", not "never clicked".
    services.open_due_rereads(request.user, timezone.localdate())
    return render(
        request,
        "reading/dashboard.html",
        {
            "sessions": selectors.session_rows(request.user),
            "now": timezone.now(),
            "new_assignments": selectors.new_assignments(request.user),
            "due_rereads": selectors.due_rereads(request.user),
        },
    )


@never_cache
@login_required
def session_overview(request: AuthedRequest, pk: int) -> HttpResponse:
    session = _own_session(request, pk)
    position = services.current_position(session)
    if position is not None and request.GET.get("overview") != "1":
        return redirect("reading:case", pk=session.pk, position=position)
    return render(
        request,
        "reading/session.html",
        {
            "session": session,
            "title": selectors.session_title(session),
            "outline": selectors.session_outline(session),
            "current": position,
        },
    )


def _model_context(session: ReadingSession) -> dict[str, Any]:
    """The AI-facts label of the model version the session was started with, in the reader's
    language."""
    if not session.ai_model_name:
        return {}
    lang = chart_locale()
    model = current_model()
    if (model.name, model.version) == (session.ai_model_name, session.ai_model_version):
        return {"ai_facts": model.facts_in(lang)}
    return {"ai_facts": facts_of(session.ai_model_name, session.ai_model_version, lang)}


@never_cache
@require_GET
@login_required
def case_step(request: AuthedRequest, pk: int, position: int) -> HttpResponse:
    session = _own_session(request, pk)
    state, case = _case_at(session, position)
    reads = state.case_reads(case.pk)
    step = state.step(case.pk)
    prediction = services.ai_suggestion(session, case, state) if state.may_see_ai(case.pk) else None
    attribution = None
    if prediction is not None and prediction.explanation.get("kind") == "attribution":
        attribution = prediction.explanation
    show_truth = step == services.FEEDBACK and state.may_see_truth(case.pk)
    # While reading, the tracing carries a label scoped to the session: the source id (e.g. a
    # PTB-XL record number) could be looked up in the dataset's public labels. It is revealed with
    # the truth; so is the record name (the source record name stays out of the SVG until then).
    label = selectors.case_label(session, position, case, reveal_source=show_truth)
    lang = chart_locale()
    # render_svg escapes every text it writes (lead names, title), so its markup is safe to inline.
    svg = mark_safe(
        tracing_svg(  # noqa: S308
            case,
            lambda: record_of(case),
            title=label,
            reveal_record=show_truth,
            lang=lang,
            attribution=attribution,
            explanation_key=f"{prediction.model_name}:{prediction.model_version}:{prediction.pk}"
            if prediction
            else "",
        )
    )
    context: dict[str, Any] = {
        "session": session,
        "title": selectors.session_title(session),
        "case": case,
        "case_label": label,
        "position": position,
        "n_cases": state.n_cases,
        "step": step,
        "svg": svg,
        "prediction": prediction,
        "reads": reads,
    }
    if prediction is not None:
        context.update(_model_context(session))
        context["ai_rows"] = selectors.ai_rows(prediction, context.get("ai_facts"))
        context["ai_notice"] = selectors.ai_notice(prediction, lang)
        context["ai_explanation"] = selectors.ai_explanation(prediction)
    if step == services.FEEDBACK:
        context["show_truth"] = show_truth
        context["call_threshold"] = rating.CALL_THRESHOLD
        if show_truth:
            context["scp_statements"] = scp_statements_of(case)
            context["feedback"] = selectors.feedback(
                case, reads, prediction, context.get("ai_facts")
            )
        context["next_position"] = position + 1 if position + 1 < context["n_cases"] else None
        return render(request, "reading/feedback.html", context)
    services.open_step(session, case, step)
    prefill = reads.get(Condition.UNAIDED) if step == Condition.AIDED else None
    context.update(
        {
            "condition": step,
            "submission_key": uuid.uuid4(),
            "prefill": prefill,
            "prefill_rhythm": prefill.rhythm if prefill else "",
            "rating_rows": (rows := selectors.rating_rows(prefill)),
            # The rows' markup depends only on these values (and the language): cached as a fragment.
            "rating_rows_key": ",".join(f"{r.code}={r.value}" for r in rows),
            "levels": rating.LEVELS,
            "call_threshold": rating.CALL_THRESHOLD,
        }
    )
    return render(request, "reading/read.html", context)


@never_cache
@require_POST
@login_required
def submit_read(request: AuthedRequest, pk: int, position: int) -> HttpResponse:
    session = _own_session(request, pk)
    # The order rule is checked by commit_read from the reads it loads (one query); here the
    # position only has to name a case of the session (its id, cached per session).
    case_ids = services.case_ids_of(session)
    if not 0 <= position < len(case_ids):
        raise Http404
    case = Case(pk=case_ids[position])
    condition = request.POST.get("condition", "")
    try:
        answer = services.parse_answer(request.POST)
        read, created = services.commit_read(
            session, case, condition, answer, request.POST.get("submission_key", "")
        )
    except services.ReadValidationError as exc:
        if _wants_json(request):
            return JsonResponse({"error": "invalid", "fields": exc.errors}, status=400)
        messages.error(
            request, _("Réponse incomplète, rien n'a été enregistré : %(e)s") % {"e": exc}
        )
        return redirect("reading:case", pk=pk, position=position)
    except services.CaseNotOpenError:
        raise Http404 from None
    except services.ReadingRuleError as exc:
        if _wants_json(request):
            kind = "locked" if isinstance(exc, services.SessionLockedError) else "conflict"
            return JsonResponse({"error": kind, "detail": str(exc)}, status=409)
        messages.warning(request, _("Cette lecture n'a pas été modifiée : %(e)s") % {"e": exc})
        return redirect("reading:case", pk=pk, position=position)
    if _wants_json(request):
        # A new read moves the case one step on; a retry answers where the case is now (one query).
        if created:
            steps = session.steps
            next_step = (
                services.FEEDBACK if condition == steps[-1] else steps[steps.index(condition) + 1]
            )
        else:
            next_step = services.step_for(session, case)
        return JsonResponse(
            {"read": str(read.submission_key), "created": created, "next_step": next_step},
            status=201 if created else 200,
        )
    return redirect("reading:case", pk=pk, position=position)


@never_cache
@require_POST
@login_required
def feedback_viewed(request: AuthedRequest, pk: int, position: int) -> JsonResponse:
    """The feedback page's beacon: the learner saw this case's feedback (recorded once)."""
    session = _own_session(request, pk)
    try:
        created = services.record_feedback_view(session, position)
    except services.CaseNotOpenError:
        raise Http404 from None
    except services.ReadingRuleError as exc:
        return JsonResponse({"error": "not-shown", "detail": str(exc)}, status=409)
    return JsonResponse({"recorded": True, "created": created}, status=201 if created else 200)


@never_cache
@require_GET
@login_required
def ai_json(request: AuthedRequest, pk: int, position: int) -> JsonResponse:
    session = _own_session(request, pk)
    state, case_id = _state_at(session, position)
    if not state.may_see_ai(case_id):
        return JsonResponse(
            {"error": "forbidden", "detail": "the unaided read comes first"}, status=403
        )
    prediction = services.ai_suggestion(session, Case(pk=case_id), state)
    return JsonResponse(
        {
            "model": prediction.model_name,
            "version": prediction.model_version,
            "probabilities": prediction.probabilities,
            "explanation": prediction.explanation,
        }
    )


@login_required
def progress(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "reading/progress.html", {"progress": selectors.learner_progress(request.user)}
    )


@login_required
def reliance(request: AuthedRequest) -> HttpResponse:
    try:
        return redirect(reverse("studies:my_reliance"))
    except NoReverseMatch:
        return redirect("reading:progress")


# --- instructors ------------------------------------------------------------------------------


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR, Role.INVESTIGATOR)
def instructor(request: AuthedRequest) -> HttpResponse:
    assignments = selectors.assignments_visible_to(request.user)
    case_sets = CaseSet.objects.all()[:50]
    return render(
        request,
        "reading/instructor.html",
        {
            "assignments": assignments,
            "case_sets": case_sets,
            "may_schedule_rereads": has_role(request.user, Role.INSTRUCTOR, Role.ADMINISTRATOR),
        },
    )


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR, Role.INVESTIGATOR)
@require_GET
def case_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    """One case of the bank as its 12-lead tracing, with its truth, before it goes into a set.

    Staff only (a learner gets 403 from ``role_required``): the page names the source record and
    shows the cardiologists' statements. The tracing comes from the reading pages' cache.
    """
    case = get_object_or_404(Case, pk=pk)
    lang = chart_locale()
    # render_svg escapes every text it writes (lead names, title), so its markup is safe to inline.
    svg = mark_safe(  # noqa: S308
        tracing_svg(
            case, lambda: record_of(case), title=case.external_id, reveal_record=True, lang=lang
        )
    )
    return render(
        request,
        "reading/case_preview.html",
        {"case": case, "svg": svg, "show_truth": True},
    )


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR, Role.INVESTIGATOR)
def case_bank(request: AuthedRequest) -> HttpResponse:
    """Browse the case bank with filters (GET) and save a case set from them (POST)."""
    cohorts = cohorts_of_instructor(request.user)
    if request.method == "POST":
        form = CaseSetForm(request.POST, cohorts=cohorts)
        if form.is_valid():
            data = form.cleaned_data
            readers = learners_of_cohorts(data["seen_by"]) if data.get("exclude_seen") else []
            try:
                case_set = services.create_case_set(
                    data["name"],
                    created_by=request.user,
                    description=data["description"],
                    case_ids_text=data.get("case_ids") or "",
                    sample_size=data.get("sample_size"),
                    seed=data.get("seed"),
                    exclude_seen_by=readers,
                    **form.criteria(),
                )
            except services.CaseSetError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Série « %(n)s » créée : %(c)d cas.")
                    % {"n": case_set.name, "c": case_set.cases.count()},
                )
                excluded = case_set.criteria.get("excluded_seen_with_truth")
                if excluded:
                    messages.info(
                        request,
                        _("%(n)d cas déjà vus avec leur correction ont été écartés.")
                        % {"n": excluded},
                    )
                return redirect("reading:assign", pk=case_set.pk)
    else:
        # The filters of the preview pre-fill the form that saves the set.
        initial = {
            k: request.GET.getlist(k) if k in ("superclasses", "seen_by") else v
            for k, v in request.GET.items()
        }
        form = CaseSetForm(initial=initial, cohorts=cohorts)
    filters = CaseFilterForm(request.POST or request.GET or None, cohorts=cohorts)
    valid = filters.is_bound and filters.is_valid()
    matches = filter_cases(**filters.criteria()) if valid else Case.objects.all()
    readers = learners_of_cohorts(filters.cleaned_data["seen_by"]) if valid else []
    page = Paginator(matches.order_by("external_id"), 40).get_page(request.GET.get("page"))
    return render(
        request,
        "reading/case_bank.html",
        {
            "form": form,
            "page": page,
            "count": matches.count(),
            "rows": selectors.case_bank_rows(list(page), readers),
            "n_readers": len(readers),
            "query": _without_page(request),
        },
    )


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR, Role.INVESTIGATOR)
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    case_set = get_object_or_404(CaseSet, pk=pk)
    learners = learners_of_instructor(request.user).order_by("username")
    cohorts = cohorts_of_instructor(request.user)
    form = AssignForm(
        request.POST or None,
        learners=learners,
        cohorts=cohorts,
        initial={"title": case_set.name, "mode": Mode.PRACTICE},
    )
    if request.method == "POST" and form.is_valid():
        chosen = learners_of_cohorts(
            form.cleaned_data["cohorts"], extra=form.cleaned_data["learners"]
        )
        assignment = services.assign(
            case_set,
            chosen,
            mode=form.cleaned_data["mode"],
            title=form.cleaned_data["title"],
            created_by=request.user,
            due_at=form.cleaned_data.get("due_at"),
        )
        messages.success(request, _("Séance assignée à %(n)d apprenant·es.") % {"n": len(chosen)})
        return redirect("reading:assignment", pk=assignment.pk)
    return render(
        request,
        "reading/assign.html",
        {"form": form, "case_set": case_set, "cases": case_set.ordered_cases()[:100]},
    )


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR, Role.INVESTIGATOR)
def assignment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(selectors.assignments_visible_to(request.user), pk=pk)
    return render(
        request,
        "reading/assignment.html",
        {
            "assignment": assignment,
            "rows": selectors.assignment_progress(assignment),
        },
    )


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def rereads(request: AuthedRequest) -> HttpResponse:
    """The instructor's re-read schedules, and the form that schedules one for a cohort they teach
    (any case set, as :func:`assign` offers them). A refused schedule stores nothing (400)."""
    form = RereadScheduleForm(
        request.POST or None,
        cohorts=cohorts_of_instructor(request.user).order_by("name"),
        case_sets=CaseSet.objects.order_by("name"),
        initial={"starts_on": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                schedule = services.schedule_rereads(
                    data["cohort"],
                    data["case_set"],
                    period_days=data["period_days"],
                    starts_on=data["starts_on"],
                    created_by=request.user,
                )
            except services.RereadScheduleError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Relectures programmées pour %(c)s : « %(s)s » tous les %(n)d jours.")
                    % {
                        "c": schedule.cohort.name,
                        "s": schedule.case_set.name,
                        "n": schedule.period_days,
                    },
                )
                return redirect("reading:rereads")
        status = 400
    today = timezone.localdate()
    schedules = [
        (s, services.reread_round(s, today))
        for s in selectors.schedules_of_instructor(request.user).order_by("-created_at")
    ]
    return render(
        request,
        "reading/rereads.html",
        {"form": form, "schedules": schedules},
        status=status,
    )


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR)
@require_GET
def reread_schedule(request: AuthedRequest, pk: int) -> HttpResponse:
    """One schedule: per learner and for the cohort, unaided accuracy round by round and its change."""
    schedule = get_object_or_404(selectors.schedules_of_instructor(request.user), pk=pk)
    return render(
        request,
        "reading/reread_schedule.html",
        {"overview": selectors.reread_overview(schedule, timezone.localdate())},
    )


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR, Role.INVESTIGATOR)
def learner_progress(request: AuthedRequest, user_id: int) -> HttpResponse:
    learner = get_object_or_404(learners_of_instructor(request.user), pk=user_id)
    return render(
        request,
        "reading/progress.html",
        {
            "progress": selectors.learner_progress(learner),
            "learner": learner,
        },
    )
