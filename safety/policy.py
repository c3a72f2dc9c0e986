"""The visibility policy and the gate: the one place that answers "may A see / contact B" and
"may A do this action".

Age segments, blocks, platform bans (``is_active=False``), mutes and restrictions are decided
here and nowhere else. Each action has ONE decision function over one facts value (e.g.
``decide_room_send`` over ``RoomSendFacts``); REST, the socket, the pages and the admin reach it
through the same service, so a rule holds on every path (docs/moderation.md, "The gate", and its
matrix, ``tests/safety/test_matrix.py``).

- Segments: under 13 cannot register; 13–17 is ``teen``; 18 and over is ``adult``. Computed
  from the date of birth on every call, because birthdays move people between segments.
- Blocks are mutual: a block in either direction hides both people from each other.
- Moderation actions (``mute``, ``restrict``) are in force from ``created_at`` for
  ``duration_minutes`` (NULL: until lifted by a later moderator decision) unless an appeal
  lifted them: ``action_in_force`` and ``actions_in_force``, the only definition.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from safety.models import ActionType, Appeal, AppealStatus, Block, ModerationAction
from wya.errors import Forbidden, Invalid, NotFound, RateLimited

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


# --- Moderation actions: "in force", written once ---------------------------------------------
# A mute or restriction is in force from ``created_at`` for ``duration_minutes`` (NULL: until
# lifted), unless an appeal against it was granted (``appeals.status = 'lifted'``: issue 20).
# ``action_in_force`` says it for one row (ORM or read by a hand-written query);
# ``actions_in_force`` is the same rule as a queryset filter. Everything else asks one of them.
# The hand-written hot-path queries (rooms/messaging ``*_send_facts``) leave lifted rows out with
# ``LIFTED_APPEAL_SQL``; tests/safety/test_send_facts.py holds them equal to the ORM.
RESTRAINT_TYPES = (ActionType.MUTE, ActionType.RESTRICT)
LIFTED = AppealStatus.LIFTED
# For the hand-written queries: ``a`` (moderation_actions) was not lifted on appeal; the status
# is passed as the ``lifted`` parameter.
_APPEALS = Appeal._meta.db_table
LIFTED_APPEAL_SQL = f" AND NOT EXISTS (SELECT 1 FROM {_APPEALS} ap WHERE ap.action_id = a.id"  # noqa: S608
LIFTED_APPEAL_SQL += " AND ap.status = %(lifted)s)"


def _expires_at_expression():
    return ExpressionWrapper(
        F("created_at")
        + ExpressionWrapper(
            F("duration_minutes") * Value(dt.timedelta(minutes=1)), output_field=DurationField()
        ),
        output_field=DateTimeField(),
    )


def action_lifted(action: ModerationAction) -> bool:
    """Was ``action`` lifted on appeal. Lists read the appeal with ``select_related("appeal")``
    and hand-written rows carry "no appeal" (``safety.selectors.actions_from_columns``), so this
    costs no query on the hot path."""
    try:
        appeal = action.appeal
    except Appeal.DoesNotExist:
        return False
    return appeal.status == AppealStatus.LIFTED


def action_in_force(action: ModerationAction, *, now: dt.datetime | None = None) -> bool:
    """Is this mute or restriction in force now (``actions_in_force`` for one row)."""
    if action.action_type not in RESTRAINT_TYPES or action_lifted(action):
        return False
    expires_at = action.expires_at
    return expires_at is None or expires_at > (now or timezone.now())


def actions_in_force(*action_types: str) -> QuerySet:
    """Mutes and/or restrictions in force now (``action_in_force`` as a filter)."""
    types = [kind for kind in action_types or RESTRAINT_TYPES if kind in RESTRAINT_TYPES]
    return (
        ModerationAction.objects.filter(action_type__in=types)
        .exclude(Exists(Appeal.objects.filter(action_id=OuterRef("pk"), status=LIFTED)))
        .annotate(_expires_at=_expires_at_expression())
        .filter(Q(duration_minutes__isnull=True) | Q(_expires_at__gt=timezone.now()))
        .select_related("appeal")
    )


@dataclass(frozen=True)
class Restraints:
    """The mute and the restriction in force on one person (the latest of each, or None): the
    actor's part of every facts value below, and what the pages' banner shows."""

    mute: ModerationAction | None = None
    restrict: ModerationAction | None = None

    @property
    def muted(self) -> bool:
        return self.mute is not None

    @property
    def restricted(self) -> bool:
        return self.restrict is not None


def restraints_from(actions) -> Restraints:
    """The latest action in force of each type among ``actions`` (in force or not, any order):
    how a hand-written query's rows become the same value as ``restraints_in_force``."""
    latest: dict[str, ModerationAction] = {}
    for action in actions:
        if not action_in_force(action):
            continue
        current = latest.get(action.action_type)
        if current is None or action.pk > current.pk:
            latest[action.action_type] = action
    return Restraints(mute=latest.get(ActionType.MUTE), restrict=latest.get(ActionType.RESTRICT))


def restraints_in_force(user) -> Restraints:
    """The mute and restriction in force on ``user`` now (ORM, one query)."""
    return restraints_from(actions_in_force().filter(target_user_id=user.pk))


def is_restricted(user) -> bool:
    return actions_in_force(ActionType.RESTRICT).filter(target_user_id=user.pk).exists()


def restricted_q(user_ref: str = "pk") -> Q:
    """A filter matching rows whose user is under an active restriction."""
    in_force = actions_in_force(ActionType.RESTRICT).filter(target_user_id=OuterRef(user_ref))
    return Q(Exists(in_force))


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
    if decision.code in RATE_LIMIT_CODES:
        raise RateLimited(decision.detail, code=decision.code)
    raise Forbidden(decision.detail, code=decision.code or "forbidden")


def _muted(action: ModerationAction) -> Decision:
    return Decision(
        False, "muted", f"You are muted {until_words(action.expires_at)}: {action.reason}"
    )


RESTRICTED = Decision(
    False, "restricted", "Your account is restricted: you cannot do this for now."
)
INACTIVE = Decision(False, "forbidden", "Your account is not active.")


# --- The gate: one decision per action over one facts value ----------------------------------
# Each ``decide_*``/``may_*`` below answers one action with the PRECISE refusal, and REST, the
# socket, the pages and the admin all call it. A message's facts are filled by one hand-written
# query on the hot path or by the ORM (the reference); a test holds the two loaders equal.
@dataclass(frozen=True)
class RoomSendFacts:
    """What a room message (and room typing) is decided on: the room, the sender's row in it,
    the sender's own state. ``room_found`` False: no such room (every other field is empty)."""

    room_found: bool
    is_public: bool = False
    owner_birth_date: dt.date | None = None
    owner_active: bool = False
    blocked_with_owner: bool = False  # a block either way between the sender and the owner
    has_row: bool = False  # a membership row, banned or not
    is_banned: bool = False
    sender_active: bool = False
    restraints: Restraints = Restraints()


def _room_visible(sender, facts: RoomSendFacts) -> bool:
    """``can_see_room`` over the facts: same segment as the owner; a member row, or a public
    room whose owner the sender may see."""
    segment = age_segment(sender)
    owner_birth_date = facts.owner_birth_date
    if segment is None or owner_birth_date is None:
        return False
    if segment != segment_for_birth_date(owner_birth_date):
        return False
    if facts.has_row:
        return True
    return facts.is_public and facts.owner_active and not facts.blocked_with_owner


def decide_room_send(sender, facts: RoomSendFacts) -> Decision:
    """May ``sender`` post in the room: 404 unless they may know it exists, 403 ``banned`` /
    ``not_member``, 403 ``muted`` while a mute is in force. A restriction does not stop it."""
    if not facts.room_found or not _room_visible(sender, facts):
        return Decision(False, "not_found", "No such room.")
    if facts.is_banned:
        return Decision(False, "banned", "You are banned from this room.")
    if not facts.has_row:
        return Decision(False, "not_member", "You are not a member of this room.")
    if not facts.sender_active:
        return INACTIVE
    if facts.restraints.mute is not None:
        return _muted(facts.restraints.mute)
    return ALLOW


@dataclass(frozen=True)
class DmSendFacts:
    """What a direct message (and DM typing) is decided on. ``recipient_found`` False: no such
    person (or not an id at all); ``is_self``: the sender wrote to themself."""

    recipient_found: bool
    is_self: bool = False
    recipient_birth_date: dt.date | None = None
    recipient_active: bool = False
    blocked_either_way: bool = False
    has_conversation: bool = False  # the recipient wrote to the sender before
    sender_active: bool = False
    restraints: Restraints = Restraints()


def decide_dm_send(sender, facts: DmSendFacts) -> Decision:
    """May ``sender`` write to the recipient: 400 to oneself; 404 across segments, blocks
    either way, banned or unknown people; 403 ``muted``; a restricted sender (403
    ``restricted``) may only answer people who wrote to them first."""
    if facts.is_self:
        return Decision(False, "invalid", "You cannot message yourself.")
    segment = age_segment(sender)
    birth_date = facts.recipient_birth_date
    if (
        not facts.recipient_found
        or not (facts.sender_active and facts.recipient_active)
        or facts.blocked_either_way
        or birth_date is None
        or segment is None
        or segment != segment_for_birth_date(birth_date)
    ):
        return Decision(False, "not_found", "No such user.")
    if facts.restraints.mute is not None:
        return _muted(facts.restraints.mute)
    if facts.restraints.restricted and not facts.has_conversation:
        return Decision(
            False,
            "restricted",
            "Your account is restricted: you can only answer people who wrote to you.",
        )
    return ALLOW


def may_type(sender, facts: RoomSendFacts | DmSendFacts) -> Decision:
    """Typing is a message without words: allowed exactly where sending is (so a muted,
    room-banned, blocked or restricted-to-a-stranger person's "typing…" reaches nobody)."""
    if isinstance(facts, RoomSendFacts):
        return decide_room_send(sender, facts)
    return decide_dm_send(sender, facts)


def may_create_room(user) -> Decision:
    """Restricted people cannot create rooms (a muted person may: a room alone reaches nobody)."""
    return RESTRICTED if is_restricted(user) else ALLOW


def may_upload(user) -> Decision:
    """Anyone active may upload: a file alone reaches nobody, and every message that carries it
    is decided by ``decide_room_send``/``decide_dm_send``."""
    return ALLOW if user.is_active else INACTIVE


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


def may_join_room(user, room) -> Decision:
    """Joining by oneself: a public room one may see, and not restricted. A muted person may
    join (they just cannot talk there)."""
    if not room.is_public or not can_see(user, room.owner):
        return Decision(False, "not_found", "No such room.")
    return RESTRICTED if is_restricted(user) else ALLOW


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


@dataclass(frozen=True)
class MemberFacts:
    """One membership row's part in a room staff decision (kick, ban, role)."""

    user_id: str
    is_owner: bool
    is_mod: bool


def may_moderate_member(actor: MemberFacts, target: MemberFacts, verb: str) -> Decision:
    """May room staff ``actor`` kick/ban ``target``: never oneself, never the owner, and a
    moderator never another moderator. A mute or restriction does not stop it: removing
    someone from one's own room is a safety tool."""
    if target.user_id == actor.user_id:
        return Decision(False, "forbidden", f"You cannot {verb} yourself.")
    if target.is_owner:
        return Decision(False, "forbidden", f"Nobody can {verb} the room's owner.")
    if actor.is_mod and target.is_mod:
        return Decision(False, "forbidden", f"A moderator cannot {verb} another moderator.")
    return ALLOW


def may_change_role(actor: MemberFacts, target: MemberFacts) -> Decision:
    """Only the owner names or un-names room moderators, and the owner's own role never
    changes (the room passes on when the owner leaves)."""
    if not actor.is_owner:
        return Decision(False, "not_room_owner", "Only the room's owner may do this.")
    if target.user_id == actor.user_id:
        return Decision(
            False,
            "forbidden",
            "The owner's role cannot be changed; the room passes on when the owner leaves.",
        )
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


# --- Reports: no moderator handles a report about themselves ---------------------------------
def report_subject_id(report) -> str | None:
    """Whom a report is about: the reported user (a message's author, a DM's sender), or for a
    room report the room's owner; None if the room is gone."""
    if report.reported_user_id is not None:
        return report.reported_user_id
    if report.reported_room_id is not None:
        return report.reported_room.owner_id
    return None


def may_handle_report(moderator, report) -> Decision:
    """May this moderator see, open and decide this report: one who may review reports, and
    never about themselves (it would show them the reporter and let them close it). Another
    moderator or a Safety lead handles it: the report stays in their queues. "Not found" for
    the subject: the report page does not confirm that a report about them exists."""
    if report_subject_id(report) == moderator.pk:
        return Decision(False, "not_found", "No such report.")
    return may_review_reports(moderator)


def reports_handled_by_q(moderator, prefix: str = "") -> Q:
    """The reports ``moderator`` may handle (``may_handle_report`` as a filter): not about them,
    as the reported user nor (for a room report) as the room's owner."""
    about_me = Q(**{f"{prefix}reported_user_id": moderator.pk}) | Q(
        **{
            f"{prefix}reported_user__isnull": True,
            f"{prefix}reported_room__owner_id": moderator.pk,
        }
    )
    return ~about_me


# --- Deleted accounts -------------------------------------------------------------------------
# A deleted account is a tombstone (``accounts.services.account_tombstone``): inactive, with an
# address in this reserved domain (nobody can register one). It is hidden like a banned account
# everywhere but in the conversations it had: the DMs it sent stay readable and reportable by
# the people who received them (docs/accounts.md "Deletion and retention").
DELETED_EMAIL_DOMAIN = "deleted.invalid"


def deleted_account_q(prefix: str = "") -> Q:
    """Users (``{prefix}is_active`` …) who are deleted accounts."""
    return Q(
        **{f"{prefix}is_active": False, f"{prefix}email__endswith": f"@{DELETED_EMAIL_DOMAIN}"}
    )


def is_deleted_account(user) -> bool:
    return not user.is_active and user.email.endswith(f"@{DELETED_EMAIL_DOMAIN}")


# --- Invitations and room edits: no side doors (issue 16) ------------------------------------
# Staff no longer add people to a room: they invite, and the person joins by accepting. An
# invitation reaches another person, so it is refused to whoever may not start contact: a muted
# person (an invitation is a message) and a restricted one (no contact with new people).
def may_invite(inviter, target, room) -> Decision:
    """May ``inviter`` (the room's owner or a moderator: ``RoomAccess.require_staff``, asked
    first) invite ``target`` to ``room``. Room state (already a member, banned, already invited)
    is the rooms service's to answer with a 409."""
    restraints = restraints_in_force(inviter)
    if restraints.mute is not None:
        return _muted(restraints.mute)
    if restraints.restricted:
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
    if not (changes_text or makes_public):
        return ALLOW
    restraints = restraints_in_force(editor)
    if changes_text and restraints.mute is not None:
        return _muted(restraints.mute)
    if makes_public and restraints.restricted:
        return Decision(
            False, "restricted", "Your account is restricted: you cannot make this room public."
        )
    return ALLOW


# --- Issue 20, part T: the transparency report ------------------------------------------------
def segment_at(*, birth_date: str, moment: str) -> Case:
    """The segment (``teen``/``adult``) a row's person (``birth_date``, a date field path) was
    in at the row's ``moment`` (a datetime field path, read in the current time zone), in SQL.

    ``age_on``'s rule: with ``ymd`` = year·10000 + month·100 + day, a person is at least N years
    old on a day exactly when ``ymd(day) − ymd(birth) ≥ N·10000``. The segment is the one of the
    moment (birthdays move people), so a report filed at 17 stays a teen's report. Nobody under
    13 holds an account, so "not adult" is ``teen``."""
    age_ymd = _ymd(moment) - _ymd(birth_date)
    return Case(
        When(GreaterThanOrEqual(age_ymd, ADULT_AGE * 10000), then=Value(ADULT)),
        default=Value(TEEN),
        output_field=CharField(),
    )


def _ymd(field: str):
    return ExtractYear(field) * 10000 + ExtractMonth(field) * 100 + ExtractDay(field)


def may_view_transparency(user) -> Decision:
    """The transparency page (``/admin/transparency/``): Safety leads only, the group that holds
    ``safety.resolve_escalated_report`` (the numbers cover every moderator's work)."""
    if not (user.is_active and user.is_staff and user.has_perm(PERM_RESOLVE_ESCALATED)):
        return Decision(False, "forbidden", "Only Safety leads may see the transparency report.")
    return ALLOW


# --- Issue 20, part S: early signals and the first-contact limit ------------------------------
# Refusals that are a limit in time (429, try later), not a wall (403).
FIRST_CONTACT_LIMIT = "first_contact_limit"
RATE_LIMIT_CODES = frozenset({FIRST_CONTACT_LIMIT})


@dataclass(frozen=True)
class DmSendCounts:
    """What the DM send's one counting round trip saw (``safety.signals_rules.count_dm_send``).

    ``first_contacts``: people the sender started a conversation with in the last hour, this
    one included (0: not a first contact, or not counted: an old account or an answer);
    ``refused``: this first contact would pass the limit (nothing was counted);
    ``same_text_people``: distinct people who got this normalised text within the hour."""

    first_contacts: int = 0
    refused: bool = False
    same_text_people: int = 0


def is_new_account(user, now: dt.datetime | None = None) -> bool:
    """Younger than ``NEW_ACCOUNT_HOURS``: its first contacts are limited and counted."""
    created = getattr(user, "created_at", None)
    if created is None:
        return False
    age = (now or timezone.now()) - created
    return age < dt.timedelta(hours=settings.NEW_ACCOUNT_HOURS)


def decide_first_contact(counts: DmSendCounts) -> Decision:
    """A new account starts conversations with at most ``NEW_ACCOUNT_FIRST_CONTACTS_PER_HOUR``
    people per hour (429 ``first_contact_limit``). Answers are never counted: the sender of a
    reply is not the one reaching out."""
    if not counts.refused:
        return ALLOW
    limit = settings.NEW_ACCOUNT_FIRST_CONTACTS_PER_HOUR
    return Decision(
        False,
        FIRST_CONTACT_LIMIT,
        f"New accounts can start conversations with at most {limit} people per hour. "
        "Try again later; answering people who wrote to you is not limited.",
    )


def fanout_signal_due(counts: DmSendCounts) -> bool:
    return counts.first_contacts > settings.SIGNAL_FANOUT_PEOPLE


def same_text_signal_due(counts: DmSendCounts) -> bool:
    return counts.same_text_people > settings.SIGNAL_SAME_TEXT_PEOPLE


def blocks_signal_due(blocks_received: int) -> bool:
    """``SIGNAL_BLOCKS_RECEIVED`` blocks (or more) against one person within 24 h."""
    return blocks_received >= settings.SIGNAL_BLOCKS_RECEIVED


def cross_segment_signal_due(segment: str | None, earlier_segment: str | None) -> bool:
    """A teen and an adult account registered from one browser (within the window the caller
    kept): one of them may be someone reaching into the other segment."""
    return {segment, earlier_segment} == {TEEN, ADULT}


def may_review_signal(moderator, signal) -> Decision:
    """Signals are reviewed like reports: a moderator who may review reports, never about
    themselves ("not found", as for a report about them)."""
    if signal.subject_id == moderator.pk:
        return Decision(False, "not_found", "No such signal.")
    return may_review_reports(moderator)


# --- Appeals (issue 20, part A) ---------------------------------------------------------------
# The person affected by a platform action that restricts them may appeal it once, within
# ``APPEAL_WINDOW_DAYS``; another moderator reviews it (never the one who decided), and a Safety
# lead when the case was escalated or decided by a Safety lead (docs/moderation.md "Appeals").
APPEALABLE_TYPES = (ActionType.WARN, ActionType.MUTE, ActionType.RESTRICT, ActionType.BAN)


def may_appeal(user, action: ModerationAction, *, now: dt.datetime | None = None) -> Decision:
    """May ``user`` appeal ``action``: their own warn/mute/restrict/ban (not a room's action,
    not an escalation or a dismissal), within the window. "Not found" for anything else: an
    action against someone else is not theirs to know of."""
    if action.target_user_id != user.pk or action.action_type not in APPEALABLE_TYPES:
        return Decision(False, "not_found", "No such notice to appeal.")
    window = dt.timedelta(days=settings.APPEAL_WINDOW_DAYS)
    if action.created_at is not None and action.created_at + window <= (now or timezone.now()):
        return Decision(
            False,
            "appeal_window_closed",
            f"Appeals are possible for {settings.APPEAL_WINDOW_DAYS} days after an action.",
        )
    return ALLOW


def appeal_needs_lead(appeal) -> bool:
    """A Safety lead reviews the appeal of an action taken by a Safety lead, or answering a
    report that was escalated: nobody below the one who decided re-decides it."""
    action = appeal.action
    if action.moderator.has_perm(PERM_RESOLVE_ESCALATED):
        return True
    return action.report_id is not None and (
        ModerationAction.objects.filter(
            report_id=action.report_id, action_type=ActionType.ESCALATE
        ).exists()
    )


def may_review_appeal(reviewer, appeal) -> Decision:
    """May ``reviewer`` see and decide ``appeal``: a moderator who may review reports, never the
    moderator who took the action nor the appellant ("not found": it is not in their queue), and
    only a Safety lead for an escalated case."""
    if reviewer.pk in (appeal.action.moderator_id, appeal.appellant_id):
        return Decision(False, "not_found", "No such appeal.")
    decision = may_review_reports(reviewer)
    if not decision:
        return decision
    if appeal_needs_lead(appeal) and not reviewer.has_perm(PERM_RESOLVE_ESCALATED):
        return Decision(
            False, "escalated", "This case was escalated: only a Safety lead may review the appeal."
        )
    return ALLOW


def appeals_reviewed_by_q(reviewer, prefix: str = "") -> Q:
    """Appeals ``reviewer`` may see in the queue (``may_review_appeal``'s "not found" part as a
    filter): not of their own actions, not their own."""
    return ~Q(**{f"{prefix}action__moderator_id": reviewer.pk}) & ~Q(
        **{f"{prefix}appellant_id": reviewer.pk}
    )


# --- Minors: location that expires, teen tiers, quiet hours, read receipts (issue 20, M1) -----
# docs/location-privacy.md "Teens" and docs/moderation.md "Minors". A teen's approximate location
# is live for TEEN_LOCATION_TTL_HOURS after it was set (``locations.updated_at``) and then counts
# as NOT set everywhere (discovery, GET /api/me/location/, the pages) until they set it again;
# ``manage.py purge_expired_locations`` deletes the expired rows (the Children's code: not kept
# longer than needed). Teens discover (and are discovered by) teens only in the neighbourhood and
# city tiers: "nearby" reaches across city borders by position, so it is an adult tier.
ALL_TIERS = ("neighborhood", "city", "nearby")
TEEN_TIERS = ("neighborhood", "city")
DEFAULT_QUIET_FROM = dt.time(22, 0)
DEFAULT_QUIET_TO = dt.time(7, 0)


def teen_location_ttl_hours() -> int:
    return settings.TEEN_LOCATION_TTL_HOURS


def teen_location_ttl() -> dt.timedelta:
    return dt.timedelta(hours=teen_location_ttl_hours())


def location_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """A teen location set at or before this moment has expired (exactly TTL old: expired)."""
    return (now or timezone.now()) - teen_location_ttl()


def location_expired(user, updated_at: dt.datetime | None, *, now=None) -> bool:
    """Whether ``user``'s location (set at ``updated_at``) counts as not set any more."""
    if age_segment(user) != TEEN:
        return False
    return updated_at is None or updated_at <= location_cutoff(now)


def fresh_locations_after(viewer, *, now=None) -> dt.datetime | None:
    """For discovery by ``viewer``: candidates' locations must be newer than this (``None``: no
    limit). Teens only ever see teens, so a teen viewer's cutoff covers every candidate."""
    return location_cutoff(now) if age_segment(viewer) == TEEN else None


def expired_teen_locations_q(*, now=None) -> Q:
    """``Location`` rows of teens that have expired (what the purge deletes)."""
    stale = Q(updated_at__lte=location_cutoff(now)) | Q(updated_at__isnull=True)
    return stale & segment_q(TEEN, prefix="user__")


def discovery_tiers_for(user) -> tuple[str, ...]:
    """The discovery tiers ``user`` sees and is seen in (the other tiers answer empty)."""
    return TEEN_TIERS if age_segment(user) == TEEN else ALL_TIERS


@dataclass(frozen=True)
class SafetySettings:
    """A person's quiet hours and read receipts: their ``user_safety_settings`` row, or the
    defaults of their segment when they never changed them (no row: no write on a read)."""

    quiet_hours_enabled: bool
    quiet_from: dt.time
    quiet_to: dt.time
    read_receipts_enabled: bool


def default_safety_settings(user) -> SafetySettings:
    """Teens: quiet hours on, read receipts off; adults: the other way round."""
    teen = age_segment(user) == TEEN
    return SafetySettings(teen, DEFAULT_QUIET_FROM, DEFAULT_QUIET_TO, not teen)


def safety_settings_of(user) -> SafetySettings:
    """The settings in force (reads ``user.safety_settings``: ``select_related`` it in lists)."""
    row = getattr(user, "safety_settings", None)  # the missing relation is an AttributeError
    return safety_settings_from(user, row)


def safety_settings_from(user, row) -> SafetySettings:
    """``row`` (a ``user_safety_settings`` row, or ``None``: the segment's defaults) as values."""
    if row is None:
        return default_safety_settings(user)
    return SafetySettings(
        row.quiet_hours_enabled, row.quiet_from, row.quiet_to, row.read_receipts_enabled
    )


def in_quiet_hours(user, now: dt.datetime | None = None) -> bool:
    """Whether ``now`` (local time, TIME_ZONE) is in ``user``'s quiet hours; a window whose end
    is before its start crosses midnight (22:00–07:00). Every notification that may reach a
    person while they are away (push, email digests, sounds) must ask this first."""
    chosen = safety_settings_of(user)
    if not chosen.quiet_hours_enabled or chosen.quiet_from == chosen.quiet_to:
        return False
    clock = timezone.localtime(now or timezone.now()).time()
    start, end = chosen.quiet_from, chosen.quiet_to
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def shows_read_receipts(user) -> bool:
    """Whether others may be shown that ``user`` read their messages. WYA has no read markers
    yet: the future ones must ask this (off for teens unless they turn it on)."""
    return safety_settings_of(user).read_receipts_enabled


def quiet_hours_note(user) -> str | None:
    """The profile's note ("Quiet hours 22:00–07:00"), or ``None`` when quiet hours are off."""
    chosen = safety_settings_of(user)
    if not chosen.quiet_hours_enabled:
        return None
    return f"Quiet hours {chosen.quiet_from:%H:%M}–{chosen.quiet_to:%H:%M}"


# --- First contact (issue 20, part M2: the safety prompt and blurred images) ------------------
# A message from someone new is where grooming and scams start: the recipient gets a prompt
# (block or report if it feels wrong) once per pair, and the images in that conversation are
# blurred until tapped. "Someone new": they wrote, I never wrote to them, and we share no room.
@dataclass(frozen=True)
class FirstContactFacts:
    """What ``first_contact_due`` and ``first_contact_blurs`` decide on, about the viewer and
    one other person (``messaging.selectors.first_contact_facts`` reads them for a whole page)."""

    they_wrote: bool = False  # the other person wrote to the viewer
    i_wrote: bool = False  # the viewer wrote to them (replying chooses the contact)
    share_room: bool = False  # both hold a non-banned membership of one room
    acknowledged: bool = False  # the viewer dismissed the prompt, or reported or blocked them


def _first_contact_applies(viewer) -> bool:
    """Teens always; adults unless the operator turned it off (FIRST_CONTACT_PROMPT_ADULTS)."""
    segment = age_segment(viewer)
    if segment == TEEN:
        return True
    return segment == ADULT and settings.FIRST_CONTACT_PROMPT_ADULTS


def is_first_contact(viewer, facts: FirstContactFacts) -> bool:
    """The conversation is with someone new to ``viewer``, whom ``viewer`` has not answered."""
    if not facts.they_wrote or facts.i_wrote or facts.share_room:
        return False
    return _first_contact_applies(viewer)


def first_contact_due(viewer, other, facts: FirstContactFacts) -> bool:
    """Show ``viewer`` the first-contact prompt about ``other``: a first contact whose prompt
    was not answered yet (once per pair). ``other`` is named for the callers' clarity: every
    fact about them is in ``facts``."""
    return is_first_contact(viewer, facts) and not facts.acknowledged


def first_contact_blurs(
    viewer, facts: FirstContactFacts, *, sender_id: str, is_image: bool
) -> bool:
    """Blur a message's image for ``viewer``: an image the other person sent in a first
    contact. Dismissing the prompt does not unblur (each image is revealed by a tap); replying
    does, since the contact is then chosen."""
    return is_image and sender_id != viewer.pk and is_first_contact(viewer, facts)
