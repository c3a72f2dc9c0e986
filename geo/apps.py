from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "geo"
    default_auto_field = "wya.db.SerialField"
