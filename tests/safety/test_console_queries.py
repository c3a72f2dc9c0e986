"""The report page's evidence and the queue cost a fixed number of queries whatever the
history length (moderators read these pages all day)."""

import pytest

from messaging.models import PrivateMessage
from safety import moderation_log
from safety.models import Report
from tests.conftest import page_client_for
from tests.factories import (
    MemberFactory,
    ModerationActionFactory,
    ReportFactory,
    RoomFactory,
    RoomMessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# session, user, report, escalated?, the evidence (context: 2, or DMs: 1; recent messages,
# earlier reports, platform actions, room actions, this report's actions) and the admin's own
# (sidebar, etc.), plus the second factor's device (django-otp re-reads it: a deleted device ends
# the session).
REPORT_PAGE_QUERIES = {"message": 14, "user": 13}
QUEUE_PAGE_QUERIES = 7


def history(size):
    """A reported person with ``size`` of everything: room messages, DMs with the reporter,
    earlier reports and actions."""
    reporter, reported = UserFactory(), UserFactory()
    room = RoomFactory(owner=reported)
    MemberFactory(room=room, user=reporter)
    for i in range(size):
        RoomMessageFactory(room=room, user=reported if i % 2 else reporter)
        PrivateMessage.objects.create(sender=reported, recipient=reporter, message=f"dm {i}")
        ReportFactory(reported_user=reported)
        ModerationActionFactory(target_user=reported)
        moderation_log.record_room_action(
            actor=reporter,
            actor_role="MOD",
            target_user=reported,
            action_type="room_kick",
            room=room,
            reason="Kicked.",
            notify=True,
        )
    message = RoomMessageFactory(room=room, user=reported, message="reported")
    for _ in range(size):
        RoomMessageFactory(room=room, user=reported)
    return reporter, reported, message


@pytest.mark.parametrize("size", [2, 25])
@pytest.mark.parametrize("kind", ["message", "user"])
def test_the_report_page_costs_the_same_number_of_queries_whatever_the_history(
    mod_user, django_assert_num_queries, size, kind
):
    reporter, reported, message = history(size)
    fields = (
        {"reported_message": message, "reported_room": message.room} if kind == "message" else {}
    )
    report = Report.objects.create(
        reporter=reporter, reported_user=reported, report_type="hate", **fields
    )
    client = page_client_for(mod_user)
    client.get(f"/admin/safety/report/{report.pk}/change/")  # warm the session

    with django_assert_num_queries(REPORT_PAGE_QUERIES[kind]):
        response = client.get(f"/admin/safety/report/{report.pk}/change/")

    evidence = response.context["evidence"]
    assert len(evidence["context"]) == (min(size, 5) * 2 + 1 if kind == "message" else 0)
    assert len(evidence["dms"]) == (0 if kind == "message" else size)
    assert len(evidence["platform_actions"]) == size  # every platform action, whatever the count
    assert len(evidence["room_actions"]) == min(size, 20)  # room actions apart: the latest 20
    assert len(evidence["earlier_reports"]) == min(size, 20)


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_costs_the_same_number_of_queries_whatever_its_length(
    mod_user, django_assert_num_queries, size
):
    room = RoomFactory()
    for i in range(size):
        kwargs = {"reported_room": room, "reported_user": None} if i % 3 == 0 else {}
        ReportFactory(**kwargs)
    client = page_client_for(mod_user)
    client.get("/admin/safety/report/")

    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        response = client.get("/admin/safety/report/")

    assert len(response.context["cl"].result_list) == size
