"""The moderators' console: the groups, the queue, the report page with its evidence, one-step
decisions through the services, escalation, and what moderators cannot reach."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async as db
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.models import User
from messaging.models import PrivateMessage
from rooms.models import ChatRoomMessage
from safety.models import ModerationAction, Report
from tests.conftest import page_client_for
from tests.factories import (
    PASSWORD,
    ModerationActionFactory,
    ReportFactory,
    RoomMessageFactory,
    TeenFactory,
    UserFactory,
)
from tests.messaging.live_helpers import close_code, connect, receive_type, request

QUEUE = "/admin/safety/report/"


def page(report) -> str:
    return f"/admin/safety/report/{report.pk}/change/"


def decide(client, report, decision, reason="Breaking the rules.", **extra):
    data = {"decision": decision, "reason": reason, **extra}
    return client.post(page(report), data)


@pytest.mark.django_db
def test_the_migration_makes_both_groups_with_exactly_their_permissions():
    perms = {
        name: set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        for name in ("Moderators", "Safety leads")
    }
    assert perms["Moderators"] == {
        "view_report",
        "review_report",
        "view_moderationaction",
        "add_moderationaction",
    }
    assert perms["Safety leads"] == perms["Moderators"] | {"resolve_escalated_report"}


@pytest.mark.django_db
def test_someone_outside_the_group_cannot_open_the_queue_or_a_report(plain_staff, adult):
    report = ReportFactory()
    client = page_client_for(plain_staff)
    assert client.get(QUEUE).status_code == 403
    assert client.get(page(report)).status_code == 403
    assert decide(client, report, "warn").status_code == 403
    assert page_client_for(adult).get(QUEUE).status_code == 302  # not staff: the admin login
    report.refresh_from_db()
    assert report.status == "pending"


@pytest.mark.django_db
def test_moderators_cannot_reach_users_groups_or_rooms(mod_user):
    client = page_client_for(mod_user)
    for url in (
        "/admin/accounts/user/",
        f"/admin/accounts/user/{mod_user.pk}/change/",
        "/admin/auth/group/",
        "/admin/rooms/chatroom/",
        "/admin/messaging/privatemessage/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get(QUEUE).status_code == 200


@pytest.mark.django_db
def test_the_queue_puts_urgent_and_minors_first_then_oldest(mod_user):
    now = timezone.now()

    def filed(minutes_ago, **kwargs):
        report = ReportFactory(**kwargs)
        Report.objects.filter(pk=report.pk).update(
            created_at=now - dt.timedelta(minutes=minutes_ago)
        )
        return report

    old_spam = filed(300, report_type="spam")
    new_spam = filed(10, report_type="spam")
    self_harm = filed(5, report_type="self_harm")
    teen = TeenFactory()
    about_minor = filed(20, reporter=TeenFactory(), reported_user=teen)
    closed = filed(900, report_type="underage", status="dismissed")

    response = page_client_for(mod_user).get(QUEUE)

    ids = [row.pk for row in response.context["cl"].result_list]
    assert ids == [about_minor.pk, self_harm.pk, old_spam.pk, new_spam.pk, closed.pk]


@pytest.mark.django_db
def test_the_queue_filters_by_status_type_and_segment_and_searches_by_user(mod_user):
    teen_report = ReportFactory(reporter=TeenFactory(), reported_user=TeenFactory())
    spam = ReportFactory(report_type="spam", reported_user=UserFactory(email="spammer@x.test"))
    ReportFactory(status="resolved")
    client = page_client_for(mod_user)

    def ids(query):
        return {row.pk for row in client.get(QUEUE + query).context["cl"].result_list}

    assert ids("?segment=teen") == {teen_report.pk}
    assert ids("?report_type__exact=spam") == {spam.pk}
    assert len(ids("?status__exact=pending")) == 2
    assert ids("?q=spammer") == {spam.pk}


@pytest.mark.django_db
def test_opening_a_report_shows_the_evidence_and_start_review_marks_it_reviewing(
    mod_user, room, member, owner
):
    before = [RoomMessageFactory(room=room, user=owner, message=f"before {i}") for i in range(7)]
    reported = RoomMessageFactory(room=room, user=owner, message="THE NASTY ONE")
    after = [RoomMessageFactory(room=room, user=owner, message=f"after {i}") for i in range(7)]
    report = Report.objects.create(
        reporter=member,
        reported_message=reported,
        reported_room=room,
        reported_user=owner,
        report_type="harassment",
    )
    earlier = ReportFactory(reported_user=owner, report_type="spam")
    ModerationActionFactory(target_user=owner, reason="Earlier warning.")

    client = page_client_for(mod_user)
    response = client.get(page(report))

    assert response.status_code == 200
    report.refresh_from_db()
    assert (report.status, report.reviewed_by_id) == ("pending", None)  # a GET changes nothing
    assert client.post(page(report), {"start_review": "1"}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.reviewed_by_id) == ("reviewing", mod_user.pk)
    context = [m.pk for m in response.context["evidence"]["context"]]
    assert context == [m.pk for m in before[-5:]] + [reported.pk] + [m.pk for m in after[:5]]
    html = response.content.decode()
    assert "THE NASTY ONE" in html and "Earlier warning." in html
    assert f"#{earlier.pk}" in html


@pytest.mark.django_db
def test_a_user_report_shows_the_dms_between_reporter_and_reported(mod_user, adult, other_adult):
    PrivateMessage.objects.create(sender=other_adult, recipient=adult, message="creepy dm")
    PrivateMessage.objects.create(sender=other_adult, recipient=UserFactory(), message="not theirs")
    report = ReportFactory(reporter=adult, reported_user=other_adult)

    html = page_client_for(mod_user).get(page(report)).content.decode()

    assert "creepy dm" in html and "not theirs" not in html


@pytest.mark.django_db
def test_a_mute_from_the_report_is_logged_resolves_it_and_tells_the_reporter_without_naming_it(
    mod_user, adult, other_adult, django_capture_on_commit_callbacks, monkeypatch
):
    import wya.live

    sent = []
    monkeypatch.setattr(wya.live, "publish_now", lambda group, event: sent.append((group, event)))
    report = ReportFactory(reporter=adult, reported_user=other_adult)

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(page_client_for(mod_user), report, "mute", duration_minutes="30")

    assert response.status_code == 302
    action = ModerationAction.objects.get()
    assert (action.action_type, action.report_id, action.duration_minutes) == (
        "mute",
        report.pk,
        30,
    )
    assert (action.moderator_id, action.target_user_id) == (mod_user.pk, other_adult.pk)
    report.refresh_from_db()
    assert (report.status, report.reviewed_by_id) == ("resolved", mod_user.pk)
    assert report.reviewed_at is not None
    to_reporter = [event for group, event in sent if group == f"user.{adult.pk}"]
    assert to_reporter == [
        {
            "type": "notice",
            "report": {
                "id": report.pk,
                "status": "resolved",
                "outcome": "A moderator reviewed your report and took action. Thank you for telling us.",
                "reviewed_at": report.reviewed_at.isoformat(),
            },
        }
    ]
    assert "mute" not in str(to_reporter)
    assert [event["type"] for group, event in sent if group == f"user.{other_adult.pk}"] == [
        "notice"
    ]


@pytest.mark.django_db
def test_dismissing_is_logged_without_a_target_and_the_reporter_sees_the_outcome(
    mod_user, adult, other_adult
):
    report = ReportFactory(reporter=adult, reported_user=other_adult)

    decide(page_client_for(mod_user), report, "dismiss", reason="Friendly banter.")

    action = ModerationAction.objects.get()
    assert (action.action_type, action.target_user_id, action.report_id) == (
        "dismiss",
        None,
        report.pk,
    )
    report.refresh_from_db()
    assert report.status == "dismissed"
    from tests.conftest import api_client_for

    mine = api_client_for(adult).get("/api/reports/").json()["results"][0]
    assert mine["outcome"] == "A moderator reviewed your report and found no rule was broken."


@pytest.mark.django_db
def test_an_escalated_report_cannot_be_resolved_by_a_plain_moderator_but_by_a_safety_lead(
    mod_user, lead_user, adult, other_adult
):
    report = ReportFactory(reporter=adult, reported_user=other_adult)
    moderator = page_client_for(mod_user)
    decide(moderator, report, "escalate", reason="Needs a lead.")
    report.refresh_from_db()
    assert report.status == "reviewing"

    for decision in ("warn", "dismiss", "ban"):
        response = decide(moderator, report, decision)
        assert response.status_code == 200
        assert "only a Safety lead may close it" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "reviewing"
    assert list(ModerationAction.objects.values_list("action_type", flat=True)) == ["escalate"]

    assert decide(page_client_for(lead_user), report, "warn").status_code == 302
    report.refresh_from_db()
    assert report.status == "resolved"


@pytest.mark.django_db
def test_a_closed_report_takes_no_second_decision(mod_user):
    report = ReportFactory()
    client = page_client_for(mod_user)
    decide(client, report, "warn")
    response = decide(client, report, "mute")
    assert response.status_code == 200
    assert ModerationAction.objects.count() == 1


@pytest.mark.django_db
def test_a_moderator_cannot_act_on_staff_or_a_superuser_from_a_report(mod_user):
    boss = UserFactory(is_staff=True, is_superuser=True)
    report = ReportFactory(reported_user=boss)
    response = decide(page_client_for(mod_user), report, "ban")
    assert "Only a superuser may act" in response.content.decode()
    assert User.objects.get(pk=boss.pk).is_active


@pytest.mark.django_db
def test_a_moderator_cannot_edit_or_delete_an_action_not_even_a_superuser(mod_user, moderator):
    action = ModerationActionFactory(action_type="mute", reason="Original.")
    for user in (mod_user, moderator):
        client = page_client_for(user)
        url = f"/admin/safety/moderationaction/{action.pk}/"
        assert client.post(url + "change/", {"reason": "rewritten"}).status_code == 403
        assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    action.refresh_from_db()
    assert action.reason == "Original."


@pytest.mark.django_db
def test_reports_cannot_be_deleted_or_added_in_the_admin_not_even_by_a_superuser(moderator):
    report = ReportFactory()
    ModerationActionFactory(report=report)
    client = page_client_for(moderator)
    assert client.post(page(report).replace("change", "delete"), {"post": "yes"}).status_code == 403
    response = client.post(QUEUE, {"action": "delete_selected", "_selected_action": [report.pk]})
    assert Report.objects.filter(pk=report.pk).exists()
    assert ModerationAction.objects.get().report_id == report.pk
    assert client.get(QUEUE + "add/").status_code == 403
    assert response.status_code in (200, 302)


@pytest.mark.django_db
def test_report_content_cannot_be_edited_through_the_report_page(mod_user):
    report = ReportFactory(description="Original words.")
    page_client_for(mod_user).post(page(report), {"description": "forged", "report_type": "spam"})
    report.refresh_from_db()
    assert (report.description, report.report_type) == ("Original words.", "harassment")


@pytest.mark.django_db
def test_the_admin_index_shows_the_queue_summary(mod_user):
    now = timezone.now()
    old = ReportFactory()
    Report.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(hours=3, minutes=5))
    reviewed = ReportFactory(status="reviewing")
    Report.objects.filter(pk=reviewed.pk).update(
        created_at=now - dt.timedelta(minutes=50), reviewed_at=now - dt.timedelta(minutes=30)
    )

    response = page_client_for(mod_user).get("/admin/")

    html = response.content.decode()
    assert 'id="queue-summary"' in html
    assert "3 h 5 min" in html or "3 h 4 min" in html
    assert "20 min" in html
    assert ">1</a>" in html  # one pending (the other one is being reviewed)


@pytest.mark.django_db
def test_the_queue_summary_is_not_shown_to_staff_outside_the_group(plain_staff):
    ReportFactory()
    assert 'id="queue-summary"' not in page_client_for(plain_staff).get("/admin/").content.decode()


# --- Effects reach the person ---------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_a_mute_from_a_report_stops_the_next_room_and_dm_send_and_ends_on_its_own(
    room, member, owner
):
    mod = await db(_moderator)()
    report = await db(ReportFactory)(reporter=owner, reported_user=member)
    ws = await connect(member)

    response = await db(decide)(
        await db(page_client_for)(mod), report, "mute", duration_minutes="5"
    )
    assert response.status_code == 302

    notice = await receive_type(ws, "notice")
    assert notice["action"]["action_type"] == "mute"
    reply = await request(ws, {"type": "room.send", "room_id": room.pk, "message": "hi"})
    assert (reply["type"], reply["code"]) == ("error", "muted")
    reply = await request(ws, {"type": "dm.send", "to": owner.pk, "message": "hi"})
    assert (reply["type"], reply["code"]) == ("error", "muted")

    await db(_age_actions)(minutes=6)
    reply = await request(ws, {"type": "room.send", "room_id": room.pk, "message": "back"})
    assert reply["type"] == "ack"
    await ws.disconnect()


def _moderator():
    from tests.safety.conftest import _group

    user = UserFactory(is_staff=True)
    user.groups.add(_group("Moderators"))
    return user


def _age_actions(*, minutes):
    ModerationAction.objects.update(created_at=timezone.now() - dt.timedelta(minutes=minutes))


@pytest.mark.django_db
def test_a_restricted_user_vanishes_from_discovery_and_reappears_after_expiry(
    mod_user, adult, other_adult
):
    from geo import services as geo_services
    from tests.conftest import api_client_for

    for person in (adult, other_adult):
        geo_services.location_set(
            user=person, city="Paris", neighborhood=None, latitude=48.8566, longitude=2.3522
        )
    api = api_client_for(adult)

    def discovered() -> list:
        body = api.get("/api/discover/people/").json()
        return [p["id"] for tier in body.values() if isinstance(tier, list) for p in tier]

    assert other_adult.pk in discovered()
    report = ReportFactory(reported_user=other_adult)
    decide(page_client_for(mod_user), report, "restrict", duration_minutes="60")
    assert other_adult.pk not in discovered()
    _age_actions(minutes=61)
    assert other_adult.pk in discovered()


@pytest.mark.django_db(transaction=True)
async def test_a_platform_ban_from_a_report_closes_the_socket_and_blocks_login_with_the_reason(
    member, owner
):
    mod = await db(_moderator)()
    report = await db(ReportFactory)(reporter=owner, reported_user=member)
    ws = await connect(member)
    reporter_ws = await connect(owner)

    response = await db(decide)(
        await db(page_client_for)(mod), report, "ban", reason="Selling drugs to members."
    )
    assert response.status_code == 302

    assert await close_code(ws) == 4001
    told = await receive_type(reporter_ws, "notice")
    assert (told["report"]["id"], told["report"]["status"]) == (report.pk, "resolved")
    assert "action" not in told and "ban" not in str(told)
    await reporter_ws.disconnect()
    action = await db(ModerationAction.objects.get)(action_type="ban")
    assert (action.target_user_id, action.report_id) == (member.pk, report.pk)
    login = await db(_api_login)(member.email)
    assert login.status_code == 403
    assert login.json()["code"] == "banned"
    assert "Selling drugs to members." in login.json()["detail"]
    page_login = await db(_page_login)(member.email)
    assert "Selling drugs to members." in page_login.content.decode()


def _api_login(email):
    from rest_framework.test import APIClient

    return APIClient().post(
        "/api/auth/login/", {"email": email, "password": PASSWORD}, format="json"
    )


def _page_login(email):
    return Client().post("/login/", {"username": email, "password": PASSWORD})


@pytest.mark.django_db
def test_a_wrong_password_on_a_banned_account_says_nothing_about_the_ban(mod_user, adult):
    decide(page_client_for(mod_user), ReportFactory(reported_user=adult), "ban")
    from rest_framework.test import APIClient

    response = APIClient().post(
        "/api/auth/login/", {"email": adult.email, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "banned" not in response.json()["detail"]


@pytest.mark.django_db
def test_deleting_a_room_keeps_evidence_visible_on_the_report_page_after_the_owner_leaves(
    mod_user, make_client, owner, room, member
):
    message = RoomMessageFactory(room=room, user=owner, message="evidence text")
    make_client(member).post(
        "/api/reports/",
        {"report_type": "harassment", "reported_message_id": message.pk},
        format="json",
    )
    report = Report.objects.get()
    assert make_client(owner).delete(f"/api/rooms/{room.pk}/").status_code == 409
    assert ChatRoomMessage.objects.filter(pk=message.pk).exists()
    assert "evidence text" in page_client_for(mod_user).get(page(report)).content.decode()
