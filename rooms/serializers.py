"""Input and output shapes of the rooms API.

Input serializers only check shapes (types, lengths, formats); rules live in the services.
Unknown fields are refused with a 400 so that a typo never silently does nothing.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import profile_value
from messaging.serializers import PresenceOutput
from rooms.models import DESCRIPTION_MAX, ROOM_NAME_MAX, ChatRoom, Role
from rooms.selectors import invite_payload, room_capacity, room_message_payload
from safety.selectors import USER_ID_MAX
from wya.api import PayloadOutput, StrictSerializer, page_of
from wya.validators import MUSIC_URL_MAX, validate_color


# --- Input ----------------------------------------------------------------------------------
class RoomInput(StrictSerializer):
    room_name = serializers.CharField(max_length=ROOM_NAME_MAX)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, allow_null=True
    )
    is_public = serializers.BooleanField(required=False, default=True)
    background_color = serializers.CharField(
        required=False, default=ChatRoom.DEFAULT_BACKGROUND_COLOR, validators=[validate_color]
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
    background_color = serializers.CharField(required=False, validators=[validate_color])


class AddMemberInput(StrictSerializer):
    user_id = serializers.CharField(max_length=USER_ID_MAX)


class ModerationReasonInput(StrictSerializer):
    """The optional body of a kick or ban: a reason the person is shown (else a default)."""

    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


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
class RoomMessageOutput(PayloadOutput):
    """The ``room.message`` frame's ``message`` (``rooms.selectors.room_message_payload``)."""

    id = serializers.IntegerField()
    room_id = serializers.IntegerField()
    user_id = serializers.CharField()
    message = serializers.CharField()
    media_url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()

    payload = staticmethod(room_message_payload)


class RoomOutput(serializers.Serializer):
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


class RoomDetailOutput(RoomOutput):
    my_role = serializers.CharField(allow_null=True)


class MyRoomOutput(RoomOutput):
    """One row of ``GET /api/rooms/``: the room, my role and my unread count."""

    role = serializers.CharField()
    unread_count = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
    joined_at = serializers.DateTimeField()

    def to_representation(self, membership):
        room = membership.room
        room.member_count = membership.member_count
        data = RoomOutput(room).data
        data.update(
            role=membership.role,
            unread_count=membership.unread_count,
            last_seen_at=serializers.DateTimeField().to_representation(membership.last_seen_at)
            if membership.last_seen_at
            else None,
            joined_at=serializers.DateTimeField().to_representation(membership.joined_at),
        )
        return data


class MemberOutput(serializers.Serializer):
    user_id = serializers.CharField()
    display_name = serializers.SerializerMethodField()
    avatar_url = serializers.SerializerMethodField()
    role = serializers.CharField()
    is_banned = serializers.BooleanField()
    joined_at = serializers.DateTimeField()
    presence = serializers.SerializerMethodField()

    def get_display_name(self, membership) -> str | None:
        return profile_value(membership.user, "display_name")

    def get_avatar_url(self, membership) -> str | None:
        return profile_value(membership.user, "avatar_url")

    @extend_schema_field(PresenceOutput(allow_null=True))
    def get_presence(self, membership) -> dict | None:
        state = self.context.get("presence", {}).get(membership.user_id)
        return None if state is None else PresenceOutput(state).data


class MemberEventOutput(serializers.Serializer):
    room_id = serializers.IntegerField()
    user_id = serializers.CharField()
    event = serializers.CharField()
    role = serializers.CharField(allow_null=True)


class InviteRoomOutput(serializers.Serializer):
    id = serializers.IntegerField()
    room_name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    is_public = serializers.BooleanField()
    background_color = serializers.CharField()


class InvitePersonOutput(serializers.Serializer):
    user_id = serializers.CharField()
    display_name = serializers.CharField(allow_null=True)
    avatar_url = serializers.CharField(allow_null=True)


class InviteOutput(PayloadOutput):
    """A pending invitation (``rooms.selectors.invite_payload``; the ``room.invite`` frame)."""

    room_id = serializers.IntegerField()
    room = InviteRoomOutput()
    invitee = InvitePersonOutput()
    invited_by = InvitePersonOutput()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()

    payload = staticmethod(invite_payload)


class InviteCreatedOutput(serializers.Serializer):
    """The answer to ``POST /api/rooms/{id}/members/``: an invitation, not a membership."""

    status = serializers.CharField()
    invite = InviteOutput()


# --- Output shapes that exist for the OpenAPI schema ----------------------------------------
MyRoomsPage = page_of(MyRoomOutput, "MyRoomsPage")
InvitesPage = page_of(InviteOutput, "InvitesPage")
MembersPage = page_of(MemberOutput, "MembersPage")


class HistoryPage(serializers.Serializer):
    results = RoomMessageOutput(many=True)
    has_more = serializers.BooleanField()


class LeaveOutput(serializers.Serializer):
    room_id = serializers.IntegerField()
    room_deleted = serializers.BooleanField()
    owner_id = serializers.CharField(allow_null=True)


class ReadOutput(serializers.Serializer):
    room_id = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField()
