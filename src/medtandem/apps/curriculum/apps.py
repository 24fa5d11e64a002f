from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "medtandem.apps.curriculum"
    label = "curriculum"

    def ready(self) -> None:
        # Imported here: the apps registry is not ready when this module is imported.
        # A reading session that ends completes the programme activity it belongs to (when its
        # rules are met), pushed by the reading app rather than discovered on a page view.
        from medtandem.apps.curriculum.services import sync_reading_session
        from medtandem.apps.reading.services import on_session_completed

        on_session_completed(sync_reading_session)
