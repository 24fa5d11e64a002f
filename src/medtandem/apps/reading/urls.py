from django.urls import path

from medtandem.apps.reading import views

app_name = "reading"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("session/<int:pk>/", views.session_overview, name="session"),
    path("session/<int:pk>/case/<int:position>/", views.case_step, name="case"),
    path("session/<int:pk>/case/<int:position>/read/", views.submit_read, name="submit"),
    path(
        "session/<int:pk>/case/<int:position>/feedback-viewed/",
        views.feedback_viewed,
        name="feedback_viewed",
    ),
    path("session/<int:pk>/case/<int:position>/ai.json", views.ai_json, name="ai_json"),
    path("progress/", views.progress, name="progress"),
    path("reliance/", views.reliance, name="reliance"),
    path("instructor/", views.instructor, name="instructor"),
    path("instructor/cases/", views.case_bank, name="case_bank"),
    path("instructor/cases/<int:pk>/", views.case_preview, name="case_preview"),
    path("instructor/case-sets/<int:pk>/assign/", views.assign, name="assign"),
    path("instructor/assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("instructor/rereads/", views.rereads, name="rereads"),
    path("instructor/rereads/<int:pk>/", views.reread_schedule, name="reread_schedule"),
    path("instructor/learners/<int:user_id>/", views.learner_progress, name="learner_progress"),
]
