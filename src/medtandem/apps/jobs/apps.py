from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "medtandem.apps.jobs"
    label = "jobs"
    verbose_name = "Tâches de fond"

    def ready(self) -> None:
        # Every app's tasks.py declares its jobs; web processes and workers see the same registry.
        autodiscover_modules("tasks")
