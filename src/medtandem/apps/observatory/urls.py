from django.urls import path

from medtandem.apps.observatory import views

app_name = "observatory"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("registry.json", views.registry_json, name="registry_json"),
    path("model-card/", views.model_card, name="model_card"),
    path("frugality/", views.frugality, name="frugality"),
    path("<slug:slug>/", views.application, name="application"),
    path("<slug:slug>.json", views.application_json, name="application_json"),
]
