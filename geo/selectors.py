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
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.db.models import Case, CharField, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import MD5, Cast, Collate, Concat, RowNumber
from django.utils import timezone

from geo import privacy
from geo.models import Location
from safety import policy
from wya.errors import Conflict

TIERS = ("neighborhood", "city", "nearby")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
SAMPLE_FACTOR = 16  # candidates ranked per tier before the policy: 16 × limit
_NEVER = Q(pk__in=[])
_EPSILON = Decimal("0.0000001")
# The words of an expired teen location (REST 404/409 and the /discover/ page), with the TTL.
EXPIRED_DETAIL = (
    "For your safety, your location expires %s hours after you set it, and it has expired. "
    "Set it again (PUT /api/me/location/) to discover people and rooms nearby."
)


def _location_row(user, *, sample_size: int | None = None) -> Location | None:
    """The user's ``locations`` row, live or expired; with ``sample_size``, also
    ``city_beyond_sample``: the city's (sample_size + 1)-th location, NULL when the whole city
    fits in a discovery sample."""
    locations = Location.objects.filter(user_id=user.pk)
    if sample_size is not None:
        same_city = Location.objects.filter(city_hash=OuterRef("city_hash")).order_by()
        beyond = same_city.values("user_id")[sample_size : sample_size + 1]
        locations = locations.annotate(city_beyond_sample=Subquery(beyond))
    return locations.first()


def location_state(user, *, sample_size: int | None = None) -> tuple[Location | None, bool]:
    """``(location, expired)``: the live location (``None`` when not set or expired) and whether
    a row is there that expired (a teen's, ``policy.location_expired``): it counts as not set."""
    location = _location_row(user, sample_size=sample_size)
    if location is not None and policy.location_expired(user, location.updated_at):
        return None, True
    return location, False


def location_of(user, *, sample_size: int | None = None) -> Location | None:
    """The user's live location (an expired teen location is ``None``: not set)."""
    return location_state(user, sample_size=sample_size)[0]


def discovery_sample_size(limit: int) -> int:
    """Candidates per tier that discovery ranks before the policy (``top_per_tier``)."""
    return limit * SAMPLE_FACTOR


def require_location(user, *, sample_size: int | None = None) -> Location:
    location, expired = location_state(user, sample_size=sample_size)
    if expired:
        raise Conflict(EXPIRED_DETAIL % policy.teen_location_ttl_hours(), code="location_required")
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


def tier_filters(
    location: Location, *, tiers: tuple[str, ...] = TIERS, fresh_after: dt.datetime | None = None
) -> dict[str, Q]:
    """Q objects over ``Location`` fields, one per tier, mutually exclusive. A tier not in
    ``tiers`` matches nothing; with ``fresh_after``, only locations set after it match (the
    policy's ``discovery_tiers_for`` and ``fresh_locations_after`` for a teen viewer)."""
    same_city = Q(city_hash=location.city_hash)
    if location.neighborhood_hash:
        same_neighborhood = Q(neighborhood_hash=location.neighborhood_hash)
        city = same_city & ~same_neighborhood
    else:
        same_neighborhood = _NEVER
        city = same_city
    nearby = neighbouring_cells_q(location) & ~same_city
    fresh = Q() if fresh_after is None else Q(updated_at__gt=fresh_after)
    filters = {"neighborhood": same_neighborhood, "city": city, "nearby": nearby}
    return {tier: q & fresh if tier in tiers else _NEVER for tier, q in filters.items()}


def tier_case(filters: dict[str, Q], prefix: str) -> Case:
    """An annotation naming each row's tier (NULL when none), finest first; ``filters`` are
    ``tier_filters(location)``."""
    return Case(
        *[When(prefixed(filters[tier], prefix), then=Value(tier)) for tier in TIERS],
        default=None,
        output_field=CharField(),
    )


def in_some_tier_q(filters: dict[str, Q], prefix: str) -> Q:
    """Rows in one of the tiers, as plain column filters (so the location indexes serve it)."""
    q = _NEVER
    for tier_q in filters.values():
        q |= prefixed(tier_q, prefix)
    return q


def _order_secret(on: dt.date | None) -> str:
    """The day's ordering key, derived from SECRET_KEY (which never reaches the database)."""
    day = (on or timezone.localdate()).isoformat()
    message = f"discovery-order\x00{day}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def order_key(viewer_id: str, item_id, *, on: dt.date | None = None) -> str:
    """A per-viewer, per-day pseudo-random position that says nothing about distance:
    MD5 of the day's secret, the viewer and the item, as ``order_key_expression`` computes it in
    SQL (MD5 is the one digest both SQLite and PostgreSQL have built in; only the order it gives
    is used, never shown). This is the Python mirror, for tests and checks."""
    message = f"{_order_secret(on)}|{viewer_id}|{item_id}"
    return hashlib.md5(message.encode(), usedforsecurity=False).hexdigest()


class _BytewiseOrder(Collate):
    """Text compared byte by byte: the "C" collation on PostgreSQL (several times cheaper to sort
    than a linguistic one, and the order of Python's ``sorted``); SQLite's default already is."""

    def __init__(self, expression) -> None:
        super().__init__(expression, "C")

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])


def order_key_expression(viewer_id: str, id_ref: str = "id", *, on: dt.date | None = None):
    """``order_key(viewer_id, <row's id_ref>)`` as an SQL expression (SQLite and PostgreSQL)."""
    prefix = Value(f"{_order_secret(on)}|{viewer_id}|")
    return _BytewiseOrder(MD5(Concat(prefix, Cast(id_ref, CharField()), output_field=CharField())))


def _ranked(queryset: QuerySet, *, filters: dict[str, Q], prefix: str, viewer_id: str, key: str):
    """Rows of some tier (plain filters the location indexes serve), each with its ``tier`` and
    its ``rank`` inside the tier by ``order_key`` of ``key`` (1 = first)."""
    tier = tier_case(filters, prefix)
    rank = Window(
        RowNumber(), partition_by=tier, order_by=order_key_expression(viewer_id, key).asc()
    )
    return queryset.filter(in_some_tier_q(filters, prefix)).annotate(tier=tier, rank=rank)


def top_per_tier(
    candidates: QuerySet,
    *,
    location: Location,
    viewer_id: str,
    limit: int,
    fields: tuple[str, ...],
    prefix: str,
    sample_from: QuerySet,
    sample_prefix: str,
    sample_key: str,
    tiers: tuple[str, ...] = TIERS,
    fresh_after: dt.datetime | None = None,
) -> dict[str, list[dict]]:
    """The first ``limit`` candidates of each tier by ``order_key``, as ``fields`` dicts (plus
    ``tier`` and ``rank``), chosen IN SQL, exactly as if every candidate had been ranked.

    ``candidates`` carries the policy's (costly) filters; ``sample_from`` is a cheap superset
    (``sample_key``: the candidate's id there, ``sample_prefix``: the way to the location) whose
    first rows per tier go through the policy first (``_ranked_in_sample``). A tier short of
    ``limit`` although its sample was not all of it is ranked again over every candidate: the
    answer never depends on the sample. One statement, rarely two. ``tiers`` and
    ``fresh_after`` narrow the tiers (``tier_filters``).
    """
    filters = tier_filters(
        location, tiers=tiers, fresh_after=fresh_after
    )  # built once: every part of the statement shares them
    ranked = partial(_ranked, filters=filters, viewer_id=viewer_id)
    values = ("tier", "rank", *fields)
    everyone = ranked(candidates, prefix=prefix, key="pk").filter(rank__lte=limit).values(*values)
    if getattr(location, "city_beyond_sample", True) is None:
        # the caller's whole city fits in a sample (and "nearby" is a few cells): rank everyone
        return rows_by_tier(everyone)
    sample = (sample_from, sample_prefix, sample_key)
    rows = _ranked_in_sample(candidates, ranked, sample, filters, limit, values, prefix)
    found = Counter(row["tier"] for row in rows)
    if not rows or any(found[t] < limit and rows[0][f"beyond_{t}"] is not None for t in TIERS):
        rows = list(everyone)  # the policy emptied the sample: the exact answer, over everyone
    return rows_by_tier(rows)


def _ranked_in_sample(candidates, ranked, sample, filters, limit, values, prefix) -> list[dict]:
    """The first ``limit`` per tier among the first rows per tier of ``sample`` (a cheap superset
    of ``candidates``: queryset, prefix to the location, candidate id), each row also saying per
    tier whether the sample was all of the tier (``beyond_<tier>`` is NULL then)."""
    sample_from, sample_prefix, sample_key = sample
    sample_size = discovery_sample_size(limit)
    picked = (
        ranked(sample_from, prefix=sample_prefix, key=sample_key)
        .filter(rank__lte=sample_size)
        .values(sample_key)
    )
    beyond_sample = {  # the tier's (sample_size + 1)-th row, NULL when the sample is all of it
        f"beyond_{tier}": Subquery(
            sample_from.filter(prefixed(q, sample_prefix))
            .order_by()
            .values(sample_key)[sample_size : sample_size + 1]
        )
        for tier, q in filters.items()
    }
    return list(
        ranked(candidates.filter(pk__in=picked), prefix=prefix, key="pk")
        .filter(rank__lte=limit)
        .annotate(**beyond_sample)
        .values(*values, *beyond_sample)
    )


def rows_by_tier(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """Rows carrying ``tier`` and ``rank``, grouped by tier and in rank order."""
    grouped: dict[str, list[dict]] = {tier: [] for tier in TIERS}
    for row in sorted(rows, key=lambda r: r["rank"]):
        grouped[row["tier"]].append(row)
    return grouped
