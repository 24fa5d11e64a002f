"""Forms of the observatory: they parse input; the rules live in :mod:`.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medtandem.apps.accounts.models import Profession
from medtandem.apps.observatory.fields import FIELDS
from medtandem.apps.observatory.models import (
    AIActRisk,
    Category,
    HurdleCategory,
    Incident,
    MDRClass,
    Seriousness,
    Status,
)

REPORTABLE_SERIOUSNESS = [
    (Seriousness.NOT_SERIOUS, _("non grave")),
    (Seriousness.HEALTH, _("atteinte à la santé d'une personne (possible ou avérée)")),
    (Seriousness.DEATH, _("décès")),
    (Seriousness.RIGHTS, _("atteinte aux droits fondamentaux")),
    (Seriousness.UNKNOWN, _("je ne sais pas")),
]


class EntryForm(forms.Form):
    """Every registry field, grouped; the service validates again (it is the rule)."""

    task = forms.CharField(label=_("Domaine / tâche"), max_length=120, required=False)
    modality = forms.CharField(
        label=_("Modalité (ECG, imagerie, texte…)"), max_length=120, required=False
    )
    region = forms.CharField(label=_("Région"), max_length=60, required=False)
    note = forms.CharField(
        label=_("Note pour la relecture"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in FIELDS:
            if f.key == "status":
                field: forms.Field = forms.ChoiceField(
                    choices=Status.choices, initial=Status.AUTHORISED
                )
            elif f.key == "mdr_class":
                field = forms.ChoiceField(choices=MDRClass.choices, required=False)
            elif f.key == "risk_class":
                field = forms.ChoiceField(choices=AIActRisk.choices, required=False)
            elif f.kind == "url":
                field = forms.URLField(required=False, assume_scheme="https")
            elif f.kind in ("line", "column"):
                field = forms.CharField(max_length=300, required=f.required)
            else:
                field = forms.CharField(
                    widget=forms.Textarea(attrs={"rows": 3}), required=f.required
                )
            field.label = f.label
            field.group = f.group  # type: ignore[attr-defined]  # read by grouped_fields() below
            self.fields[f.key] = field

    def grouped_fields(self) -> list[tuple[str, list[Any]]]:
        from medtandem.apps.observatory.fields import GROUPS

        return [(str(g.label), [self[f.key] for f in FIELDS if f.group == g.key]) for g in GROUPS]


class IncidentForm(forms.Form):
    description = forms.CharField(
        label=_("Ce qui s'est passé"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_("N'indiquez ni nom, ni date de naissance, ni numéro de dossier."),
    )
    category = forms.ChoiceField(label=_("Catégorie"), choices=Category.choices)
    seriousness = forms.ChoiceField(
        label=_("Gravité"), choices=REPORTABLE_SERIOUSNESS, initial=Seriousness.NOT_SERIOUS
    )
    origin = forms.ChoiceField(
        label=_("Vous signalez en tant que"),
        required=False,
        choices=[
            (Incident.Origin.REGISTRY, _("utilisateur·rice")),
            (Incident.Origin.SITE, _("établissement")),
            (Incident.Origin.PROVIDER, _("fournisseur")),
        ],
    )
    deployer = forms.CharField(
        label=_("Établissement concerné (facultatif)"), max_length=200, required=False
    )


class TriageForm(forms.Form):
    state = forms.ChoiceField(label=_("État"), choices=Incident.State.choices)
    seriousness = forms.ChoiceField(label=_("Gravité (art. 3(49))"), choices=Seriousness.choices)
    category = forms.ChoiceField(label=_("Catégorie"), choices=Category.choices)
    corrective_action = forms.CharField(
        label=_("Action corrective"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    public_summary = forms.CharField(
        label=_("Résumé public anonymisé"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Seul ce texte sera public, une fois l'incident clos."),
    )
    notified_at = forms.DateTimeField(
        label=_("Notifié à l'autorité le"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = forms.CharField(label=_("Note de triage"), required=False, max_length=500)


class HurdleForm(forms.Form):
    category = forms.ChoiceField(label=_("Catégorie d'obstacle"), choices=HurdleCategory.choices)
    profession = forms.ChoiceField(
        label=_("Profession"), choices=[("", "—"), *Profession.choices], required=False
    )
    region = forms.CharField(label=_("Région"), max_length=60, required=False)
    on_behalf_of_site = forms.BooleanField(
        label=_("Je réponds au nom d'un établissement"), required=False
    )
    severity = forms.IntegerField(
        label=_("Importance (1 à 5)"), min_value=1, max_value=5, initial=3
    )
    text = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
        help_text=_("Relue par un analyste avant toute publication."),
    )
