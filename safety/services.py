"""Writes about blocks. A block is one row (blocker, blocked) and hides the two people from each
other both ways at once (``safety.policy``); open sockets of both hear ``block.changed`` after
commit so they refresh their cached block sets immediately."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from messaging.models import PrivateMessage
from rooms.models import ChatRoomMessage
from rooms.selectors import MAX_SERIAL, can_read_room, clean_room_id, room_access
from safety import moderation_log, policy
from safety.models import (
    OPEN_REPORT_STATUSES,
    ActionType,
    Block,
    Report,
    ReportStatus,
    ReportType,
)
from wya import ratelimit
from wya.errors import Invalid, NotFound, RateLimited
from wya.live import publish_on_commit, user_group


def _publish_block_changed(a_id: str, b_id: str) -> None:
    publish_on_commit(user_group(a_id), {"type": "block.changed", "user_id": b_id})
    publish_on_commit(user_group(b_id), {"type": "block.changed", "user_id": a_id})


def block_create(*, blocker, blocked_id: str) -> tuple[Block, bool]:
    """Block someone; returns ``(block, created)``. Blocking again is a no-op.

    Allowed for anyone the blocker can currently see (``policy.can_block``); unknown or
    invisible people are "not found" and blocking oneself is invalid.
    """
    if not isinstance(blocked_id, str) or not blocked_id or len(blocked_id) > 255:
        raise NotFound("No such user.")
    if blocked_id == blocker.pk:
        raise Invalid("You cannot block yourself.", code="invalid")
    with transaction.atomic():
        existing = Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked_id).first()
        if existing is not None:
            return existing, False
        target = get_user_model().objects.filter(pk=blocked_id).first()
        if target is None:
            raise NotFound("No such user.")
        decision = policy.can_block(blocker, target)
        if not decision:
            error = Invalid if decision.code == "invalid" else NotFound
            raise error(decision.detail, code=decision.code)
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
        action = moderation_log.record(
            moderator=moderator,
            target_user=target_user,
            action_type=action_type,
            reason=reason,
            duration_minutes=duration_minutes,
            report=report,
        )
        if report is not None:
            report.status = ReportStatus.RESOLVED
            report.reviewed_by = moderator
            report.reviewed_at = timezone.now()
            report.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return action


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


def _reportable_message(reporter, message_id):
    message = (
        ChatRoomMessage.objects.select_related("user")
        .filter(pk=_clean_int_id(message_id, "message"))
        .first()
    )
    if message is None or not can_read_room(reporter, message.room_id):
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
    if not policy.can_report_user(reporter, dm.sender):
        raise NotFound("No such message.", code="not_found")
    return dm


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
    by the same reporter on the same target while the first is open returns that report (its
    description gets the new words appended) instead of a second one; only new reports count
    against ``RATE_LIMITS["reports"]``. ``block=True`` also blocks the person reported (not
    possible for a room report), in the same transaction.
    """
    targets = {
        "reported_user_id": reported_user_id,
        "reported_room_id": reported_room_id,
        "reported_message_id": reported_message_id,
        "direct_message_id": direct_message_id,
    }
    given = [name for name in _TARGET_FIELDS if targets[name] not in (None, "")]
    if len(given) != 1:
        raise Invalid(
            "Report exactly one thing: reported_user_id, reported_room_id, "
            "reported_message_id or direct_message_id.",
            code="invalid",
        )
    report_type = _clean_report_type(report_type)
    words = _clean_description(description)
    kind = given[0]
    fields = {"reported_user": None, "reported_room": None, "reported_message": None}
    if kind == "reported_user_id":
        fields["reported_user"] = _reportable_user(reporter, reported_user_id)
    elif kind == "reported_room_id":
        fields["reported_room"] = _reportable_room(reporter, reported_room_id)
        if block:
            raise Invalid("A room cannot be blocked; report or block its people.", code="invalid")
    elif kind == "reported_message_id":
        message = _reportable_message(reporter, reported_message_id)
        fields.update(
            reported_message=message, reported_room=message.room, reported_user=message.user
        )
    else:
        dm = _reportable_dm(reporter, direct_message_id)
        fields["reported_user"] = dm.sender
        words = f"{dm_quote(dm)}\n\n{words}".strip()

    with transaction.atomic():
        # One reporter's reports serialise on their user row: parallel repeats merge too.
        get_user_model().objects.select_for_update().filter(pk=reporter.pk).first()
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
            if words and words not in (existing.description or ""):
                existing.description = f"{existing.description or ''}\n\n{words}".strip()
                existing.save(update_fields=["description"])
            report, created = existing, False
        else:
            if not ratelimit.allow("reports", reporter.pk):
                raise RateLimited(
                    "You have filed many reports in a short time; try again later.",
                    code="rate_limited",
                )
            report = Report.objects.create(
                reporter=reporter, report_type=report_type, description=words or None, **fields
            )
            created = True
        if block and fields["reported_user"] is not None:
            block_create(blocker=reporter, blocked_id=fields["reported_user"].pk)
    return report, created


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
