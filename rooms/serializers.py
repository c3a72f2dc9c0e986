"""Input and output shapes of the rooms API.

Input serializers only check shapes (types, lengths, formats); rules live in the services.
Unknown fields are refused with a 400 so that a typo never silently does nothing.
"""

from collections.abc import Mapping

from django.conf import settings
from rest_framework import serializers

from rooms.models import ChatRoom, Role

ROOM_NAME_MAX = 100
DESCRIPTION_MAX = 2000
MUSIC_URL_MAX = 500
USER_ID_MAX = 255


class StrictSerializer(serializers.Serializer):
    """A serializer that refuses bodies that are not objects and fields it does not know."""

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {"non_field_errors": ["Expected a JSON object."]}, code="invalid"
            )
        unknown = sorted(str(key) for key in data if key not in self.fields)
        if unknown:
            raise serializers.ValidationError(
                {key: ["Unknown field."] for key in unknown}, code="invalid"
            )
        return super().to_internal_value(data)


# --- Input ----------------------------------------------------------------------------------
class RoomInput(StrictSerializer):
    room_name = serializers.CharField(max_length=ROOM_NAME_MAX)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, allow_null=True
    )
    is_public = serializers.BooleanField(required=False, default=True)
    background_color = serializers.RegexField(
        r"^#[0-9A-Fa-f]{6}$",
        required=False,
        default=ChatRoom.DEFAULT_BACKGROUND_COLOR,
        error_messages={"invalid": "Use a colour of the form #RRGGBB."},
    )
    music_url = serializers.CharField(
        max_length=MUSIC_URL_MAX, required=False, allow_blank=True, allow_null=True
    )
    max_participants = serializers.IntegerField(
        required=False, min_value=2, max_value=settings.ALPHA_MAX_ROOM_MEMBERS
    )


class RoomUpdateInput(RoomInput):
    """Every field optional; only the ones sent change."""

    room_name = serializers.CharField(max_length=ROOM_NAME_MAX, required=False)
    is_public = serializers.BooleanField(required=False)
    background_color = serializers.RegexField(
        r"^#[0-9A-Fa-f]{6}$",
        required=False,
        error_messages={"invalid": "Use a colour of the form #RRGGBB."},
    )


class AddMemberInput(StrictSerializer):
    user_id = serializers.CharField(max_length=USER_ID_MAX)


class RoleInput(StrictSerializer):
    role = serializers.CharField(max_length=10)

    def validate_role(self, value):
        if value not in (Role.MOD, Role.USER):
            raise serializers.ValidationError('Role must be "MOD" or "USER".')
        return value


class MessageInput(StrictSerializer):
    # Length and emptiness are the service's rules (shared with the socket).
    message = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default=""
    )
    media_url = serializers.CharField(required=False, allow_null=True, allow_blank=True)


# --- Output ---------------------------------------------------------------------------------
class RoomMessageSerializer(serializers.Serializer):
    """Exactly the fields of the ``room.message`` frame's ``message``."""

    id = serializers.IntegerField()
    room_id = serializers.IntegerField()
    user_id = serializers.CharField()
    message = serializers.CharField()
    media_url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class RoomSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    room_name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    owner_id = serializers.CharField()
    is_public = serializers.BooleanField()
    background_color = serializers.CharField()
    music_url = serializers.CharField(allow_null=True)
    music_provider = serializers.CharField(allow_null=True)
    max_participants = serializers.IntegerField()
    capacity = serializers.SerializerMethodField()
    member_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_capacity(self, room) -> int:
        return room_capacity(room)


def room_capacity(room) -> int:
    return min(room.max_participants, settings.ALPHA_MAX_ROOM_MEMBERS)


class RoomDetailSerializer(RoomSerializer):
    my_role = serializers.CharField(allow_null=True)


class MyRoomSerializer(RoomSerializer):
    """One row of ``GET /api/rooms/``: the room, my role and my unread count."""

    role = serializers.CharField()
    unread_count = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
    joined_at = serializers.DateTimeField()

    def to_representation(self, membership):
        room = membership.room
        room.member_count = membership.member_count
        data = RoomSerializer(room).data
        data.update(
            role=membership.role,
            unread_count=membership.unread_count,
            last_seen_at=serializers.DateTimeField().to_representation(membership.last_seen_at)
            if membership.last_seen_at
            else None,
            joined_at=serializers.DateTimeField().to_representation(membership.joined_at),
        )
        return data


class PresenceSerializer(serializers.Serializer):
    status = serializers.CharField()
    activity = serializers.CharField(allow_null=True)
    room_id = serializers.IntegerField(allow_null=True)


class MemberSerializer(serializers.Serializer):
    user_id = serializers.CharField()
    display_name = serializers.SerializerMethodField()
    avatar_url = serializers.SerializerMethodField()
    role = serializers.CharField()
    is_banned = serializers.BooleanField()
    joined_at = serializers.DateTimeField()
    presence = serializers.SerializerMethodField()

    def _profile(self, membership):
        return getattr(membership.user, "profile", None)

    def get_display_name(self, membership) -> str | None:
        profile = self._profile(membership)
        return profile.display_name if profile else None

    def get_avatar_url(self, membership) -> str | None:
        profile = self._profile(membership)
        return profile.avatar_url if profile else None

    def get_presence(self, membership) -> dict | None:
        state = self.context.get("presence", {}).get(membership.user_id)
        if state is None:
            return None
        return PresenceSerializer(state).data


class MemberEventSerializer(serializers.Serializer):
    room_id = serializers.IntegerField()
    user_id = serializers.CharField()
    event = serializers.CharField()
    role = serializers.CharField(allow_null=True)


# --- Output shapes that exist for the OpenAPI schema ----------------------------------------
class _Page(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class MyRoomsPage(_Page):
    results = MyRoomSerializer(many=True)


class MembersPage(_Page):
    results = MemberSerializer(many=True)


class HistoryPage(serializers.Serializer):
    results = RoomMessageSerializer(many=True)
    has_more = serializers.BooleanField()


class LeaveOutput(serializers.Serializer):
    room_id = serializers.IntegerField()
    room_deleted = serializers.BooleanField()
    owner_id = serializers.CharField(allow_null=True)


class ReadOutput(serializers.Serializer):
    room_id = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField()
