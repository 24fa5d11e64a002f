from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from medtandem.apps.accounts import services


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


class ThrottledLoginView(auth_views.LoginView):
    """Django's log-in, refusing further attempts after repeated failures (per user and address)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        username = request.POST.get("username", "")
        if services.login_blocked(username, _client(request)):
            messages.error(request, _("Trop de tentatives échouées. Réessayez dans quelques minutes."))
            response = self.get(request, *args, **kwargs)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):  # type: ignore[no-untyped-def]
        services.record_login_failure(self.request.POST.get("username", ""), _client(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        services.clear_login_failures(form.get_user().get_username(), _client(self.request))
        return super().form_valid(form)
