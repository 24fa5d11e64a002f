from django.urls import path

from medtandem.apps.interop import views

app_name = "interop"
urlpatterns = [
    path("lti/login", views.lti_login, name="lti_login"),
    path("lti/launch", views.lti_launch, name="lti_launch"),
    path("lti/enter/<str:token>", views.lti_enter, name="lti_enter"),
    path("lti/jwks.json", views.lti_jwks, name="lti_jwks"),
    path("lti/deep-link/<str:token>", views.lti_deep_link, name="lti_deep_link"),
    path("lti/registrations/", views.registrations, name="lti_registrations"),
    path("lti/courses/", views.courses, name="lti_courses"),
    path("xapi/outbox/", views.xapi_outbox, name="xapi_outbox"),
]
