from django.urls import path

from medtandem.apps.datathons import views

app_name = "datathons"

urlpatterns = [
    path("", views.challenge_list, name="list"),
    path("new/", views.create, name="create"),
    path("evidence/<slug:slug>/", views.evidence, name="evidence"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/team/", views.team_create, name="team_create"),
    path("<slug:slug>/join/", views.team_join, name="team_join"),
    path("<slug:slug>/submit/", views.submit, name="submit"),
    path("<slug:slug>/download/<str:phase>/", views.download, name="download"),
    path("<slug:slug>/submissions/<int:pk>/link/", views.link, name="link"),
]
