"""``reports``, ``blocks`` and ``moderation_actions`` as the Alpha lock writes them."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from wya.db import DbNow


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    REVIEWING = "reviewing", "Reviewing"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports_filed"
    )
    reported_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_against",
        db_index=False,
    )
    reported_room = models.ForeignKey(
        "rooms.ChatRoom", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_message = models.ForeignKey(
        "rooms.ChatRoomMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    report_type = models.CharField(max_length=50)
    description = models.TextField(null=True, blank=True)
    status = models.CharField(
        max_length=20,
        null=True,
        choices=ReportStatus.choices,
        default=ReportStatus.PENDING,
        db_default=ReportStatus.PENDING,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_reviewed",
        db_column="reviewed_by",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, default=timezone.now, db_default=DbNow())

    class Meta:
        db_table = "reports"
        indexes = [
            models.Index(fields=["status"], name="idx_reports_status"),
            models.Index(fields=["reported_user"], name="idx_reports_reported_user"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "reviewing", "resolved", "dismissed"]),
                name="reports_status_check",
            )
        ]

    def __str__(self) -> str:
        return f"Report #{self.id} ({self.report_type})"


class Block(models.Model):
    pk = models.CompositePrimaryKey("blocker_id", "blocked_id")
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(null=True, default=timezone.now, db_default=DbNow())

    class Meta:
        db_table = "blocks"
        indexes = [
            models.Index(fields=["blocker"], name="idx_blocks_blocker"),
            models.Index(fields=["blocked"], name="idx_blocks_blocked"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class ActionType(models.TextChoices):
    WARN = "warn", "Warn"
    MUTE = "mute", "Mute"
    RESTRICT = "restrict", "Restrict"
    ESCALATE = "escalate", "Escalate"


class ModerationAction(models.Model):
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="moderation_actions_taken",
        db_index=False,
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_actions",
        db_index=False,
    )
    action_type = models.CharField(max_length=50, choices=ActionType.choices)
    reason = models.TextField()
    duration_minutes = models.IntegerField(null=True, blank=True)  # NULL: permanent
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    created_at = models.DateTimeField(null=True, default=timezone.now, db_default=DbNow())

    class Meta:
        db_table = "moderation_actions"
        indexes = [
            models.Index(fields=["target_user"], name="idx_moderation_target"),
            models.Index(fields=["moderator"], name="idx_moderation_moderator"),
        ]

    def __str__(self) -> str:
        return f"{self.action_type} on {self.target_user_id}"

    @property
    def expires_at(self):
        if self.duration_minutes is None or self.created_at is None:
            return None
        return self.created_at + dt.timedelta(minutes=self.duration_minutes)
