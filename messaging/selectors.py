"""Reads with rules for direct messages and presence.

Who may see whom is decided by ``safety.policy`` (segment, block, platform ban); this module only
adds the relationship that presence needs on top, a contact both people chose (docs/live.md
"Presence"): they share a room (non-banned memberships on both sides; every member joined by
themself, since staff invite rather than add) or a direct-message conversation BOTH wrote in.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, Exists, F, Max, OuterRef, Q, QuerySet, When
from django.utils import timezone

from messaging.models import FirstContactPrompt, Presence, PresenceStatus, PrivateMessage
from rooms.models import ChatRoomMember
from safety import policy
from safety.models import ActionType, Block, ModerationAction, Report
from safety.selectors import (
    ACTION_COLUMNS,
    actions_from_columns,
    is_user_id,
    visible_user_or_404,
)
from uploads.services import media_kind
from wya.cursor import CursorPage, cursor_page
from wya.db import date_from_db
from wya.errors import Invalid, NotFound

User = get_user_model()


# --- Relationships --------------------------------------------------------------------------
def _room_ids_q(user_id: str) -> QuerySet:
    return ChatRoomMember.objects.filter(user_id=user_id, is_banned=False).values("room_id")


def related_user_ids_q(user) -> Q:
    """Users who chose the contact with ``user`` as ``user`` did: co-members of a non-banned room
    membership, or a conversation in which each wrote to the other. One unanswered message gives
    nothing: otherwise anyone could read a stranger's presence by writing to them once."""
    co_members = ChatRoomMember.objects.filter(
        room_id__in=_room_ids_q(user.pk), is_banned=False
    ).values("user_id")
    wrote_to = PrivateMessage.objects.filter(sender_id=user.pk).values("recipient_id")
    wrote_me = PrivateMessage.objects.filter(recipient_id=user.pk).values("sender_id")
    return Q(pk__in=co_members) | (Q(pk__in=wrote_to) & Q(pk__in=wrote_me))


def presence_audience_ids(user) -> list[str]:
    """Everyone who may see ``user``'s presence (the relation is symmetric), not ``user``."""
    return list(
        policy.visible_users(user)
        .filter(related_user_ids_q(user))
        .values_list("pk", flat=True)
        .distinct()
    )


# --- Presence -------------------------------------------------------------------------------
def _is_stale(row: Presence, now: dt.datetime) -> bool:
    cutoff = now - dt.timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    return row.last_seen_at is None or row.last_seen_at < cutoff


def presence_state(row: Presence | None, *, now: dt.datetime | None = None) -> dict:
    """``{status, activity, room_id}`` of a presence row; no row or a stale row is offline."""
    now = now or timezone.now()
    if row is None or row.status == PresenceStatus.OFFLINE or _is_stale(row, now):
        return {"status": PresenceStatus.OFFLINE, "activity": None, "room_id": None}
    return {"status": row.status, "activity": row.activity, "room_id": row.room_id}


def presence_visible_to(viewer, user_ids) -> dict[str, dict]:
    """``{user_id: {status, activity, room_id, last_seen_at}}`` for the users ``viewer`` may see.

    Visible: the viewer themself, and users the policy lets the viewer see who share a room or a
    conversation both wrote in with the viewer (``related_user_ids_q``); everyone else is left
    out. ``room_id`` is shown only when the
    viewer is a member of that room too (a private room is never revealed). ``last_seen_at`` is
    shown only when both people are adults (a minor's is never shown, not even to themself).
    Two queries whatever the number of ids: the users with their presence rows, the viewer's rooms.
    """
    ids = {str(user_id) for user_id in user_ids if user_id}
    if not ids:
        return {}
    others = policy.visible_users(viewer).filter(related_user_ids_q(viewer)).values("pk")
    users = list(
        User.objects.filter(pk__in=ids)
        .filter(Q(pk=viewer.pk) | Q(pk__in=others))
        .select_related("presence")
    )
    if not users:
        return {}
    viewer_rooms = set(_room_ids_q(viewer.pk).values_list("room_id", flat=True))
    viewer_is_adult = policy.age_segment(viewer) == policy.ADULT
    now = timezone.now()
    result = {}
    for user in users:
        row = getattr(user, "presence", None)
        state = presence_state(row, now=now)
        if state["room_id"] not in viewer_rooms:
            state["room_id"] = None
        show_last_seen = viewer_is_adult and policy.age_segment(user) == policy.ADULT
        state["last_seen_at"] = row.last_seen_at if (row is not None and show_last_seen) else None
        result[user.pk] = state
    return result


def presence_list(viewer, user_ids) -> list[dict]:
    """The presence API's list: visible users in the order asked, others left out."""
    visible = presence_visible_to(viewer, user_ids)
    seen, rows = set(), []
    for user_id in user_ids:
        if user_id in visible and user_id not in seen:
            seen.add(user_id)
            rows.append({"user_id": user_id, **visible[user_id]})
    return rows


def stale_presence_user_ids(*, now: dt.datetime | None = None) -> list[str]:
    """Users still marked online/away whose heartbeat is older than the presence timeout."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    return list(
        Presence.objects.exclude(status=PresenceStatus.OFFLINE)
        .filter(Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True))
        .values_list("user_id", flat=True)
    )


# --- Direct messages ------------------------------------------------------------------------
def dm_partner_for(viewer, user_id: str):
    """The other person of a conversation, or NotFound when the viewer may not see them (a
    deleted account only by someone it had a conversation with: ``_deleted_partner``)."""
    if user_id == viewer.pk:
        raise Invalid("A conversation is between two people.")
    try:
        return visible_user_or_404(viewer, user_id)
    except NotFound:
        partner = _deleted_partner(viewer, user_id) if is_user_id(user_id) else None
        if partner is None:
            raise
        return partner


def _deleted_partner(viewer, user_id: str):
    """A deleted account the viewer exchanged DMs with: the conversation stays readable (and
    its messages reportable) by the one who is left, signed "Deleted user"."""
    return (
        User.objects.filter(policy.deleted_account_q(), pk=user_id)
        .filter(Exists(dm_conversation(viewer, User(pk=user_id))))
        .first()
    )


def dm_conversation(viewer, other) -> QuerySet:
    """Every message between the two, either direction (no joins: the frame carries ids only)."""
    return PrivateMessage.objects.filter(
        Q(sender_id=viewer.pk, recipient_id=other.pk)
        | Q(sender_id=other.pk, recipient_id=viewer.pk)
    )


def _dm_send_facts_sql() -> str:
    """One statement over the locked tables: the sender, the recipient, whether the recipient
    wrote to the sender, a block either way, and the sender's mutes and restrictions (zero or
    more rows, in force or not)."""
    user, dm = User._meta, PrivateMessage._meta
    block, action = Block._meta, ModerationAction._meta
    # Table names come from the models; every value is a parameter.
    return (
        "SELECT s.is_active, u.id, u.date_of_birth, u.is_active,"  # noqa: S608
        f" EXISTS (SELECT 1 FROM {block.db_table} b WHERE (b.blocker_id = s.id"
        " AND b.blocked_id = u.id) OR (b.blocker_id = u.id AND b.blocked_id = s.id)),"
        f" EXISTS (SELECT 1 FROM {dm.db_table} p"
        " WHERE p.sender_id = u.id AND p.recipient_id = s.id),"
        f" {ACTION_COLUMNS}"
        f" FROM {user.db_table} s"
        f" LEFT JOIN {user.db_table} u ON u.id = %(to)s"
        f" LEFT JOIN {action.db_table} a ON a.target_user_id = s.id"
        " AND a.action_type IN (%(mute)s, %(restrict)s)"
        f"{policy.LIFTED_APPEAL_SQL}"
        " WHERE s.id = %(me)s"
    )


_DM_SEND_FACTS_SQL = _dm_send_facts_sql()


def _dm_facts_without_a_query(sender, recipient_id) -> policy.DmSendFacts | None:
    """What both loaders answer before reading anything: not an id, or oneself."""
    if not is_user_id(recipient_id):
        return policy.DmSendFacts(recipient_found=False)
    if recipient_id == sender.pk:
        return policy.DmSendFacts(recipient_found=True, is_self=True)
    return None


def dm_send_facts(sender, recipient_id) -> policy.DmSendFacts:
    """The facts ``policy.decide_dm_send`` decides on, in ONE hand-written query (the hot path
    of every direct message); ``dm_send_facts_from_orm`` is the reference it must equal."""
    early = _dm_facts_without_a_query(sender, recipient_id)
    if early is not None:
        return early
    params = {
        "me": sender.pk,
        "to": recipient_id,
        "mute": ActionType.MUTE,
        "restrict": ActionType.RESTRICT,
        "lifted": policy.LIFTED,
    }
    with connection.cursor() as cursor:
        cursor.execute(_DM_SEND_FACTS_SQL, params)
        rows = cursor.fetchall()
    if not rows or rows[0][1] is None:
        return policy.DmSendFacts(recipient_found=False)
    first = rows[0]
    return policy.DmSendFacts(
        recipient_found=True,
        recipient_birth_date=date_from_db(first[2]),
        recipient_active=bool(first[3]),
        blocked_either_way=bool(first[4]),
        has_conversation=bool(first[5]),
        sender_active=bool(first[0]),
        restraints=policy.restraints_from(actions_from_columns(rows, 6)),
    )


def dm_send_facts_from_orm(sender, recipient_id) -> policy.DmSendFacts:
    """The same facts through the ORM (a few queries): the reference."""
    early = _dm_facts_without_a_query(sender, recipient_id)
    if early is not None:
        return early
    sender_active = User.objects.filter(pk=sender.pk).values_list("is_active", flat=True).first()
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is None or sender_active is None:
        return policy.DmSendFacts(recipient_found=False)
    return policy.DmSendFacts(
        recipient_found=True,
        recipient_birth_date=recipient.date_of_birth,
        recipient_active=recipient.is_active,
        blocked_either_way=policy.blocked_either_way(sender, recipient),
        has_conversation=has_written_to(recipient.pk, sender.pk),
        sender_active=sender_active,
        restraints=policy.restraints_in_force(sender),
    )


def has_written_to(sender_id: str, recipient_id: str) -> bool:
    return PrivateMessage.objects.filter(sender_id=sender_id, recipient_id=recipient_id).exists()


def dm_conversations(viewer, *, before: int | None = None, limit: int = 50) -> tuple[list, bool]:
    """My conversations, newest first: ``[(other_user, last_message)]`` and whether there are more.

    Conversations with people the viewer may no longer see (block, segment, ban) are left out;
    those with a deleted account stay (signed "Deleted user").
    Two queries whatever the page size: one grouped query for the page of conversations, one for
    their last messages with both people and their profiles.
    """
    rows = (
        PrivateMessage.objects.filter(Q(sender_id=viewer.pk) | Q(recipient_id=viewer.pk))
        .annotate(
            partner=Case(When(sender_id=viewer.pk, then=F("recipient_id")), default=F("sender_id"))
        )
        .filter(
            Q(partner__in=policy.visible_users(viewer).values("pk"))
            | Q(partner__in=User.objects.filter(policy.deleted_account_q()).values("pk"))
        )
        .values("partner")
        .annotate(last_id=Max("id"))
        .order_by("-last_id")
    )
    if before is not None:
        rows = rows.filter(last_id__lt=before)
    page = list(rows[: limit + 1])
    has_more = len(page) > limit
    last_ids = [row["last_id"] for row in page[:limit]]
    messages = PrivateMessage.objects.filter(id__in=last_ids).select_related(
        "sender__profile", "recipient__profile"
    )
    by_id = {message.id: message for message in messages}
    conversations = []
    for last_id in last_ids:
        message = by_id[last_id]
        other = message.recipient if message.sender_id == viewer.pk else message.sender
        conversations.append((other, message))
    return conversations, has_more


def dm_history(viewer, other, *, before=None, after=None, limit: int = 50) -> CursorPage:
    """A page of the conversation in ascending id order. One query."""
    return cursor_page(dm_conversation(viewer, other), before=before, after=after, limit=limit)


# --- First contact (docs/moderation.md "Protections for minors") ----------------------------
FIRST_CONTACT_COLUMNS = ("they_wrote", "i_wrote", "share_room", "prompted", "reported", "blocked")


def _first_contact_annotations(viewer) -> dict:
    """Per other user (``OuterRef("pk")``): the ``policy.FirstContactFacts`` as EXISTS columns.
    Acknowledged: the prompt answered (a ``first_contact_prompts`` row), or the other person
    reported or blocked by the viewer, whatever the path (REST, page, report form)."""
    other = OuterRef("pk")
    return {
        "they_wrote": Exists(
            PrivateMessage.objects.filter(sender_id=other, recipient_id=viewer.pk)
        ),
        "i_wrote": Exists(PrivateMessage.objects.filter(sender_id=viewer.pk, recipient_id=other)),
        "share_room": Exists(
            ChatRoomMember.objects.filter(
                user_id=other, is_banned=False, room_id__in=_room_ids_q(viewer.pk)
            )
        ),
        "prompted": Exists(FirstContactPrompt.objects.filter(user_id=viewer.pk, other_id=other)),
        "reported": Exists(Report.objects.filter(reporter_id=viewer.pk, reported_user_id=other)),
        "blocked": Exists(Block.objects.filter(blocker_id=viewer.pk, blocked_id=other)),
    }


def first_contact_facts(viewer, other_ids) -> dict[str, policy.FirstContactFacts]:
    """``{other_id: FirstContactFacts}`` for every id given, in ONE query whatever their number
    (the DM list asks for its whole page at once)."""
    ids = {other_id for other_id in other_ids if other_id and other_id != viewer.pk}
    if not ids:
        return {}
    users = (
        User.objects.filter(pk__in=ids).only("pk").annotate(**_first_contact_annotations(viewer))
    )
    return {user.pk: _facts_of(user) for user in users}


def _facts_of(user) -> policy.FirstContactFacts:
    # The EXISTS columns of ``_first_contact_annotations``, read by name (not model fields).
    flag = {name: bool(getattr(user, name)) for name in FIRST_CONTACT_COLUMNS}
    return policy.FirstContactFacts(
        they_wrote=flag["they_wrote"],
        i_wrote=flag["i_wrote"],
        share_room=flag["share_room"],
        acknowledged=flag["prompted"] or flag["reported"] or flag["blocked"],
    )


def first_contact_due_ids(viewer, others) -> set[str]:
    """The ids of ``others`` (a page of the DM list) whose prompt is due for ``viewer``: one query."""
    facts = first_contact_facts(viewer, [other.pk for other in others])
    return {
        other.pk
        for other in others
        if other.pk in facts and policy.first_contact_due(viewer, other, facts[other.pk])
    }


@dataclass(frozen=True)
class ThreadPage:
    """A page of one conversation with what the first-contact protections add to it."""

    page: CursorPage
    first_contact: bool  # the prompt is due
    blurred_ids: set[int]  # messages whose image is shown blurred


def dm_thread(viewer, other, *, before=None, after=None, limit: int = 50) -> ThreadPage:
    """``dm_history`` and the first-contact state of the conversation: two queries."""
    page = dm_history(viewer, other, before=before, after=after, limit=limit)
    facts = first_contact_facts(viewer, [other.pk]).get(other.pk, policy.FirstContactFacts())
    return ThreadPage(
        page=page,
        first_contact=policy.first_contact_due(viewer, other, facts),
        blurred_ids=blurred_message_ids(viewer, page.items, facts),
    )


def blurred_message_ids(viewer, messages, facts: policy.FirstContactFacts) -> set[int]:
    """The ids of ``messages`` (one conversation) whose image ``viewer`` sees blurred."""
    return {
        message.id
        for message in messages
        if policy.first_contact_blurs(
            viewer,
            facts,
            sender_id=message.sender_id,
            is_image=media_kind(message.media_url) == "image",
        )
    }
