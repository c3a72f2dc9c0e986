"""Moderation actions: taken in the admin through the service, logged, shown to the target at
once (socket ``notice`` and ``GET /api/me/notices/``), enforced by the policy, never edited."""

import pytest
from channels.db import database_sync_to_async as db

from safety.models import ModerationAction
from tests.conftest import page_client_for
from tests.factories import ModerationActionFactory, UserFactory
from tests.messaging.live_helpers import connect, receive_type, request

ADD_URL = "/admin/safety/moderationaction/add/"


def take_in_admin(moderator, target, **fields):
    data = {"target_user": target.pk, "action_type": "mute", "reason": "Spamming the room."}
    data.update(fields)
    return page_client_for(moderator).post(
        ADD_URL, {k: v for k, v in data.items() if v is not None}
    )


@pytest.mark.django_db
def test_a_mute_taken_in_the_admin_is_logged_with_its_moderator(moderator, member):
    response = take_in_admin(moderator, member, duration_minutes=30)
    assert response.status_code == 302
    action = ModerationAction.objects.get()
    assert (action.moderator_id, action.target_user_id) == (moderator.pk, member.pk)
    assert (action.action_type, action.duration_minutes) == ("mute", 30)


@pytest.mark.django_db
def test_an_invalid_action_is_refused_with_the_services_message_and_nothing_is_stored(
    moderator, member
):
    response = take_in_admin(moderator, member, duration_minutes=0)
    assert response.status_code == 200
    assert "The duration must be between 1 minute and a year." in response.content.decode()
    response = take_in_admin(moderator, moderator)
    assert "Choose someone else as the target." in response.content.decode()
    assert not ModerationAction.objects.exists()


@pytest.mark.django_db
def test_actions_cannot_be_edited_or_deleted_in_the_admin(moderator, member):
    action = ModerationActionFactory(moderator=moderator, target_user=member, action_type="mute")
    client = page_client_for(moderator)
    change_url = f"/admin/safety/moderationaction/{action.pk}/change/"
    response = client.post(change_url, {"action_type": "warn", "reason": "changed"})
    assert response.status_code == 403
    delete_url = f"/admin/safety/moderationaction/{action.pk}/delete/"
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    action.refresh_from_db()
    assert (action.action_type, action.reason) == ("mute", "Please be kind.")


@pytest.mark.django_db
def test_the_target_sees_every_action_against_them_and_nobody_elses(
    moderator, member, outsider, make_client
):
    take_in_admin(moderator, member, action_type="warn", reason="Be kind.")
    take_in_admin(
        moderator, member, action_type="restrict", reason="Cooling off.", duration_minutes=60
    )
    take_in_admin(moderator, outsider, action_type="warn", reason="Not yours.")
    body = make_client(member).get("/api/me/notices/").json()
    assert [(n["action_type"], n["reason"]) for n in body["results"]] == [
        ("restrict", "Cooling off."),
        ("warn", "Be kind."),
    ]
    restrict = body["results"][0]
    assert restrict["active"] is True and restrict["expires_at"] is not None


@pytest.mark.django_db
def test_notices_cost_the_same_number_of_queries_for_any_number(
    member, make_client, django_assert_num_queries
):
    client = make_client(member)
    ModerationActionFactory.create_batch(2, target_user=member)
    with django_assert_num_queries(3):  # token, count, page
        client.get("/api/me/notices/")
    ModerationActionFactory.create_batch(20, target_user=member)
    with django_assert_num_queries(3):
        client.get("/api/me/notices/")


@pytest.mark.django_db
def test_a_muted_member_cannot_send_over_rest(moderator, room, member, make_client):
    take_in_admin(moderator, member, duration_minutes=10)
    response = make_client(member).post(
        f"/api/rooms/{room.pk}/messages/", {"message": "hello?"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "muted"


@pytest.mark.django_db
def test_an_expired_mute_no_longer_applies(room, member, make_client):
    from django.utils import timezone

    action = ModerationActionFactory(target_user=member, action_type="mute", duration_minutes=5)
    ModerationAction.objects.filter(pk=action.pk).update(
        created_at=timezone.now() - timezone.timedelta(minutes=6)
    )
    response = make_client(member).post(
        f"/api/rooms/{room.pk}/messages/", {"message": "back"}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
async def test_the_target_is_told_at_once_on_open_sockets_and_the_mute_holds_there(
    moderator, room, member
):
    ws = await connect(member)
    response = await db(take_in_admin)(moderator, member, duration_minutes=15)
    assert response.status_code == 302
    notice = await receive_type(ws, "notice")
    assert notice["action"]["action_type"] == "mute"
    assert notice["action"]["reason"] == "Spamming the room."
    assert notice["action"]["expires_at"] is not None
    reply = await request(ws, {"type": "room.send", "room_id": room.pk, "message": "hi"})
    assert reply["type"] == "error" and reply["code"] == "muted"
    await ws.disconnect()


@pytest.mark.django_db
def test_only_staff_can_take_actions_through_the_service(member):
    from moderation.services import moderation_action_take
    from wya.errors import Forbidden

    with pytest.raises(Forbidden):
        moderation_action_take(
            moderator=UserFactory(), target_user=member, action_type="warn", reason="x"
        )
