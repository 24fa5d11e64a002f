"""Template context shared by every page: the navigation the current user may see."""

from __future__ import annotations

from functools import lru_cache

from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from medtandem.apps.accounts.selectors import roles_of

# (url name, label, roles that see it; empty = every signed-in user)
NAV_ITEMS = [
    ("reading:dashboard", _("Lecture d'ECG"), ()),
    ("reading:progress", _("Ma progression"), ("learner",)),
    ("studies:my_reliance", _("L'IA et ma lecture"), ("learner",)),
    ("curriculum:catalogue", _("Formations"), ()),
    ("catalogue:search", _("Catalogue"), ()),
    ("datathons:list", _("Datathons"), ()),
    ("reading:instructor", _("Enseignement"), ("instructor", "administrator")),
    ("studies:cohort_reliance", _("L'IA et ma cohorte"), ("instructor", "administrator")),
    ("studies:list", _("Études de lecteurs"), ("investigator", "administrator")),
    ("curriculum:national", _("Tableau national"), ("administrator",)),
    ("observatory:registry", _("Observatoire"), ()),
    ("observatory:triage_list", _("Triage IA"), ("analyst",)),
    ("audit:trail", _("Audit"), ("administrator",)),
    ("interop:lti_registrations", _("Interopérabilité"), ("administrator",)),
]
#: Shown to visitors who are not signed in (public pages).
PUBLIC_NAV = {"observatory:registry", "catalogue:search", "datathons:list"}


@lru_cache(maxsize=64)
def _url(name: str, prefix: str) -> str | None:
    """A navigation target, reversed once per process and script prefix (every page shows them)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None  # that domain's pages are not built yet


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None and user.is_authenticated else set()
    items = []
    prefix = get_script_prefix()
    for name, label, needed in NAV_ITEMS:
        if needed and not roles & set(needed):
            continue
        if name not in PUBLIC_NAV and not roles:
            continue
        url = _url(name, prefix)
        if url is not None:
            items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return {"nav_items": items, "user_roles": roles}
