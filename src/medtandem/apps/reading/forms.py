from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from medtandem.apps.accounts.models import Cohort, User
from medtandem.apps.cases.models import CaseSet, Rhythm
from medtandem.apps.cases.selectors import CaseCriteria
from medtandem.apps.reading.models import Mode
from medtandem.apps.reading.rating import FINDING_NAMES
from medtandem.ecg.ptbxl import SUPERCLASSES


class CaseFilterForm(forms.Form):
    """Filters of the case bank (all optional)."""

    superclasses = forms.MultipleChoiceField(
        label=_("Superclasses"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(s, format_lazy("{} — {}", s, FINDING_NAMES[s])) for s in SUPERCLASSES],
    )
    match = forms.ChoiceField(
        label=_("Correspondance"),
        choices=[("any", _("au moins une")), ("all", _("toutes"))],
        initial="any",
        required=False,
    )
    rhythm = forms.ChoiceField(
        label=_("Rythme"), required=False, choices=[("", "—"), *Rhythm.choices]
    )
    scp_code = forms.CharField(label=_("Énoncé SCP (ex. AFIB, LVH)"), required=False, max_length=16)
    age_min = forms.IntegerField(label=_("Âge min."), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("Âge max."), required=False, min_value=0, max_value=120)
    sex = forms.ChoiceField(
        label=_("Sexe"), required=False, choices=[("", "—"), ("M", _("Homme")), ("F", _("Femme"))]
    )
    source = forms.CharField(label=_("Source"), required=False, max_length=40)
    seen_by = forms.ModelMultipleChoiceField(
        label=_("Pour les cohortes"),
        queryset=Cohort.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Montre les cas que leurs apprenant·es ont déjà vus avec leur correction."),
    )
    exclude_seen = forms.BooleanField(
        label=_("Écarter les cas déjà vus avec leur correction par ces apprenant·es"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, cohorts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        seen_by = self.fields["seen_by"]
        assert isinstance(seen_by, forms.ModelMultipleChoiceField)  # declared above
        seen_by.queryset = cohorts if cohorts is not None else Cohort.objects.none()

    def criteria(self) -> CaseCriteria:
        data = self.cleaned_data
        return {
            "superclasses": list(data.get("superclasses") or []),
            "match": data.get("match") or "any",
            "rhythm": data.get("rhythm") or None,
            "scp_code": (data.get("scp_code") or "").strip().upper() or None,
            "age_min": data.get("age_min"),
            "age_max": data.get("age_max"),
            "sex": data.get("sex") or None,
            "source": data.get("source") or None,
        }


class CaseSetForm(CaseFilterForm):
    name = forms.CharField(label=_("Nom de la série"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    sample_size = forms.IntegerField(
        label=_("Tirer au sort N cas (vide : tous)"), required=False, min_value=1, max_value=5000
    )
    seed = forms.IntegerField(label=_("Graine (reproductibilité)"), required=False, min_value=0)
    case_ids = forms.CharField(
        label=_("Ou choisir des cas (identifiants séparés par des virgules)"),
        required=False,
        help_text=_("Par exemple : ptbxl:00001, ptbxl:00017"),
    )


class AssignForm(forms.Form):
    title = forms.CharField(label=_("Titre de la séance"), max_length=200)
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, initial=Mode.PRACTICE)
    due_at = forms.DateTimeField(
        label=_("À terminer avant le (facultatif)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    cohorts = forms.ModelMultipleChoiceField(
        label=_("Cohortes"),
        queryset=Cohort.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    learners = forms.ModelMultipleChoiceField(
        label=_("Apprenant·es"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, learners: QuerySet[User], cohorts: QuerySet[Cohort], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        chosen, groups = self.fields["learners"], self.fields["cohorts"]
        # Both are declared above; self.fields is typed as plain Fields.
        assert isinstance(chosen, forms.ModelMultipleChoiceField)
        assert isinstance(groups, forms.ModelMultipleChoiceField)
        chosen.queryset = learners
        groups.queryset = cohorts

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("learners") and not data.get("cohorts"):
            raise forms.ValidationError(_("Choisissez au moins une cohorte ou un·e apprenant·e."))
        return data


class CaseSetChoiceForm(forms.Form):
    case_set = forms.ModelChoiceField(queryset=CaseSet.objects.all(), label=_("Série de cas"))


class RereadScheduleForm(forms.Form):
    """A cohort's periodic unaided re-read of a case set. The rules (period, a non-empty set) are
    the service's (:func:`.services.schedule_rereads`); the form only parses."""

    cohort = forms.ModelChoiceField(label=_("Cohorte"), queryset=Cohort.objects.none())
    case_set = forms.ModelChoiceField(label=_("Série de cas"), queryset=CaseSet.objects.none())
    period_days = forms.IntegerField(
        label=_("Période (jours)"),
        initial=28,
        help_text=_("Chaque apprenant·e relit la même série sans IA à ce rythme."),
    )
    starts_on = forms.DateField(
        label=_("Première relecture le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )

    def __init__(
        self,
        *args: Any,
        cohorts: QuerySet[Cohort],
        case_sets: QuerySet[CaseSet],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cohort, case_set = self.fields["cohort"], self.fields["case_set"]
        assert isinstance(cohort, forms.ModelChoiceField)  # declared above
        assert isinstance(case_set, forms.ModelChoiceField)
        cohort.queryset = cohorts
        case_set.queryset = case_sets
