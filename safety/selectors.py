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
