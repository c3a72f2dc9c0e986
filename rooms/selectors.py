"""Reads with rules for rooms: access checks, my rooms with unread counts, members, history.

Who may see a room is decided by ``safety.policy`` (a room belongs to its owner's age segment;
public rooms are seen by people who may see the owner). This module adds the room's own state on
top: membership rows, roles and bans. Every list here costs a constant number of queries.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from rest_framework.fields import DateTimeField

from rooms.models import ChatRoom, ChatRoomMember, ChatRoomMessage, Role, RoomInvite
from safety import policy
from safety.models import ActionType, Block, ModerationAction
from safety.selectors import ACTION_COLUMNS, actions_from_columns
from wya.cursor import CursorPage, cursor_page
from wya.db import TimestampField, date_from_db
from wya.errors import Forbidden, NotFound

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
STAFF_ROLES = (Role.OWNER, Role.MOD)
ROLE_ORDER = {Role.OWNER: 0, Role.MOD: 1, Role.AGENT: 2, Role.USER: 3}


def no_such_room() -> NotFound:
    return NotFound("No such room.", code="not_found")


MAX_SERIAL = 2**31 - 1


def clean_room_id(value) -> int:
    """A room id from a URL, a body or a socket frame; anything that cannot be one is a 404."""
    if isinstance(value, bool):
        raise NotFound("No such room.", code="not_found")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_SERIAL:
        raise NotFound("No such room.", code="not_found")
    return value


# --- Access ---------------------------------------------------------------------------------
@dataclass
class RoomAccess:
    """A room the caller may know about, and the caller's membership row (or None)."""

    room: ChatRoom
    membership: ChatRoomMember | None

    @property
    def is_banned(self) -> bool:
        return self.membership is not None and self.membership.is_banned

    @property
    def is_member(self) -> bool:
        return self.membership is not None and not self.membership.is_banned

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership and self.is_member else None

    def require_member(self) -> ChatRoomMember:
        """The caller's non-banned membership, or 403 (banned / not a member)."""
        if self.is_banned:
            raise Forbidden("You are banned from this room.", code="banned")
        if self.membership is None or not self.is_member:
            raise Forbidden("You are not a member of this room.", code="not_member")
        return self.membership

    def require_staff(self) -> ChatRoomMember:
        """OWNR or MOD, or 403."""
        membership = self.require_member()
        if membership.role not in STAFF_ROLES:
            raise Forbidden(
                "Only the room's owner or a moderator may do this.", code="not_room_staff"
            )
        return membership

    def require_owner(self) -> ChatRoomMember:
        membership = self.require_member()
        if membership.role != Role.OWNER:
            raise Forbidden("Only the room's owner may do this.", code="not_room_owner")
        return membership


def room_access(user, room_id, *, for_update: bool = False) -> RoomAccess:
    """The room if ``user`` may know it exists, else 404 (other segment, block with the owner of
    a public room, private room they are not in). With ``for_update`` the room row is locked
    (call inside ``transaction.atomic``): every membership change serialises on it."""
    rooms = ChatRoom.objects.select_related("owner")
    if for_update:
        rooms = rooms.select_for_update(of=("self",))
    room = rooms.filter(pk=room_id).first()
    if room is None:
        raise no_such_room()
    membership = ChatRoomMember.objects.filter(room_id=room.pk, user_id=user.pk).first()
    if not policy.can_see_room(user, room, has_membership_row=membership is not None):
        raise no_such_room()
    return RoomAccess(room=room, membership=membership)


def _room_send_facts_sql() -> str:
    """One statement over the locked tables: the sender, the room and its owner, a block either
    way between sender and owner, the sender's membership row, the sender's mutes and
    restrictions (zero or more rows, in force or not)."""
    user, room, member = get_user_model()._meta, ChatRoom._meta, ChatRoomMember._meta
    block, action = Block._meta, ModerationAction._meta
    # Table names come from the models; every value is a parameter.
    return (
        "SELECT s.is_active, r.id, r.is_public, o.date_of_birth, o.is_active,"  # noqa: S608
        f" EXISTS (SELECT 1 FROM {block.db_table} b WHERE (b.blocker_id = s.id"
        " AND b.blocked_id = r.owner_id) OR (b.blocker_id = r.owner_id AND b.blocked_id = s.id)),"
        f" m.id, m.is_banned, {ACTION_COLUMNS}"
        f" FROM {user.db_table} s"
        f" LEFT JOIN {room.db_table} r ON r.id = %(room)s"
        f" LEFT JOIN {user.db_table} o ON o.id = r.owner_id"
        f" LEFT JOIN {member.db_table} m ON m.room_id = r.id AND m.user_id = s.id"
        f" LEFT JOIN {action.db_table} a ON a.target_user_id = s.id"
        " AND a.action_type IN (%(mute)s, %(restrict)s)"
        f"{policy.LIFTED_APPEAL_SQL}"
        " WHERE s.id = %(me)s"
    )


_ROOM_SEND_FACTS_SQL = _room_send_facts_sql()


def room_send_facts(user, room_id: int) -> policy.RoomSendFacts:
    """The facts ``policy.decide_room_send`` decides on, in ONE hand-written query: the hot path
    of every room message (building the equivalent ORM queries cost more CPU than running them).
    ``room_send_facts_from_orm`` is the reference it must equal."""
    params = {
        "me": user.pk,
        "room": room_id,
        "mute": ActionType.MUTE,
        "restrict": ActionType.RESTRICT,
        "lifted": policy.LIFTED,
    }
    with connection.cursor() as cursor:
        cursor.execute(_ROOM_SEND_FACTS_SQL, params)
        rows = cursor.fetchall()
    if not rows or rows[0][1] is None:
        return policy.RoomSendFacts(room_found=False)
    first = rows[0]
    return policy.RoomSendFacts(
        room_found=True,
        is_public=bool(first[2]),
        owner_birth_date=date_from_db(first[3]),
        owner_active=bool(first[4]),
        blocked_with_owner=bool(first[5]),
        has_row=first[6] is not None,
        is_banned=bool(first[7]),
        sender_active=bool(first[0]),
        restraints=policy.restraints_from(actions_from_columns(rows, 8)),
    )


def room_send_facts_from_orm(user, room_id: int) -> policy.RoomSendFacts:
    """The same facts through the ORM (a few queries): the reference, and for callers where a
    query or two more does not matter."""
    users = get_user_model().objects.filter(pk=user.pk)
    sender_active = users.values_list("is_active", flat=True).first()
    room = ChatRoom.objects.select_related("owner").filter(pk=room_id).first()
    if room is None or sender_active is None:
        return policy.RoomSendFacts(room_found=False)
    membership = ChatRoomMember.objects.filter(room_id=room.pk, user_id=user.pk).first()
    return policy.RoomSendFacts(
        room_found=True,
        is_public=room.is_public,
        owner_birth_date=room.owner.date_of_birth,
        owner_active=room.owner.is_active,
        blocked_with_owner=policy.blocked_either_way(user, room.owner),
        has_row=membership is not None,
        is_banned=membership is not None and membership.is_banned,
        sender_active=sender_active,
        restraints=policy.restraints_in_force(user),
    )


def room_ids_for_user(user) -> list[int]:
    """Rooms of the user's segment where the user is a non-banned member (the socket's rooms)."""
    return list(
        ChatRoomMember.objects.filter(user_id=user.pk, is_banned=False)
        .filter(policy.room_segment_q(user, prefix="room__"))
        .order_by("room_id")
        .values_list("room_id", flat=True)
    )


def room_capacity(room) -> int:
    """How many non-banned members the room takes: its own limit within the Alpha cap."""
    return min(room.max_participants, settings.ALPHA_MAX_ROOM_MEMBERS)


def capacity_expression() -> Least:
    """``room_capacity`` as a database expression over ``chat_rooms`` (for lists of rooms)."""
    return Least("max_participants", Value(settings.ALPHA_MAX_ROOM_MEMBERS))


def member_count(room_id) -> int:
    return ChatRoomMember.objects.filter(room_id=room_id, is_banned=False).count()


def room_for_display(user, room: ChatRoom) -> ChatRoom:
    """The room with ``member_count`` and the caller's ``my_role`` (None unless a member)."""
    # Display-only attributes (not columns) that RoomDetailOutput reads.
    room.member_count = member_count(room.pk)  # type: ignore[attr-defined]
    membership = ChatRoomMember.objects.filter(room_id=room.pk, user_id=user.pk).first()
    room.my_role = membership.role if membership and not membership.is_banned else None  # type: ignore[attr-defined]
    return room


def _member_count_subquery(room_ref: str):
    counts = (
        ChatRoomMember.objects.filter(room_id=OuterRef(room_ref), is_banned=False)
        .order_by()
        .values("room_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


# --- My rooms -------------------------------------------------------------------------------
def visible_messages(viewer) -> QuerySet:
    """Room messages minus those whose author the viewer blocked or who blocked the viewer."""
    return ChatRoomMessage.objects.exclude(policy.block_exists_q(viewer, "user_id"))


def my_rooms(user) -> QuerySet:
    """My non-banned memberships (rooms of my segment) with the room, ``unread_count`` and
    ``member_count``; most recently active room first. One query for any page size.

    Unread: messages created after my ``last_seen_at`` (all of them if I never read the room),
    not counting my own messages nor those of people blocked either way with me.
    """
    since = Coalesce(OuterRef("last_seen_at"), Value(EPOCH, output_field=TimestampField()))
    unread = (
        visible_messages(user)
        .filter(room_id=OuterRef("room_id"), created_at__gt=since)
        .exclude(user_id=user.pk)
        .order_by()
        .values("room_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    last_message = (
        ChatRoomMessage.objects.filter(room_id=OuterRef("room_id")).order_by("-id").values("id")[:1]
    )
    return (
        ChatRoomMember.objects.filter(user_id=user.pk, is_banned=False)
        .filter(policy.room_segment_q(user, prefix="room__"))
        .select_related("room")
        .annotate(
            unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            member_count=_member_count_subquery("room_id"),
            last_message_id=Subquery(last_message, output_field=IntegerField()),
        )
        .order_by(F("last_message_id").desc(nulls_last=True), "-room_id")
    )


# --- Members --------------------------------------------------------------------------------
def room_members(viewer, access: RoomAccess) -> QuerySet:
    """Members of the room as ``viewer`` (a member) may see them: people blocked either way with
    the viewer are left out; banned rows are listed for the owner and moderators only (so they
    can unban), never for ordinary members. Ordered owner, moderators, members, then by seniority.
    """
    rows = (
        ChatRoomMember.objects.filter(room_id=access.room.pk)
        .exclude(policy.block_exists_q(viewer, "user_id"))
        .exclude(policy.crossed_member_q())  # someone who turned 18 is out of a teen room
        .select_related("user__profile")
        .annotate(
            role_rank=Case(
                *[When(role=role, then=Value(rank)) for role, rank in ROLE_ORDER.items()],
                default=Value(9),
                output_field=IntegerField(),
            )
        )
        .order_by("is_banned", "role_rank", "joined_at", "id")
    )
    if access.role not in STAFF_ROLES:
        rows = rows.filter(is_banned=False)
    return rows


# --- History --------------------------------------------------------------------------------
def room_message_payload(message: ChatRoomMessage) -> dict:
    """The one shape of a room message: the ``room.message`` frame and the REST output."""
    return {
        "id": message.id,
        "room_id": message.room_id,
        "user_id": message.user_id,
        "message": message.message,
        "media_url": message.media_url,
        "created_at": DateTimeField().to_representation(message.created_at),
    }


def room_history(viewer, room_id: int, *, before=None, after=None, limit: int = 50) -> CursorPage:
    """A page of the room's messages in ascending id order, minus blocked authors. One query."""
    messages = (
        visible_messages(viewer)
        .filter(room_id=room_id)
        .only("id", "room_id", "user_id", "message", "media_url", "created_at")
    )
    return cursor_page(messages, before=before, after=after, limit=limit)


def handover_candidate(
    room_id: int, *, exclude_user_id: str, segment: str | None = None
) -> ChatRoomMember | None:
    """Who gets the room when its owner leaves: the longest-standing moderator, else the
    longest-standing member (banned people never), of the room's segment ``segment`` as of now:
    a member who turned 18 never inherits a teen room."""
    rows = ChatRoomMember.objects.filter(room_id=room_id, is_banned=False).exclude(
        user_id=exclude_user_id
    )
    if segment is not None:
        rows = rows.filter(policy.segment_q(segment, prefix="user__"))
    return (
        rows.filter(role=Role.MOD).order_by("joined_at", "id").first()
        or rows.order_by("joined_at", "id").first()
    )


def rooms_with_crossed_owner() -> list[int]:
    """Ids of rooms whose owner is an adult now while non-banned teens are members (the owner
    turned 18): they must pass to a teen."""
    teen_members = ChatRoomMember.objects.filter(room_id=OuterRef("pk"), is_banned=False).filter(
        policy.segment_q(policy.TEEN, prefix="user__")
    )
    return list(
        ChatRoom.objects.filter(policy.segment_q(policy.ADULT, prefix="owner__"))
        .filter(Exists(teen_members))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def crossed_memberships() -> QuerySet:
    """Membership rows (banned ones too) whose member is in another segment than the owner."""
    return ChatRoomMember.objects.filter(policy.crossed_member_q()).order_by("room_id", "id")


# --- Invitations ----------------------------------------------------------------------------
def invite_cutoff() -> dt.datetime:
    """Invitations created before this moment have lapsed (``settings.ROOM_INVITE_TTL_DAYS``)."""
    return timezone.now() - dt.timedelta(days=settings.ROOM_INVITE_TTL_DAYS)


def pending_invites() -> QuerySet:
    """Invitations that have not lapsed (a lapsed row is ignored, and replaced by a new invite)."""
    return RoomInvite.objects.filter(created_at__gte=invite_cutoff())


def pending_invite(room_id: int, user_id: str) -> RoomInvite | None:
    return (
        pending_invites()
        .select_related("room__owner", "inviter")
        .filter(room_id=room_id, invitee_id=user_id)
        .first()
    )


def invited_room_access(user, invite: RoomInvite) -> RoomAccess:
    """The room of a pending ``invite`` for its invitee, locked (call inside
    ``transaction.atomic``): a private room the invitee may not otherwise know. Whether they may
    accept is the policy's (``may_accept_invite``)."""
    room = (
        ChatRoom.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=invite.room_id)
    )
    membership = ChatRoomMember.objects.filter(room_id=room.pk, user_id=user.pk).first()
    return RoomAccess(room=room, membership=membership)


def my_invites(viewer) -> QuerySet:
    """My pending invitations that I may still accept: a room of my segment whose owner and
    inviter I may see (a block either way, a ban or a birthday since hides the invitation)."""
    visible = policy.visible_users(viewer).values("pk")
    return (
        pending_invites()
        .filter(invitee_id=viewer.pk)
        .filter(policy.room_segment_q(viewer, prefix="room__"))
        .filter(room__owner_id__in=visible, inviter_id__in=visible)
        .select_related("room", "inviter__profile", "invitee__profile")
        .order_by("-created_at", "-id")
    )


def room_invites(room_id: int) -> QuerySet:
    """The room's pending invitations, for its owner and moderators (newest first)."""
    return (
        pending_invites()
        .filter(room_id=room_id)
        .select_related("room", "inviter__profile", "invitee__profile")
        .order_by("-created_at", "-id")
    )


def _person(user) -> dict:
    # ``accounts`` sits above rooms (docs/architecture.md): read the profile relation directly;
    # an account without a profile (``createsuperuser``) shows no name.
    profile = getattr(user, "profile", None)
    return {
        "user_id": user.pk,
        "display_name": getattr(profile, "display_name", None),
        "avatar_url": getattr(profile, "avatar_url", None),
    }


def invite_payload(invite: RoomInvite) -> dict:
    """The one shape of an invitation: the ``room.invite`` frame's body and the REST output."""
    room = invite.room
    expires_at = invite.created_at + dt.timedelta(days=settings.ROOM_INVITE_TTL_DAYS)
    return {
        "room_id": room.pk,
        "room": {
            "id": room.pk,
            "room_name": room.room_name,
            "description": room.description,
            "is_public": room.is_public,
            "background_color": room.background_color,
        },
        "invitee": _person(invite.invitee),
        "invited_by": _person(invite.inviter),
        "created_at": DateTimeField().to_representation(invite.created_at),
        "expires_at": DateTimeField().to_representation(expires_at),
    }
