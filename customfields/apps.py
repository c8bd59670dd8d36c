from django.apps import AppConfig


class CustomfieldsConfig(AppConfig):
    name = "customfields"
    verbose_name = "Custom fields"
