from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from medtandem.apps.cases.models import CaseSet
from medtandem.apps.studies.models import Study
from medtandem.web.uploads import form_text


class StudyForm(forms.ModelForm):
    seed = forms.IntegerField(
        label=_("graine de randomisation"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("Laisser vide pour une graine tirée au hasard (elle est enregistrée)."),
    )
    case_set = forms.ModelChoiceField(queryset=CaseSet.objects.all(), label=_("série de cas"))
    ai_model_card_url = forms.URLField(
        label=_("IA : fiche modèle (URL)"), required=False, assume_scheme="https"
    )

    class Meta:
        model = Study
        fields = [
            "title",
            "question",
            "endpoint",
            "threshold",
            "design",
            "case_set",
            "washout_days",
            "n_blocks",
            "consent_text",
            "ai_model_card_url",
            "intended_use",
            "reader_training",
            "poor_quality_handling",
        ]
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in (
                "question",
                "consent_text",
                "intended_use",
                "reader_training",
                "poor_quality_handling",
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_text"].required = False


class JoinForm(forms.Form):
    code = forms.CharField(label=_("code d'invitation"), max_length=16)
    consent = forms.BooleanField(
        label=_("J'ai lu le texte de consentement et j'accepte de participer"), required=False
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("raison (facultatif)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("fichier CSV (reader,case,modality,truth,rating)"))

    def clean_file(self) -> UploadedFile:
        """Size, row and encoding limits checked before any parsing; the text is kept in ``self.text``
        and the file is left rewound (so a caller reading it again gets the same bytes)."""
        upload = self.cleaned_data["file"]
        self.text = form_text(upload, "study_reads")
        return upload

    def error_message(self) -> str:
        """The reason the file was refused, for a message on the study page."""
        errors = self.errors.get("file")
        return " ".join(str(e) for e in errors) if errors else str(_("Choisissez un fichier CSV."))
