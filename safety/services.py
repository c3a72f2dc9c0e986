"""Writes about blocks. A block is one row (blocker, blocked) and hides the two people from each
other both ways at once (``safety.policy``); open sockets of both hear ``block.changed`` after
commit so they refresh their cached block sets immediately."""

from django.db import transaction

from safety import policy, signals_rules
from safety.models import Block
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
            signals_rules.note_block_received(blocked_id=target.pk)
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
