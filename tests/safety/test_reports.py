"""POST/GET /api/reports/: exactly one visible target, merged repeats, a rate limit, an optional
block, direct messages reported as their sender with the message quoted."""

import pytest

from messaging.models import PrivateMessage
from safety.models import Block, Report
from tests.factories import MemberFactory, RoomFactory, RoomMessageFactory, UserFactory

pytestmark = pytest.mark.django_db


def report(client, **body):
    body.setdefault("report_type", "harassment")
    return client.post("/api/reports/", body, format="json")


def test_reporting_someone_i_can_see_files_a_pending_report(make_client, adult, other_adult):
    response = report(make_client(adult), reported_user_id=other_adult.pk, description="Rude.")

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["reported_user_id"], body["description"]) == (
        "pending",
        other_adult.pk,
        "Rude.",
    )
    assert body["outcome"] == "Your report is waiting for a moderator."
    assert Report.objects.get().reporter_id == adult.pk


def test_my_reports_list_newest_first_and_only_mine(make_client, adult, other_adult, outsider):
    client = make_client(adult)
    first = report(client, reported_user_id=other_adult.pk).json()["id"]
    second = report(client, reported_user_id=outsider.pk, report_type="spam").json()["id"]
    report(make_client(outsider), reported_user_id=other_adult.pk)

    rows = client.get("/api/reports/").json()["results"]

    assert [row["id"] for row in rows] == [second, first]


def test_a_report_needs_exactly_one_target(make_client, adult, other_adult, room):
    client = make_client(adult)
    assert report(client).status_code == 400
    response = report(client, reported_user_id=other_adult.pk, reported_room_id=room.pk)
    assert response.status_code == 400
    assert "exactly one" in response.json()["detail"]
    assert not Report.objects.exists()


def test_an_unknown_report_type_is_a_400_naming_the_choices(make_client, adult, other_adult):
    response = report(make_client(adult), reported_user_id=other_adult.pk, report_type="meh")
    assert response.status_code == 400
    assert "self_harm" in response.json()["detail"]


def test_reporting_someone_of_the_other_segment_is_a_404(make_client, adult, minor):
    assert report(make_client(adult), reported_user_id=minor.pk).status_code == 404
    assert report(make_client(minor), reported_user_id=adult.pk).status_code == 404
    assert report(make_client(adult), reported_user_id="no-such-id").status_code == 404
    assert not Report.objects.exists()


def test_reporting_someone_who_blocked_me_is_a_404(make_client, adult, other_adult):
    Block.objects.create(blocker=other_adult, blocked=adult)
    assert report(make_client(adult), reported_user_id=other_adult.pk).status_code == 404


def test_someone_i_blocked_can_still_be_reported(make_client, adult, other_adult):
    Block.objects.create(blocker=adult, blocked=other_adult)
    assert report(make_client(adult), reported_user_id=other_adult.pk).status_code == 201


def test_a_private_room_i_am_not_in_cannot_be_reported(make_client, outsider, owner):
    private = RoomFactory(owner=owner, is_public=False)
    assert report(make_client(outsider), reported_room_id=private.pk).status_code == 404
    assert report(make_client(outsider), reported_room_id=999999).status_code == 404


def test_a_public_room_of_my_segment_can_be_reported(make_client, outsider, room):
    response = report(make_client(outsider), reported_room_id=room.pk, report_type="spam")
    assert response.status_code == 201
    assert response.json()["reported_room_id"] == room.pk


def test_a_message_in_a_room_i_cannot_read_is_a_404(make_client, outsider, room):
    message = RoomMessageFactory(room=room)
    assert report(make_client(outsider), reported_message_id=message.pk).status_code == 404


def test_a_message_report_names_its_author_and_room(make_client, member, room, owner):
    message = RoomMessageFactory(room=room, user=owner)
    response = report(make_client(member), reported_message_id=message.pk)
    assert response.status_code == 201
    saved = Report.objects.get()
    assert (saved.reported_message_id, saved.reported_room_id, saved.reported_user_id) == (
        message.pk,
        room.pk,
        owner.pk,
    )


def test_a_direct_message_is_reported_as_its_sender_with_the_message_quoted(
    make_client, adult, other_adult
):
    dm = PrivateMessage.objects.create(sender=other_adult, recipient=adult, message="send pics")

    response = report(make_client(adult), direct_message_id=dm.pk, description="Creepy.")

    assert response.status_code == 201
    saved = Report.objects.get()
    assert saved.reported_user_id == other_adult.pk
    assert f"[Direct message #{dm.pk} from {other_adult.pk}" in saved.description
    assert "send pics" in saved.description and saved.description.endswith("Creepy.")


def test_someone_elses_direct_message_cannot_be_reported(make_client, adult, other_adult):
    third = UserFactory()
    dm = PrivateMessage.objects.create(sender=other_adult, recipient=third, message="hi")
    assert report(make_client(adult), direct_message_id=dm.pk).status_code == 404


def test_a_second_report_on_the_same_open_target_merges_into_the_first(
    make_client, adult, other_adult
):
    client = make_client(adult)
    first = report(client, reported_user_id=other_adult.pk, description="Once.")
    again = report(client, reported_user_id=other_adult.pk, description="Twice.")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    saved = Report.objects.get()
    assert saved.description == "Once.\n\nTwice."


def test_a_closed_report_does_not_absorb_a_new_one(make_client, adult, other_adult):
    client = make_client(adult)
    first = report(client, reported_user_id=other_adult.pk).json()["id"]
    Report.objects.filter(pk=first).update(status="dismissed")
    second = report(client, reported_user_id=other_adult.pk)
    assert second.status_code == 201 and second.json()["id"] != first


def test_new_reports_are_rate_limited_per_reporter(make_client, adult, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reports": "2/hour"}
    client = make_client(adult)
    people = UserFactory.create_batch(3)
    assert report(client, reported_user_id=people[0].pk).status_code == 201
    assert report(client, reported_user_id=people[1].pk).status_code == 201
    # The limit is spent: a third new report is refused.
    limited = report(client, reported_user_id=people[2].pk)
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert Report.objects.count() == 2


def test_block_true_also_blocks_the_person_reported(make_client, adult, other_adult):
    response = report(make_client(adult), reported_user_id=other_adult.pk, block=True)
    assert response.status_code == 201
    assert Block.objects.filter(blocker=adult, blocked=other_adult).exists()


def test_block_true_on_a_message_report_blocks_its_author(make_client, member, room, owner):
    message = RoomMessageFactory(room=room, user=owner)
    report(make_client(member), reported_message_id=message.pk, block=True)
    assert Block.objects.filter(blocker=member, blocked=owner).exists()


def test_a_room_cannot_be_blocked_and_nothing_is_filed(make_client, outsider, room):
    response = report(make_client(outsider), reported_room_id=room.pk, block=True)
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_bad_ids_are_4xx_never_500(make_client, adult):
    client = make_client(adult)
    assert report(client, reported_room_id="abc").status_code == 400
    assert report(client, reported_message_id=2**40).status_code == 404
    assert report(client, reported_user_id="\x00").status_code in (400, 404)
    assert report(client, reported_user_id=adult.pk).status_code == 400


def test_reports_need_a_login(anon_client):
    assert anon_client.get("/api/reports/").status_code in (401, 403)


def test_a_member_of_the_room_reports_a_message_by_a_fellow_member(make_client, room):
    author = MemberFactory(room=room).user
    reader = MemberFactory(room=room).user
    message = RoomMessageFactory(room=room, user=author)
    assert report(make_client(reader), reported_message_id=message.pk).status_code == 201
