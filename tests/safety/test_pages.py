"""Pages: the report form (with the block checkbox), my reports, my notices, the banner while a
mute or restriction is in force, and the message box disabled while muted."""

import datetime as dt

import pytest
from django.utils import timezone

from messaging.models import PrivateMessage
from safety.models import Block, ModerationAction, Report
from safety.policy import until_words
from tests.conftest import page_client_for
from tests.factories import ModerationActionFactory, RoomMessageFactory

pytestmark = pytest.mark.django_db


def test_the_report_form_files_a_report_and_can_block_too(adult, other_adult):
    client = page_client_for(adult)
    url = f"/reports/new/?user={other_adult.pk}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Otto Other" in html and 'name="block"' in html

    response = client.post(
        url,
        {"user": other_adult.pk, "report_type": "spam", "description": "Ads.", "block": "on"},
        follow=True,
    )

    report = Report.objects.get()
    assert (report.reported_user_id, report.report_type, report.description) == (
        other_adult.pk,
        "spam",
        "Ads.",
    )
    assert Block.objects.filter(blocker=adult, blocked=other_adult).exists()
    assert f"report #{report.pk}" in response.content.decode()
    assert response.request["PATH_INFO"] == "/reports/"


def test_the_report_form_is_a_404_for_what_i_cannot_see(adult, minor, room):
    client = page_client_for(adult)
    assert client.get(f"/reports/new/?user={minor.pk}").status_code == 404
    assert client.get("/reports/new/").status_code == 404
    message = RoomMessageFactory(room=room)
    assert client.get(f"/reports/new/?message={message.pk}").status_code == 404
    assert (
        client.post("/reports/new/", {"user": minor.pk, "report_type": "spam"}).status_code == 404
    )
    assert not Report.objects.exists()


def test_a_room_and_a_message_and_a_dm_can_be_reported_from_their_pages(
    member, room, owner, other_adult
):
    client = page_client_for(member)
    message = RoomMessageFactory(room=room, user=owner)
    dm = PrivateMessage.objects.create(sender=other_adult, recipient=member, message="rude dm")
    room_page = client.get(f"/reports/new/?room={room.pk}").content.decode()
    assert 'name="block"' not in room_page  # a room cannot be blocked
    client.post(f"/reports/new/?room={room.pk}", {"room": room.pk, "report_type": "spam"})
    client.post("/reports/new/", {"message": message.pk, "report_type": "hate"})
    client.post("/reports/new/", {"dm": dm.pk, "report_type": "harassment"})
    kinds = sorted(
        Report.objects.values_list("report_type", "reported_room_id", "reported_user_id")
    )
    assert kinds == sorted(
        [("spam", room.pk, None), ("hate", room.pk, owner.pk), ("harassment", None, other_adult.pk)]
    )


def test_a_second_report_from_the_page_says_it_was_merged(adult, other_adult):
    client = page_client_for(adult)
    body = {"user": other_adult.pk, "report_type": "spam"}
    client.post("/reports/new/", body)
    response = client.post("/reports/new/", body, follow=True)
    assert "You already reported this" in response.content.decode()
    assert Report.objects.count() == 1


def test_my_reports_page_shows_status_and_outcome_in_words(adult, other_adult):
    Report.objects.create(reporter=adult, reported_user=other_adult, report_type="spam")
    Report.objects.create(
        reporter=adult, reported_user=other_adult, report_type="hate", status="resolved"
    )
    html = page_client_for(adult).get("/reports/").content.decode()
    assert "Your report is waiting for a moderator." in html
    assert "A moderator reviewed your report and took action." in html


def test_my_notices_page_lists_actions_against_me(adult):
    ModerationActionFactory(target_user=adult, action_type="warn", reason="Be nice.")
    html = page_client_for(adult).get("/notices/").content.decode()
    assert "Be nice." in html and "Warn" in html


def test_a_muted_person_sees_a_banner_on_every_page_with_the_end_in_words(member, room):
    ModerationActionFactory(
        target_user=member, action_type="mute", duration_minutes=42, reason="Spam links."
    )
    client = page_client_for(member)
    for url in ("/", "/rooms/", f"/rooms/{room.pk}/", "/dms/", "/reports/"):
        html = client.get(url).content.decode()
        assert 'id="moderation-banner"' in html, url
        assert "You are muted until " in html and ", in 42 minutes" in html, url
        assert "Spam links." in html


def test_the_banner_names_the_restriction_and_is_gone_once_it_ends(adult):
    action = ModerationActionFactory(
        target_user=adult, action_type="restrict", duration_minutes=60, reason="Cooling off."
    )
    client = page_client_for(adult)
    html = client.get("/rooms/").content.decode()
    assert "Your account is restricted until" in html and "Cooling off." in html
    ModerationAction.objects.filter(pk=action.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=61)
    )
    assert 'id="moderation-banner"' not in client.get("/rooms/").content.decode()


def test_no_banner_without_a_restraint_and_none_for_a_warning(adult):
    ModerationActionFactory(target_user=adult, action_type="warn")
    assert 'id="moderation-banner"' not in page_client_for(adult).get("/rooms/").content.decode()


def test_the_message_box_is_disabled_on_room_and_dm_pages_while_muted(member, room, owner):
    client = page_client_for(member)
    PrivateMessage.objects.create(sender=owner, recipient=member, message="hi")
    urls = (f"/rooms/{room.pk}/", f"/dms/{owner.pk}/")
    for url in urls:
        assert 'id="composer-send" disabled' not in client.get(url).content.decode()
    ModerationActionFactory(target_user=member, action_type="mute", duration_minutes=5)
    for url in urls:
        html = client.get(url).content.decode()
        assert 'id="composer-send" disabled' in html, url
        assert 'title="You are muted"' in html


def test_the_end_time_reads_as_a_clock_time_and_how_long_until_then():
    now = timezone.now().replace(hour=20, minute=48, second=0, microsecond=0)
    assert until_words(now + dt.timedelta(minutes=42), now=now) == "until 21:30, in 42 minutes"
    assert until_words(now + dt.timedelta(minutes=61), now=now) == "until 21:49, in 1 hour 1 minute"
    later = until_words(now + dt.timedelta(days=3), now=now)
    assert later.endswith(", in 3 days") and "20:48" in later
    assert until_words(None) == "until a moderator lifts it"
