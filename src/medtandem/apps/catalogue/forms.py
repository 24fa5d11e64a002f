"""Forms of catalogue pages: they parse input; the rules live in :mod:`.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medtandem.apps.accounts.models import Institution, Profession
from medtandem.apps.catalogue.models import Audience, Format, Kind, Offer
from medtandem.apps.catalogue.services import OfferData
from medtandem.apps.curriculum.models import Competency, Programme


class OfferForm(forms.Form):
    title = forms.CharField(label=_("intitulé de la formation"), max_length=200)
    title_en = forms.CharField(label=_("intitulé en anglais"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("présentation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    summary_en = forms.CharField(
        label=_("présentation en anglais"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("type"), choices=Kind.choices)
    institution = forms.ModelChoiceField(
        label=_("établissement"), queryset=Institution.objects.none()
    )
    audience = forms.ChoiceField(label=_("public"), choices=Audience.choices)
    professions = forms.MultipleChoiceField(
        label=_("professions (aucune cochée : toutes)"),
        choices=Profession.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    format = forms.ChoiceField(label=_("format"), choices=Format.choices)
    hours = forms.DecimalField(
        label=_("volume horaire"), min_value=0, max_digits=6, decimal_places=1
    )
    ects = forms.DecimalField(
        label=_("ECTS"), min_value=0, max_digits=4, decimal_places=1, required=False
    )
    starts_on = forms.DateField(
        label=_("début"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("fin"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cost_eur = forms.DecimalField(
        label=_("coût (€)"), min_value=0, max_digits=8, decimal_places=2, required=False
    )
    dpc_reference = forms.CharField(
        label=_("référence de l'action DPC (vide : hors DPC)"), max_length=40, required=False
    )
    competencies = forms.ModelMultipleChoiceField(
        label=_("compétences couvertes"),
        queryset=Competency.objects.select_related("domain"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    programme = forms.ModelChoiceField(
        label=_("programme MedTandem (inscription sur la plateforme)"),
        queryset=Programme.objects.all(),
        required=False,
    )
    enrol_url = forms.URLField(
        label=_("inscription auprès de l'établissement (lien)"),
        required=False,
        assume_scheme="https",
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, offer: Offer) -> dict[str, Any]:
        initial = {name: getattr(offer, name) for name in cls.base_fields if hasattr(offer, name)}
        initial["professions"] = [p for p in offer.professions.split(",") if p]
        initial["competencies"] = list(offer.competencies.all())
        return initial

    def data_object(self) -> OfferData:
        """The offer as given: the form's fields are :class:`OfferData`'s (``is_example`` aside),
        the many-valued ones turned into tuples."""
        d = {name: self.cleaned_data[name] for name in self.base_fields}
        d["professions"] = tuple(d["professions"])
        d["competencies"] = tuple(d["competencies"])
        return OfferData(**d)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("publish", "publish"), ("reject", "reject")])
    note = forms.CharField(required=False, max_length=2000)


class CompletionForm(forms.Form):
    completed_on = forms.DateField(
        label=_("terminée le"), widget=forms.DateInput(attrs={"type": "date"})
    )
