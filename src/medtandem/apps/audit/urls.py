from django.urls import path

from medtandem.apps.audit import views

app_name = "audit"
urlpatterns = [path("", views.trail, name="trail")]
