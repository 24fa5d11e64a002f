from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from medtandem.apps.accounts.models import Institution


class RegistrationForm(forms.Form):
    """A platform's registration: the values Moodle shows once the tool is configured."""

    name = forms.CharField(label=_("Nom de la plateforme"), max_length=200)
    issuer = forms.URLField(
        label=_("Émetteur (Platform ID)"), max_length=500, assume_scheme="https"
    )
    client_id = forms.CharField(label=_("Identifiant client (Client ID)"), max_length=255)
    deployment_ids = forms.CharField(
        label=_("Identifiants de déploiement (un par ligne)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    auth_login_url = forms.URLField(
        label=_("URL de demande d'authentification (Authentication request URL)"),
        max_length=500,
        assume_scheme="https",
    )
    auth_token_url = forms.URLField(
        label=_("URL du service de jetons d'accès (Access token URL)"),
        max_length=500,
        assume_scheme="https",
    )
    keyset_url = forms.URLField(
        label=_("URL du jeu de clés publiques (Public keyset URL)"),
        max_length=500,
        assume_scheme="https",
    )
    institution = forms.ModelChoiceField(
        label=_("Établissement des personnes lancées"), queryset=Institution.objects.all()
    )

    def clean_deployment_ids(self) -> list[str]:
        ids = [line.strip() for line in self.cleaned_data["deployment_ids"].splitlines()]
        ids = [i for i in ids if i]
        if not ids or any(len(i) > 255 for i in ids):
            raise forms.ValidationError(_("Indiquez au moins un identifiant de déploiement."))
        return ids
