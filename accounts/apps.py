from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "wya.db.SerialField"

    def ready(self):
        from accounts import signals  # noqa: F401  (connects the receivers)
