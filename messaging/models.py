"""``private_messages`` and ``presence`` as the Alpha lock writes them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from wya.db import DbNow, TimestampField


class PrivateMessage(models.Model):
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sent_dms", db_index=False
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="received_dms",
        db_index=False,
    )
    message = models.TextField(blank=True, default="")
    media_url = models.TextField(null=True, blank=True)
    created_at = TimestampField(default=timezone.now)

    class Meta:
        db_table = "private_messages"
        indexes = [
            # One conversation's history, from either side: (sender, recipient, id).
            models.Index(fields=["sender", "recipient", "id"], name="idx_private_messages_pair_id"),
            models.Index(
                fields=["recipient", "sender", "id"], name="idx_private_messages_rpair_id"
            ),
        ]

    def __str__(self) -> str:
        return f"DM #{self.id}"


class PresenceStatus(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"


class Presence(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="presence",
    )
    status = models.CharField(max_length=20, choices=PresenceStatus.choices)
    activity = models.CharField(max_length=50, null=True, blank=True)
    room = models.ForeignKey(
        "rooms.ChatRoom",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    last_seen_at = models.DateTimeField(null=True, default=timezone.now, db_default=DbNow())
    updated_at = models.DateTimeField(null=True, default=timezone.now, db_default=DbNow())

    class Meta:
        db_table = "presence"
        indexes = [
            models.Index(fields=["status"], name="idx_presence_status"),
            models.Index(fields=["room"], name="idx_presence_room"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["online", "away", "offline"]),
                name="presence_status_check",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status}"


class FirstContactPrompt(models.Model):
    """``user`` saw and answered the first-contact prompt about ``other`` (docs/moderation.md
    "Protections for minors"): once a row exists the prompt is not shown again for the pair.
    A table on top of the lock (docs/schema.md)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    other = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shown_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "first_contact_prompts"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "other"], name="first_contact_prompts_user_other_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.other_id}"
