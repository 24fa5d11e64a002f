"""Django's model back-end with the per-request user query compiled once per process.

Every signed-in request loads its user by id (``AuthenticationMiddleware``); building that query
cost about 1 ms of CPU per request, running it a fraction. Log-in, permissions and everything else
are Django's :class:`~django.contrib.auth.backends.ModelBackend`, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from medtandem.apps.accounts.models import User
from medtandem.web.prepared import Prepared

_USER: Prepared[User] = Prepared(lambda pk: User._default_manager.filter(pk=pk))


class AccountsBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _USER.first(pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None
