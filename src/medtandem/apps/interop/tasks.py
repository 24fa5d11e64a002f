"""Background jobs of the interop app: grades and members to and from LTI platforms."""

from __future__ import annotations

from medtandem.apps.jobs import job, periodic


@job("interop.post_score", max_attempts=8, backoff_s=30.0, lease_s=120.0)
def post_score(grade_id: int) -> dict[str, object]:
    """Post a finished session's score to its line item (retried while the platform is down)."""
    from medtandem.apps.interop import services
    from medtandem.apps.interop.models import GradeLink

    grade = GradeLink.objects.select_related("session", "link__platform").get(pk=grade_id)
    return {"score": services.post_score(grade)}


@job("interop.sync_members", max_attempts=5, backoff_s=60.0, lease_s=600.0)
def sync_members(context_id: int) -> dict[str, object]:
    from medtandem.apps.interop import services
    from medtandem.apps.interop.models import Context

    synced = services.sync_members(Context.objects.select_related("platform").get(pk=context_id))
    return {"members": synced.members, "created": synced.created}


@job("interop.xapi_flush", max_attempts=6, backoff_s=30.0, lease_s=600.0)
def xapi_flush() -> dict[str, object]:
    """Collect the statements of new learning events and deliver the pending ones to the record
    store (a failure leaves them pending; the job is retried with back-off, and runs every minute)."""
    from medtandem.apps.interop import outbox

    if not outbox.configured():
        return {"configured": False}
    added = outbox.collect()
    delivery = outbox.deliver()
    return {
        "collected": added,
        "sent": delivery.sent,
        "rejected": delivery.rejected,
        "pending": delivery.pending,
    }


periodic("interop.xapi_flush", minute="*")
