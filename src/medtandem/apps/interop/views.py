"""LTI 1.3 endpoints (login initiation, launch, keys, deep linking) and the administrators' pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medtandem.apps.accounts.http import AuthedRequest
from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.permissions import role_required
from medtandem.apps.interop import lti, outbox, selectors, services
from medtandem.apps.interop.forms import RegistrationForm
from medtandem.apps.interop.middleware import FRAME_ORIGINS
from medtandem.apps.interop.models import DeepLinkRequest, ResourceKind
from medtandem.web.middleware import content_security_policy

STATE_COOKIE = "lti_state_"

#: Why a launch was refused, as the person reads it (the code is the check that failed).
REFUSALS = {
    "login": gettext_lazy("La demande de connexion de la plateforme est incomplète."),
    "platform": gettext_lazy("Cette plateforme n'est pas inscrite auprès de MedTandem."),
    "state": gettext_lazy(
        "Cette connexion n'a pas été commencée dans ce navigateur ou a expiré : relancez l'activité depuis votre cours."
    ),
    "replay": gettext_lazy(
        "Ce lancement a déjà été utilisé : relancez l'activité depuis votre cours."
    ),
    "malformed": gettext_lazy("Le jeton de lancement est illisible."),
    "algorithm": gettext_lazy(
        "Le jeton de lancement n'est pas signé avec l'algorithme attendu (RS256)."
    ),
    "unknown_key": gettext_lazy(
        "La clé qui a signé le jeton de lancement est inconnue de la plateforme inscrite."
    ),
    "signature": gettext_lazy(
        "La signature du jeton de lancement n'est pas valide : il n'a pas été émis par la plateforme inscrite."
    ),
    "issuer": gettext_lazy(
        "Le jeton de lancement vient d'un autre émetteur que la plateforme inscrite."
    ),
    "audience": gettext_lazy("Le jeton de lancement est destiné à un autre outil."),
    "azp": gettext_lazy("Le jeton de lancement est destiné à un autre outil."),
    "expired": gettext_lazy(
        "Le jeton de lancement a expiré : relancez l'activité depuis votre cours."
    ),
    "nonce": gettext_lazy("Le jeton de lancement ne correspond pas à cette connexion (nonce)."),
    "deployment": gettext_lazy(
        "Ce déploiement de l'outil n'est pas inscrit pour cette plateforme."
    ),
    "version": gettext_lazy("Seul LTI 1.3 est pris en charge."),
    "message_type": gettext_lazy("Ce type de lancement n'est pas pris en charge."),
    "subject": gettext_lazy("Un lancement anonyme ne peut pas ouvrir une séance de lecture."),
    "roles": gettext_lazy("Le jeton de lancement ne dit pas votre rôle dans le cours."),
    "resource_link": gettext_lazy("Le lien de ressource est incomplet."),
    "deep_linking": gettext_lazy(
        "Seul·e un·e enseignant·e peut placer une ressource dans le cours."
    ),
    "resource": gettext_lazy("La ressource de ce lien n'existe plus dans MedTandem."),
    "ticket": gettext_lazy(
        "Ce lien d'entrée a déjà servi ou a expiré : relancez l'activité depuis votre cours."
    ),
}


def _refused(request: HttpRequest, error: lti.LaunchError) -> HttpResponse:
    reason = REFUSALS.get(error.code, _("Le lancement a été refusé."))
    response = render(
        request, "interop/refused.html", {"code": error.code, "reason": reason}, status=400
    )
    response.xframe_options_exempt = True  # type: ignore[attr-defined]
    response.headers["Content-Security-Policy"] = content_security_policy(frame_ancestors=("*",))
    return response


def _secure_cookie(request: HttpRequest) -> bool:
    return request.is_secure()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def lti_login(request: HttpRequest) -> HttpResponse:
    """OIDC third-party-initiated login (LTI Core 5.1.1)."""
    data = request.POST if request.method == "POST" else request.GET
    params = {
        k: str(data.get(k, ""))[:2000]
        for k in (
            "iss",
            "login_hint",
            "target_link_uri",
            "lti_message_hint",
            "client_id",
            "lti_deployment_id",
        )
    }
    try:
        answer = services.begin_login(
            params, launch_url=request.build_absolute_uri(reverse("interop:lti_launch"))
        )
    except lti.LaunchError as exc:
        return _refused(request, exc)
    response = redirect(answer.url)
    # Binds the state to this browser where it keeps the cookie (third-party inside an iframe:
    # SameSite=None needs Secure, so only over HTTPS). See docs/interop.md.
    secure = _secure_cookie(request)
    response.set_cookie(
        STATE_COOKIE + answer.state[:24],
        "1",
        max_age=int(services.STATE_TTL.total_seconds()),
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
    )
    return response


@csrf_exempt
@require_POST
def lti_launch(request: HttpRequest) -> HttpResponse:
    """The platform's form post of the ``id_token`` (LTI Core 5.1.2)."""
    state = str(request.POST.get("state", ""))[:200]
    mine = STATE_COOKIE + state[:24]
    if mine in request.COOKIES:
        cookie_state: str | None = state
    elif any(name.startswith(STATE_COOKIE) for name in request.COOKIES):
        cookie_state = ""  # this browser keeps our cookies, but began no such login
    else:
        cookie_state = None  # cookies blocked (iframe): the single-use server-side state stands
    try:
        result = services.launch(
            str(request.POST.get("id_token", "")), state, cookie_state=cookie_state
        )
    except lti.LaunchError as exc:
        return _refused(request, exc)
    enter = reverse("interop:lti_enter", kwargs={"token": result.ticket})
    if not result.in_frame:
        response = redirect(enter)
    else:
        response = render(request, "interop/launched.html", {"enter": enter})
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
        response.headers["Content-Security-Policy"] = content_security_policy(
            frame_ancestors=tuple(selectors.frame_origins(result.platform))
        )
    response.delete_cookie(mine)
    return response


@require_GET
def lti_enter(request: HttpRequest, token: str) -> HttpResponse:
    """Sign in the person of a validated launch (single-use ticket) and open the resource."""
    try:
        ticket = services.redeem_ticket(token)
    except lti.LaunchError as exc:
        return _refused(request, exc)
    login(request, ticket.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[FRAME_ORIGINS] = selectors.frame_origins(ticket.platform)
    return redirect(ticket.target)


@require_GET
def lti_jwks(request: HttpRequest) -> JsonResponse:
    """Our public keys (the "Public keyset URL" of the registration)."""
    response = JsonResponse(services.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def lti_deep_link(request: AuthedRequest, token: str) -> HttpResponse:
    """The instructor picks what to place in the course; the choice goes back signed."""
    dl = (
        DeepLinkRequest.objects.filter(token=token, user=request.user)
        .select_related("platform")
        .first()
    )
    if dl is None:
        raise Http404
    choices = selectors.deep_link_choices(request.user)
    error = ""
    if dl.answered_at is None and request.method == "POST":
        picked = str(request.POST.get("choice", ""))
        kind, _sep, raw = picked.partition(":")
        chosen = next((c for c in choices if c.kind == kind and str(c.id) == raw), None)
        if chosen is None:
            error = _("Choisissez une ressource de la liste.")
        else:
            try:
                answer = services.answer_deep_link(
                    dl,
                    kind=chosen.kind,
                    target_id=chosen.id,
                    title=chosen.title,
                    launch_url=request.build_absolute_uri(reverse("interop:lti_launch")),
                )
            except services.RegistrationError as exc:
                error = str(exc)
            else:
                response = render(
                    request,
                    "interop/deep_link_return.html",
                    {"return_url": answer.return_url, "jwt": answer.jwt, "title": chosen.title},
                )
                response.headers["Content-Security-Policy"] = content_security_policy(
                    frame_ancestors=tuple(selectors.frame_origins(dl.platform)),
                    form_action=(selectors.origin(answer.return_url),),
                )
                response.xframe_options_exempt = True  # type: ignore[attr-defined]
                return response
    status = 400 if error else 200
    return render(
        request,
        "interop/deep_link.html",
        {"dl": dl, "choices": choices, "error": error, "kinds": ResourceKind},
        status=status,
    )


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def registrations(request: AuthedRequest) -> HttpResponse:
    """Administrators: the fields to paste into Moodle, and the platforms registered here."""
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "rotate":
            services.rotate_key(by=request.user)
            return redirect("interop:lti_registrations")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.register_platform(
                    name=data["name"],
                    issuer=data["issuer"],
                    client_id=data["client_id"],
                    auth_login_url=data["auth_login_url"],
                    auth_token_url=data["auth_token_url"],
                    keyset_url=data["keyset_url"],
                    institution=data["institution"],
                    deployment_ids=data["deployment_ids"],
                    by=request.user,
                )
            except services.RegistrationError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("interop:lti_registrations")
        status = 400
    return render(
        request,
        "interop/registrations.html",
        {
            "fields": selectors.tool_fields(request),
            "platforms": selectors.platforms(),
            "keys": services.published_keys(),
            "form": form,
        },
        status=status,
    )


@role_required(Role.INSTRUCTOR, Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def courses(request: AuthedRequest) -> HttpResponse:
    """Instructors: their platform courses, and a members synchronisation (NRPS) for each."""
    contexts = selectors.contexts_of(request.user)
    if request.method == "POST":
        raw = str(request.POST.get("context", "")).strip()
        if not raw.isdigit():
            raise Http404
        context = get_object_or_404(contexts, pk=int(raw))
        services.request_members_sync(context)
        return redirect("interop:lti_courses")
    return render(request, "interop/courses.html", {"contexts": contexts})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def xapi_outbox(request: AuthedRequest) -> HttpResponse:
    """Administrators: the xAPI statements waiting for the record store, and the failures."""
    if request.method == "POST":
        if not outbox.configured():
            return redirect("interop:xapi_outbox")
        services.request_xapi_flush()
        return redirect("interop:xapi_outbox")
    return render(
        request,
        "interop/outbox.html",
        {
            "lrs_url": settings.MEDTANDEM_XAPI_LRS_URL,
            "backlog": selectors.backlog(),
            "failures": selectors.failures(),
            "by_kind": selectors.statements_by_kind(),
        },
    )
