"""Plain-language rules of the reliance pages: which reader is flagged, what advice a learner gets.

Kept apart from the services (which write) and the selectors (which read) so that both the pages
and the cohort export use the same rule.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

#: Over-reliance (switching from a right answer to a wrong AI, 1 - RSR) at or above this share,
#: with at least MIN_ITEMS such items, flags a reader.
OVER_RELIANCE_FLAG = 0.5
MIN_ITEMS = 5


def over_relies(measures: Any) -> bool:
    o = measures.over_reliance
    return o.n >= MIN_ITEMS and (o.value or 0) >= OVER_RELIANCE_FLAG


def reliance_advice(measures: Any, watch: Any | None) -> list[str]:
    """Short advice for a learner, from their measures (French source strings, translated)."""
    tips: list[str] = []
    if measures is None:
        return [
            _(
                "Lisez quelques cas en mode hybride (seul, puis avec l'IA) pour voir apparaître vos mesures."
            )
        ]
    if over_relies(measures):
        tips.append(
            _(
                "Quand vous aviez raison seul·e et que l'IA se trompait, vous avez souvent changé pour "
                "elle. Avant de valider, relisez le tracé et demandez-vous ce qui, sur l'ECG lui-même, "
                "soutient la suggestion."
            )
        )
    elif measures.over_reliance.n and (measures.over_reliance.value or 0) >= 0.3:
        tips.append(
            _(
                "Il vous arrive d'abandonner une bonne réponse pour la suggestion erronée de l'IA : "
                "gardez votre lecture quand vos arguments sont solides."
            )
        )
    if measures.under_reliance.n >= MIN_ITEMS and (measures.under_reliance.value or 0) >= 0.5:
        tips.append(
            _(
                "Quand l'IA a raison et vous tort, vous gardez souvent votre réponse : regardez ce que "
                "l'IA a vu avant de l'écarter."
            )
        )
    if (
        measures.benefit.value is not None
        and measures.benefit.ci_lower is not None
        and measures.benefit.ci_lower > 0
    ):
        tips.append(
            _(
                "L'IA améliore nettement votre exactitude : continuez à lire d'abord seul pour "
                "entretenir votre propre compétence."
            )
        )
    cal = measures.calibration_unaided
    ece = cal.confidence_ece.value if cal is not None else None
    if ece is not None and ece > 0.15:
        tips.append(
            _(
                "Vos niveaux de confiance s'écartent de votre taux de réussite : essayez d'ajuster "
                "vos notes (0 à 100) à ce que vous savez vraiment."
            )
        )
    if watch is not None and watch.alert:
        tips.append(
            _(
                "Vos erreurs sans IA dépassent ce que laissait attendre votre période de départ : "
                "faites une série de lectures sans IA pour vous réentraîner."
            )
        )
    if not tips:
        tips.append(
            _(
                "Votre usage de l'IA paraît équilibré : vous la suivez quand elle a raison et savez "
                "vous en écarter quand elle se trompe."
            )
        )
    return tips
