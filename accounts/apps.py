from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "wya.db.SerialField"
    # This module holds two configs: this one is what "accounts" in INSTALLED_APPS means.
    default = True

    def ready(self):
        from accounts import signals  # noqa: F401  (connects the receivers)


class WyaAdminConfig(admin_apps.AdminConfig):
    """Django's admin whose default site (``admin.site``, where every ``admin.py`` registers) is
    ``accounts.admin_site.WyaAdminSite``: its login goes through ``accounts.services`` and it
    requires a TOTP second factor for staff."""

    default = False
    default_site = "accounts.admin_site.WyaAdminSite"
