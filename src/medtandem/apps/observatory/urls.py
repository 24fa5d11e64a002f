from django.urls import path

from medtandem.apps.observatory import views

app_name = "observatory"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("registry.json", views.registry_json, name="registry_json"),
    path("model-card/", views.model_card, name="model_card"),
    path("frugality/", views.frugality, name="frugality"),
    path("open-data/", views.open_data, name="open_data"),
    path("submit/", views.submit, name="submit"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review, name="review"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/incident/", views.alert_incident, name="alert_incident"),
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/report/", views.report_incident, name="report_incident"),
    path("incidents/<str:public_id>/", views.incident_detail, name="incident"),
    path("triage/", views.triage_list, name="triage_list"),
    path("triage/<str:public_id>/", views.triage, name="triage"),
    path("hurdles/", views.hurdles, name="hurdles"),
    path("hurdles/report/", views.report_hurdle, name="report_hurdle"),
    path("hurdles/review/", views.hurdle_review, name="hurdle_review"),
    path("<slug:slug>/", views.application, name="application"),
    path("<slug:slug>.json", views.application_json, name="application_json"),
    path("<slug:slug>.xml", views.application_xml, name="application_xml"),
    path("<slug:slug>/history/", views.application_history, name="history"),
    path("<slug:slug>/field/", views.field, name="field"),
    path("<slug:slug>/edit/", views.submit, name="edit"),
]
