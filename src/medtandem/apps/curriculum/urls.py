from django.urls import path

from medtandem.apps.curriculum import views

app_name = "curriculum"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme"),
    path("programmes/<slug:slug>/enrol", views.enrol_self, name="enrol"),
    path("programmes/<slug:slug>/enrolments/", views.manage_enrolments, name="manage_enrolments"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/done", views.activity_done, name="activity_done"),
    path("activities/<int:pk>/quiz", views.quiz_submit, name="quiz_submit"),
    path("activities/<int:pk>/reading", views.reading_start, name="reading_start"),
    path("activities/<int:pk>/reading/retry", views.reading_retry, name="reading_retry"),
    path("activities/<int:pk>/attempts/", views.reading_attempts, name="reading_attempts"),
    path("activities/<int:pk>/attendance", views.attendance, name="attendance"),
    path("quizzes/<int:pk>/import", views.quiz_import, name="quiz_import"),
    path("quizzes/<int:pk>/export", views.quiz_export, name="quiz_export"),
    path("progress/", views.progress, name="progress"),
    path("instructor/", views.instructor, name="instructor"),
    path("attestations/<str:code>/pdf", views.attestation_pdf, name="attestation_pdf"),
    path("attestations/<str:code>/badge.jwt", views.attestation_badge, name="attestation_badge"),
    path("verify/<str:code>", views.verify, name="verify"),
    path("badges/verify", views.badge_verify, name="badge_verify"),
    path("badges/jwks.json", views.jwks, name="jwks"),
    path("badges/status/revocation", views.badge_status, name="badge_status"),
    path("badges/issuer", views.badge_issuer, name="badge_issuer"),
    path("national/", views.national, name="national"),
]
