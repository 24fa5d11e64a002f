from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatathonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "medtandem.apps.datathons"
    label = "datathons"
    verbose_name = _("Datathons")
