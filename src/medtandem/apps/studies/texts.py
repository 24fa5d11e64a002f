"""Words of the study pages and report built from the analysis, in the reader's language.

The MRMC core writes its own English conclusion (for the command line); the pages and the French
report build theirs here from the same figures.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import Profession
from medtandem.charts import format_number
from medtandem.web.charts import chart_locale


def condition_label(name: object) -> str:
    return {
        "unaided": _("sans IA"),
        "aided": _("avec IA"),
        "practice": _("sans IA puis avec IA"),
    }.get(str(name), str(name))


def profession_label(code: object) -> str:
    return str(dict(Profession.choices).get(str(code), code or "—"))


def comparison_label(text: object) -> str:
    """``"aided - unaided"`` → ``"avec IA − sans IA"``."""
    parts = [p.strip() for p in str(text).split(" - ")]
    return " − ".join(condition_label(p) for p in parts)


def mrmc_conclusion(
    mrmc: dict[str, Any] | None, *, n_readers: int, n_cases: int, alpha: float = 0.05
) -> str:
    """The primary (RRRC) result in one paragraph, from the analysis' figures."""
    if not mrmc:
        return ""
    rrrc = mrmc.get("rrrc") or {}
    differences = rrrc.get("differences") or []
    if not differences:
        return ""
    d = differences[0]
    loc = chart_locale()

    def n(x: Any, digits: int = 3) -> str:
        return format_number(None if x is None else float(x), loc, digits=digits)

    aucs = ", ".join(
        f"{condition_label(m)} {n(v)}" for m, v in (mrmc.get("mean_auc") or {}).items()
    )
    significant = rrrc.get("p") is not None and float(rrrc["p"]) < alpha
    verdict = (
        _("La différence est statistiquement significative au seuil de %(a)s.")
        if significant
        else _("La différence n'est pas statistiquement significative au seuil de %(a)s.")
    ) % {"a": n(alpha, 2)}
    return _(
        "Avec %(r)d lecteurs et %(c)d cas, l'AUC moyenne des lecteurs est : %(aucs)s. La différence "
        "(%(cmp)s) vaut %(d)s (IC à 95 %% %(lo)s à %(hi)s ; p = %(p)s), par l'analyse d'Obuchowski–Rockette "
        "avec covariance par jackknife et degrés de liberté de Hillis, lecteurs et cas aléatoires "
        "(F = %(f)s ; %(df1)s et %(df2)s ddl). %(verdict)s"
    ) % {
        "r": n_readers,
        "c": n_cases,
        "aucs": aucs,
        "cmp": comparison_label(d.get("comparison", "")),
        "d": n(d.get("estimate")),
        "lo": n(d.get("ci_lower")),
        "hi": n(d.get("ci_upper")),
        "p": n(rrrc.get("p"), 3),
        "f": n(rrrc.get("statistic"), 2),
        "df1": n(rrrc.get("df1"), 1),
        "df2": n(rrrc.get("df2"), 1),
        "verdict": verdict,
    }
