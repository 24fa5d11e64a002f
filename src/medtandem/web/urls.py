from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from medtandem.web import views

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("medtandem.apps.accounts.urls")),
    path("cases/", include("medtandem.apps.cases.urls")),
    path("reading/", include("medtandem.apps.reading.urls")),
    path("learn/", include("medtandem.apps.curriculum.urls")),
    path("studies/", include("medtandem.apps.studies.urls")),
    path("observatory/", include("medtandem.apps.observatory.urls")),
    path("api/v1/", include("medtandem.apps.observatory.api")),
    path("audit/", include("medtandem.apps.audit.urls")),
    path("datathons/", include("medtandem.apps.datathons.urls")),
    path("catalogue/", include("medtandem.apps.catalogue.urls")),
    path("interop/", include("medtandem.apps.interop.urls")),
]
# The language comes from the session/cookie and Accept-Language (LocaleMiddleware), not the URL.

handler400 = "medtandem.web.views.bad_request"
handler403 = "medtandem.web.views.permission_denied"
handler404 = "medtandem.web.views.page_not_found"
handler500 = "medtandem.web.views.server_error"
