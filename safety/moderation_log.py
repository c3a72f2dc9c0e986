"""The moderation log writer: one ``moderation_actions`` row per action, and its notice.

Every service that acts against a person calls ``record`` inside its own transaction: the
moderators' console (``safety.services``), platform bans and staff deletions
(``accounts.services``), and room-level kicks and bans (``rooms.services``). The row is the
record (append-only: nothing edits or deletes it) and the target's open sockets get a
``notice`` frame once the transaction commits, so nothing is done in the shadows.

This module imports no other app's services, so every app's services may import it.
"""

from safety.models import ModerationAction
from wya.live import publish_on_commit, user_group

ROOM_MODERATOR_REASON = "Removed by a room moderator."


def notice_payload(action: ModerationAction) -> dict:
    """What the target is told about an action against them (API.md ``notice`` frame)."""
    expires_at = action.expires_at
    return {
        "id": action.pk,
        "action_type": action.action_type,
        "reason": action.reason,
        "created_at": action.created_at.isoformat() if action.created_at else None,
        "expires_at": expires_at.isoformat() if expires_at else None,
    }


def record(
    *,
    moderator,
    target_user,
    action_type: str,
    reason: str,
    duration_minutes: int | None = None,
    report=None,
    notify: bool = True,
) -> ModerationAction:
    """Write the row (call inside the acting service's ``transaction.atomic``) and, after
    commit, send the target a ``notice`` frame (``notify=False`` only for a deleted account,
    whose sockets are being closed anyway)."""
    action = ModerationAction.objects.create(
        moderator=moderator,
        target_user=target_user,
        action_type=str(action_type),
        reason=reason.strip(),
        duration_minutes=duration_minutes,
        report=report,
    )
    if notify and target_user is not None:
        publish_on_commit(
            user_group(target_user.pk), {"type": "notice", "action": notice_payload(action)}
        )
    return action
