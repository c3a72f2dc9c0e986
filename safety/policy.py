"""The visibility policy: the one place that answers "may A see / contact B".

Age segments, blocks, platform bans (``is_active=False``), mutes and restrictions are decided
here and nowhere else. Discovery, profiles, DMs, rooms, presence, typing and the socket all ask
this module, so a rule tested on one path holds on every path.

- Segments: under 13 cannot register; 13–17 is ``teen``; 18 and over is ``adult``. Computed
  from the date of birth on every call, because birthdays move people between segments.
- Blocks are mutual: a block in either direction hides both people from each other.
- Moderation actions (``mute``, ``restrict``) are active from ``created_at`` for
  ``duration_minutes`` (NULL: until lifted by a later moderator decision).
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from safety.models import ActionType, Block, ModerationAction
from wya.errors import Forbidden, Invalid, NotFound

TEEN = "teen"
ADULT = "adult"
MINIMUM_AGE = 13
ADULT_AGE = 18


# --- Age segments ---------------------------------------------------------------------------
def today() -> dt.date:
    return timezone.localdate()


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - int(before_birthday)


def segment_for_birth_date(date_of_birth: dt.date, on: dt.date | None = None) -> str | None:
    """``teen``, ``adult``, or ``None`` for a child under 13 (who may not have an account)."""
    age = age_on(date_of_birth, on or today())
    if age < MINIMUM_AGE:
        return None
    return ADULT if age >= ADULT_AGE else TEEN


def age_segment(user, on: dt.date | None = None) -> str | None:
    return segment_for_birth_date(user.date_of_birth, on)


def _latest_birth_date_for_age(years: int, on: dt.date) -> dt.date:
    """The latest date of birth of someone who is at least ``years`` old on ``on``."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February in a year that has none
        return dt.date(on.year - years, 2, 28)


def segment_q(segment: str, on: dt.date | None = None, prefix: str = "") -> Q:
    """A filter on ``{prefix}date_of_birth`` that keeps exactly one segment."""
    on = on or today()
    field = f"{prefix}date_of_birth"
    adult_latest = _latest_birth_date_for_age(ADULT_AGE, on)
    if segment == ADULT:
        return Q(**{f"{field}__lte": adult_latest})
    teen_latest = _latest_birth_date_for_age(MINIMUM_AGE, on)
    return Q(**{f"{field}__gt": adult_latest, f"{field}__lte": teen_latest})


def same_segment(a, b) -> bool:
    segment = age_segment(a)
    return segment is not None and segment == age_segment(b)


# --- Blocks -----------------------------------------------------------------------------------
def blocked_either_way(a, b) -> bool:
    return Block.objects.filter(
        Q(blocker_id=a.pk, blocked_id=b.pk) | Q(blocker_id=b.pk, blocked_id=a.pk)
    ).exists()


def block_exists_q(viewer, user_ref: str = "pk") -> Q:
    """A filter that drops rows whose user (``user_ref``) is blocked by or blocks ``viewer``."""
    blocked_by_viewer = Block.objects.filter(blocker_id=viewer.pk, blocked_id=OuterRef(user_ref))
    blocks_viewer = Block.objects.filter(blocker_id=OuterRef(user_ref), blocked_id=viewer.pk)
    return Q(Exists(blocked_by_viewer)) | Q(Exists(blocks_viewer))


# --- Moderation actions -----------------------------------------------------------------------
def _expires_at_expression():
    return ExpressionWrapper(
        F("created_at")
        + ExpressionWrapper(
            F("duration_minutes") * Value(dt.timedelta(minutes=1)), output_field=DurationField()
        ),
        output_field=DateTimeField(),
    )


def active_actions(action_type: str) -> QuerySet:
    """Moderation actions of a type that are in force now."""
    now = timezone.now()
    return (
        ModerationAction.objects.filter(action_type=action_type)
        .annotate(_expires_at=_expires_at_expression())
        .filter(Q(duration_minutes__isnull=True) | Q(_expires_at__gt=now))
    )


def active_action(user, action_type: str) -> ModerationAction | None:
    return active_actions(action_type).filter(target_user_id=user.pk).order_by("-id").first()


def is_muted(user) -> bool:
    return active_action(user, ActionType.MUTE) is not None


def is_restricted(user) -> bool:
    return active_action(user, ActionType.RESTRICT) is not None


def restricted_q(user_ref: str = "pk") -> Q:
    """A filter matching rows whose user is under an active restriction."""
    return Q(Exists(active_actions(ActionType.RESTRICT).filter(target_user_id=OuterRef(user_ref))))


# --- Who may see whom -------------------------------------------------------------------------
def can_see(viewer, other) -> bool:
    """Profiles, presence, typing, messages: same segment, both active, no block either way."""
    if viewer.pk == other.pk:
        return True
    if not (viewer.is_active and other.is_active):
        return False
    return same_segment(viewer, other) and not blocked_either_way(viewer, other)


def visible_users(viewer, queryset: QuerySet | None = None) -> QuerySet:
    """Users ``viewer`` may see: active, same segment, no block either way, not the viewer."""
    queryset = get_user_model().objects.all() if queryset is None else queryset
    segment = age_segment(viewer)
    if segment is None:
        return queryset.none()
    return (
        queryset.filter(is_active=True)
        .filter(segment_q(segment))
        .exclude(pk=viewer.pk)
        .exclude(block_exists_q(viewer))
    )


def discoverable_users(viewer, queryset: QuerySet | None = None) -> QuerySet:
    """Visible users who may also be found through discovery (restricted people are hidden)."""
    return visible_users(viewer, queryset).exclude(restricted_q())


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str = ""
    detail: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def raise_for(decision: Decision) -> None:
    """Turn a refused decision into the matching service error (404, 400 or 403 with its code);
    an allowed one passes. Every path that asks the policy answers refusals through this."""
    if decision:
        return
    if decision.code == "not_found":
        raise NotFound(decision.detail, code="not_found")
    if decision.code == "invalid":
        raise Invalid(decision.detail, code="invalid")
    raise Forbidden(decision.detail, code=decision.code or "forbidden")


def can_send(sender) -> Decision:
    """May this person send anything at all (rooms and DMs)."""
    action = active_action(sender, ActionType.MUTE)
    if action is not None:
        when = until_words(action.expires_at)
        return Decision(False, "muted", f"You are muted {when}: {action.reason}")
    return ALLOW


def can_message(sender, recipient, *, has_conversation: bool) -> Decision:
    """May ``sender`` send a direct message to ``recipient``.

    ``has_conversation`` says whether ``recipient`` wrote to ``sender`` before: a restricted
    sender may only answer people who wrote to them first.
    """
    if sender.pk == recipient.pk:
        return Decision(False, "invalid", "You cannot message yourself.")
    if not can_see(sender, recipient):
        return Decision(False, "not_found", "No such user.")
    decision = can_send(sender)
    if not decision:
        return decision
    if not has_conversation and is_restricted(sender):
        return Decision(
            False,
            "restricted",
            "Your account is restricted: you can only answer people who wrote to you.",
        )
    return ALLOW


def may_create_or_join_public(user) -> Decision:
    """Restricted people cannot create rooms or join public rooms."""
    if is_restricted(user):
        return Decision(
            False, "restricted", "Your account is restricted: you cannot do this for now."
        )
    return ALLOW


# --- Rooms: a room belongs to its owner's age segment ----------------------------------------
def in_room_segment(user, room) -> bool:
    """A room belongs to its owner's age segment; nobody from the other segment sees it."""
    return same_segment(user, room.owner)


def room_segment_q(viewer, prefix: str = "") -> Q:
    """A filter on rooms (``{prefix}owner``) that keeps the rooms of the viewer's segment."""
    segment = age_segment(viewer)
    if segment is None:
        return Q(pk__in=[])
    return segment_q(segment, prefix=f"{prefix}owner__")


def can_see_room(viewer, room, *, has_membership_row: bool) -> bool:
    """Members (banned ones included: they know the room) of the segment see it; others see a
    public room only when they may see its owner (same segment, both active, no block)."""
    if not in_room_segment(viewer, room):
        return False
    if has_membership_row:
        return True
    return bool(room.is_public) and can_see(viewer, room.owner)


@dataclass(frozen=True)
class RoomSendFacts:
    """What a room message needs to know, read in one query by ``rooms.selectors``."""

    is_banned: bool
    owner_birth_date: dt.date
    mutes: tuple[ModerationAction, ...]  # the sender's mute actions, in force or not


def room_send_allowed(sender, facts: RoomSendFacts | None) -> bool:
    """The hot path's yes for a room message: a non-banned member of a room of the sender's
    segment who is not muted (``can_see_room`` + ``can_send``, decided from ``facts``). False
    means "ask the full way": the caller then runs those checks, which give the precise error."""
    if facts is None or facts.is_banned:
        return False
    segment = age_segment(sender)
    if segment is None or segment != segment_for_birth_date(facts.owner_birth_date):
        return False
    return not any(action_in_force(action) for action in facts.mutes)


@dataclass(frozen=True)
class DmSendFacts:
    """What a direct message needs to know, read in one query by ``messaging.selectors``."""

    recipient_birth_date: dt.date
    recipient_active: bool
    blocked_either_way: bool
    has_conversation: bool  # the recipient wrote to the sender before
    actions: tuple[ModerationAction, ...]  # the sender's mutes and restrictions, in force or not


def dm_send_allowed(sender, facts: DmSendFacts | None) -> bool:
    """The hot path's yes for a direct message (``can_message`` decided from ``facts``); False
    means "ask the full way", which gives the precise error."""
    if facts is None or facts.blocked_either_way:
        return False
    if not (sender.is_active and facts.recipient_active):
        return False
    segment = age_segment(sender)
    if segment is None or segment != segment_for_birth_date(facts.recipient_birth_date):
        return False
    in_force = {action.action_type for action in facts.actions if action_in_force(action)}
    if ActionType.MUTE in in_force:
        return False
    return facts.has_conversation or ActionType.RESTRICT not in in_force


def may_join_room(user, room) -> Decision:
    """Joining by oneself: a public room one may see, and not restricted."""
    if not room.is_public or not can_see(user, room.owner):
        return Decision(False, "not_found", "No such room.")
    return may_create_or_join_public(user)


def may_add_to_room(adder, target, room) -> Decision:
    """An owner or moderator adds ``target``: the adder sees the target (same segment, no block
    either way, both active), the target is in the room's segment and not blocked with the owner."""
    if adder.pk == target.pk or not can_see(adder, target):
        return Decision(False, "not_found", "No such user.")
    if not in_room_segment(target, room):
        return Decision(False, "not_found", "No such user.")
    if target.pk != room.owner_id and blocked_either_way(target, room.owner):
        return Decision(False, "not_found", "No such user.")
    return ALLOW


def blocked_user_ids(user) -> set[str]:
    """Ids of everyone ``user`` blocked or is blocked by (open sockets cache this set)."""
    rows = Block.objects.filter(Q(blocker_id=user.pk) | Q(blocked_id=user.pk)).values_list(
        "blocker_id", "blocked_id"
    )
    return {other for pair in rows for other in pair if other != user.pk}


def can_block(blocker, target) -> Decision:
    """May ``blocker`` block ``target``: anyone they can currently see, never themselves.

    Someone they cannot see (other segment, banned, or who blocked them) is "not found", so a
    block request never reveals that an account exists.
    """
    if blocker.pk == target.pk:
        return Decision(False, "invalid", "You cannot block yourself.")
    if not can_see(blocker, target):
        return Decision(False, "not_found", "No such user.")
    return ALLOW


def action_in_force(action: ModerationAction) -> bool:
    """Is this mute or restriction in force now (the per-row twin of ``active_actions``)."""
    if action.action_type not in (ActionType.MUTE, ActionType.RESTRICT):
        return False
    expires_at = action.expires_at
    return expires_at is None or expires_at > timezone.now()


# --- Reports ------------------------------------------------------------------------------------
def can_report_user(reporter, target) -> Decision:
    """May ``reporter`` report ``target`` (or their message): someone they can see, or someone
    they blocked themselves (blocking first and reporting after is a natural order). Everyone
    else — other segment, banned, or who blocked the reporter — is "not found"."""
    if reporter.pk == target.pk:
        return Decision(False, "invalid", "You cannot report yourself.")
    if can_see(reporter, target):
        return ALLOW
    blocked_by_reporter = Block.objects.filter(blocker_id=reporter.pk, blocked_id=target.pk)
    blocks_reporter = Block.objects.filter(blocker_id=target.pk, blocked_id=reporter.pk)
    if (
        reporter.is_active
        and target.is_active
        and same_segment(reporter, target)
        and blocked_by_reporter.exists()
        and not blocks_reporter.exists()
    ):
        return ALLOW
    return Decision(False, "not_found", "No such user.")


# --- Staff: who may act on whom -------------------------------------------------------------
MODERATORS_GROUP = "Moderators"
SAFETY_LEADS_GROUP = "Safety leads"
PERM_REVIEW = "safety.review_report"
PERM_RESOLVE_ESCALATED = "safety.resolve_escalated_report"
PERM_TAKE_ACTION = "safety.add_moderationaction"


def may_act_on(actor, target) -> Decision:
    """May staff member ``actor`` take an action against ``target`` (console, bans, deletion).

    Never on oneself; a superuser or another staff account only by a superuser (so a staff
    account can never ban, unban or delete its way past the people above it).
    """
    if target is None:
        return Decision(False, "invalid", "Choose someone else as the target.")
    if actor.pk == target.pk:
        return Decision(False, "invalid", "Choose someone else as the target.")
    if (target.is_superuser or target.is_staff) and not actor.is_superuser:
        return Decision(
            False, "forbidden", "Only a superuser may act against a staff or superuser account."
        )
    return ALLOW


def may_review_reports(user) -> Decision:
    if not (user.is_active and user.is_staff and user.has_perm(PERM_REVIEW)):
        return Decision(False, "forbidden", "Only moderators may review reports.")
    return ALLOW


def may_close_report(user, *, escalated: bool) -> Decision:
    """Closing (acting on or dismissing) a report: moderators; an escalated one: Safety leads."""
    decision = may_review_reports(user)
    if not decision:
        return decision
    if escalated and not user.has_perm(PERM_RESOLVE_ESCALATED):
        return Decision(
            False, "escalated", "This report was escalated: only a Safety lead may close it."
        )
    return ALLOW


def ban_in_force(user) -> ModerationAction | None:
    """The platform ban that keeps an inactive account out (the latest ban not lifted since)."""
    latest = (
        ModerationAction.objects.filter(
            target_user_id=user.pk, action_type__in=[ActionType.BAN, ActionType.UNBAN]
        )
        .order_by("-id")
        .first()
    )
    return latest if latest is not None and latest.action_type == ActionType.BAN else None


def restraints_in_force(user) -> dict:
    """The mute and restriction in force on ``user`` now (the latest of each, or None): what
    the pages' banner shows and why the message box is disabled. One query."""
    rows = (
        ModerationAction.objects.filter(
            target_user_id=user.pk, action_type__in=[ActionType.MUTE, ActionType.RESTRICT]
        )
        .annotate(_expires_at=_expires_at_expression())
        .filter(Q(duration_minutes__isnull=True) | Q(_expires_at__gt=timezone.now()))
        .order_by("-id")
    )
    state: dict[str, ModerationAction | None] = {ActionType.MUTE: None, ActionType.RESTRICT: None}
    for action in rows:
        if state[action.action_type] is None:
            state[action.action_type] = action
    return {"mute": state[ActionType.MUTE], "restrict": state[ActionType.RESTRICT]}


# --- Words ------------------------------------------------------------------------------------
def until_words(expires_at, *, now=None) -> str:
    """``until 21:30, in 42 minutes`` (a date too when it is not today); no end: until lifted."""
    if expires_at is None:
        return "until a moderator lifts it"
    now = now or timezone.now()
    local, today = timezone.localtime(expires_at), timezone.localtime(now).date()
    clock = local.strftime("%H:%M")
    if local.date() != today:
        clock = f"{local.day} {local.strftime('%b')} {clock}"
    minutes = max(1, math.ceil((expires_at - now).total_seconds() / 60))
    if minutes < 60:
        left = f"{minutes} minute{'s' if minutes != 1 else ''}"
    elif minutes < 60 * 24:
        hours, rest = divmod(minutes, 60)
        left = f"{hours} hour{'s' if hours != 1 else ''}"
        if rest:
            left += f" {rest} minute{'s' if rest != 1 else ''}"
    else:
        days = round(minutes / (60 * 24))
        left = f"{days} day{'s' if days != 1 else ''}"
    return f"until {clock}, in {left}"


def may_ban_from_room(actor, target, room) -> Decision:
    """May a room's owner or moderator ban ``target``: only someone they may know about. A
    person who blocked them (or whom they blocked) is "not found" like any hidden user, so a ban
    never confirms that an account exists past a block; so is someone of the other segment."""
    if blocked_either_way(actor, target) or not in_room_segment(target, room):
        return Decision(False, "not_found", "No such user.")
    return ALLOW


# --- Crossing 18: the segment is a property of the moment -------------------------------------
# A birthday moves a person from ``teen`` to ``adult`` at midnight (TIME_ZONE). From that moment:
# - every check above already answers for the new segment: teen profiles, DMs, presence, typing
#   and teen rooms are "not found" for them, and they for teens;
# - they are no longer a member of a teen room: member lists leave them out, they cannot inherit
#   a teen room, and an open socket stops receiving the room (``room_segment_crossed``);
# - ``rooms.services.rooms_segment_sweep`` (``manage.py segment_sweep``) then deletes those
#   memberships and tells the room ("left"); an owner who crossed leaves and the room passes to
#   its senior teen member (or stays theirs when no teen is left in it).
# Messages they wrote as a teen stay in the room's history (authored in the segment, then).
def room_segment_crossed(member, room) -> bool:
    """Is ``member`` (of ``room``) now outside the room's segment (they or its owner crossed)?"""
    return not in_room_segment(member, room)


def crossed_member_q(prefix: str = "") -> Q:
    """Memberships (``{prefix}user``, ``{prefix}room__owner``) whose member and room owner are
    in different segments now."""
    user, owner = f"{prefix}user__", f"{prefix}room__owner__"
    return (segment_q(ADULT, prefix=user) & segment_q(TEEN, prefix=owner)) | (
        segment_q(TEEN, prefix=user) & segment_q(ADULT, prefix=owner)
    )


# --- Invitations and room edits: no side doors (issue 16) ------------------------------------
# Staff no longer add people to a room: they invite, and the person joins by accepting. An
# invitation reaches another person, so it is refused to whoever may not start contact: a muted
# person (an invitation is a message) and a restricted one (no contact with new people).
def may_invite(inviter, target, room) -> Decision:
    """May ``inviter`` (the room's owner or a moderator: ``RoomAccess.require_staff``, asked
    first) invite ``target`` to ``room``. Room state (already a member, banned, already invited)
    is the rooms service's to answer with a 409."""
    decision = can_send(inviter)
    if not decision:
        return decision
    if is_restricted(inviter):
        return Decision(
            False, "restricted", "Your account is restricted: you cannot invite people for now."
        )
    return may_add_to_room(inviter, target, room)


def may_accept_invite(user, invite) -> Decision:
    """May ``user`` join ``invite.room`` through that invitation (a private room included):
    the room is of their segment and they may still see its owner and the inviter. A restricted
    person may accept, as they may answer a message: the contact was not theirs to start."""
    room = invite.room
    if not in_room_segment(user, room) or not can_see(user, room.owner):
        return Decision(False, "not_found", "No such room.")
    if not can_see(user, invite.inviter):
        return Decision(False, "not_found", "No such room.")
    return ALLOW


def may_edit_room(editor, room, *, changes_text: bool, makes_public: bool) -> Decision:
    """May a room's owner or moderator make this edit. The name, description and music reach
    every member, so a muted editor may not change them (``muted``); opening a private room to
    the public brings strangers in, which a restricted editor may not do (``restricted``)."""
    if changes_text:
        decision = can_send(editor)
        if not decision:
            return decision
    if makes_public and is_restricted(editor):
        return Decision(
            False, "restricted", "Your account is restricted: you cannot make this room public."
        )
    return ALLOW
