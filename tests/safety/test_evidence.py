"""Evidence survives: a room with open reports cannot be deleted (409) and is kept when its
last member leaves or deletes their account; kicks and bans by room staff are logged."""

import pytest

from accounts import services as account_services
from rooms.models import ChatRoom, ChatRoomMessage
from safety.models import ModerationAction, Report
from tests.factories import MemberFactory, RoomFactory, RoomMessageFactory, UserFactory

pytestmark = pytest.mark.django_db


def open_report_on(message, reporter):
    return Report.objects.create(
        reporter=reporter,
        reported_message=message,
        reported_room=message.room,
        reported_user=message.user,
        report_type="harassment",
    )


def test_deleting_a_room_with_an_open_report_is_refused_and_keeps_the_messages(
    make_client, owner, room, member
):
    message = RoomMessageFactory(room=room, user=owner, message="nasty")
    open_report_on(message, member)

    response = make_client(owner).delete(f"/api/rooms/{room.pk}/")

    assert response.status_code == 409
    assert response.json()["code"] == "under_review"
    assert ChatRoomMessage.objects.filter(pk=message.pk, message="nasty").exists()


def test_a_room_report_blocks_deletion_too_until_it_is_closed(make_client, owner, room, member):
    report = Report.objects.create(reporter=member, reported_room=room, report_type="spam")
    client = make_client(owner)
    assert client.delete(f"/api/rooms/{room.pk}/").status_code == 409

    Report.objects.filter(pk=report.pk).update(status="dismissed")

    assert client.delete(f"/api/rooms/{room.pk}/").status_code == 204
    assert not ChatRoom.objects.filter(pk=room.pk).exists()


def test_the_last_member_leaving_a_reported_room_keeps_it_private_with_its_messages(
    make_client, owner
):
    alone = RoomFactory(owner=owner)
    message = RoomMessageFactory(room=alone, user=owner)
    open_report_on(message, UserFactory())

    assert make_client(owner).post(f"/api/rooms/{alone.pk}/leave/").status_code in (200, 204)

    kept = ChatRoom.objects.get(pk=alone.pk)
    assert kept.is_public is False and not kept.memberships.exists()
    assert ChatRoomMessage.objects.filter(pk=message.pk).exists()


def test_deleting_the_account_of_a_reported_owner_keeps_the_evidence(owner):
    alone = RoomFactory(owner=owner)
    message = RoomMessageFactory(room=alone, user=owner, message="threat")
    reporter = UserFactory()
    report = open_report_on(message, reporter)

    account_services.account_tombstone(user=owner)

    report.refresh_from_db()
    assert report.reported_message_id == message.pk
    assert ChatRoomMessage.objects.get(pk=message.pk).message == "threat"


def test_a_room_without_open_reports_is_deleted_when_its_owner_leaves_alone(make_client, owner):
    alone = RoomFactory(owner=owner)
    make_client(owner).post(f"/api/rooms/{alone.pk}/leave/")
    assert not ChatRoom.objects.filter(pk=alone.pk).exists()


def test_a_kick_by_the_room_owner_is_logged_with_the_default_reason(make_client, owner, room):
    member = MemberFactory(room=room).user

    make_client(owner).post(f"/api/rooms/{room.pk}/members/{member.pk}/kick/")

    action = ModerationAction.objects.get()
    assert (action.moderator_id, action.target_user_id, action.action_type) == (
        owner.pk,
        member.pk,
        "room_kick",
    )
    assert action.reason.startswith("Removed by a room moderator.")


def test_a_ban_and_unban_by_a_room_moderator_are_logged_with_the_given_reason(
    make_client, owner, room
):
    mod = MemberFactory(room=room, role="MOD").user
    member = MemberFactory(room=room).user
    client = make_client(mod)
    url = f"/api/rooms/{room.pk}/members/{member.pk}"

    client.post(f"{url}/ban/", {"reason": "Spamming links."}, format="json")
    client.post(f"{url}/unban/")

    actions = list(ModerationAction.objects.order_by("id"))
    assert [a.action_type for a in actions] == ["room_ban", "room_unban"]
    assert actions[0].reason.startswith("Spamming links.") and actions[0].moderator_id == mod.pk
