"""LTI 1.3 tool rules. The only writer of the interop tables.

Guarantees:

* a launch is accepted only after every check of :func:`lti.validate_id_token` and a login
  ``state`` that this tool issued, unexpired and never used before (the state holds the nonce, and
  using it consumes it: a replayed ``id_token`` is refused); a refused launch creates nothing;
* a platform user is one MedTandem person, found by (platform, ``sub``), created on the first launch
  with the role the LTI roles claim gives and the registration's institution;
* a launch signs the person in only through a single-use, short-lived ticket (:class:`LaunchTicket`);
* a reading session opened from a graded link posts its score to the link's line item once it ends
  (a job, retried with back-off; its key is the session, so a score is posted once).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from medtandem.apps.accounts import services as accounts
from medtandem.apps.accounts.models import Institution, Role, User
from medtandem.apps.audit.services import Action, record
from medtandem.apps.cases.models import CaseSet
from medtandem.apps.interop import dynreg, http, lti
from medtandem.apps.interop.models import (
    Context,
    DeepLinkRequest,
    Deployment,
    GradeLink,
    Identity,
    LaunchTicket,
    LoginState,
    Platform,
    ResourceKind,
    ResourceLink,
    ToolKey,
)
from medtandem.apps.jobs import enqueue
from medtandem.apps.reading.models import ReadingSession

#: A login initiation must be answered by its launch within this time.
STATE_TTL = timedelta(minutes=10)
#: A launch ticket must be used within this time (the browser follows it at once).
TICKET_TTL = timedelta(minutes=2)
#: A retired tool key stays in our JWKS this long: what it signed can still be checked.
RETIRED_KEY_GRACE = timedelta(days=7)
JWKS_CACHE_S = 600


class RegistrationError(ValueError):
    """A registration form is inconsistent (HTTP 400 with the message)."""


# --- the tool's keys -------------------------------------------------------------------------


def _new_key() -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return ToolKey.objects.create(kid=f"mt-{secrets.token_hex(8)}", private_pem=pem)


def signing_key() -> ToolKey:
    """The key that signs now (created on first use)."""
    key = ToolKey.objects.filter(retired_at__isnull=True).first()
    if key is None:
        with transaction.atomic():
            key = ToolKey.objects.select_for_update().filter(retired_at__isnull=True).first()
            key = key or _new_key()
    return key


def private_key_of(key: ToolKey) -> Any:
    return serialization.load_pem_private_key(key.private_pem.encode(), password=None)


@transaction.atomic
def rotate_key(*, by: User | None = None) -> ToolKey:
    """A new signing key; the previous ones stay published for :data:`RETIRED_KEY_GRACE`."""
    now = timezone.now()
    ToolKey.objects.filter(retired_at__isnull=True).update(retired_at=now)
    key = _new_key()
    record(Action.LTI_KEY_ROTATED, actor=by, target=key, details={"kid": key.kid})
    return key


def published_keys() -> list[ToolKey]:
    signing_key()
    since = timezone.now() - RETIRED_KEY_GRACE
    return list(ToolKey.objects.exclude(retired_at__lt=since))


def jwks() -> dict[str, Any]:
    """Our public keys as a JSON Web Key Set (RFC 7517), for platforms to check what we sign."""
    keys = []
    for key in published_keys():
        public = private_key_of(key).public_key()
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
        keys.append({**jwk, "kid": key.kid, "alg": "RS256", "use": "sig"})
    return {"keys": keys}


# --- registrations ---------------------------------------------------------------------------


@transaction.atomic
def register_platform(
    *,
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    keyset_url: str,
    institution: Institution,
    deployment_ids: list[str],
    by: User | None = None,
    how: str = "manual",
) -> Platform:
    """Record a platform (a Moodle site) and its deployments; one per (issuer, client id)."""
    if not deployment_ids:
        raise RegistrationError(_("au moins un identifiant de déploiement est nécessaire"))
    if Platform.objects.filter(issuer=issuer, client_id=client_id).exists():
        raise RegistrationError(
            _("cette plateforme (émetteur, identifiant client) est déjà inscrite")
        )
    platform = Platform.objects.create(
        name=name,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        keyset_url=keyset_url,
        institution=institution,
    )
    for deployment_id in dict.fromkeys(deployment_ids):
        Deployment.objects.create(platform=platform, deployment_id=deployment_id)
    record(
        Action.LTI_PLATFORM_REGISTERED,
        actor=by,
        target=platform,
        details={
            "issuer": issuer,
            "client_id": client_id,
            "deployments": deployment_ids,
            "how": how,
        },
    )
    return platform


def register_dynamically(
    *,
    openid_configuration: str,
    registration_token: str,
    launch_url: str,
    login_url: str,
    jwks_url: str,
    institution: Institution,
    name: str = "",
    by: User | None = None,
) -> Platform:
    """LTI Dynamic Registration (:mod:`.dynreg`): fetch the platform's configuration, register
    the tool there, store the client id it answers as a registration.

    Raises :class:`dynreg.DynamicRegistrationError` (``fetch``, ``configuration``, ``issuer``,
    ``register``, ``reply``, ``duplicate``); nothing is stored then. The platform may have created
    its side of the registration before we refuse its reply: the administrator deletes it there.
    """
    try:
        doc, _reply = http.get_json(openid_configuration)
    except http.RemoteError as exc:
        raise dynreg.DynamicRegistrationError("fetch", str(exc)) from exc
    config = dynreg.parse_platform_configuration(doc, openid_configuration)
    body = dynreg.tool_registration(
        name="MedTandem",
        launch_url=launch_url,
        login_url=login_url,
        jwks_url=jwks_url,
        scopes_supported=config.scopes_supported,
    )
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        reply = http.post_json(
            config.registration_endpoint, body, content_type="application/json", headers=headers
        )
        registered = dynreg.parse_registration_reply(reply.json())
    except http.RemoteError as exc:
        raise dynreg.DynamicRegistrationError("register", str(exc)) from exc
    try:
        return register_platform(
            name=name or dynreg.default_name(config),
            issuer=config.issuer,
            client_id=registered.client_id,
            auth_login_url=config.authorization_endpoint,
            auth_token_url=config.token_endpoint,
            keyset_url=config.jwks_uri,
            institution=institution,
            deployment_ids=[registered.deployment_id],
            by=by,
            how="dynamic",
        )
    except RegistrationError as exc:
        raise dynreg.DynamicRegistrationError("duplicate", str(exc)) from exc


def platform_key(platform: Platform, kid: str | None) -> Any:
    """The platform's public key ``kid`` from its JWKS (cached; fetched again for an unknown kid,
    which is how a platform's key rotation reaches us)."""
    cache_key = f"lti-jwks:{platform.pk}"
    for refresh in (False, True):
        keyset = None if refresh else cache.get(cache_key)
        if keyset is None:
            try:
                keyset, _reply = http.get_json(platform.keyset_url)
            except http.RemoteError as exc:
                raise LookupError(f"the platform's keys could not be fetched: {exc}") from exc
            cache.set(cache_key, keyset, JWKS_CACHE_S)
        keys = keyset.get("keys", []) if isinstance(keyset, dict) else []
        for jwk in keys:
            if isinstance(jwk, dict) and (kid is None or jwk.get("kid") == kid):
                try:
                    return jwt.PyJWK(jwk, algorithm="RS256").key
                except jwt.PyJWTError as exc:
                    raise LookupError(f"the platform's key {kid!r} is unusable: {exc}") from exc
    raise LookupError(f"no key {kid!r} in the platform's key set")


# --- login and launch ------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    state: str


def begin_login(params: dict[str, str], *, launch_url: str) -> LoginRedirect:
    """Answer a platform's third-party-initiated login (LTI Core 5.1.1): store a fresh state and
    nonce and send the browser to the platform's authentication endpoint."""
    issuer, hint = params.get("iss", ""), params.get("login_hint", "")
    if not issuer or not hint or not params.get("target_link_uri"):
        raise lti.LaunchError("login", "iss, login_hint and target_link_uri are required")
    platforms = Platform.objects.filter(issuer=issuer, active=True)
    if params.get("client_id"):
        platforms = platforms.filter(client_id=params["client_id"])
    candidates = list(platforms[:2])
    if len(candidates) != 1:
        raise lti.LaunchError("platform", f"no single registration for {issuer!r}")
    platform = candidates[0]
    state = LoginState.objects.create(
        platform=platform, state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32)
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": launch_url,
        "login_hint": hint,
        "state": state.state,
        "nonce": state.nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return LoginRedirect(f"{platform.auth_login_url}{separator}{urlencode(query)}", state.state)


@dataclass(frozen=True)
class LaunchResult:
    user: User
    platform: Platform
    launch: lti.Launch
    ticket: str
    #: Where the ticket leads: the resource, or the deep-linking picker.
    target: str
    in_frame: bool


_OneUse = TypeVar("_OneUse", LoginState, LaunchTicket)


def _use_once(
    model: type[_OneUse],
    key: dict[str, str],
    related: str,
    ttl: timedelta,
    unknown: lti.LaunchError,
    used: lti.LaunchError,
) -> _OneUse:
    """The row of ``model`` matching ``key`` (a field and its value, with ``related`` joined), marked
    used now: ``unknown`` is raised where the value is empty, there is no such row or it is older
    than ``ttl``, ``used`` where it was used already (the conditional update decides a race: of two
    concurrent uses, one only marks it)."""
    if not all(key.values()):
        raise unknown
    now = timezone.now()
    row = model._default_manager.filter(**key).select_related(related).first()
    if row is None or row.created_at < now - ttl:
        raise unknown
    if not model._default_manager.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise used
    return row


def _consume_state(state: str) -> LoginState:
    """The login state, marked used (a second use, or an old state, is refused)."""
    return _use_once(
        LoginState,
        {"state": state},
        "platform",
        STATE_TTL,
        lti.LaunchError("state", "unknown or expired login state"),
        lti.LaunchError("replay", "this login state was already used"),
    )


def launch(id_token: str, state: str, *, cookie_state: str | None) -> LaunchResult:
    """Validate a launch (see the module's guarantees) and prepare the person's way in."""
    if cookie_state is not None and cookie_state != state:
        raise lti.LaunchError("state", "the state does not belong to this browser")
    login = _consume_state(state)
    platform = login.platform
    claims = lti.validate_id_token(
        id_token,
        issuer=platform.issuer,
        client_id=platform.client_id,
        key_for=lambda kid: platform_key(platform, kid),
        deployments=list(platform.deployments.values_list("deployment_id", flat=True)),
        nonce=login.nonce,
    )
    return _enter(platform, claims)


@transaction.atomic
def _enter(platform: Platform, claims: lti.Launch) -> LaunchResult:
    user = person_for(platform, claims.sub, role=lti.role_of(claims), claims=claims)
    context = _context(platform, claims, user) if claims.context_id else None
    if claims.message_type == lti.DEEP_LINKING_REQUEST:
        if not claims.is_instructor:
            raise lti.LaunchError("deep_linking", "only an instructor places resources")
        request = start_deep_link(
            platform,
            user,
            deployment_id=claims.deployment_id,
            return_url=claims.deep_link_return_url,
            data=claims.deep_link_data,
        )
        target = reverse("interop:lti_deep_link", kwargs={"token": request.token})
    else:
        link = _resource_link(platform, claims, context)
        target = _open(link, user, claims)
    ticket = LaunchTicket.objects.create(
        token=secrets.token_urlsafe(32), user=user, target=target, platform=platform
    )
    return LaunchResult(
        user, platform, claims, ticket.token, target, claims.document_target == "iframe"
    )


def person_for(
    platform: Platform, sub: str, *, role: str, claims: lti.Launch | None = None, name: str = ""
) -> User:
    """The person behind (platform, sub): created on first sight with ``role`` and the platform's
    institution; an instructor role seen later is granted too (never taken away by a launch)."""
    identity = Identity.objects.filter(platform=platform, sub=sub).select_related("user").first()
    if identity is None:
        digest = hashlib.sha256(f"{platform.pk}:{sub}".encode()).hexdigest()[:16]
        profile: dict[str, Any] = {}
        if claims is not None:
            profile = {
                "first_name": claims.given_name[:150],
                "last_name": claims.family_name[:150],
                "email": claims.email,
            }
            if not (claims.given_name or claims.family_name) and claims.name:
                profile["first_name"] = claims.name[:150]
        elif name:
            profile["first_name"] = name[:150]
        user = accounts.create_person(
            f"lti-{platform.pk}-{digest}", None, [role], institution=platform.institution, **profile
        )
        Identity.objects.create(platform=platform, sub=sub, user=user)
        return user
    user = identity.user
    if role == Role.INSTRUCTOR:
        accounts.grant_role(user, Role.INSTRUCTOR, platform.institution)
    return user


def _context(platform: Platform, claims: lti.Launch, user: User) -> Context:
    context = Context.objects.filter(platform=platform, context_id=claims.context_id).first()
    if context is None:
        title = claims.context_title or claims.context_id
        cohort = accounts.get_or_create_cohort(
            f"{title} · {platform.name} [{claims.context_id}]"[:200],
            institution=platform.institution,
        )
        context = Context.objects.create(
            platform=platform, context_id=claims.context_id, title=title[:255], cohort=cohort
        )
    if claims.memberships_url and context.memberships_url != claims.memberships_url:
        Context.objects.filter(pk=context.pk).update(memberships_url=claims.memberships_url)
        context.memberships_url = claims.memberships_url
    if claims.is_instructor:
        accounts.add_to_cohort(context.cohort, instructors=[user])
    else:
        accounts.add_to_cohort(context.cohort, learners=[user])
    return context


def _resource_link(platform: Platform, claims: lti.Launch, context: Context | None) -> ResourceLink:
    kind = claims.custom.get("medtandem_kind", "")
    raw_id = claims.custom.get("medtandem_id", "")
    fields: dict[str, Any] = {
        "context": context,
        "title": claims.resource_link_title,
        "lineitem": claims.lineitem if lti.SCOPE_SCORE in claims.ags_scopes else "",
    }
    if kind in ResourceKind.values and raw_id.isdigit():
        fields.update(kind=kind, target_id=int(raw_id))
    link, _created = ResourceLink.objects.update_or_create(
        platform=platform, resource_link_id=claims.resource_link_id, defaults=fields
    )
    return link


def _open(link: ResourceLink, user: User, claims: lti.Launch) -> str:
    """The page a launch of ``link`` opens for ``user`` (a learner's reading session is started
    here, once per link, so that its score can go back to the link's line item)."""
    from medtandem.apps.curriculum.models import Activity
    from medtandem.apps.reading.services import start_session
    from medtandem.apps.studies.models import Study

    if link.kind == ResourceKind.CASE_SET and link.target_id:
        case_set = CaseSet.objects.filter(pk=link.target_id).first()
        if case_set is None:
            raise lti.LaunchError("resource", "this case set no longer exists")
        if claims.is_instructor:
            return reverse("reading:assign", kwargs={"pk": case_set.pk})
        grade = (
            GradeLink.objects.filter(link=link, session__learner=user)
            .select_related("session")
            .first()
        )
        if grade is None:
            session = start_session(
                user,
                case_set,
                title=link.title or case_set.name,
                return_url=reverse("reading:dashboard"),
            )
            if link.lineitem:
                GradeLink.objects.create(
                    session=session, link=link, sub=claims.sub, lineitem=link.lineitem
                )
            else:  # ungraded link: remember the session all the same, to reopen it
                GradeLink.objects.create(session=session, link=link, sub=claims.sub, lineitem="")
            return reverse("reading:session", kwargs={"pk": session.pk})
        return reverse("reading:session", kwargs={"pk": grade.session_id})
    if link.kind == ResourceKind.ACTIVITY and link.target_id:
        if not Activity.objects.filter(pk=link.target_id).exists():
            raise lti.LaunchError("resource", "this activity no longer exists")
        return reverse("curriculum:activity", kwargs={"pk": link.target_id})
    if link.kind == ResourceKind.STUDY and link.target_id:
        study = Study.objects.filter(pk=link.target_id).first()
        if study is None:
            raise lti.LaunchError("resource", "this study no longer exists")
        return reverse("studies:join") + "?" + urlencode({"code": study.invitation_code})
    return reverse("reading:dashboard")


def redeem_ticket(token: str) -> LaunchTicket:
    """Use a launch ticket once (the caller signs its person in)."""
    return _use_once(
        LaunchTicket,
        {"token": token},
        "user",
        TICKET_TTL,
        lti.LaunchError("ticket", "unknown or expired launch ticket"),
        lti.LaunchError("ticket", "this launch ticket was already used"),
    )


# --- deep linking ----------------------------------------------------------------------------


def start_deep_link(
    platform: Platform, user: User, *, deployment_id: str, return_url: str, data: str
) -> DeepLinkRequest:
    """An instructor's deep-linking request, waiting for their choice (a page only they open)."""
    return DeepLinkRequest.objects.create(
        token=secrets.token_urlsafe(24),
        user=user,
        platform=platform,
        deployment_id=deployment_id,
        return_url=return_url,
        data=data,
    )


@dataclass(frozen=True)
class DeepLinkAnswer:
    return_url: str
    jwt: str


def answer_deep_link(
    request: DeepLinkRequest, *, kind: str, target_id: int, title: str, launch_url: str
) -> DeepLinkAnswer:
    """The signed ``LtiDeepLinkingResponse`` placing one resource (a case set comes with a line
    item of 100 points, so that Moodle creates its grade column)."""
    if kind not in ResourceKind.values:
        raise RegistrationError(_("type de ressource inconnu"))
    updated = DeepLinkRequest.objects.filter(pk=request.pk, answered_at__isnull=True).update(
        answered_at=timezone.now()
    )
    if not updated:
        raise RegistrationError(_("cette demande de lien a déjà reçu sa réponse"))
    item: dict[str, Any] = {
        "type": "ltiResourceLink",
        "title": title,
        "url": launch_url,
        "custom": {"medtandem_kind": kind, "medtandem_id": str(target_id)},
    }
    if kind == ResourceKind.CASE_SET:
        item["lineItem"] = {
            "scoreMaximum": 100,
            "label": title,
            "resourceId": f"case_set:{target_id}",
        }
    key = signing_key()
    token = lti.deep_linking_response(
        client_id=request.platform.client_id,
        issuer=request.platform.issuer,
        deployment_id=request.deployment_id,
        data=request.data,
        items=[item],
        private_key=private_key_of(key),
        kid=key.kid,
    )
    return DeepLinkAnswer(request.return_url, token)


# --- services of LTI Advantage (grades, members) ---------------------------------------------


def access_token(platform: Platform, scopes: list[str]) -> str:
    """An OAuth 2 access token for ``scopes`` (client-credentials grant with a JWT assertion),
    cached until shortly before it expires."""
    scope = " ".join(sorted(scopes))
    cache_key = "lti-token:" + hashlib.sha256(f"{platform.pk}|{scope}".encode()).hexdigest()
    token = cache.get(cache_key)
    if token:
        return str(token)
    key = signing_key()
    reply = http.post_form(
        platform.auth_token_url,
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": lti.client_assertion(
                client_id=platform.client_id,
                token_url=platform.auth_token_url,
                private_key=private_key_of(key),
                kid=key.kid,
            ),
            "scope": scope,
        },
    )
    if not isinstance(reply, dict) or not isinstance(reply.get("access_token"), str):
        raise http.RemoteError(f"no access_token in the token reply: {reply!r}"[:300])
    lifetime = (
        int(reply.get("expires_in", 3600)) if str(reply.get("expires_in", "")).isdigit() else 3600
    )
    cache.set(cache_key, reply["access_token"], max(0, lifetime - 60))
    return reply["access_token"]


def session_completed(session: ReadingSession) -> None:
    """The reading app announces a finished session: post its score if it came from a graded link."""
    grade = GradeLink.objects.filter(session=session).exclude(lineitem="").first()
    if grade is not None:
        enqueue("interop.post_score", key=f"lti-score:{session.pk}", grade_id=grade.pk)


def post_score(grade: GradeLink) -> float:
    """Post the session's score (percent of unaided reads right on all five superclasses) to the
    line item (AGS 2.0, "Score publish service"). Returns the score posted."""
    from medtandem.apps.reading.selectors import unaided_superclass_accuracy

    session = grade.session
    score = unaided_superclass_accuracy(session)
    given = float(score if score is not None else 0)
    platform = grade.link.platform
    token = access_token(platform, [lti.SCOPE_SCORE])
    base, _, query = grade.lineitem.partition("?")
    url = f"{base.rstrip('/')}/scores" + (f"?{query}" if query else "")
    completed = session.completed_at or timezone.now()
    http.post_json(
        url,
        {
            "userId": grade.sub,
            "scoreGiven": given,
            "scoreMaximum": 100,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": completed.isoformat(timespec="milliseconds"),
        },
        content_type="application/vnd.ims.lis.v1.score+json",
        headers={"Authorization": f"Bearer {token}"},
    )
    GradeLink.objects.filter(pk=grade.pk).update(posted_at=timezone.now(), score=given)
    return given


@dataclass(frozen=True)
class MembersSynced:
    members: int
    created: int


def sync_members(context: Context) -> MembersSynced:
    """Bring the course's members (NRPS 2.0) into its cohort: each active member becomes (or
    stays) a MedTandem person of the platform, learner or instructor by their roles."""
    if not context.memberships_url:
        raise http.RemoteError("the platform gave no membership service for this course")
    platform = context.platform
    token = access_token(platform, [lti.SCOPE_MEMBERSHIP])
    url: str | None = context.memberships_url
    seen = created = 0
    pages = 0
    while url and pages < 100:
        pages += 1
        body, reply = http.get_json(
            url,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
            },
        )
        members = body.get("members", []) if isinstance(body, dict) else []
        with transaction.atomic():
            for member in members:
                if not isinstance(member, dict) or member.get("status", "Active") != "Active":
                    continue
                sub = member.get("user_id")
                if not isinstance(sub, str) or not sub:
                    continue
                roles = [r for r in member.get("roles", []) if isinstance(r, str)]
                instructor = any(r in lti.INSTRUCTOR_ROLES for r in roles)
                role = Role.INSTRUCTOR if instructor else Role.LEARNER
                known = Identity.objects.filter(platform=platform, sub=sub).exists()
                user = person_for(platform, sub, role=role, name=str(member.get("name", "")))
                created += not known
                seen += 1
                if instructor:
                    accounts.add_to_cohort(context.cohort, instructors=[user])
                else:
                    accounts.add_to_cohort(context.cohort, learners=[user])
        url = _next_link(reply.headers.get("link", ""))
    Context.objects.filter(pk=context.pk).update(members_synced_at=timezone.now())
    return MembersSynced(seen, created)


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        if 'rel="next"' in part and "<" in part and ">" in part:
            return part[part.index("<") + 1 : part.index(">")]
    return None


def request_members_sync(context: Context) -> None:
    """Queue a members synchronisation (one at a time per course and minute)."""
    enqueue(
        "interop.sync_members",
        key=f"lti-members:{context.pk}:{int(time.time() // 60)}",
        context_id=context.pk,
    )


def request_xapi_flush() -> None:
    """An administrator's "send now": collect and deliver (one run per minute at most)."""
    enqueue("interop.xapi_flush", key=f"xapi-flush-now:{int(time.time() // 60)}")
