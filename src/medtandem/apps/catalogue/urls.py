from django.urls import path

from medtandem.apps.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.search, name="search"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.edit, name="new"),
    path("manage/<slug:slug>/edit/", views.edit, name="edit"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<slug:slug>/", views.review, name="review"),
    path("record/", views.record, name="record"),
    path("record/export.csv", views.record_csv, name="record_csv"),
    path("record/<int:pk>/remove/", views.record_remove, name="record_remove"),
    path("national/", views.national, name="national"),
    path("<slug:slug>/", views.offer, name="offer"),
    path("<slug:slug>/complete/", views.complete, name="complete"),
]
