"""The MedTandem xAPI profile: stable verbs, activity ids and statement ids (no Django).

Verbs come from the ADL vocabulary (``http://adlnet.gov/expapi/verbs/``) and the TinCan registry
(``http://id.tincanapi.com/verb/``), the ones the cmi5 profile and France Université Numérique's
Ralph already know. Activity ids are IRIs under the deployment's own address
(``<site>/xapi/activities/<kind>/<id>``), stable as long as the rows are. A statement's id is a
UUID 5 of the event's kind and the row it comes from: the same event always gives the same id,
so a statement sent twice (a lost reply, a retried job) is stored once by the record store.

What a statement never carries: the truth of a case or the AI's output (a read's ``result`` has the
learner's own answer only), names or e-mail addresses (the actor is an opaque account).
docs/interop.md lists the profile.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

XAPI_VERSION = "1.0.3"
PROFILE = "https://medtandem.fr/xapi/profile/1.0"


@dataclass(frozen=True)
class Verb:
    id: str
    display_fr: str
    display_en: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "display": {"fr-FR": self.display_fr, "en-US": self.display_en}}


ADL = "http://adlnet.gov/expapi/verbs/"
TINCAN = "http://id.tincanapi.com/verb/"

INITIALIZED = Verb(ADL + "initialized", "a commencé", "initialized")
ANSWERED = Verb(ADL + "answered", "a répondu", "answered")
VIEWED = Verb(TINCAN + "viewed", "a vu", "viewed")
COMPLETED = Verb(ADL + "completed", "a terminé", "completed")
PASSED = Verb(ADL + "passed", "a réussi", "passed")
FAILED = Verb(ADL + "failed", "a échoué", "failed")
EARNED = Verb(TINCAN + "earned", "a obtenu", "earned")

#: Activity types (ADL / cmi5 vocabulary).
ACTIVITY_TYPES = {
    "reading-session": "http://adlnet.gov/expapi/activities/assessment",
    "case": "http://adlnet.gov/expapi/activities/interaction",
    "ai-suggestion": "http://activitystrea.ms/schema/1.0/review",
    "feedback": "http://activitystrea.ms/schema/1.0/review",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "activity": "http://adlnet.gov/expapi/activities/module",
    "programme": "http://adlnet.gov/expapi/activities/course",
    "attestation": "https://w3id.org/xapi/tla/activity-types/badge",
}
#: Context extensions (IRIs of this profile).
EXT_CONDITION = PROFILE + "/extensions/condition"
EXT_SESSION_MODE = PROFILE + "/extensions/session-mode"


def statement_id(site: str, kind: str, source_id: int | str) -> str:
    """The id of the statement of one event: UUID 5 of the site, event kind and source row."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site.rstrip('/')}/xapi/{kind}/{source_id}"))


def activity(site: str, kind: str, ident: int | str, name: str = "") -> dict[str, Any]:
    definition: dict[str, Any] = {"type": ACTIVITY_TYPES[kind]}
    if name:
        definition["name"] = {"fr-FR": name}
    return {
        "objectType": "Activity",
        "id": f"{site.rstrip('/')}/xapi/activities/{kind}/{ident}",
        "definition": definition,
    }


def actor(site: str, person_id: str) -> dict[str, Any]:
    """An opaque account: the record store learns no name and no address."""
    return {"objectType": "Agent", "account": {"homePage": site.rstrip("/"), "name": person_id}}


def statement(
    *,
    site: str,
    kind: str,
    source_id: int | str,
    person_id: str,
    verb: Verb,
    obj: Mapping[str, Any],
    timestamp: datetime,
    result: Mapping[str, Any] | None = None,
    parent: Mapping[str, Any] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "platform": "MedTandem",
        "language": "fr-FR",
        "contextActivities": {"category": [{"id": PROFILE, "objectType": "Activity"}]},
    }
    if parent:
        context["contextActivities"]["parent"] = [dict(parent)]
    if extensions:
        context["extensions"] = dict(extensions)
    body: dict[str, Any] = {
        "id": statement_id(site, kind, source_id),
        "actor": actor(site, person_id),
        "verb": verb.to_dict(),
        "object": dict(obj),
        "context": context,
        "timestamp": timestamp.isoformat(timespec="milliseconds"),
    }
    if result:
        body["result"] = dict(result)
    return body


def score(
    percent: float | None, *, completion: bool = True, success: bool | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"completion": completion}
    if percent is not None:
        out["score"] = {"scaled": round(percent / 100, 4), "raw": percent, "min": 0, "max": 100}
    if success is not None:
        out["success"] = success
    return out
