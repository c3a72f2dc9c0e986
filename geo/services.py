"""Writes of the location feature. Raw coordinates and names live only in this call's local
variables: names become keyed hashes and coordinates become a cell centre before the row is
saved, and neither is ever logged or put in an error message.
"""

import datetime as dt
import math

from django.db import transaction
from django.utils import timezone

from geo import privacy
from geo.models import Location
from safety import policy
from wya.errors import Invalid


def _checked_coordinates(latitude, longitude) -> tuple[float, float] | None:
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        raise Invalid("Give both latitude and longitude, or neither.", code="invalid")
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise Invalid("Latitude and longitude must be numbers.", code="invalid") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise Invalid("Latitude and longitude must be finite numbers.", code="invalid")
    if not -90 <= lat <= 90:
        raise Invalid("Latitude must be between -90 and 90.", code="invalid")
    if not -180 <= lon <= 180:
        raise Invalid("Longitude must be between -180 and 180.", code="invalid")
    return lat, lon


def location_set(
    *,
    user,
    city: str,
    neighborhood: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Location:
    """Create or replace the user's approximate location (hashed names, snapped cell)."""
    if not privacy.normalize_name(city or ""):
        raise Invalid("City must contain at least one letter or digit.", code="invalid")
    has_neighborhood = bool(neighborhood and privacy.normalize_name(neighborhood))
    if neighborhood and not has_neighborhood:
        raise Invalid("Neighborhood must contain at least one letter or digit.", code="invalid")
    coordinates = _checked_coordinates(latitude, longitude)
    snapped = privacy.snap(*coordinates) if coordinates else (None, None)
    del latitude, longitude, coordinates  # nothing below may see the raw values

    values = {
        "city_hash": privacy.city_hash(city),
        "neighborhood_hash": privacy.neighborhood_hash(city, neighborhood or "")
        if has_neighborhood
        else None,
        "latitude": snapped[0],
        "longitude": snapped[1],
        "updated_at": timezone.now(),
    }
    with transaction.atomic():
        location, _ = Location.objects.update_or_create(user_id=user.pk, defaults=values)
    return location


def location_delete(*, user) -> None:
    with transaction.atomic():
        Location.objects.filter(user_id=user.pk).delete()


def expired_teen_locations_delete(*, now: dt.datetime | None = None) -> int:
    """Delete teens' locations older than TEEN_LOCATION_TTL_HOURS (they already count as not set:
    the Children's code asks that location data be kept no longer than needed). Returns the
    number of rows deleted. Idempotent; adults' locations are never touched."""
    with transaction.atomic():
        deleted, _ = Location.objects.filter(policy.expired_teen_locations_q(now=now)).delete()
    return deleted
