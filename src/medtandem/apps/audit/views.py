"""The administrator's view of the audit trail."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date

from medtandem.apps.accounts.http import AuthedRequest
from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.permissions import role_required
from medtandem.apps.audit import selectors
from medtandem.apps.audit.services import verify_chain


@role_required(Role.ADMINISTRATOR)
def trail(request: AuthedRequest) -> HttpResponse:
    q = request.GET
    filters = {
        "action": q.get("action", "")[:64],
        "actor": q.get("actor", "")[:150],
        "target_type": q.get("target_type", "")[:64],
        "target_id": q.get("target_id", "")[:64],
    }
    since = parse_date(q.get("since", "") or "") if q.get("since") else None
    until = parse_date(q.get("until", "") or "") if q.get("until") else None
    page = Paginator(selectors.entries(**filters, since=since, until=until), 50).get_page(
        q.get("page")
    )
    return render(
        request,
        "audit/trail.html",
        {
            "page": page,
            "filters": filters,
            "since": q.get("since", ""),
            "until": q.get("until", ""),
            "actions": selectors.actions(),
            "chain": verify_chain() if q.get("verify") == "1" else None,
        },
    )
