from django.apps import AppConfig


class WyaConfig(AppConfig):
    """The project package: settings, wiring and developer commands. It holds no models."""

    name = "wya"
