from django.contrib import admin

from medtandem.apps.observatory.models import AIApplication

admin.site.register(AIApplication)
