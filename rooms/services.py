"""Every write on rooms, memberships and room messages.

Keyword-only arguments, one transaction each, service errors (``wya.errors``) for refusals, and
live events published only after commit (``wya.live.publish_on_commit``). REST views, the
WebSocket consumer, pages and the admin all call these functions; nobody else writes.

Membership changes lock the room row first (``SELECT ... FOR UPDATE``), so capacity checks,
joins, adds, bans and ownership handovers never interleave.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rooms.models import (
    DESCRIPTION_MAX,
    ROOM_NAME_MAX,
    ChatRoom,
    ChatRoomMember,
    ChatRoomMessage,
    Role,
    RoomInvite,
)
from rooms.selectors import (
    RoomAccess,
    clean_room_id,
    crossed_memberships,
    handover_candidate,
    invite_payload,
    invited_room_access,
    member_count,
    pending_invite,
    room_access,
    room_capacity,
    room_message_payload,
    room_send_facts,
    rooms_with_crossed_owner,
)
from safety import moderation_log, policy
from safety.models import ActionType
from safety.selectors import is_user_id, room_has_open_reports, user_or_404
from uploads.services import require_issued_media
from wya import ratelimit
from wya.db import insert_one
from wya.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from wya.live import publish_on_commit, room_group, user_group
from wya.validators import clean_message, music_provider_for, validate_color


# --- Small helpers --------------------------------------------------------------------------
def _access(user, room_id, *, for_update: bool = False) -> RoomAccess:
    return room_access(user, clean_room_id(room_id), for_update=for_update)


def _membership_of(room: ChatRoom, user_id: str) -> ChatRoomMember | None:
    if not is_user_id(user_id):
        return None
    return ChatRoomMember.objects.filter(room_id=room.pk, user_id=user_id).first()


def _clean_room_name(value) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if "\x00" in name:
        raise Invalid("A room name cannot contain NUL characters.", code="invalid")
    if not name:
        raise Invalid("A room name is required.", code="invalid")
    if len(name) > ROOM_NAME_MAX:
        raise Invalid(f"A room name has at most {ROOM_NAME_MAX} characters.", code="invalid")
    return name


def _clean_description(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > DESCRIPTION_MAX or "\x00" in value:
        raise Invalid(f"A description has at most {DESCRIPTION_MAX} characters.", code="invalid")
    return value.strip() or None


def _clean_music(url) -> tuple[str | None, str | None]:
    """``(music_url, music_provider)``; empty clears the music."""
    if url is None or url == "":
        return None, None
    try:
        return url, music_provider_for(url)
    except ValidationError as error:
        raise Invalid(f"music_url: {error.messages[0]}", code="invalid")


def _clean_max_participants(value) -> int:
    cap = settings.ALPHA_MAX_ROOM_MEMBERS
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= cap:
        raise Invalid(f"max_participants must be between 2 and {cap}.", code="invalid")
    return value


def _clean_background_color(value) -> str:
    try:
        validate_color(value)
    except ValidationError as error:
        raise Invalid(f"background_color: {' '.join(error.messages)}", code="invalid")
    return value


def member_event(room_id: int, user_id: str, event: str, role: str | None) -> dict:
    return {
        "type": "room.member",
        "room_id": room_id,
        "user_id": user_id,
        "event": event,
        "role": role,
    }


def _publish_member(room_id: int, user_id: str, event: str, role: str | None = None) -> None:
    """``room.member`` to the room after commit; a join also goes to the new member's sockets."""
    payload = member_event(room_id, user_id, event, role)
    publish_on_commit(room_group(room_id), payload)
    if event == "joined":
        publish_on_commit(user_group(user_id), payload)


def _ensure_capacity(room: ChatRoom) -> None:
    """Call with the room row locked: counts non-banned members against the Alpha cap."""
    if member_count(room.pk) >= room_capacity(room):
        raise Conflict(
            f"This room is full ({room_capacity(room)} members at most).", code="room_full"
        )


# --- Rooms ----------------------------------------------------------------------------------
@transaction.atomic
def room_create(
    *,
    user,
    room_name,
    description=None,
    is_public: bool = True,
    background_color: str = ChatRoom.DEFAULT_BACKGROUND_COLOR,
    music_url=None,
    max_participants=None,
) -> ChatRoom:
    """Create a room; the creator becomes its owner (an ``OWNR`` membership row)."""
    policy.raise_for(policy.may_create_room(user))
    music_url, music_provider = _clean_music(music_url)
    now = timezone.now()
    room = ChatRoom.objects.create(
        room_name=_clean_room_name(room_name),
        description=_clean_description(description),
        owner=user,
        is_public=bool(is_public),
        background_color=_clean_background_color(background_color),
        music_url=music_url,
        music_provider=music_provider,
        max_participants=_clean_max_participants(
            settings.ALPHA_MAX_ROOM_MEMBERS if max_participants is None else max_participants
        ),
        created_at=now,
        updated_at=now,
    )
    ChatRoomMember.objects.create(room=room, user=user, role=Role.OWNER, joined_at=now)
    _publish_member(room.pk, user.pk, "joined", Role.OWNER)
    return room


# Fields whose text every member reads: a muted editor may not change them.
_TEXT_FIELDS = frozenset({"room_name", "description", "music_url"})
_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "room_name": _clean_room_name,
    "description": _clean_description,
    "is_public": bool,
    "background_color": _clean_background_color,
    "max_participants": _clean_max_participants,
}


def _room_changes(fields: dict) -> dict:
    """The cleaned value of each field sent."""
    unknown = set(fields) - set(_CLEANERS) - {"music_url"}
    if unknown:
        raise TypeError(f"room_update() got unknown fields: {sorted(unknown)}")
    changes = {name: _CLEANERS[name](value) for name, value in fields.items() if name in _CLEANERS}
    if "music_url" in fields:
        changes["music_url"], changes["music_provider"] = _clean_music(fields["music_url"])
    return changes


@transaction.atomic
def room_update(*, user, room_id, **fields) -> ChatRoom:
    """Edit a room (owner or moderator): ``room_name``, ``description``, ``is_public``,
    ``background_color``, ``music_url``, ``max_participants``; only the ones passed change.
    The policy decides on what actually changes (``may_edit_room``: a settings form sends every
    field, unchanged ones included). Lowering ``max_participants`` below the current number of
    members removes nobody; it only stops new joins until people leave."""
    access = _access(user, room_id, for_update=True)
    access.require_staff()
    room = access.room
    changes = _room_changes(fields)
    changed = {name for name, value in changes.items() if getattr(room, name) != value}
    decision = policy.may_edit_room(
        user,
        room,
        changes_text=bool(changed & _TEXT_FIELDS),
        makes_public=changes.get("is_public") is True and not room.is_public,
    )
    policy.raise_for(decision)
    for name, value in changes.items():
        setattr(room, name, value)
    room.updated_at = timezone.now()
    room.save()
    return room


UNDER_REVIEW = (
    "This room has open reports: it can be deleted once moderators have reviewed them "
    "(its messages are their evidence). You can leave it meanwhile."
)


@transaction.atomic
def room_delete(*, user, room_id) -> None:
    """Delete a room with its memberships and messages (owner only). Refused with 409
    ``under_review`` while a report about the room or one of its messages is open: the
    messages are the evidence moderators review."""
    access = _access(user, room_id, for_update=True)
    access.require_owner()
    if room_has_open_reports(access.room.pk):
        raise Conflict(UNDER_REVIEW, code="under_review")
    access.room.delete()


# --- Membership -----------------------------------------------------------------------------
def _join_access(user, room_id: int, invite: RoomInvite | None) -> RoomAccess:
    """The room to join, locked. A pending invitation opens a room the person could not
    otherwise know (a private one); without one, the usual 404."""
    try:
        return room_access(user, room_id, for_update=True)
    except NotFound:
        if invite is None:
            raise
        return invited_room_access(user, invite)


@transaction.atomic
def room_join(*, user, room_id) -> tuple[ChatRoomMember, bool]:
    """Join a public room of my segment, or accept a pending invitation (any room, private
    included: docs/rooms.md "Invites"). Returns ``(membership, created)``; joining a room I am
    already in changes nothing. Capacity is checked with the room row locked; bans hold either
    way; joining consumes the invitation."""
    room_id = clean_room_id(room_id)
    invite = pending_invite(room_id, user.pk)
    access = _join_access(user, room_id, invite)
    if invite is not None:  # read again under the room lock: a cancel may have come first
        invite = pending_invite(room_id, user.pk)
    if access.is_banned:
        raise Forbidden("You are banned from this room.", code="banned")
    if access.membership is not None and access.is_member:
        RoomInvite.objects.filter(room_id=room_id, invitee_id=user.pk).delete()
        return access.membership, False
    if invite is None:
        policy.raise_for(policy.may_join_room(user, access.room))
    else:
        policy.raise_for(policy.may_accept_invite(user, invite))
    _ensure_capacity(access.room)
    membership = ChatRoomMember.objects.create(
        room=access.room, user=user, role=Role.USER, joined_at=timezone.now()
    )
    RoomInvite.objects.filter(room_id=room_id, invitee_id=user.pk).delete()
    _publish_member(access.room.pk, user.pk, "joined", Role.USER)
    return membership, True


@transaction.atomic
def room_leave(*, user, room_id) -> ChatRoom | None:
    """Leave a room. When the owner leaves, the room goes to the longest-standing moderator, else
    the longest-standing member; an owner leaving an otherwise empty room deletes it.
    Returns the room, or None when it was deleted. A banned person cannot "leave" (that would
    erase the ban)."""
    access = _access(user, room_id, for_update=True)
    membership = access.require_member()
    room = access.room
    if membership.role != Role.OWNER:
        membership.delete()
        _publish_member(room.pk, user.pk, "left")
        return room
    heir = handover_candidate(
        room.pk, exclude_user_id=user.pk, segment=policy.age_segment(room.owner)
    )
    if heir is None and room_has_open_reports(room.pk):
        # The last person leaves a room under review: keep it (and its messages, the evidence)
        # without members, private so nobody finds or joins it, until moderators are done.
        membership.delete()
        room.is_public = False
        room.updated_at = timezone.now()
        room.save(update_fields=["is_public", "updated_at"])
        _publish_member(room.pk, user.pk, "left")
        return room
    if heir is None:
        room.delete()
        return None
    _hand_over(room, membership, heir)
    return room


def _hand_over(room: ChatRoom, membership: ChatRoomMember, heir: ChatRoomMember) -> None:
    """The owner's ``membership`` goes and ``heir`` owns the room (room row locked)."""
    user_id = membership.user_id
    membership.delete()
    heir.role = Role.OWNER
    heir.save(update_fields=["role"])
    room.owner_id = heir.user_id
    room.updated_at = timezone.now()
    room.save(update_fields=["owner", "updated_at"])
    _publish_member(room.pk, user_id, "left")
    _publish_member(room.pk, heir.user_id, "role", Role.OWNER)


@transaction.atomic
def rooms_segment_sweep() -> dict:
    """Apply birthdays to room memberships (``safety.policy``, "Crossing 18"): an owner who
    turned 18 leaves their teen room and it passes to its senior teen member; then every
    membership whose member is in another segment than the owner is deleted ("left" to the room,
    so open sockets unsubscribe). Returns counts. Idempotent; ``manage.py segment_sweep``."""
    handed_over = 0
    for room_id in rooms_with_crossed_owner():
        room = ChatRoom.objects.select_for_update().select_related("owner").get(pk=room_id)
        heir = handover_candidate(room.pk, exclude_user_id=room.owner_id, segment=policy.TEEN)
        membership = ChatRoomMember.objects.filter(room_id=room.pk, user_id=room.owner_id).first()
        if heir is None or membership is None:
            continue
        _hand_over(room, membership, heir)
        handed_over += 1
    removed = 0
    for membership in list(crossed_memberships()):
        ChatRoom.objects.select_for_update().filter(pk=membership.room_id).first()
        membership.delete()
        removed += 1
        if not membership.is_banned:
            _publish_member(membership.room_id, membership.user_id, "left")
    return {"handed_over": handed_over, "removed": removed}


@transaction.atomic
def rooms_leave_all(*, user) -> None:
    """Leave every room at once (account deletion). Owned rooms are handed over exactly as when
    the owner leaves; ban rows stay, so a ban still holds on the tombstoned account."""
    room_ids = ChatRoomMember.objects.filter(user_id=user.pk, is_banned=False).values_list(
        "room_id", flat=True
    )
    for room_id in list(room_ids):
        room_leave(user=user, room_id=room_id)


def _refuse_invite_conflicts(room: ChatRoom, target) -> None:
    """Room state that makes an invitation pointless: 409 with the reason's code."""
    existing = _membership_of(room, target.pk)
    if existing is not None and existing.is_banned:
        raise Conflict("This person is banned from the room; unban them first.", code="banned")
    if existing is not None:
        raise Conflict("This person is already a member.", code="already_member")
    if pending_invite(room.pk, target.pk) is not None:
        raise Conflict(
            "This person already has an invitation to this room.", code="already_invited"
        )


@transaction.atomic
def room_invite_create(*, actor, room_id, user_id) -> RoomInvite:
    """An owner or moderator invites someone (docs/rooms.md "Invites"). Nobody becomes a member
    here: the invitee joins by accepting (``room_join``), or declines, silently. The invitee's
    sockets get a ``room.invite`` frame after commit."""
    access = _access(actor, room_id, for_update=True)
    access.require_staff()  # the room role first, as for every staff action: ids leak nothing
    target = user_or_404(user_id)
    policy.raise_for(policy.may_invite(actor, target, access.room))
    _refuse_invite_conflicts(access.room, target)
    if not ratelimit.allow("room_invites", actor.pk):
        raise RateLimited(
            "You are sending invitations too fast; wait a while.", code="rate_limited"
        )
    # A lapsed invitation still holds the (room, invitee) row: it gives way to the new one.
    RoomInvite.objects.filter(room_id=access.room.pk, invitee_id=target.pk).delete()
    invite = RoomInvite.objects.create(
        room=access.room, inviter=actor, invitee=target, created_at=timezone.now()
    )
    publish_on_commit(user_group(target.pk), {"type": "room.invite", **invite_payload(invite)})
    return invite


@transaction.atomic
def room_invite_decline(*, user, room_id) -> None:
    """The invitee declines: the invitation goes, and the inviter is told nothing."""
    deleted, _ = RoomInvite.objects.filter(
        room_id=clean_room_id(room_id), invitee_id=user.pk
    ).delete()
    if not deleted:
        raise NotFound("You have no invitation to this room.", code="not_found")


@transaction.atomic
def room_invite_cancel(*, actor, room_id, user_id) -> None:
    """An owner or moderator withdraws a pending invitation. Publishes nothing."""
    access = _access(actor, room_id, for_update=True)
    access.require_staff()
    if not is_user_id(user_id):
        raise NotFound("This person has no invitation to this room.", code="not_found")
    deleted, _ = RoomInvite.objects.filter(room_id=access.room.pk, invitee_id=user_id).delete()
    if not deleted:
        raise NotFound("This person has no invitation to this room.", code="not_found")


def _target_member(access: RoomAccess, user_id) -> ChatRoomMember:
    target = _membership_of(access.room, user_id)
    if target is None:
        raise NotFound("This person is not a member of this room.", code="not_member")
    return target


def member_facts(row: ChatRoomMember) -> policy.MemberFacts:
    return policy.MemberFacts(
        user_id=row.user_id, is_owner=row.role == Role.OWNER, is_mod=row.role == Role.MOD
    )


def _check_may_moderate(actor: ChatRoomMember, target: ChatRoomMember, verb: str) -> None:
    policy.raise_for(policy.may_moderate_member(member_facts(actor), member_facts(target), verb))


@transaction.atomic
def room_member_set_role(*, actor, room_id, user_id, role: str) -> ChatRoomMember:
    """The owner makes a member a moderator or back (``MOD``/``USER`` only)."""
    if role not in (Role.MOD, Role.USER):
        raise Invalid('Role must be "MOD" or "USER".', code="invalid")
    access = _access(actor, room_id, for_update=True)
    owner = access.require_owner()
    target = _target_member(access, user_id)
    if target.is_banned:
        raise Conflict("This person is banned from the room.", code="banned")
    policy.raise_for(policy.may_change_role(member_facts(owner), member_facts(target)))
    if target.role != role:
        target.role = role
        target.save(update_fields=["role"])
        _publish_member(access.room.pk, target.user_id, "role", role)
    return target


def _log_room_action(
    access: RoomAccess, actor, target_user_id: str, action_type: str, reason, *, notify: bool
) -> None:
    """Room-level removals are moderation actions too: a ``moderation_actions`` row (moderator:
    the room's owner or moderator) with the given reason, kept for WYA!?'s moderators. The
    person is told in fixed words only (``notify``: they were in the room), never the reason."""
    reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
    moderation_log.record_room_action(
        actor=actor,
        actor_role=access.require_staff().role,
        target_user=get_user_model().objects.get(pk=target_user_id),
        action_type=action_type,
        room=access.room,
        reason=reason or moderation_log.ROOM_MODERATOR_REASON,
        notify=notify,
    )


def _check_room_moderation_rate(actor) -> None:
    """Kicks, bans and unbans each log an action and may notify someone: a per-actor limit
    (``RATE_LIMITS["room_moderation"]``) keeps them from being a notice cannon."""
    if not ratelimit.allow("room_moderation", actor.pk):
        raise RateLimited(
            "You are removing and banning people too fast; wait a while.", code="rate_limited"
        )


@transaction.atomic
def room_member_kick(*, actor, room_id, user_id, reason=None) -> None:
    """Remove a member (owner or moderator). A kicked person may rejoin a public room."""
    _check_room_moderation_rate(actor)
    access = _access(actor, room_id, for_update=True)
    staff = access.require_staff()
    target = _target_member(access, user_id)
    if target.is_banned:
        raise Conflict("This person is already banned from the room.", code="banned")
    _check_may_moderate(staff, target, "kick")
    target.delete()
    _publish_member(access.room.pk, target.user_id, "kicked")
    _log_room_action(access, actor, target.user_id, ActionType.ROOM_KICK, reason, notify=True)


@transaction.atomic
def room_member_ban(*, actor, room_id, user_id, reason=None) -> ChatRoomMember:
    """Ban someone (owner or moderator): the membership row stays with ``is_banned=True`` (and
    loses any moderator role), so they cannot rejoin, be added, read or send. Someone who is not
    a member (yet) can be banned too, if they are in the room's segment: silently (logged, no
    notice to them: they were never in the room). Banning twice is a no-op.
    """
    _check_room_moderation_rate(actor)
    access = _access(actor, room_id, for_update=True)
    staff = access.require_staff()
    target = _membership_of(access.room, user_id)
    person = target.user if target is not None else user_or_404(user_id)
    if person.pk != staff.user_id:
        decision = policy.may_ban_from_room(actor, person, access.room)
        if not decision:
            raise NotFound(decision.detail, code=decision.code)
    if target is None:
        if person.pk == staff.user_id:
            raise Forbidden("You cannot ban yourself.", code="forbidden")
        target = ChatRoomMember.objects.create(
            room=access.room, user=person, role=Role.USER, is_banned=True
        )
        _publish_member(access.room.pk, person.pk, "banned")
        _log_room_action(access, actor, person.pk, ActionType.ROOM_BAN, reason, notify=False)
        return target
    if target.is_banned:
        return target
    _check_may_moderate(staff, target, "ban")
    target.is_banned = True
    target.role = Role.USER
    target.save(update_fields=["is_banned", "role"])
    _publish_member(access.room.pk, target.user_id, "banned")
    _log_room_action(access, actor, target.user_id, ActionType.ROOM_BAN, reason, notify=True)
    return target


@transaction.atomic
def room_member_unban(*, actor, room_id, user_id) -> None:
    """Lift a ban (owner or moderator): the row goes; the person is not a member again until
    they join (public room) or are added. Publishes no member event: no member joined or left.
    The person hears of it only if they were told of the ban."""
    _check_room_moderation_rate(actor)
    access = _access(actor, room_id, for_update=True)
    access.require_staff()
    target = _membership_of(access.room, user_id)
    if target is None or not target.is_banned:
        raise NotFound("This person is not banned from this room.", code="not_banned")
    target.delete()
    told = moderation_log.room_ban_was_notified(room_id=access.room.pk, user_id=target.user_id)
    _log_room_action(
        access, actor, target.user_id, ActionType.ROOM_UNBAN, "Room ban lifted.", notify=told
    )


# --- Messages and read markers --------------------------------------------------------------
def room_message_send(
    *, user, room_id: int, message: str, media_url: str | None = None
) -> ChatRoomMessage:
    """Send a room message: the one code path of REST and the socket.

    Member and not banned, not muted, text stripped and 1..2000 characters (empty allowed with
    media), media only a URL ``/api/media/`` issued to the sender, the shared ``messages`` rate
    limit; then saved and published to ``room.<id>`` after commit.

    The hot path: ``policy.decide_room_send`` decides, with its precise refusal, on the facts
    read by ONE query (``room_send_facts``). The save is one INSERT, atomic by itself (no
    BEGIN/COMMIT round trips): two PostgreSQL round trips per message.
    """
    room_id = clean_room_id(room_id)
    policy.raise_for(policy.decide_room_send(user, room_send_facts(user, room_id)))
    text, media_url = clean_message(message, media_url)
    require_issued_media(media_url, user)
    if not ratelimit.allow("messages", user.pk):
        raise RateLimited("You are sending messages too fast; wait a moment.", code="rate_limited")
    saved = insert_one(
        ChatRoomMessage,
        room_id=room_id,
        user_id=user.pk,
        message=text,
        media_url=media_url,
        created_at=timezone.now(),
    )
    publish_on_commit(
        room_group(room_id), {"type": "room.message", "message": room_message_payload(saved)}
    )
    return saved


@transaction.atomic
def room_mark_read(*, user, room_id) -> ChatRoomMember:
    """Set my read marker to now (members only). Publishes nothing."""
    access = _access(user, room_id)
    membership = access.require_member()
    membership.last_seen_at = timezone.now()
    membership.save(update_fields=["last_seen_at"])
    return membership
