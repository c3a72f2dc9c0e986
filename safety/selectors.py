"""Reads about people as the policy lets the caller see them, blocks, notices and my reports
(the moderators' queue and evidence are ``moderation.selectors``).

``user_or_404`` and ``visible_user_or_404`` are the one way to turn a user id from a URL, a body
or a socket frame into a user: anything that cannot be an id, an unknown id and (for the second)
someone the policy hides are the same "No such user." 404.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from safety import policy
from safety.models import OPEN_REPORT_STATUSES, Appeal, Block, ModerationAction, Report
from wya.db import datetime_from_db
from wya.errors import NotFound

USER_ID_MAX = 255


def is_user_id(value) -> bool:
    """Could this be a user id at all (text, ≤ 255, no NUL: PostgreSQL refuses NUL in text)."""
    return isinstance(value, str) and 0 < len(value) <= USER_ID_MAX and "\x00" not in value


def no_such_user() -> NotFound:
    return NotFound("No such user.", code="not_found")


def user_or_404(user_id):
    """The user with this id, whoever they are (the caller's rule decides what follows)."""
    if not is_user_id(user_id):
        raise no_such_user()
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise no_such_user()
    return user


def visible_user_or_404(viewer, user_id, queryset: QuerySet | None = None):
    """The user if ``viewer`` may see them (``policy.visible_users``) or is them; one query.
    ``queryset`` may add ``select_related``."""
    if not is_user_id(user_id):
        raise no_such_user()
    users = get_user_model().objects.all() if queryset is None else queryset
    if user_id != viewer.pk:
        users = policy.visible_users(viewer, users)
    user = users.filter(pk=user_id).first()
    if user is None:
        raise no_such_user()
    return user


def blocks_of(*, user) -> QuerySet:
    """The blocks ``user`` made, newest first, with each blocked person's profile (no N+1)."""
    return (
        Block.objects.filter(blocker_id=user.pk)
        .select_related("blocked__profile")
        .order_by("-created_at", "blocked_id")
    )


def notices_of(*, user):
    """Moderation actions taken against ``user``, newest first (what /api/me/notices/ shows),
    with their room detail; a room action they were never told of (a ban while not in the
    room, its lifting) is not theirs to see (``moderation_log.record_room_action``)."""
    return (
        ModerationAction.objects.filter(target_user_id=user.pk)
        .exclude(room_detail__notified=False)
        .select_related("room_detail", "appeal")
        .order_by("-id")
    )


def appeal_of(action):
    """The appeal of ``action`` or None (read with ``select_related("appeal")``: no query)."""
    try:
        return action.appeal
    except Appeal.DoesNotExist:
        return None


def reports_of(*, user) -> QuerySet:
    """The reports ``user`` filed, newest first (GET /api/reports/, the "my reports" page)."""
    return Report.objects.filter(reporter_id=user.pk).order_by("-created_at", "-id")


def open_reports_on_room_q(room_id: int) -> Q:
    """Open reports about a room or any of its messages (its evidence must not go)."""
    return Q(status__in=OPEN_REPORT_STATUSES) & (
        Q(reported_room_id=room_id) | Q(reported_message__room_id=room_id)
    )


def room_has_open_reports(room_id: int) -> bool:
    return Report.objects.filter(open_reports_on_room_q(room_id)).exists()


def actions_from_columns(rows, first: int) -> tuple[ModerationAction, ...]:
    """Moderation actions read by a hand-written query as five columns from ``first`` on:
    ``id, action_type, created_at, duration_minutes, reason`` (a LEFT JOIN: a NULL id is no
    action). ``policy.restraints_from`` decides on them exactly as on ORM rows. The queries
    leave out actions lifted on appeal (``policy.LIFTED_APPEAL_SQL``), so each row carries "no
    appeal" (as ``select_related`` would): reading it costs no query."""
    actions = []
    for row in rows:
        if row[first] is None:
            continue
        action = ModerationAction(
            id=row[first],
            action_type=row[first + 1],
            created_at=datetime_from_db(row[first + 2]),
            duration_minutes=row[first + 3],
            reason=row[first + 4],
        )
        action._state.fields_cache["appeal"] = None
        actions.append(action)
    return tuple(actions)


ACTION_COLUMNS = "a.id, a.action_type, a.created_at, a.duration_minutes, a.reason"
