"""``locations`` as the Alpha lock writes it: hashed names and snapped coordinates only."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from wya.db import DbNow


class Location(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="geo_location",
    )
    city_hash = models.CharField(max_length=64)
    neighborhood_hash = models.CharField(max_length=64, null=True, blank=True)
    latitude = models.DecimalField(max_digits=10, decimal_places=8, null=True, blank=True)
    longitude = models.DecimalField(max_digits=11, decimal_places=8, null=True, blank=True)
    updated_at = models.DateTimeField(null=True, default=timezone.now, db_default=DbNow())

    class Meta:
        db_table = "locations"
        indexes = [
            models.Index(fields=["city_hash"], name="idx_locations_city"),
            models.Index(fields=["neighborhood_hash"], name="idx_locations_neighborhood"),
            # project index (docs/schema.md): the "nearby" tier's cell ranges
            models.Index(fields=["latitude", "longitude"], name="idx_locations_lat_lon"),
        ]

    def __str__(self) -> str:
        return f"location of {self.user_id}"
