from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadingConfig(AppConfig):
    name = "medtandem.apps.reading"
    label = "reading"
    verbose_name = _("Lecture hybride")

    def ready(self) -> None:
        from medtandem.apps.reading.services import on_session_completed, reveal_finished_reread

        on_session_completed(reveal_finished_reread)
