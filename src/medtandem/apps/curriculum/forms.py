from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medtandem.apps.accounts.models import Profession
from medtandem.web.uploads import form_text


class EnrolLearnerForm(forms.Form):
    username = forms.CharField(label=_("Identifiant de l'apprenant·e"), max_length=150)


class CsvEnrolmentForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "Colonnes : username (obligatoire), first_name, last_name, email, "
            "profession, practice_status, study_year, institution."
        ),
    )

    def clean_file(self) -> str:
        return form_text(self.cleaned_data["file"], "enrolment")


class QuizImportForm(forms.Form):
    FORMATS = [("gift", "GIFT"), ("moodle_xml", "Moodle XML")]
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS)
    file = forms.FileField(label=_("Fichier"))
    replace = forms.BooleanField(label=_("Remplacer les questions existantes"), required=False)

    def clean_file(self) -> str:
        return form_text(self.cleaned_data["file"], "quiz")


class CohortFilterForm(forms.Form):
    STATUS = [("", _("Tous")), ("in_progress", _("En cours")), ("completed", _("Terminé"))]
    cohort = forms.TypedChoiceField(
        label=_("Cohorte"), required=False, coerce=int, empty_value=None
    )
    programme = forms.TypedChoiceField(
        label=_("Programme"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=_("Statut"), choices=STATUS, required=False)
    profession = forms.ChoiceField(
        label=_("Profession"), choices=[("", _("Toutes")), *Profession.choices], required=False
    )

    def __init__(self, *args: Any, cohorts: Any = (), programmes: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cohort, programme = self.fields["cohort"], self.fields["programme"]
        # Both are declared above as TypedChoiceFields; self.fields is typed as plain Fields.
        assert isinstance(cohort, forms.ChoiceField) and isinstance(programme, forms.ChoiceField)
        cohort.choices = [("", _("Toutes")), *[(c.pk, c.name) for c in cohorts]]
        programme.choices = [("", _("Tous")), *[(p.pk, p.title) for p in programmes]]


class NationalFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Année"), min_value=2020, max_value=2100, required=False)
    simulated = forms.ChoiceField(
        label=_("Comptes simulés"),
        required=False,
        choices=[("include", _("Inclus (démonstration)")), ("exclude", _("Exclus"))],
    )
