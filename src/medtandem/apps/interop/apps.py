from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "medtandem.apps.interop"
    label = "interop"

    def ready(self) -> None:
        # Imported here: the apps registry is not ready when this module is imported. A reading
        # session opened from an LTI launch posts its score to the platform's grade book when it ends.
        from medtandem.apps.interop.services import session_completed
        from medtandem.apps.reading.services import on_session_completed

        on_session_completed(session_completed)
