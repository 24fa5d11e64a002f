from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse

from medtandem.apps.accounts import services
from medtandem.web.views import too_many_requests


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


class ThrottledLoginView(auth_views.LoginView):
    """Django's log-in, refusing further attempts after repeated failures: per account (whatever the
    spelling of its name) and address, per address, and per account (see the services)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        username = request.POST.get("username", "")
        if services.login_blocked(username, _client(request)):
            return too_many_requests(request, settings.LOGIN_THROTTLE_WINDOW_S)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        services.record_login_failure(self.request.POST.get("username", ""), _client(self.request))
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        services.clear_login_failures(self.request.POST.get("username", ""), _client(self.request))
        return super().form_valid(form)
