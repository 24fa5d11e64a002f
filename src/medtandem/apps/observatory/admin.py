from django.contrib import admin

from medtandem.apps.observatory import models

for model in (
    models.Application,
    models.ApplicationVersion,
    models.Incident,
    models.Hurdle,
    models.Alert,
):
    admin.site.register(model)
