"""Reads of the location feature: the caller's location and the three discovery tiers that
``discovery.selectors`` sorts people and rooms into. Who may be discovered at all is decided by
``safety.policy``; this module only adds "where".

Tiers (each candidate lands in exactly one, the finest that matches):
- ``neighborhood``: same neighbourhood hash (which is keyed by the city, so same city too);
- ``city``: same city hash, not the same neighbourhood;
- ``nearby``: a different city (or none in common) and a snapped position in the same or a
  neighbouring grid cell.
"""

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db.models import Case, CharField, Q, Value, When
from django.utils import timezone

from geo import privacy
from geo.models import Location
from wya.errors import Conflict

TIERS = ("neighborhood", "city", "nearby")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_NEVER = Q(pk__in=[])
_EPSILON = Decimal("0.0000001")


def location_of(user) -> Location | None:
    return Location.objects.filter(user_id=user.pk).first()


def require_location(user) -> Location:
    location = location_of(user)
    if location is None:
        raise Conflict(
            "Set your location first (PUT /api/me/location/) to discover people and rooms nearby.",
            code="location_required",
        )
    return location


def prefixed(q: Q, prefix: str) -> Q:
    """The same filter with every lookup moved under a relation (``prefix`` ends with ``__``)."""
    copy = Q()
    copy.connector, copy.negated = q.connector, q.negated
    copy.children = [
        prefixed(child, prefix) if isinstance(child, Q) else _prefixed_lookup(child, prefix)
        for child in q.children
    ]
    return copy


def _prefixed_lookup(child, prefix: str) -> tuple[str, Any]:
    lookup, value = cast(tuple[str, Any], child)  # a Q's leaves are (lookup, value) pairs
    return f"{prefix}{lookup}", value


def _lon_interval_q(low: float, high: float) -> Q:
    """Longitudes in [low, high], wrapping around the antimeridian."""
    parts = [(max(low, -180.0), min(high, 180.0))]
    if low < -180.0:
        parts.append((low + 360.0, 180.0))
    if high > 180.0:
        parts.append((-180.0, high - 360.0))
    q = _NEVER
    for a, b in parts:
        q |= Q(longitude__gte=privacy._q(a) - _EPSILON, longitude__lte=privacy._q(b) + _EPSILON)
    return q


def neighbouring_cells_q(location: Location) -> Q:
    """Snapped positions in the location's cell or one of the cells that touch it."""
    if location.latitude is None or location.longitude is None:
        return _NEVER
    cell = privacy.cell_of(float(location.latitude), float(location.longitude))
    own_low = float(cell.lon_center) - cell.lon_step / 2
    own_high = float(cell.lon_center) + cell.lon_step / 2
    q = _NEVER
    for row in (cell.row - 1, cell.row, cell.row + 1):
        if not 0 <= row < privacy.ROWS:
            continue
        center = privacy.row_center(row)
        in_row = Q(
            latitude__gt=center - privacy.LAT_STEP / 2, latitude__lt=center + privacy.LAT_STEP / 2
        )
        columns = privacy.columns_in_row(row)
        if columns <= 3:
            q |= in_row
            continue
        half = 360.0 / columns / 2
        q |= in_row & _lon_interval_q(own_low - half, own_high + half)
    return q


def tier_filters(location: Location) -> dict[str, Q]:
    """Q objects over ``Location`` fields, one per tier, mutually exclusive."""
    same_city = Q(city_hash=location.city_hash)
    if location.neighborhood_hash:
        same_neighborhood = Q(neighborhood_hash=location.neighborhood_hash)
        city = same_city & ~same_neighborhood
    else:
        same_neighborhood = _NEVER
        city = same_city
    nearby = neighbouring_cells_q(location) & ~same_city
    return {"neighborhood": same_neighborhood, "city": city, "nearby": nearby}


def tier_case(location: Location, prefix: str) -> Case:
    """An annotation naming each row's tier (NULL when none), finest first."""
    filters = tier_filters(location)
    return Case(
        *[When(prefixed(filters[tier], prefix), then=Value(tier)) for tier in TIERS],
        default=None,
        output_field=CharField(),
    )


def order_key(viewer_id: str, item_id, *, on: dt.date | None = None) -> str:
    """A per-viewer, per-day pseudo-random position that says nothing about distance."""
    day = (on or timezone.localdate()).isoformat()
    message = f"discovery-order\x00{viewer_id}\x00{item_id}\x00{day}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def group_by_tier(
    rows: Iterable[dict], *, viewer_id: str, limit: int, shape: Callable[[dict], dict]
) -> dict[str, list[dict]]:
    """Rows carrying ``tier`` and ``id``, grouped, shuffled by ``order_key``, capped at ``limit``."""
    grouped: dict[str, list[dict]] = {tier: [] for tier in TIERS}
    for row in rows:
        grouped[row["tier"]].append(row)
    return {
        tier: [
            shape(row) for row in sorted(items, key=lambda r: order_key(viewer_id, r["id"]))[:limit]
        ]
        for tier, items in grouped.items()
    }
