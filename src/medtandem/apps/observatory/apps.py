from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "medtandem.apps.observatory"
    label = "observatory"
