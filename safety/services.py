"""Writes about blocks. A block is one row (blocker, blocked) and hides the two people from each
other both ways at once (``safety.policy``); open sockets of both hear ``block.changed`` after
commit so they refresh their cached block sets immediately."""

from django.db import transaction
from django.utils import timezone

from safety import policy
from safety.models import ActionType, Block, ModerationAction, ReportStatus
from safety.selectors import is_user_id, no_such_user, user_or_404
from wya.errors import Invalid, NotFound
from wya.live import publish_on_commit, user_group


def _publish_block_changed(a_id: str, b_id: str) -> None:
    publish_on_commit(user_group(a_id), {"type": "block.changed", "user_id": b_id})
    publish_on_commit(user_group(b_id), {"type": "block.changed", "user_id": a_id})


def block_create(*, blocker, blocked_id: str) -> tuple[Block, bool]:
    """Block someone; returns ``(block, created)``. Blocking again is a no-op.

    Allowed for anyone the blocker can currently see (``policy.can_block``); unknown or
    invisible people are "not found" and blocking oneself is invalid.
    """
    if not is_user_id(blocked_id):
        raise no_such_user()
    if blocked_id == blocker.pk:
        raise Invalid("You cannot block yourself.", code="invalid")
    with transaction.atomic():
        existing = Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked_id).first()
        if existing is not None:
            return existing, False
        target = user_or_404(blocked_id)
        policy.raise_for(policy.can_block(blocker, target))
        block, created = Block.objects.get_or_create(blocker_id=blocker.pk, blocked_id=target.pk)
        if created:
            _publish_block_changed(blocker.pk, target.pk)
    return block, created


def block_delete(*, blocker, blocked_id: str) -> None:
    """Remove one's own block; ``NotFound`` if there is none."""
    with transaction.atomic():
        deleted, _ = Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked_id).delete()
        if not deleted:
            raise NotFound("You have not blocked this user.")
        _publish_block_changed(blocker.pk, blocked_id)


def blocks_delete_all(*, user) -> None:
    """Remove every block made by or against ``user`` (account deletion: the tombstone is
    invisible to everyone anyway, and a block names a person, which is personal data)."""
    with transaction.atomic():
        Block.objects.filter(blocker_id=user.pk).delete()
        Block.objects.filter(blocked_id=user.pk).delete()


# --- Moderation actions -------------------------------------------------------------------------
MAX_DURATION_MINUTES = 60 * 24 * 365


def notice_payload(action) -> dict:
    """What the target is told about an action against them (API.md ``notice`` frame)."""
    expires_at = action.expires_at
    return {
        "id": action.pk,
        "action_type": action.action_type,
        "reason": action.reason,
        "created_at": action.created_at.isoformat() if action.created_at else None,
        "expires_at": expires_at.isoformat() if expires_at else None,
    }


def moderation_action_check(
    *, moderator, target_user, action_type: str, reason: str, duration_minutes: int | None
) -> None:
    """Raise ``Invalid`` with a clear message if this action may not be taken as given."""
    if not getattr(moderator, "is_staff", False):
        raise Invalid("Only moderators can take moderation actions.", code="forbidden")
    if action_type not in ActionType.values:
        raise Invalid(f"Unknown action type {action_type!r}.", code="invalid")
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("A reason is required: the person affected is shown it.", code="invalid")
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise Invalid("The duration must be between 1 minute and a year.", code="invalid")
    if target_user is None or target_user.pk == moderator.pk:
        raise Invalid("Choose someone else as the target.", code="invalid")


def moderation_action_take(
    *,
    moderator,
    target_user,
    action_type: str,
    reason: str,
    duration_minutes: int | None = None,
    report=None,
):
    """Log a moderation action and tell its target at once (no shadow actions).

    Every action is a ``moderation_actions`` row; ``mute`` and ``restrict`` take effect through
    ``safety.policy`` for ``duration_minutes`` (None: until a moderator decides otherwise).
    The target's open sockets get a ``notice`` frame after commit and ``GET /api/me/notices/``
    lists it. A report the action answers is marked resolved.
    """
    moderation_action_check(
        moderator=moderator,
        target_user=target_user,
        action_type=action_type,
        reason=reason,
        duration_minutes=duration_minutes,
    )
    with transaction.atomic():
        action = ModerationAction.objects.create(
            moderator=moderator,
            target_user=target_user,
            action_type=action_type,
            reason=reason.strip(),
            duration_minutes=duration_minutes,
            report=report,
        )
        if report is not None:
            report.status = ReportStatus.RESOLVED
            report.reviewed_by = moderator
            report.reviewed_at = timezone.now()
            report.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        publish_on_commit(
            user_group(target_user.pk), {"type": "notice", "action": notice_payload(action)}
        )
    return action
