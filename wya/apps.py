from django.apps import AppConfig


class WyaConfig(AppConfig):
    """The project package: settings, wiring and developer commands. It holds no models."""

    name = "wya"

    def ready(self):
        from wya import checks  # noqa: F401  (registers the deploy checks)
