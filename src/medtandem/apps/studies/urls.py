from django.urls import path

from medtandem.apps.studies import views

app_name = "studies"
urlpatterns = [
    path("", views.study_list, name="list"),
    path("new/", views.study_create, name="create"),
    path("join/", views.join, name="join"),
    path("mine/", views.my_studies, name="mine"),
    path("participation/<int:pk>/", views.participate, name="participate"),
    path("participation/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("reliance/", views.my_reliance, name="my_reliance"),
    path("reliance/cohort/", views.cohort_reliance, name="cohort_reliance"),
    path("<int:pk>/", views.study_detail, name="detail"),
    path("<int:pk>/analysis/", views.study_analysis, name="analysis"),
    path("<int:pk>/analysis.json", views.study_analysis_json, name="analysis_json"),
    path("<int:pk>/report/", views.study_report, name="report"),
    path("<int:pk>/report.pdf", views.study_report_pdf, name="report_pdf"),
    path("<int:pk>/reads.csv", views.study_export, name="export"),
    path("<int:pk>/import/", views.study_import, name="import"),
    path("<int:pk>/lock/", views.study_lock, name="lock"),
    path("<int:pk>/participants/<int:participant_id>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/cases/<int:case_id>/", views.case_review, name="case_review"),
]
