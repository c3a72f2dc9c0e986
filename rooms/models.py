"""``chat_rooms``, ``chat_room_members`` and ``chat_room_messages`` as the Alpha lock writes them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from wya.db import TimestampField
from wya.validators import DEFAULT_BACKGROUND_COLOR

ROOM_NAME_MAX = 100
DESCRIPTION_MAX = 2000


class Role(models.TextChoices):
    OWNER = "OWNR", "Owner"
    MOD = "MOD", "Moderator"
    AGENT = "AGENT", "Agent (reserved)"
    USER = "USER", "Member"


class ChatRoom(models.Model):
    DEFAULT_BACKGROUND_COLOR = DEFAULT_BACKGROUND_COLOR

    room_name = models.CharField(max_length=ROOM_NAME_MAX)
    description = models.TextField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_rooms"
    )
    is_public = models.BooleanField(default=True, db_default=True)
    background_color = models.CharField(
        max_length=20, default=DEFAULT_BACKGROUND_COLOR, db_default=DEFAULT_BACKGROUND_COLOR
    )
    music_url = models.TextField(null=True, blank=True)
    music_provider = models.CharField(max_length=20, null=True, blank=True)
    max_participants = models.IntegerField(default=50, db_default=50)
    created_at = TimestampField(default=timezone.now)
    updated_at = TimestampField(default=timezone.now)

    class Meta:
        db_table = "chat_rooms"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(music_provider__in=["spotify", "soundcloud"]),
                name="chat_rooms_music_provider_check",
            )
        ]

    def __str__(self) -> str:
        return self.room_name


class ChatRoomMember(models.Model):
    room = models.ForeignKey(
        ChatRoom, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.USER)
    is_banned = models.BooleanField(default=False, db_default=False)
    joined_at = TimestampField(default=timezone.now)
    last_seen_at = TimestampField(null=True, blank=True)

    class Meta:
        db_table = "chat_room_members"
        constraints = [
            models.UniqueConstraint(
                fields=["room", "user"], name="chat_room_members_room_user_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["OWNR", "MOD", "AGENT", "USER"]),
                name="chat_room_members_role_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id} ({self.role})"


class ChatRoomMessage(models.Model):
    room = models.ForeignKey(
        ChatRoom, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="room_messages"
    )
    message = models.TextField(blank=True, default="")
    media_url = models.TextField(null=True, blank=True)
    created_at = TimestampField(default=timezone.now)

    class Meta:
        db_table = "chat_room_messages"
        indexes = [
            # History pages: WHERE room_id = ? AND id < ? ORDER BY id.
            models.Index(fields=["room", "id"], name="idx_room_messages_room_id_id"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} in {self.room_id}"


class RoomInvite(models.Model):
    """A pending invitation to a room (a table on top of the lock, docs/schema.md). Staff no
    longer add people: they invite, and the person becomes a member only by accepting (joining)
    themself, so every membership is consented to (presence between co-members relies on it)."""

    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="invites")
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_invites_sent"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_invites"
    )
    created_at = TimestampField(default=timezone.now)

    class Meta:
        db_table = "room_invites"
        constraints = [
            models.UniqueConstraint(
                fields=["room", "invitee"], name="room_invites_room_invitee_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee_id} invited to {self.room_id}"
