"""Reads for the moderators: the queue in review order, a report's evidence (room messages
and direct messages around it, earlier reports and actions) and the queue summary. Above every
app, like ``moderation.services``: the evidence reads rooms and messaging."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from messaging.models import PrivateMessage
from rooms.models import ChatRoomMessage
from safety import policy
from safety.models import (
    OPEN_REPORT_STATUSES,
    ROOM_ACTION_TYPES,
    URGENT_REPORT_TYPES,
    ActionType,
    Appeal,
    AppealStatus,
    ModerationAction,
    Report,
    ReportStatus,
    SafetySignal,
    SignalStatus,
)

# --- The moderators' queue and evidence ------------------------------------------------------
CONTEXT_BEFORE = 5  # the reported message with ten messages around it: five before, five after
CONTEXT_AFTER = 5
RECENT_MESSAGES = 20
RECENT_DMS = 50
EARLIER_ROWS = 20


def minors_q() -> Q:
    """Reports from or about a minor (the reporter or the reported person is a teen)."""
    return policy.segment_q(policy.TEEN, prefix="reporter__") | policy.segment_q(
        policy.TEEN, prefix="reported_user__"
    )


def report_queue(moderator) -> QuerySet:
    """Reports for ``moderator``'s queue, in review order: open before closed; urgent first
    (``underage``/``self_harm``, or from or about a minor); then oldest first. Each row carries
    ``escalated`` and everything the list shows, in one query whatever the length. Reports about
    the moderator are left out (``policy.may_handle_report``): others handle them."""
    escalated = ModerationAction.objects.filter(
        report_id=OuterRef("pk"), action_type=ActionType.ESCALATE
    )
    return (
        Report.objects.select_related(
            "reporter__profile", "reported_user__profile", "reported_room", "reviewed_by"
        )
        .filter(policy.reports_handled_by_q(moderator))
        .annotate(
            open_rank=Case(
                When(status__in=OPEN_REPORT_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            urgent_rank=Case(
                When(Q(report_type__in=URGENT_REPORT_TYPES) | minors_q(), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            escalated=Exists(escalated),
        )
        .order_by("open_rank", "urgent_rank", "created_at", "id")
    )


def _messages():
    return ChatRoomMessage.objects.select_related("user__profile", "room")


def report_evidence(report) -> dict:
    """What the report page shows, in a fixed number of queries whatever the history length:
    the reported message with five messages before and after it, the reported person's recent
    room messages, for a user report the direct messages between reporter and reported, the
    person's earlier reports, every platform action against them (``platform_actions``: never
    crowded out by room kicks and bans, which are listed apart, the latest ``EARLIER_ROWS``, as
    ``room_actions``) and this report's own actions."""
    subject_id = report.reported_user_id
    if subject_id is None and report.reported_room_id is not None:
        subject_id = report.reported_room.owner_id
    evidence: dict = {"context": _context_messages(report), "dms": []}
    evidence.update(_subject_history(report, subject_id))
    if report.reported_user_id is not None and report.reported_message_id is None:
        evidence["dms"] = list(
            PrivateMessage.objects.filter(
                Q(sender_id=report.reporter_id, recipient_id=report.reported_user_id)
                | Q(sender_id=report.reported_user_id, recipient_id=report.reporter_id)
            )
            .select_related("sender__profile")
            .order_by("-id")[:RECENT_DMS]
        )[::-1]
    actions = ModerationAction.objects.select_related("moderator", "report").order_by("-id")
    evidence.update(platform_actions=[], room_actions=[])
    if subject_id:
        against = actions.filter(target_user_id=subject_id)
        evidence["platform_actions"] = list(against.exclude(action_type__in=ROOM_ACTION_TYPES))
        evidence["room_actions"] = list(
            against.filter(action_type__in=ROOM_ACTION_TYPES).select_related("room_detail")[
                :EARLIER_ROWS
            ]
        )
    evidence["report_actions"] = list(actions.filter(report_id=report.pk))
    return evidence


def _context_messages(report) -> list:
    """The reported message with the messages around it, or a reported room's latest ones."""
    if report.reported_message_id is not None:
        message = report.reported_message
        before = _messages().filter(room_id=message.room_id, id__lt=message.pk).order_by("-id")
        after = _messages().filter(room_id=message.room_id, id__gte=message.pk).order_by("id")
        return [*reversed(list(before[:CONTEXT_BEFORE])), *after[: CONTEXT_AFTER + 1]]
    if report.reported_room_id is not None:
        room_messages = _messages().filter(room_id=report.reported_room_id).order_by("-id")
        return list(reversed(list(room_messages[: CONTEXT_BEFORE + CONTEXT_AFTER])))
    return []


def _subject_history(report, subject_id) -> dict:
    """The reported person's recent room messages and the other reports about them."""
    if subject_id is None:
        return {"recent_messages": [], "earlier_reports": []}
    return {
        "recent_messages": list(
            _messages().filter(user_id=subject_id).order_by("-id")[:RECENT_MESSAGES]
        ),
        "earlier_reports": list(
            Report.objects.filter(reported_user_id=subject_id)
            .exclude(pk=report.pk)
            .select_related("reporter__profile")
            .order_by("-id")[:EARLIER_ROWS]
        ),
    }


def queue_summary(*, now=None) -> dict:
    """The admin index's summary: pending count, oldest pending age, and the median time to a
    first review of the reports filed in the last seven days (``reviewed_at`` - ``created_at``)."""
    now = now or timezone.now()
    pending = Report.objects.filter(status=ReportStatus.PENDING)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    waits = sorted(
        reviewed - created
        for created, reviewed in Report.objects.filter(
            created_at__gte=now - dt.timedelta(days=7), reviewed_at__isnull=False
        ).values_list("created_at", "reviewed_at")
        if reviewed is not None and created is not None
    )
    median = None
    if waits:
        middle = len(waits) // 2
        median = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
    return {
        "pending": pending.count(),
        "oldest_pending_age": (now - oldest) if oldest else None,
        "median_first_review": median,
        "reviewed_last_7_days": len(waits),
    }


# --- Early signals (issue 20, part S) --------------------------------------------------------
def signal_queue(moderator) -> QuerySet:
    """Signals for ``moderator``'s queue: open first, then oldest first; never one about the
    moderator (``policy.may_review_signal``: another moderator reviews it)."""
    return (
        SafetySignal.objects.exclude(subject_id=moderator.pk)
        .select_related("subject__profile", "reviewed_by")
        .annotate(
            open_rank=Case(
                When(status=SignalStatus.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_rank", "created_at", "id")
    )


def open_signal_count(moderator) -> int:
    return (
        SafetySignal.objects.filter(status=SignalStatus.OPEN)
        .exclude(subject_id=moderator.pk)
        .count()
    )


def signal_evidence(signal) -> dict:
    """What a signal's evidence names, loaded for the page: the accounts (the other account,
    recipients, blockers) and the direct messages, in two queries."""
    evidence = signal.evidence or {}
    user_ids = [
        *evidence.get("recipient_ids", []),
        *evidence.get("blocker_ids", []),
        *([evidence["other_account_id"]] if evidence.get("other_account_id") else []),
    ]
    users = get_user_model().objects.filter(pk__in=user_ids).select_related("profile")
    messages = (
        PrivateMessage.objects.filter(pk__in=evidence.get("message_ids", []))
        .select_related("sender__profile", "recipient__profile")
        .order_by("id")
    )
    return {"accounts": list(users), "messages": list(messages)}


# --- Appeals (issue 20, part A) ---------------------------------------------------------------
def appeal_queue(reviewer) -> QuerySet:
    """Appeals for ``reviewer``'s queue: pending first, then oldest first; never the appeals of
    their own actions nor their own (``policy.appeals_reviewed_by_q``). Each row carries
    ``needs_lead`` (the action answered an escalated report or was taken by a Safety lead: the
    queue's column, in one query whatever the length; ``policy.may_review_appeal`` decides)."""
    escalated = ModerationAction.objects.filter(
        report_id=OuterRef("action__report_id"), action_type=ActionType.ESCALATE
    )
    app_label, codename = policy.PERM_RESOLVE_ESCALATED.split(".")
    lead_perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    moderator = OuterRef("action__moderator_id")
    needs_lead = (
        Q(Exists(escalated))
        | Q(action__moderator__is_superuser=True)
        | Q(Exists(lead_perm.filter(group__user=moderator)))
        | Q(Exists(lead_perm.filter(user=moderator)))
    )
    return (
        Appeal.objects.select_related("action__moderator", "appellant__profile", "reviewer")
        .filter(policy.appeals_reviewed_by_q(reviewer))
        .annotate(
            open_rank=Case(
                When(status=AppealStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            needs_lead=ExpressionWrapper(needs_lead, output_field=BooleanField()),
        )
        .order_by("open_rank", "created_at", "id")
    )
