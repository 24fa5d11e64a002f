from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "medtandem.apps.studies"
    label = "studies"
