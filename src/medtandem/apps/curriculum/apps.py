from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "medtandem.apps.curriculum"
    label = "curriculum"
