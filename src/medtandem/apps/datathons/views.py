"""Datathon pages. Listing, challenge pages and leaderboards are public; teams, downloads and
submissions need an account; creating a challenge needs the administrator or instructor role.
Views parse, call a service or selector, render."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from medtandem.apps.accounts.http import AuthedRequest
from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.permissions import role_required
from medtandem.apps.datathons import selectors, services
from medtandem.apps.datathons.forms import (
    ChallengeForm,
    JoinForm,
    LinkForm,
    SubmissionForm,
    TeamForm,
)
from medtandem.apps.datathons.models import Challenge, Metric, Phase
from medtandem.apps.observatory.selectors import version_by_slug
from medtandem.charts import Point, scatter_chart
from medtandem.web.charts import chart_locale, for_template


def _challenge(slug: str) -> Challenge:
    challenge = selectors.challenge_by_slug(slug)
    if challenge is None:
        raise Http404
    return challenge


def challenge_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [(c, selectors.open_phase(c, now)) for c in selectors.challenges()]
    return render(request, "datathons/list.html", {"rows": rows, "now": now})


@role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR)
def create(request: AuthedRequest) -> HttpResponse:
    form = ChallengeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.create_challenge(organiser=request.user, **form.cleaned_data)
        except services.DatathonError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("datathons:detail", slug=challenge.slug)
    return render(request, "datathons/create.html", {"form": form})


def _frugality_chart(board: selectors.Leaderboard) -> object | None:
    points = [
        Point(row.team.name, row.submission.energy_mj, row.value)
        for row in board.rows
        if row.submission.energy_mj is not None and row.value is not None
    ]
    if not points:
        return None
    metric_title = _("AUC macro") if board.metric == Metric.MACRO_AUC else _("Score de Brier")
    return for_template(
        scatter_chart(
            points,
            title=_("Score et énergie déclarée par inférence"),
            x_title=_("énergie par inférence (mJ, déclarée)"),
            y_title=metric_title,
            locale=chart_locale(),
            aspect=0.45,
            y_range=(0.5, 1.0) if board.metric == Metric.MACRO_AUC else None,
            label_header=_("Équipe"),
        )
    )


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = _challenge(slug)
    now = timezone.now()
    team = selectors.team_of(challenge, request.user)  # type: ignore[arg-type]
    boards = [selectors.leaderboard(challenge, phase, now) for phase in Phase.values]
    context: dict[str, object] = {
        "challenge": challenge,
        "open_phase": selectors.open_phase(challenge, now),
        "sizes": selectors.phase_sizes(challenge),
        "outputs": selectors.outputs(challenge.task),
        "boards": [(b, _frugality_chart(b)) for b in boards],
        "team": team,
        "final_visible": selectors.final_scores_visible(challenge, now),
        "final_started": now >= challenge.final_opens,
    }
    if team is not None:
        context.update(
            submissions=selectors.team_submissions(team, now),
            final_left=selectors.final_submissions_left(team),
            submission_form=SubmissionForm(),
        )
    elif request.user.is_authenticated:
        context.update(team_form=TeamForm(), join_form=JoinForm())
    return render(request, "datathons/detail.html", context)


def _team_step(
    request: AuthedRequest,
    slug: str,
    form: TeamForm | JoinForm,
    invalid: str,
    step: Callable[..., object],
) -> HttpResponse:
    """Run ``step(challenge, value, person)`` for a valid form; any refusal becomes a message."""
    challenge = _challenge(slug)
    if not form.is_valid():
        messages.error(request, invalid)
    else:
        try:
            step(challenge, next(iter(form.cleaned_data.values())), request.user)
        except services.DatathonError as exc:
            messages.error(request, str(exc))
    return redirect("datathons:detail", slug=slug)


@login_required
@require_POST
def team_create(request: AuthedRequest, slug: str) -> HttpResponse:
    return _team_step(
        request, slug, TeamForm(request.POST), _("Donnez un nom à l'équipe."), services.create_team
    )


@login_required
@require_POST
def team_join(request: AuthedRequest, slug: str) -> HttpResponse:
    return _team_step(
        request,
        slug,
        JoinForm(request.POST),
        _("Saisissez le code d'invitation."),
        services.join_team,
    )


@login_required
@require_POST
def submit(request: AuthedRequest, slug: str) -> HttpResponse:
    challenge = _challenge(slug)
    team = selectors.team_of(challenge, request.user)
    if team is None:
        raise Http404
    form = SubmissionForm(request.POST, request.FILES)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return _refused(request, challenge, problems, status=400)
    declared = services.Declared(
        method=form.cleaned_data["method"] or "",
        model_parameters=form.cleaned_data["model_parameters"],
        energy_mj=form.cleaned_data["energy_mj"],
    )
    try:
        submission = services.submit(team, request.user, form.text, declared=declared)
    except services.SubmissionRefused as exc:
        return _refused(request, challenge, exc.errors, status=400)
    except services.DatathonError as exc:
        return _refused(request, challenge, [str(exc)], status=409)
    messages.success(
        request,
        _("Soumission n° %(n)d acceptée (%(phase)s).")
        % {"n": submission.number, "phase": Phase(submission.phase).label},
    )
    return redirect("datathons:detail", slug=slug)


def _refused(
    request: HttpRequest, challenge: Challenge, problems: list[str], *, status: int
) -> HttpResponse:
    return render(
        request,
        "datathons/refused.html",
        {"challenge": challenge, "problems": problems},
        status=status,
    )


@login_required
@require_safe
def download(request: AuthedRequest, slug: str, phase: str) -> HttpResponse:
    """The phase's cases (and, for development, their truth) for a member of a team."""
    challenge = _challenge(slug)
    if phase not in Phase.values or selectors.team_of(challenge, request.user) is None:
        raise Http404
    if phase == Phase.FINAL and timezone.now() < challenge.final_opens:
        raise Http404
    response = HttpResponse(selectors.archive(challenge, phase), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{challenge.slug}-{phase}.zip"'
    return response


@login_required
@require_POST
def link(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    challenge = _challenge(slug)
    team = selectors.team_of(challenge, request.user)
    submission = team.submissions.filter(pk=pk).first() if team else None
    if submission is None:
        raise Http404
    form = LinkForm(request.POST)
    version = None
    if form.is_valid() and form.cleaned_data["version"]:
        version = version_by_slug(form.cleaned_data["version"])
        if version is None or not version.published:
            messages.error(
                request, _("Aucune entrée publiée du registre ne porte cet identifiant.")
            )
            return redirect("datathons:detail", slug=slug)
    services.link_to_registry(submission, version, by=request.user)
    messages.success(request, _("Lien avec le registre enregistré."))
    return redirect("datathons:detail", slug=slug)


def evidence(request: HttpRequest, slug: str) -> HttpResponse:
    """The challenge results of one registered model (the observatory's entry links here)."""
    version = version_by_slug(slug)
    if version is None or not version.published:
        raise Http404
    return render(
        request,
        "datathons/evidence.html",
        {"version": version, "results": selectors.results_for_version(version.pk)},
    )
