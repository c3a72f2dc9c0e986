"""Discovery (selectors): people and rooms near the caller, grouped in the geo tiers
(``geo.selectors``). No distances, no coordinates, no hashes.

Teens (docs/location-privacy.md "Teens"): only the neighbourhood and city tiers, and only
candidates whose location has not expired (``teen_scope``); "nearby" answers empty for them.

People: ``policy.discoverable_users`` (visible and not restricted), by their own location.

Rooms: public rooms with space, whose owner the caller may see, by the OWNER's location.

Rules: the room is public; the owner is visible to the caller (``safety.policy.visible_users``:
same age segment, active, no block either way); the room is not full (non-banned members <
``min(max_participants, ALPHA_MAX_ROOM_MEMBERS)``); the caller has no membership row in it (a
member already, or banned from it). One query for the candidates plus one for the caller's
location, whatever the number of rooms.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q

from geo import selectors as geo
from geo.models import Location
from rooms.models import ChatRoom, ChatRoomMember
from rooms.selectors import capacity_expression
from safety import policy


def teen_scope(viewer) -> dict:
    """The tiers ``viewer`` may use and how fresh the locations they see must be: teens see (and
    are seen by) teens only in the neighbourhood and city tiers, by live locations only."""
    return {
        "tiers": policy.discovery_tiers_for(viewer),
        "fresh_after": policy.fresh_locations_after(viewer),
    }


PERSON_FIELDS = (
    "id",
    "profile__display_name",
    "profile__avatar_url",
    "profile__theme_color",
    "profile__location",
)


def _person(row: dict) -> dict:
    return {
        "id": row["id"],
        "display_name": row["profile__display_name"],
        "avatar_url": row["profile__avatar_url"],
        "theme_color": row["profile__theme_color"],
        "location": row["profile__location"],
    }


def discover_people(viewer, *, limit: int = geo.DEFAULT_LIMIT) -> dict[str, list[dict]]:
    """Discoverable people grouped by tier: the caller's location, then one statement (the
    candidates pre-sampled from ``locations``, the policy, the ranking and the cut, all in SQL),
    whatever the number of candidates."""
    location = geo.require_location(viewer, sample_size=geo.discovery_sample_size(limit))
    tiers = geo.top_per_tier(
        policy.discoverable_users(viewer, get_user_model().objects.all()),
        location=location,
        viewer_id=viewer.pk,
        limit=limit,
        fields=PERSON_FIELDS,
        prefix="geo_location__",
        sample_from=Location.objects.exclude(user_id=viewer.pk),
        sample_prefix="",
        sample_key="user_id",
        **teen_scope(viewer),
    )
    return {tier: [_person(row) for row in rows] for tier, rows in tiers.items()}


ROOM_FIELDS = ("id", "room_name", "description", "background_color", "member_count", "capacity")


def _room(row: dict) -> dict:
    return {field: row[field] for field in ROOM_FIELDS}


def discoverable_rooms(viewer):
    """Public rooms with space whose owner ``viewer`` may see and that ``viewer`` is not in."""
    in_room_already = ChatRoomMember.objects.filter(room_id=OuterRef("pk"), user_id=viewer.pk)
    return (
        ChatRoom.objects.filter(is_public=True)
        .filter(owner__in=policy.visible_users(viewer).values("pk"))
        .exclude(Exists(in_room_already))
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__is_banned=False)),
            capacity=capacity_expression(),
        )
        .filter(member_count__lt=F("capacity"))
    )


def discover_rooms(viewer, *, limit: int = geo.DEFAULT_LIMIT) -> dict[str, list[dict]]:
    """Discoverable rooms grouped by the owner's tier, chosen like ``discover_people`` (the
    pre-sample is over every room by its owner's location)."""
    location = geo.require_location(viewer, sample_size=geo.discovery_sample_size(limit))
    tiers = geo.top_per_tier(
        discoverable_rooms(viewer),
        location=location,
        viewer_id=viewer.pk,
        limit=limit,
        fields=ROOM_FIELDS,
        prefix="owner__geo_location__",
        sample_from=ChatRoom.objects.all(),
        sample_prefix="owner__geo_location__",
        sample_key="id",
        **teen_scope(viewer),
    )
    return {tier: [_room(row) for row in rows] for tier, rows in tiers.items()}
