"""Room discovery (selector): public rooms with space, whose owner the caller may see, grouped
in the geo tiers by the OWNER's location. No distances, no coordinates, no owner hashes.

Rules: the room is public; the owner is visible to the caller (``safety.policy.visible_users``:
same age segment, active, no block either way); the room is not full (non-banned members <
``min(max_participants, ALPHA_MAX_ROOM_MEMBERS)``); the caller has no membership row in it (a
member already, or banned from it). One query for the candidates plus one for the caller's
location, whatever the number of rooms.
"""

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Least

from geo import selectors as geo
from rooms.models import ChatRoom, ChatRoomMember
from safety import policy


def _room(row: dict) -> dict:
    return {
        "id": row["id"],
        "room_name": row["room_name"],
        "description": row["description"],
        "background_color": row["background_color"],
        "member_count": row["member_count"],
        "capacity": row["capacity"],
    }


def discoverable_rooms(viewer):
    """Public rooms with space whose owner ``viewer`` may see and that ``viewer`` is not in."""
    in_room_already = ChatRoomMember.objects.filter(room_id=OuterRef("pk"), user_id=viewer.pk)
    return (
        ChatRoom.objects.filter(is_public=True)
        .filter(owner__in=policy.visible_users(viewer).values("pk"))
        .exclude(Exists(in_room_already))
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__is_banned=False)),
            capacity=Least("max_participants", Value(settings.ALPHA_MAX_ROOM_MEMBERS)),
        )
        .filter(member_count__lt=Least("max_participants", Value(settings.ALPHA_MAX_ROOM_MEMBERS)))
    )


def discover_rooms(viewer, *, limit: int = geo.DEFAULT_LIMIT) -> dict[str, list[dict]]:
    location = geo.require_location(viewer)
    rows = (
        discoverable_rooms(viewer)
        .annotate(tier=geo.tier_case(location, "owner__geo_location__"))
        .filter(tier__isnull=False)
        .values(
            "id",
            "tier",
            "room_name",
            "description",
            "background_color",
            "member_count",
            "capacity",
        )
    )
    return geo.group_by_tier(rows, viewer_id=viewer.pk, limit=limit, shape=_room)
