"""The moderation log writer: one ``moderation_actions`` row per action, and its notice.

Every service that acts against a person calls ``record`` inside its own transaction: the
moderators' console (``safety.services``), platform bans and staff deletions
(``accounts.services``), and room-level kicks and bans (``rooms.services``). The row is the
record (append-only: nothing edits or deletes it) and the target's open sockets get a
``notice`` frame once the transaction commits, so nothing is done in the shadows.

Room-level actions (``record_room_action``) are logged the same way, with the owner's reason
kept for moderators, but what the person is told is written here, not by the owner: "Banned
from the room “…” by the room's owner", marked ``source: "room"``, and nothing at all to
someone who was never in the room (docs/moderation.md, "Notices").

This module imports no other app's services, so every app's services may import it.
"""

from safety.models import ROOM_ACTION_TYPES, ActionType, ModerationAction, RoomAction
from wya.live import publish_on_commit, user_group

ROOM_MODERATOR_REASON = "Removed by a room moderator."
SOURCE_PLATFORM = "platform"
SOURCE_ROOM = "room"

# What a room action's target reads: fixed words, the room's name and the actor's room role.
_ROOM_NOTICE = {
    ActionType.ROOM_KICK: "Removed from {room} by the room's {role}.",
    ActionType.ROOM_BAN: "Banned from {room} by the room's {role}.",
    ActionType.ROOM_UNBAN: "Your ban from {room} was lifted by the room's {role}.",
}
_ROLE_WORDS = {"OWNER": "owner", "MOD": "moderator"}


def notice_source(action: ModerationAction) -> str:
    """``room`` for a room owner's or moderator's action, ``platform`` for WYA!?'s moderators."""
    return SOURCE_ROOM if action.action_type in ROOM_ACTION_TYPES else SOURCE_PLATFORM


def notice_reason(action: ModerationAction) -> str:
    """The reason the target is shown: a moderator's own words for a platform action; for a room
    action never the owner's free text (which could pose as WYA!? staff), only fixed words."""
    if notice_source(action) == SOURCE_PLATFORM:
        return action.reason
    # A missing detail (a row logged before the table existed) reads as AttributeError.
    detail = getattr(action, "room_detail", None)
    if detail is None:
        words = {"room": "a room", "role": "owner or moderator"}
    else:
        words = {
            "room": f"the room “{detail.room_name}”",
            "role": _ROLE_WORDS.get(detail.actor_role, "owner"),
        }
    return _ROOM_NOTICE[ActionType(action.action_type)].format(**words)


def notice_payload(action: ModerationAction) -> dict:
    """What the target is told about an action against them (API.md ``notice`` frame)."""
    expires_at = action.expires_at
    return {
        "id": action.pk,
        "action_type": action.action_type,
        "reason": notice_reason(action),
        "source": notice_source(action),
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


def record_room_action(
    *, actor, actor_role: str, target_user, action_type: str, room, reason: str, notify: bool
) -> ModerationAction:
    """Log a room kick, ban or unban (call inside the room service's transaction): the row with
    the owner's reason for moderators, its room detail, and, only if ``notify``, a notice in
    fixed words to the person. ``notify=False`` for someone who was never in the room."""
    action = record(
        moderator=actor,
        target_user=target_user,
        action_type=action_type,
        reason=f"{reason} (room: {room.room_name})"[:2000],
        notify=False,
    )
    # Creating the detail also caches it on ``action`` (one-to-one), for the payload below.
    RoomAction.objects.create(
        action=action,
        room=room,
        room_name=room.room_name[:255],
        actor_role=actor_role,
        notified=notify,
    )
    if notify:
        publish_on_commit(
            user_group(target_user.pk), {"type": "notice", "action": notice_payload(action)}
        )
    return action


def room_ban_was_notified(*, room_id: int, user_id: str) -> bool:
    """Was this person told of their latest ban from this room (so may be told it is lifted)?"""
    latest = (
        RoomAction.objects.filter(
            room_id=room_id,
            action__target_user_id=user_id,
            action__action_type=ActionType.ROOM_BAN,
        )
        .order_by("-action_id")
        .values_list("notified", flat=True)
        .first()
    )
    return bool(latest)
