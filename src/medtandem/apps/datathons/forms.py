"""Forms of datathon pages: they parse input; the rules live in :mod:`.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medtandem.apps.datathons.models import Metric, Task
from medtandem.web.uploads import form_text


class ChallengeForm(forms.Form):
    title = forms.CharField(label=_("titre"), max_length=200)
    summary = forms.CharField(
        label=_("présentation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    task = forms.ChoiceField(label=_("tâche"), choices=Task.choices)
    metric = forms.ChoiceField(label=_("métrique principale"), choices=Metric.choices)
    n_development = forms.IntegerField(
        label=_("cas de développement"), min_value=4, max_value=2000, initial=60
    )
    n_final = forms.IntegerField(
        label=_("cas de la finale"), min_value=4, max_value=2000, initial=60
    )
    development_opens = forms.DateTimeField(
        label=_("ouverture du développement"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    final_opens = forms.DateTimeField(
        label=_("ouverture de la finale"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    final_closes = forms.DateTimeField(
        label=_("clôture de la finale"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    max_final_submissions = forms.IntegerField(
        label=_("soumissions finales par équipe"), min_value=1, max_value=50, initial=3
    )
    seed = forms.IntegerField(
        label=_("graine du tirage des cas"), min_value=0, max_value=2**31 - 1, initial=0
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("nom de l'équipe"), max_length=80)


class JoinForm(forms.Form):
    code = forms.CharField(label=_("code d'invitation"), max_length=20)


class SubmissionForm(forms.Form):
    file = forms.FileField(label=_("prédictions (CSV : id et une probabilité par sortie)"))
    method = forms.CharField(
        label=_("méthode (description courte)"), max_length=200, required=False
    )
    model_parameters = forms.IntegerField(
        label=_("taille du modèle (paramètres, déclarée)"),
        min_value=0,
        max_value=10**13,
        required=False,
    )
    energy_mj = forms.FloatField(
        label=_("énergie mesurée par inférence (mJ, déclarée)"),
        min_value=0,
        max_value=1e9,
        required=False,
    )

    def clean_file(self) -> Any:
        """Byte, row and encoding limits (the security layer's) before any parsing; text kept."""
        upload = self.cleaned_data["file"]
        self.text = form_text(upload, "datathon_predictions")
        return upload


class LinkForm(forms.Form):
    version = forms.SlugField(
        label=_("entrée du registre (identifiant)"), max_length=160, required=False
    )
