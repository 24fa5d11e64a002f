"""Template context shared by every page: the navigation the current user may see."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from medtandem.apps.accounts.selectors import roles_of

# (url name, label, roles that see it; empty = every signed-in user)
NAV_ITEMS = [
    ("reading:dashboard", _("Lecture d'ECG"), ()),
    ("reading:progress", _("Ma progression"), ("learner",)),
    ("studies:my_reliance", _("L'IA et ma lecture"), ("learner",)),
    ("curriculum:catalogue", _("Formations"), ()),
    ("reading:instructor", _("Enseignement"), ("instructor", "administrator")),
    ("studies:cohort_reliance", _("L'IA et ma cohorte"), ("instructor", "administrator")),
    ("studies:list", _("Études de lecteurs"), ("investigator", "administrator")),
    ("curriculum:national", _("Tableau national"), ("administrator",)),
    ("observatory:registry", _("Observatoire"), ()),
    ("observatory:triage_list", _("Triage IA"), ("analyst",)),
    ("audit:trail", _("Audit"), ("administrator",)),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None and user.is_authenticated else set()
    items = []
    for name, label, needed in NAV_ITEMS:
        if needed and not roles & set(needed):
            continue
        if name != "observatory:registry" and not roles:
            continue
        try:
            items.append({"url": reverse(name), "label": label, "active": request.path.startswith(reverse(name))})
        except NoReverseMatch:
            continue  # that domain's pages are not built yet
    return {"nav_items": items, "user_roles": roles}
