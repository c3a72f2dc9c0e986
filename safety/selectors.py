"""Reads about blocks."""

from django.db.models import Q, QuerySet

from safety.models import OPEN_REPORT_STATUSES, Block, Report


def blocks_of(*, user) -> QuerySet:
    """The blocks ``user`` made, newest first, with each blocked person's profile (no N+1)."""
    return (
        Block.objects.filter(blocker_id=user.pk)
        .select_related("blocked__profile")
        .order_by("-created_at", "blocked_id")
    )


def notices_of(*, user):
    """Moderation actions taken against ``user``, newest first (what /api/me/notices/ shows)."""
    from safety.models import ModerationAction

    return ModerationAction.objects.filter(target_user_id=user.pk).order_by("-id")


def reports_of(*, user) -> QuerySet:
    """The reports ``user`` filed, newest first (GET /api/reports/, the "my reports" page)."""
    return Report.objects.filter(reporter_id=user.pk).order_by("-created_at", "-id")


def open_reports_on_room_q(room_id: int) -> Q:
    """Open reports about a room or any of its messages (its evidence must not go)."""
    return Q(status__in=OPEN_REPORT_STATUSES) & (
        Q(reported_room_id=room_id) | Q(reported_message__room_id=room_id)
    )


def room_has_open_reports(room_id: int) -> bool:
    return Report.objects.filter(open_reports_on_room_q(room_id)).exists()
