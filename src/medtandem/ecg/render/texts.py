"""The words drawn on the ECG page, from the project's one catalogue (:mod:`medtandem.i18n`).

Source strings are French; their English translations live in ``locale/en/LC_MESSAGES/django.po``
beside every other string of the product. Paper speed and gain are never written in the words:
they are filled in from :data:`~medtandem.ecg.render.layout.MM_PER_S` and ``MM_PER_MV``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from medtandem.i18n import gettext_noop, translator


@dataclass(frozen=True)
class RenderTexts:
    """Every word of the page, in one language. ``decimal_comma`` for French numbers."""

    lang: str
    title: str
    missing: str
    no_data: str
    unfiltered: str
    caption: str
    legend: str
    low: str
    high: str
    desc: str
    desc_missing: str
    desc_short: str
    desc_attr: str
    missing_label: str

    @property
    def decimal_comma(self) -> bool:
        return self.lang == "fr"

    def number(self, value: float) -> str:
        text = f"{value:g}"
        return text.replace(".", ",") if self.decimal_comma else text


_SOURCE = {
    "title": gettext_noop("ECG 12 dérivations"),
    "missing": gettext_noop("absente"),
    "no_data": gettext_noop("pas de données"),
    "unfiltered": gettext_noop("aucun (signal tel qu’enregistré)"),
    # {speed} mm/s and {gain} mm/mV come from the drawing constants.
    "caption": gettext_noop("{speed} mm/s · {gain} mm/mV · Filtre : {filter} · {fs} Hz"),
    "legend": gettext_noop("Attribution IA"),
    "low": gettext_noop("faible"),
    "high": gettext_noop("forte"),
    "desc": gettext_noop(
        "Électrocardiogramme 12 dérivations{record} : {duration} s enregistrées à {fs} Hz, "
        "tracé sur papier millimétré à {speed} mm/s et {gain} mm/mV, avec une impulsion d’étalonnage "
        "de 1 mV en début de ligne. Disposition 3 × 4 (I, II, III ; aVR, aVL, aVF ; V1 à V3 ; "
        "V4 à V6 ; 2,5 s chacune) et bande rythmique de 10 s en dérivation II."
    ),
    "desc_missing": gettext_noop(" Dérivations absentes : {leads}."),
    "desc_short": gettext_noop(
        " L’enregistrement dure moins de 10 s : la fin de la page est vide."
    ),
    "desc_attr": gettext_noop(
        " L’attribution de l’IA est superposée en bandes bleues translucides, "
        "d’autant plus opaques que la contribution est forte."
    ),
    "missing_label": gettext_noop("{lead} : absente"),
}


@lru_cache(maxsize=4)
def render_texts(lang: str = "fr") -> RenderTexts:
    """The page's words in ``lang`` (``"fr"`` or ``"en"``), translated through the catalogue."""
    tr = translator(lang)
    return RenderTexts(lang=lang, **{key: tr(value) for key, value in _SOURCE.items()})
