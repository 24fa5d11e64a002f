"""LTI 1.3 launches from a test platform that signs real RS256 id_tokens and serves its keys over
HTTP on loopback: the full launch, refusals (each with its reason and nothing created), deep
linking, key rotation and the iframe path."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.utils import timezone
from tests.integration.interop.conftest import begin
from tests.integration.interop.platform import CLAIM, CLIENT_ID, INSTRUCTOR, TestPlatform

from medtandem.apps.accounts.models import Cohort, RoleAssignment, User
from medtandem.apps.accounts.selectors import has_role
from medtandem.apps.cases.models import Case, CaseSet
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.interop import services
from medtandem.apps.interop.models import (
    Context,
    DeepLinkRequest,
    Identity,
    LaunchTicket,
    ResourceLink,
    ToolKey,
)
from medtandem.apps.reading.models import ReadingSession

pytestmark = pytest.mark.django_db

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


@pytest.fixture
def case_set(db: None) -> CaseSet:
    import_demo_bank(limit=3)
    return build_case_set("Trois ECG", case_ids=list(Case.objects.values_list("pk", flat=True)))


def custom(case_set: CaseSet) -> dict[str, str]:
    return {"medtandem_kind": "case_set", "medtandem_id": str(case_set.pk)}


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, Identity, LaunchTicket, ReadingSession, Context, ResourceLink, Cohort)
    }


def launch(client: Client, moodle: TestPlatform, **claims):  # type: ignore[no-untyped-def]
    state, nonce = begin(client, moodle)
    token = moodle.id_token(nonce=nonce, **claims)
    return client.post("/interop/lti/launch", {"id_token": token, "state": state}), token, state


def test_a_first_launch_creates_the_learner_and_opens_the_case_set(
    client, moodle, registered, case_set
):
    response, _token, _state = launch(client, moodle, **{CLAIM + "custom": custom(case_set)})
    assert response.status_code == 302 and "/interop/lti/enter/" in response["Location"]
    opened = client.get(response["Location"])
    session = ReadingSession.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/reading/session/{session.pk}/"
    identity = Identity.objects.get()
    person = identity.user
    assert (identity.platform, identity.sub) == (registered, "moodle-user-7")
    assert (person.first_name, person.last_name) == ("Camille", "Martin")
    assert person.institution == registered.institution and not person.has_usable_password()
    assert list(RoleAssignment.objects.filter(user=person).values_list("role", flat=True)) == [
        "learner"
    ]
    assert session.learner == person and session.case_set == case_set
    assert Cohort.objects.get().learners.get() == person
    shown = client.get(opened["Location"], follow=True)  # signed in: the session's first case opens
    assert (
        shown.status_code == 200
        and shown.redirect_chain[-1][0] == f"/reading/session/{session.pk}/case/0/"
    )

    # A second launch from the same link: the same person, the same session.
    again, _t, _s = launch(Client(), moodle, **{CLAIM + "custom": custom(case_set)})
    second = Client()
    state, nonce = begin(second, moodle)
    token = moodle.id_token(nonce=nonce, **{CLAIM + "custom": custom(case_set)})
    reply = second.post("/interop/lti/launch", {"id_token": token, "state": state})
    assert second.get(reply["Location"])["Location"] == f"/reading/session/{session.pk}/"
    assert User.objects.count() == 1 and ReadingSession.objects.count() == 1
    assert again.status_code == 302


def test_an_instructor_role_claim_makes_an_instructor(client, moodle, registered, case_set):
    response, _t, _s = launch(
        client, moodle, roles=(INSTRUCTOR,), **{CLAIM + "custom": custom(case_set)}
    )
    assert (
        client.get(response["Location"])["Location"]
        == f"/reading/instructor/case-sets/{case_set.pk}/assign/"
    )
    person = Identity.objects.get().user
    assert has_role(person, "instructor") and not has_role(person, "learner")
    assert Cohort.objects.get().instructors.get() == person
    assert not ReadingSession.objects.exists()


def _other_key():  # type: ignore[no-untyped-def]
    return rsa.generate_private_key(65537, 2048)


REFUSED = {
    # name: (claims given to id_token, expected refusal code)
    "forged": ({"key": "other"}, "signature"),
    "unknown_key": ({"key": "other", "kid": "not-a-moodle-key"}, "unknown_key"),
    "expired": ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, "expired"),
    "wrong_audience": ({"aud": "someone-else", "azp": None}, "audience"),
    "wrong_azp": ({"aud": [CLIENT_ID, "other"], "azp": "other"}, "azp"),
    "wrong_issuer": ({"iss": "https://evil.example"}, "issuer"),
    "wrong_deployment": ({CLAIM + "deployment_id": "deployment-99"}, "deployment"),
    "wrong_nonce": ({"nonce": "not-the-nonce"}, "nonce"),
    "lti_1_1": ({CLAIM + "version": "1.1"}, "version"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_token_is_refused_with_its_reason_and_creates_nothing(
    client, moodle, registered, case_set, case
):
    claims, code = REFUSED[case]
    claims = dict(claims)
    if claims.get("key") == "other":
        claims["key"] = _other_key()
    before = counts()
    state, nonce = begin(client, moodle)
    token = moodle.id_token(nonce=claims.pop("nonce", nonce), **claims)
    response = client.post("/interop/lti/launch", {"id_token": token, "state": state})
    assert response.status_code == 400
    assert f'<code id="lti-refusal-code">{code}</code>' in response.content.decode()
    assert counts() == before


def test_a_replayed_launch_is_refused(client, moodle, registered, case_set):
    first, token, state = launch(client, moodle, **{CLAIM + "custom": custom(case_set)})
    assert first.status_code == 302
    before = counts()
    replay = client.post("/interop/lti/launch", {"id_token": token, "state": state})
    assert replay.status_code == 400 and 'id="lti-refusal-code">replay<' in replay.content.decode()
    # The same id_token behind a fresh login: its nonce is not the new login's.
    state2, _nonce2 = begin(client, moodle)
    again = client.post("/interop/lti/launch", {"id_token": token, "state": state2})
    assert again.status_code == 400 and 'id="lti-refusal-code">nonce<' in again.content.decode()
    assert counts() == before
    # The entry ticket works once.
    enter = first["Location"]
    assert client.get(enter).status_code == 302
    assert Client().get(enter).status_code == 400


def test_a_state_from_another_browser_or_unknown_is_refused(client, moodle, registered, case_set):
    begin(client, moodle)  # this browser holds a state cookie of its own
    other = Client()
    state, nonce = begin(other, moodle)
    token = moodle.id_token(nonce=nonce)
    before = counts()
    stolen = client.post("/interop/lti/launch", {"id_token": token, "state": state})
    assert stolen.status_code == 400 and ">state<" in stolen.content.decode()
    unknown = Client().post("/interop/lti/launch", {"id_token": token, "state": "made-up"})
    assert unknown.status_code == 400 and ">state<" in unknown.content.decode()
    assert counts() == before


def test_a_login_from_an_unregistered_platform_is_refused(client, db):
    response = client.get(
        "/interop/lti/login",
        {"iss": "https://nowhere.example", "login_hint": "1", "target_link_uri": "x"},
    )
    assert response.status_code == 400 and ">platform<" in response.content.decode()
    assert client.post("/interop/lti/launch", {}).status_code == 400
    assert client.get("/interop/lti/launch").status_code == 405


def _tool_key(token: str):  # type: ignore[no-untyped-def]
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in services.jwks()["keys"] if k["kid"] == kid)
    return jwt.PyJWK(jwk).key


def test_deep_linking_places_a_case_set_that_a_later_launch_opens(
    client, moodle, registered, case_set
):
    response, _t, _s = launch(
        client, moodle, roles=(INSTRUCTOR,), message_type="LtiDeepLinkingRequest"
    )
    picker_url = client.get(response["Location"])["Location"]
    picker = client.get(picker_url)
    assert picker.status_code == 200 and "Trois ECG" in picker.content.decode()
    assert client.post(picker_url, {"choice": "case_set:999999"}).status_code == 400
    answer = client.post(picker_url, {"choice": f"case_set:{case_set.pk}"})
    page = answer.content.decode()
    assert answer.status_code == 200
    assert f'action="{moodle.base}/mod/lti/contentitem_return.php"' in page
    assert f"form-action 'self' {moodle.base}" in answer["Content-Security-Policy"]
    token = page.split('name="JWT" value="')[1].split('"')[0]
    claims = jwt.decode(token, _tool_key(token), algorithms=["RS256"], audience=moodle.issuer)
    assert claims["iss"] == CLIENT_ID
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "deployment_id"] == "deployment-1"
    assert claims[DL + "data"] == "opaque-42"
    (item,) = claims[DL + "content_items"]
    assert item["custom"] == custom(case_set) and item["lineItem"]["scoreMaximum"] == 100
    assert item["url"] == "http://testserver/interop/lti/launch"
    # Answered once only.
    assert (
        "déjà reçu sa réponse"
        in client.post(picker_url, {"choice": f"case_set:{case_set.pk}"}).content.decode()
    )
    assert DeepLinkRequest.objects.get().answered_at is not None

    # Moodle now launches the placed link with the custom parameters it was given.
    learner = Client()
    reply, _t, _s = launch(learner, moodle, sub="student-2", **{CLAIM + "custom": item["custom"]})
    session = ReadingSession.objects.get(learner__lti_identities__sub="student-2")
    assert learner.get(reply["Location"])["Location"] == f"/reading/session/{session.pk}/"


def test_a_learner_cannot_deep_link_and_nobody_else_reaches_the_picker(client, moodle, registered):
    before = counts()
    refused, _t, _s = launch(client, moodle, message_type="LtiDeepLinkingRequest")
    assert refused.status_code == 400 and ">deep_linking<" in refused.content.decode()
    assert counts() == before
    teacher = Client()
    response, _t, _s = launch(
        teacher, moodle, sub="teacher", roles=(INSTRUCTOR,), message_type="LtiDeepLinkingRequest"
    )
    picker_url = teacher.get(response["Location"])["Location"]
    intruder = Client()
    intruder.force_login(User.objects.create(username="intrus"))
    assert intruder.get(picker_url).status_code == 404


def test_our_keyset_rotates_and_keeps_the_retired_key_for_a_week(client, db):
    first = client.get("/interop/lti/jwks.json").json()["keys"]
    assert len(first) == 1 and first[0]["kty"] == "RSA" and first[0]["alg"] == "RS256"
    assert "d" not in first[0]  # public part only
    new = services.rotate_key()
    keys = [k["kid"] for k in client.get("/interop/lti/jwks.json").json()["keys"]]
    assert sorted(keys) == sorted([first[0]["kid"], new.kid])
    assert services.signing_key() == new
    ToolKey.objects.filter(kid=first[0]["kid"]).update(
        retired_at=timezone.now() - timedelta(days=8)
    )
    assert [k["kid"] for k in client.get("/interop/lti/jwks.json").json()["keys"]] == [new.kid]


def test_a_platform_key_rotation_is_picked_up_from_its_keyset(client, moodle, registered, case_set):
    first, _t, _s = launch(client, moodle)
    assert first.status_code == 302
    moodle.key, moodle.kid = _other_key(), "moodle-rotated"  # the cached keyset lacks this kid
    second, _t, _s = launch(Client(), moodle, sub="other")
    assert second.status_code == 302


def test_an_iframe_launch_offers_a_new_window_and_lets_the_platform_frame_us(
    client, moodle, registered, case_set
):
    response, _t, _s = launch(
        client,
        moodle,
        **{
            CLAIM + "custom": custom(case_set),
            CLAIM + "launch_presentation": {"document_target": "iframe"},
        },
    )
    page = response.content.decode()
    assert (
        response.status_code == 200 and 'target="_blank"' in page and 'id="lti-new-window"' in page
    )
    assert f"frame-ancestors {moodle.base}" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    enter = page.split('id="lti-launched" data-enter="')[1].split('"')[0]
    session_page = client.get(client.get(enter)["Location"], follow=True)
    assert session_page.status_code == 200
    assert f"frame-ancestors {moodle.base}" in session_page["Content-Security-Policy"]
    # Somebody who did not come from a platform is never framed.
    other = Client()
    other.force_login(User.objects.create(username="direct"))
    direct = other.get("/reading/")
    assert (
        "frame-ancestors 'none'" in direct["Content-Security-Policy"]
        and direct["X-Frame-Options"] == "DENY"
    )
