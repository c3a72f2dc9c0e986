"""Reads about blocks."""

from django.db.models import QuerySet

from safety.models import Block


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
