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


class ReportType(models.TextChoices):
    """What a report is about (docs/moderation.md). The lock names the first three."""

    HARASSMENT = "harassment", "Harassment or bullying"
    SPAM = "spam", "Spam or scams"
    INAPPROPRIATE = "inappropriate", "Inappropriate content"
    HATE = "hate", "Hate speech"
    SELF_HARM = "self_harm", "Self-harm or suicide"
    SEXUAL_CONTENT = "sexual_content", "Sexual content"
    VIOLENCE = "violence", "Threats or violence"
    IMPERSONATION = "impersonation", "Impersonation"
    UNDERAGE = "underage", "Someone in the wrong age group"
    OTHER = "other", "Something else"


# Reviewed first in the queue (with reports from or about minors).
URGENT_REPORT_TYPES = (ReportType.UNDERAGE, ReportType.SELF_HARM)
OPEN_REPORT_STATUSES = (ReportStatus.PENDING, ReportStatus.REVIEWING)


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
    report_type = models.CharField(max_length=50, choices=ReportType.choices)
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
        permissions = [
            ("review_report", "Can review reports and act on them"),
            ("resolve_escalated_report", "Can resolve escalated reports (Safety leads)"),
        ]
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
    """Every kind of row in ``moderation_actions`` (docs/moderation.md says where each is
    enforced). The lock names the first four; the others record bans, deletions and room-level
    removals, so that every action anywhere has a record."""

    WARN = "warn", "Warn"
    MUTE = "mute", "Mute"
    RESTRICT = "restrict", "Restrict"
    ESCALATE = "escalate", "Escalate"
    BAN = "ban", "Platform ban"
    UNBAN = "unban", "Platform ban lifted"
    DELETE_ACCOUNT = "delete_account", "Account deleted by staff"
    ROOM_KICK = "room_kick", "Removed from a room"
    ROOM_BAN = "room_ban", "Banned from a room"
    ROOM_UNBAN = "room_unban", "Room ban lifted"
    DISMISS = "dismiss", "Report dismissed"
    # The outcome of an appeal (issue 20): the row targets the appellant, its moderator is the
    # reviewer and its reason the outcome reason. The lock has no CHECK on action_type.
    APPEAL_UPHELD = "appeal_upheld", "Appeal upheld"
    APPEAL_LIFTED = "appeal_lifted", "Appeal granted: action lifted"


# Taken by staff in the admin (the others are written by the services that do the thing).
CONSOLE_ACTION_TYPES = (
    ActionType.WARN,
    ActionType.MUTE,
    ActionType.RESTRICT,
    ActionType.ESCALATE,
    ActionType.BAN,
)
# What the report page offers in one step (the console's actions plus closing with no action).
REPORT_DECISIONS = (*CONSOLE_ACTION_TYPES, ActionType.DISMISS)
# Actions that do something to a person for ``duration_minutes``.
TIMED_ACTION_TYPES = (ActionType.MUTE, ActionType.RESTRICT)
# Taken by a room's owner or moderator (rooms.services), not by WYA!?'s moderators: never shown
# to anyone as an official action (docs/moderation.md, "Notices").
ROOM_ACTION_TYPES = (ActionType.ROOM_KICK, ActionType.ROOM_BAN, ActionType.ROOM_UNBAN)


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
    # PROTECT: a report that an action answers can never be deleted (the log stays whole).
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
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


class RoomAction(models.Model):
    """What a room-level ``moderation_actions`` row (kick, ban, unban) needs beside the locked
    columns: the room it happened in (its name as it was, for the notice: the room may be
    renamed or deleted later), the actor's room role, and whether the person was told.

    A table added on top of the lock (docs/schema.md): the lock's ``moderation_actions`` has no
    room column, and the notice must not be rebuilt by parsing the owner's free-text reason."""

    action = models.OneToOneField(
        ModerationAction,
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="room_detail",
        db_column="action_id",
    )
    room = models.ForeignKey(
        "rooms.ChatRoom", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    room_name = models.CharField(max_length=255)
    actor_role = models.CharField(max_length=10)
    # False: a ban of someone who was never in the room, or its lifting. Logged, never shown to
    # them: a room owner must not be able to send notices to strangers.
    notified = models.BooleanField()

    class Meta:
        db_table = "room_moderation_actions"

    def __str__(self) -> str:
        return f"{self.action_id} in room {self.room_id}"


class SignalKind(models.TextChoices):
    """What an early-signal rule saw (docs/moderation.md, "Early signals")."""

    NEW_ACCOUNT_FANOUT = "new_account_fanout", "New account starting many conversations"
    SAME_TEXT_FANOUT = "same_text_fanout", "Same text sent to many people"
    BLOCKS_RECEIVED = "blocks_received", "Many blocks received"
    CROSS_SEGMENT_SESSION = "cross_segment_session", "Teen and adult from one browser"


class SignalStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class SafetySignal(models.Model):
    """A rule's hint to the moderators, never an action: a queue item reviewed like a report.

    A table added on top of the lock (docs/schema.md). At most one open signal per
    (subject, kind): a rule that fires again updates the open one's evidence."""

    kind = models.CharField(max_length=40, choices=SignalKind.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safety_signals"
    )
    evidence = models.JSONField(default=dict)
    status = models.CharField(
        max_length=20, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="safety_signals_reviewed",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "safety_signals"
        constraints = [
            # The dedupe rule in the database: a race between two sends cannot open two.
            models.UniqueConstraint(
                fields=["subject", "kind"],
                condition=models.Q(status="open"),
                name="safety_signals_one_open_per_subject_kind",
            )
        ]

    def __str__(self) -> str:
        return f"Signal #{self.id} ({self.kind}) about {self.subject_id}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    UPHELD = "upheld", "Upheld"
    LIFTED = "lifted", "Lifted"


class Appeal(models.Model):
    """A person's appeal of a platform action taken against them (issue 20, docs/moderation.md
    "Appeals"). Once per action (the unique FK); reviewed by someone other than the moderator who
    decided. A table added on top of the lock (docs/schema.md)."""

    action = models.OneToOneField(ModerationAction, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals_filed"
    )
    text = models.TextField()
    status = models.CharField(
        max_length=20, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_reviewed",
    )
    outcome_reason = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "appeals"

    def __str__(self) -> str:
        return f"Appeal #{self.id} of action {self.action_id} ({self.status})"
