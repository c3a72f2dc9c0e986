"""Moderation work: reports filed by people, the moderators' decisions on them and the actions
they take. Above every app (docs/architecture.md): checking that a reporter can see what they
report, and gathering the evidence, reads rooms and direct messages, and a platform ban goes
through the accounts service. The rows (``reports``, ``moderation_actions``) are safety's
models; every action row is written by ``safety.moderation_log``."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import services as account_services
from accounts.models import display_name_of
from messaging.models import PrivateMessage
from rooms.models import ChatRoomMessage
from rooms.selectors import MAX_SERIAL, clean_room_id, room_access
from safety import moderation_log, policy
from safety.models import (
    CONSOLE_ACTION_TYPES,
    OPEN_REPORT_STATUSES,
    REPORT_DECISIONS,
    TIMED_ACTION_TYPES,
    URGENT_REPORT_TYPES,
    ActionType,
    Appeal,
    AppealStatus,
    ModerationAction,
    Report,
    ReportStatus,
    ReportType,
)
from safety.services import block_create
from wya import ratelimit
from wya.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from wya.live import publish_on_commit, user_group

# --- Moderation actions -------------------------------------------------------------------------
MAX_DURATION_MINUTES = 60 * 24 * 365


def moderation_action_check(
    *,
    moderator,
    target_user,
    action_type: str,
    reason: str,
    duration_minutes: int | None,
    report=None,
) -> None:
    """Raise a service error with a clear message if this action may not be taken as given:
    the moderator holds ``safety.add_moderationaction``, the type is one the console takes, a
    reason is given, a duration only for mute/restrict (1 minute to a year), the target is
    someone the moderator may act on (``policy.may_act_on``), and an action answering a report
    is taken by a moderator who may handle it, against the person it is about."""
    staff = moderator is not None and moderator.is_active and moderator.is_staff
    if not (staff and moderator.has_perm(policy.PERM_TAKE_ACTION)):
        raise Forbidden("Only moderators can take moderation actions.", code="forbidden")
    if action_type not in CONSOLE_ACTION_TYPES:
        raise Invalid(f"Unknown action type {action_type!r}.", code="invalid")
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("A reason is required: the person affected is shown it.", code="invalid")
    if duration_minutes is not None and action_type not in TIMED_ACTION_TYPES:
        raise Invalid("A duration applies to mute and restrict only.", code="invalid")
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise Invalid("The duration must be between 1 minute and a year.", code="invalid")
    policy.raise_for(policy.may_act_on(moderator, target_user))
    if report is not None:
        policy.raise_for(policy.may_handle_report(moderator, report))
        require_report_subject(report, target_user)


def require_report_subject(report, target_user) -> None:
    """An action taken from a report must be against the person the report is about: anything
    else would close the report as answered while the subject goes untouched."""
    subject_id = policy.report_subject_id(report)
    if subject_id is None:
        raise Invalid("This report names nobody to act on: dismiss it.", code="invalid")
    if target_user is None or target_user.pk != subject_id:
        raise Invalid(
            "An action taken from a report must target the person the report is about.",
            code="wrong_target",
        )


def moderation_action_take(
    *,
    moderator,
    target_user,
    action_type: str,
    reason: str,
    duration_minutes: int | None = None,
    report=None,
):
    """Take an action and tell its target at once (no shadow actions).

    Every action is a ``moderation_actions`` row; ``mute`` and ``restrict`` take effect through
    ``safety.policy`` for ``duration_minutes`` (None: until a moderator decides otherwise);
    ``ban`` is a platform ban (``accounts.services.account_ban``). The target's open sockets get
    a ``notice`` frame after commit and ``GET /api/me/notices/`` lists it. A report the action
    answers is closed as resolved (``escalate`` leaves it open for a Safety lead).
    """
    fields = {"moderator": moderator, "target_user": target_user, "action_type": action_type}
    fields.update(reason=reason, duration_minutes=duration_minutes)
    moderation_action_check(**fields, report=report)
    with transaction.atomic():
        if report is not None:  # checked again on the locked row: an owner may have changed
            report = _open_report_for_decision(moderator, report.pk, action_type)
            require_report_subject(report, target_user)
        if action_type == ActionType.BAN:
            action = account_services.account_ban(
                moderator=moderator, user=target_user, reason=reason, report=report
            )
        else:
            action = moderation_log.record(**fields, report=report)
        if report is not None and action_type != ActionType.ESCALATE:
            _close_report(moderator, report, ReportStatus.RESOLVED)
        elif report is not None:
            _mark_reviewing(moderator, report)
    return action


# --- The review queue ---------------------------------------------------------------------------
def report_subject(report):
    """The person a report is about: the reported user (a message's author, a DM's sender), or
    for a room report the room's owner; None if the room is gone."""
    if report.reported_user_id is not None:
        return report.reported_user
    if report.reported_room_id is not None:
        return report.reported_room.owner
    return None


def report_is_escalated(report) -> bool:
    return report.actions.filter(action_type=ActionType.ESCALATE).exists()


def _mark_reviewing(moderator, report) -> None:
    changed = []
    if report.status == ReportStatus.PENDING:
        report.status = ReportStatus.REVIEWING
        changed.append("status")
    if report.reviewed_at is None:  # the first review: what the queue's median measures
        report.reviewed_at = timezone.now()
        report.reviewed_by = moderator
        changed += ["reviewed_at", "reviewed_by"]
    if changed:
        report.save(update_fields=changed)


def _close_report(moderator, report, status: str) -> None:
    report.status = status
    report.reviewed_by = moderator
    if report.reviewed_at is None:
        report.reviewed_at = timezone.now()
    report.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    _publish_report_closed(report)


def _open_report_for_decision(moderator, report_id: int, decision: str):
    """The report, locked, if it is open and this moderator may take this decision on it."""
    policy.raise_for(policy.may_review_reports(moderator))
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("reported_user", "reported_room__owner")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound("No such report.", code="not_found")
    policy.raise_for(policy.may_handle_report(moderator, report))
    if report.status not in OPEN_REPORT_STATUSES:
        raise Conflict("This report is already closed.", code="closed")
    escalated = report_is_escalated(report)
    if decision == ActionType.ESCALATE:
        if escalated:
            raise Conflict("This report is already escalated.", code="escalated")
    else:
        policy.raise_for(policy.may_close_report(moderator, escalated=escalated))
    return report


def report_open(*, moderator, report_id: int):
    """A moderator starts reviewing a report (a POST: the "Start review" button; opening the
    page changes nothing): a pending report becomes ``reviewing`` (first review: who and when,
    in ``reviewed_by``/``reviewed_at``). Closed reports are left as they are."""
    policy.raise_for(policy.may_review_reports(moderator))
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("reported_room")
            .filter(pk=report_id)
            .first()
        )
        if report is None:
            raise NotFound("No such report.", code="not_found")
        policy.raise_for(policy.may_handle_report(moderator, report))
        if report.status in OPEN_REPORT_STATUSES:
            _mark_reviewing(moderator, report)
    return report


def report_decide(
    *, moderator, report_id: int, decision: str, reason: str, duration_minutes: int | None = None
):
    """One step from the report page: ``warn``, ``mute``, ``restrict`` (for
    ``duration_minutes``, None: until lifted), ``ban``, ``escalate`` or ``dismiss``.

    The action row links to the report; the report is closed (resolved, or dismissed) with
    ``reviewed_by``, and the reporter gets a ``notice`` that does not name the action. An
    escalated report can be closed only by a Safety lead. ``dismiss`` is logged too (a row with
    no target: nobody is told but the reporter). Returns the action row.
    """
    if decision not in REPORT_DECISIONS:
        raise Invalid(f"Unknown decision {decision!r}.", code="invalid")
    with transaction.atomic():
        report = _open_report_for_decision(moderator, report_id, decision)
        if decision == ActionType.DISMISS:
            if not isinstance(reason, str) or not reason.strip():
                raise Invalid("A reason is required (kept in the log).", code="invalid")
            action = moderation_log.record(
                moderator=moderator,
                target_user=None,
                action_type=ActionType.DISMISS,
                reason=reason,
                report=report,
            )
            _close_report(moderator, report, ReportStatus.DISMISSED)
            return action
        target = report_subject(report)
        if target is None:
            raise Invalid("This report names nobody to act on: dismiss it.", code="invalid")
        return moderation_action_take(
            moderator=moderator,
            target_user=target,
            action_type=decision,
            reason=reason,
            duration_minutes=duration_minutes,
            report=report,
        )


# --- Reports ------------------------------------------------------------------------------------
DESCRIPTION_MAX = 2000
DM_QUOTE_MAX = 2000

_TARGET_FIELDS = (
    "reported_user_id",
    "reported_room_id",
    "reported_message_id",
    "direct_message_id",
)


def _clean_report_type(value) -> str:
    if not isinstance(value, str) or value not in ReportType.values:
        choices = ", ".join(ReportType.values)
        raise Invalid(f"report_type: choose one of {choices}.", code="invalid")
    return value


def _clean_description(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or "\x00" in value:
        raise Invalid("description: must be text.", code="invalid")
    value = value.strip()
    if len(value) > DESCRIPTION_MAX:
        raise Invalid(f"description: at most {DESCRIPTION_MAX} characters, please.", code="invalid")
    return value


def _clean_int_id(value, what: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SERIAL:
        raise NotFound(f"No such {what}.", code="not_found")
    return value


def _reportable_user(reporter, user_id):
    if not isinstance(user_id, str) or not 0 < len(user_id) <= 255 or "\x00" in user_id:
        raise NotFound("No such user.", code="not_found")
    target = get_user_model().objects.filter(pk=user_id).first()
    if target is None:
        raise NotFound("No such user.", code="not_found")
    decision = policy.can_report_user(reporter, target)
    if not decision:
        error = Invalid if decision.code == "invalid" else NotFound
        raise error(decision.detail, code=decision.code)
    return target


def _reportable_room(reporter, room_id):
    access = room_access(reporter, clean_room_id(room_id))  # 404 unless the reporter may know it
    return access.room


def _reads_room(reporter, room_id: int) -> bool:
    """A non-banned member of a room they may know (who can read its history)."""
    try:
        return room_access(reporter, room_id).is_member
    except NotFound:
        return False


def _reportable_message(reporter, message_id):
    message = (
        ChatRoomMessage.objects.select_related("user")
        .filter(pk=_clean_int_id(message_id, "message"))
        .first()
    )
    if message is None or not _reads_room(reporter, message.room_id):
        raise NotFound("No such message.", code="not_found")
    if message.user_id == reporter.pk:
        raise Invalid("You cannot report your own message.", code="invalid")
    if not policy.can_report_user(reporter, message.user):
        raise NotFound("No such message.", code="not_found")
    return message


def _reportable_dm(reporter, dm_id):
    """A direct message the reporter received (or sent): reported as its sender, quoted."""
    dm = (
        PrivateMessage.objects.select_related("sender")
        .filter(pk=_clean_int_id(dm_id, "message"))
        .filter(Q(sender_id=reporter.pk) | Q(recipient_id=reporter.pk))
        .first()
    )
    if dm is None:
        raise NotFound("No such message.", code="not_found")
    if dm.sender_id == reporter.pk:
        raise Invalid("Report the person, not your own message.", code="invalid")
    # A DM from an account deleted since stays reportable by its recipient (the evidence).
    deleted = policy.is_deleted_account(dm.sender)
    if not (deleted or policy.can_report_user(reporter, dm.sender)):
        raise NotFound("No such message.", code="not_found")
    return dm


def describe_report_target(*, reporter, kind: str, value) -> dict:
    """What the report form page shows about its target (``kind``: user, room, message, dm),
    checked exactly as filing it would be: 404 for what the reporter cannot see."""
    if kind == "user":
        target = _reportable_user(reporter, value)
        return {"field": "reported_user_id", "value": target.pk, "label": _display(target)}
    if kind == "room":
        room = _reportable_room(reporter, value)
        return {"field": "reported_room_id", "value": room.pk, "label": f"the room {room}"}
    if kind == "message":
        message = _reportable_message(reporter, value)
        label = f"a message by {_display(message.user)} in {message.room}"
        return {"field": "reported_message_id", "value": message.pk, "label": label}
    if kind == "dm":
        dm = _reportable_dm(reporter, value)
        label = f"a direct message from {_display(dm.sender)}"
        return {"field": "direct_message_id", "value": dm.pk, "label": label}
    raise NotFound("Nothing to report.", code="not_found")


def _display(user) -> str:
    return display_name_of(user, "this person")


def dm_quote(dm) -> str:
    """How a reported direct message is kept in the report (the lock has no DM column)."""
    when = dm.created_at.isoformat() if dm.created_at else ""
    media = f" [media: {dm.media_url}]" if dm.media_url else ""
    text = (dm.message or "")[:DM_QUOTE_MAX]
    return f"[Direct message #{dm.pk} from {dm.sender_id} at {when}]{media}\n{text}"


def report_create(
    *,
    reporter,
    report_type,
    reported_user_id=None,
    reported_room_id=None,
    reported_message_id=None,
    direct_message_id=None,
    description=None,
    block: bool = False,
) -> tuple[Report, bool]:
    """File a report; returns ``(report, created)``.

    Exactly one target: a user, a room, a room message (reported with its author as
    ``reported_user``), or a direct message (reported as its sender, the message quoted at the
    top of ``description``). Only what the reporter can see may be reported, else 404. A repeat
    by the same reporter on the same target while the first is open returns that report (the
    more urgent type, the new words appended within a bound) instead of a second one; new
    reports and repeats alike count against ``RATE_LIMITS["reports"]``. ``block=True`` also
    blocks the person reported (not possible for a room report), in the same transaction.
    """
    targets = {
        "reported_user_id": reported_user_id,
        "reported_room_id": reported_room_id,
        "reported_message_id": reported_message_id,
        "direct_message_id": direct_message_id,
    }
    kind = _one_target(targets)
    report_type = _clean_report_type(report_type)
    words = _clean_description(description)
    fields, words = _report_target(reporter, kind, targets[kind], words=words, block=block)
    with transaction.atomic():
        # One reporter's reports serialise on their user row: parallel repeats merge too.
        get_user_model().objects.select_for_update().filter(pk=reporter.pk).first()
        report, created = _report_file_or_merge(
            reporter=reporter, report_type=report_type, words=words, fields=fields
        )
        if block and _blockable(fields["reported_user"]):
            block_create(blocker=reporter, blocked_id=fields["reported_user"].pk)
    return report, created


def _blockable(user) -> bool:
    """A deleted account has nothing left to block (its DMs stay reportable, not blockable)."""
    return user is not None and not policy.is_deleted_account(user)


def _one_target(targets: dict) -> str:
    """The name of the one target field given; ``Invalid`` unless exactly one is."""
    given = [name for name in _TARGET_FIELDS if targets[name] not in (None, "")]
    if len(given) != 1:
        raise Invalid(
            "Report exactly one thing: reported_user_id, reported_room_id, "
            "reported_message_id or direct_message_id.",
            code="invalid",
        )
    return given[0]


def _report_target(reporter, kind: str, value, *, words: str, block: bool) -> tuple[dict, str]:
    """The thing reported, as the report's target columns (404 unless the reporter can see it),
    and the report's words (a direct message is quoted above them: the lock has no DM column)."""
    fields = {"reported_user": None, "reported_room": None, "reported_message": None}
    if kind == "reported_user_id":
        fields["reported_user"] = _reportable_user(reporter, value)
    elif kind == "reported_room_id":
        fields["reported_room"] = _reportable_room(reporter, value)
        if block:
            raise Invalid("A room cannot be blocked; report or block its people.", code="invalid")
    elif kind == "reported_message_id":
        message = _reportable_message(reporter, value)
        fields.update(
            reported_message=message, reported_room=message.room, reported_user=message.user
        )
    else:
        dm = _reportable_dm(reporter, value)
        fields["reported_user"] = dm.sender
        return fields, f"{dm_quote(dm)}\n\n{words}".strip()
    return fields, words


def _report_file_or_merge(*, reporter, report_type: str, words: str, fields: dict):
    """The reporter's open report on the same target takes the repeat (``_merge_repeat``);
    otherwise a new report. Either counts against ``RATE_LIMITS["reports"]``: a repeat is work
    for the moderators too. Returns (report, created)."""
    if not ratelimit.allow("reports", reporter.pk):
        raise RateLimited(
            "You have filed many reports in a short time; try again later.", code="rate_limited"
        )
    existing = (
        Report.objects.filter(reporter_id=reporter.pk, status__in=OPEN_REPORT_STATUSES)
        .filter(
            reported_user=fields["reported_user"],
            reported_room=fields["reported_room"],
            reported_message=fields["reported_message"],
        )
        .order_by("id")
        .first()
    )
    if existing is not None:
        _merge_repeat(existing, report_type=report_type, words=words)
        return existing, False
    report = Report.objects.create(
        reporter=reporter, report_type=report_type, description=words or None, **fields
    )
    return report, True


def _merge_repeat(report, *, report_type: str, words: str) -> None:
    """A repeat raises the report to the more urgent type (a ``self_harm`` repeat of a ``spam``
    report is reviewed first) and appends its new words, the whole description kept within
    ``DESCRIPTION_TOTAL_MAX`` (``bounded_description``)."""
    changed = []
    if more_urgent_type(report.report_type, report_type) != report.report_type:
        report.report_type = report_type
        changed.append("report_type")
    if words and words not in (report.description or ""):
        merged = bounded_description(report.description or "", words)
        if merged != report.description:
            report.description = merged
            changed.append("description")
    if changed:
        report.save(update_fields=changed)


def more_urgent_type(current: str, repeat: str) -> str:
    """The type a report keeps after a repeat: an urgent type (``URGENT_REPORT_TYPES``) beats
    any other; otherwise the first one stays (the reporter's first words on what is wrong)."""
    if repeat in URGENT_REPORT_TYPES and current not in URGENT_REPORT_TYPES:
        return repeat
    return current


# The most a report's description holds after merged repeats (the first report's words, a quoted
# direct message, and what repeats add). Beyond it, a repeat's words are cut and marked once.
DESCRIPTION_TOTAL_MAX = 8000
DESCRIPTION_CUT_MARK = "[Further words were cut: this report's description is at its limit.]"


def bounded_description(current: str, words: str) -> str:
    """``current`` with ``words`` appended, at most ``DESCRIPTION_TOTAL_MAX`` characters: what
    does not fit is cut and the cut marked, once (a full description stays as it is). Only the
    new words are ever cut: what is already there is evidence. Cutting, not refusing, so a
    repeat still raises the urgency whatever its length."""
    unmarked_max = DESCRIPTION_TOTAL_MAX - len(DESCRIPTION_CUT_MARK) - 1  # room for the mark
    if current.endswith(DESCRIPTION_CUT_MARK) or len(current) > unmarked_max:
        return current
    merged = f"{current}\n\n{words}".strip()
    if len(merged) <= unmarked_max:
        return merged
    return f"{merged[:unmarked_max]}\n{DESCRIPTION_CUT_MARK}"


def report_outcome(report) -> str:
    """The reporter's view of a report, in words; never names the action taken on someone."""
    if report.status == ReportStatus.RESOLVED:
        return "A moderator reviewed your report and took action. Thank you for telling us."
    if report.status == ReportStatus.DISMISSED:
        return "A moderator reviewed your report and found no rule was broken."
    if report.status == ReportStatus.REVIEWING:
        return "A moderator is looking at your report."
    return "Your report is waiting for a moderator."


def report_notice_payload(report) -> dict:
    return {
        "id": report.pk,
        "status": report.status,
        "outcome": report_outcome(report),
        "reviewed_at": report.reviewed_at.isoformat() if report.reviewed_at else None,
    }


def _publish_report_closed(report) -> None:
    """Tell the reporter that their report was closed (what was done is not said)."""
    publish_on_commit(
        user_group(report.reporter_id), {"type": "notice", "report": report_notice_payload(report)}
    )


# --- Appeals (issue 20, part A) ---------------------------------------------------------------
# The person affected appeals an action once (``appeals.action_id`` is unique); another moderator
# decides: ``upheld`` (the action stands) or ``lifted`` (it ends at once on every path: a lifted
# mute or restriction is no longer in force for ``safety.policy``; a ban is lifted through the
# platform unban). Either outcome is a ``moderation_actions`` row (``appeal_upheld`` /
# ``appeal_lifted``, by the reviewer, against the appellant) and a ``notice`` (docs/moderation.md).
APPEAL_OUTCOMES = {
    AppealStatus.UPHELD: ActionType.APPEAL_UPHELD,
    AppealStatus.LIFTED: ActionType.APPEAL_LIFTED,
}


def _clean_text(value, what: str, limit: int) -> str:
    if not isinstance(value, str) or "\x00" in value or not value.strip():
        raise Invalid(f"Write {what}.", code="invalid")
    if len(value.strip()) > limit:
        raise Invalid(f"Keep {what} under {limit} characters.", code="invalid")
    return value.strip()


def appeal_create(*, appellant, action_id, text) -> Appeal:
    """File ``appellant``'s appeal of the action ``action_id`` (their own, appealable, within
    the window: ``policy.may_appeal``); 409 if it was already appealed. Works for a banned,
    inactive account too (the login page's appeal form authenticates without logging in)."""
    text = _clean_text(text, "why the decision should change", settings.APPEAL_TEXT_MAX)
    action_id = _clean_int_id(action_id, "notice")
    with transaction.atomic():
        action = ModerationAction.objects.select_for_update().filter(pk=action_id).first()
        if action is None:
            raise NotFound("No such notice to appeal.", code="not_found")
        policy.raise_for(policy.may_appeal(appellant, action))
        if Appeal.objects.filter(action_id=action.pk).exists():
            raise Conflict("You already appealed this decision.", code="already_appealed")
        return Appeal.objects.create(action=action, appellant=appellant, text=text)


def appeal_for_review(*, reviewer, appeal_id) -> Appeal:
    """The appeal ``reviewer`` may see (``policy.may_review_appeal``), else 404/403."""
    appeal = (
        Appeal.objects.select_related("action__moderator", "appellant", "reviewer")
        .filter(pk=_clean_int_id(appeal_id, "appeal"))
        .first()
    )
    if appeal is None:
        raise NotFound("No such appeal.", code="not_found")
    policy.raise_for(policy.may_review_appeal(reviewer, appeal))
    return appeal


def appeal_decide(*, reviewer, appeal_id, outcome: str, reason) -> Appeal:
    """Decide an appeal: ``upheld`` or ``lifted``, with a reason the appellant reads. Once:
    a decided appeal is a 409. Logged as an action and told to the appellant live."""
    if outcome not in APPEAL_OUTCOMES:
        raise Invalid("Choose to uphold or to lift the decision.", code="invalid")
    reason = _clean_text(reason, "a reason", settings.APPEAL_TEXT_MAX)
    appeal = appeal_for_review(reviewer=reviewer, appeal_id=appeal_id)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("action").get(pk=appeal.pk)
        if appeal.status != AppealStatus.PENDING:
            raise Conflict("This appeal was already decided.", code="already_decided")
        appeal.status, appeal.reviewer, appeal.outcome_reason = outcome, reviewer, reason
        appeal.decided_at = timezone.now()
        appeal.save(update_fields=["status", "reviewer", "outcome_reason", "decided_at"])
        if outcome == AppealStatus.LIFTED and appeal.action.action_type == ActionType.BAN:
            _lift_ban(reviewer, appeal)
        outcome_action = moderation_log.record(
            moderator=reviewer,
            target_user=appeal.appellant,
            action_type=APPEAL_OUTCOMES[AppealStatus(outcome)],
            reason=reason,
            notify=False,
        )
        _publish_appeal_outcome(appeal, outcome_action)
    return appeal


def _lift_ban(reviewer, appeal) -> None:
    """A ban lifted on appeal goes through the platform unban (the account is active again),
    unless a later unban or ban already changed it: only the ban in force is lifted."""
    if policy.ban_in_force(appeal.appellant) != appeal.action:
        return
    account_services.account_unban(
        moderator=reviewer,
        user=appeal.appellant,
        reason=f"Lifted on appeal #{appeal.pk}: {appeal.outcome_reason}",
    )


def appeal_payload(appeal) -> dict:
    return {
        "id": appeal.pk,
        "action_id": appeal.action_id,
        "status": appeal.status,
        "outcome_reason": appeal.outcome_reason,
    }


def _publish_appeal_outcome(appeal, outcome_action) -> None:
    """The appellant's ``notice`` frame: the outcome action, the appeal, and whether they are
    still muted or restricted (another action may be in force), so an open page re-enables its
    message box and drops its banner at once when nothing holds them any more."""
    restraints = policy.restraints_in_force(appeal.appellant)
    payload = moderation_log.notice_payload(outcome_action)
    payload.update(
        appeal=appeal_payload(appeal),
        muted=restraints.muted,
        restricted=restraints.restricted,
    )
    publish_on_commit(user_group(appeal.appellant_id), {"type": "notice", "action": payload})


def ban_appeal_create(*, email, password, text, ip: str | None = None) -> Appeal:
    """A banned person cannot log in: they appeal their ban by giving their email and password
    again with the text (authenticated, never logged in). The login's own check (throttles,
    lockout, password) answers; only its "banned" refusal leads to the appeal, so the page
    tells nobody more than the login does."""
    try:
        account_services.user_login_check(email=email, password=password, ip=ip)
    except Forbidden as error:
        if error.code != "banned":
            raise
    else:
        raise Invalid(
            "This account is not banned: log in and appeal from “My notices”.", code="not_banned"
        )
    user = get_user_model().objects.get(email=account_services.clean_login_email(email))
    ban = policy.ban_in_force(user)
    if ban is None:  # lifted in between
        raise Invalid("This account is not banned any more: log in.", code="not_banned")
    return appeal_create(appellant=user, action_id=ban.pk, text=text)
