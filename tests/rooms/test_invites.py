"""Room invitations (docs/rooms.md "Invites"): staff invite, the person accepts by joining or
declines; nobody becomes a member without their consent. REST, the socket and the pages."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.utils import timezone

from messaging.models import PrivateMessage
from rooms.models import ChatRoomMember, Role, RoomInvite
from tests.conftest import api_client_for, page_client_for
from tests.factories import (
    BlockFactory,
    MemberFactory,
    ModerationActionFactory,
    RoomFactory,
    TeenFactory,
    UserFactory,
)
from tests.messaging.live_helpers import connect, drain, receive_type
from tests.rooms.conftest import rooms_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(owner):
    return RoomFactory(owner=owner, room_name="Quiet corner", is_public=False)


def invite(client, room, person):
    return client.post(rooms_url(room.pk, "members"), {"user_id": person.pk}, format="json")


def is_member(room, user) -> bool:
    return ChatRoomMember.objects.filter(room=room, user=user, is_banned=False).exists()


# --- Invite, accept, decline ----------------------------------------------------------------
def test_an_invitation_is_not_a_membership_until_the_invitee_accepts(
    private, owner, outsider, make_client
):
    response = invite(make_client(owner), private, outsider)

    assert response.status_code == 202, response.data
    assert response.data["status"] == "invited"
    assert response.data["invite"]["room"]["room_name"] == "Quiet corner"
    assert response.data["invite"]["invited_by"]["user_id"] == owner.pk
    assert response.data["invite"]["invited_by"]["display_name"] == "Olive Owner"
    assert not is_member(private, outsider)
    listed = make_client(outsider).get("/api/me/invites/").data["results"]
    assert [row["room_id"] for row in listed] == [private.pk]

    accepted = make_client(outsider).post(rooms_url(private.pk, "join"))

    assert accepted.status_code == 201, accepted.data
    assert accepted.data["my_role"] == "USER"
    assert is_member(private, outsider)
    assert not RoomInvite.objects.filter(room=private, invitee=outsider).exists()
    assert make_client(outsider).get("/api/me/invites/").data["results"] == []


def test_a_private_room_cannot_be_joined_without_a_pending_invitation(
    private, outsider, make_client
):
    response = make_client(outsider).post(rooms_url(private.pk, "join"))

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_declining_removes_the_invitation_and_tells_the_inviter_nothing(
    private, owner, outsider, make_client, published, django_capture_on_commit_callbacks
):
    invite(make_client(owner), private, outsider)

    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(outsider).delete(f"/api/me/invites/{private.pk}/")

    assert response.status_code == 204
    assert published == []
    assert not RoomInvite.objects.filter(room=private).exists()
    assert make_client(outsider).post(rooms_url(private.pk, "join")).status_code == 404


def test_declining_an_invitation_i_do_not_have_is_a_404(private, outsider, make_client):
    response = make_client(outsider).delete(f"/api/me/invites/{private.pk}/")

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_a_lapsed_invitation_opens_nothing_and_a_new_one_replaces_it(
    private, owner, outsider, make_client, settings
):
    settings.ROOM_INVITE_TTL_DAYS = 7
    invite(make_client(owner), private, outsider)
    RoomInvite.objects.filter(room=private).update(
        created_at=timezone.now() - dt.timedelta(days=7, minutes=1)
    )

    assert make_client(outsider).get("/api/me/invites/").data["results"] == []
    assert make_client(outsider).post(rooms_url(private.pk, "join")).status_code == 404

    assert invite(make_client(owner), private, outsider).status_code == 202
    assert make_client(outsider).post(rooms_url(private.pk, "join")).status_code == 201


def test_an_invitation_to_a_public_room_is_consumed_when_the_person_joins(
    room, owner, outsider, make_client
):
    invite(make_client(owner), room, outsider)

    assert make_client(outsider).post(rooms_url(room.pk, "join")).status_code == 201
    assert not RoomInvite.objects.filter(room=room).exists()


# --- Refusals -------------------------------------------------------------------------------
def test_a_restricted_owner_cannot_invite_a_stranger(private, owner, outsider, make_client):
    ModerationActionFactory(target_user=owner, action_type="restrict")

    response = invite(make_client(owner), private, outsider)

    assert response.status_code == 403
    assert response.data["code"] == "restricted"
    assert not RoomInvite.objects.exists()
    assert not is_member(private, outsider)


def test_a_muted_moderator_cannot_invite_because_an_invitation_is_a_message(
    private, outsider, make_client
):
    mod = MemberFactory(room=private, role=Role.MOD).user
    ModerationActionFactory(target_user=mod, action_type="mute", duration_minutes=30)

    response = invite(make_client(mod), private, outsider)

    assert response.status_code == 403
    assert response.data["code"] == "muted"
    assert not RoomInvite.objects.exists()


def test_a_plain_member_cannot_invite(room, member, outsider, make_client):
    response = invite(make_client(member), room, outsider)

    assert response.status_code == 403
    assert response.data["code"] == "not_room_staff"


@pytest.mark.parametrize("who", ["teen", "blocks_inviter", "blocked_by_owner", "unknown"])
def test_people_the_inviter_may_not_invite_are_not_found(private, owner, make_client, who):
    mod = MemberFactory(room=private, role=Role.MOD).user
    target = TeenFactory() if who == "teen" else UserFactory()
    if who == "blocks_inviter":
        BlockFactory(blocker=target, blocked=mod)
    if who == "blocked_by_owner":
        BlockFactory(blocker=owner, blocked=target)
    user_id = "no-such-user" if who == "unknown" else target.pk

    response = make_client(mod).post(
        rooms_url(private.pk, "members"), {"user_id": user_id}, format="json"
    )

    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    assert not RoomInvite.objects.exists()


def test_inviting_someone_twice_is_a_409_already_invited(private, owner, outsider, make_client):
    client = make_client(owner)
    invite(client, private, outsider)

    response = invite(client, private, outsider)

    assert response.status_code == 409
    assert response.data["code"] == "already_invited"


def test_a_room_banned_person_cannot_be_invited(private, owner, outsider, make_client):
    MemberFactory(room=private, user=outsider, is_banned=True)

    response = invite(make_client(owner), private, outsider)

    assert response.status_code == 409
    assert response.data["code"] == "banned"


def test_invitations_are_rate_limited_per_inviter(owner, make_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "room_invites": "2/hour"}
    private = RoomFactory(owner=owner, is_public=False)
    client = make_client(owner)
    people = [UserFactory() for _ in range(3)]

    answers = [invite(client, private, person) for person in people]

    assert [answer.status_code for answer in answers] == [202, 202, 429]
    assert answers[2].data["code"] == "rate_limited"
    assert RoomInvite.objects.count() == 2


def test_an_invitee_banned_after_the_invitation_cannot_accept(
    private, owner, outsider, make_client
):
    invite(make_client(owner), private, outsider)
    make_client(owner).post(rooms_url(private.pk, "members", outsider.pk, "ban"))

    response = make_client(outsider).post(rooms_url(private.pk, "join"))

    assert response.status_code == 403
    assert response.data["code"] == "banned"


def test_blocking_the_inviter_hides_the_invitation_and_closes_the_door(
    private, owner, outsider, make_client
):
    mod = MemberFactory(room=private, role=Role.MOD).user
    invite(make_client(mod), private, outsider)
    BlockFactory(blocker=outsider, blocked=mod)

    assert make_client(outsider).get("/api/me/invites/").data["results"] == []
    assert make_client(outsider).post(rooms_url(private.pk, "join")).status_code == 404


def test_accepting_into_a_full_room_is_a_409(owner, outsider, make_client):
    private = RoomFactory(owner=owner, is_public=False, max_participants=2)
    invite(make_client(owner), private, outsider)
    MemberFactory(room=private)

    response = make_client(outsider).post(rooms_url(private.pk, "join"))

    assert response.status_code == 409
    assert response.data["code"] == "room_full"


# --- Staff see and cancel pending invitations -----------------------------------------------
def test_the_owner_lists_and_cancels_pending_invitations(private, owner, outsider, make_client):
    client = make_client(owner)
    invite(client, private, outsider)

    listed = client.get(rooms_url(private.pk, "invites")).data["results"]
    assert [row["invitee"]["user_id"] for row in listed] == [outsider.pk]

    assert client.delete(rooms_url(private.pk, "invites", outsider.pk)).status_code == 204
    assert client.delete(rooms_url(private.pk, "invites", outsider.pk)).status_code == 404
    assert make_client(outsider).post(rooms_url(private.pk, "join")).status_code == 404


def test_plain_members_do_not_see_the_pending_invitations(room, member, make_client):
    response = make_client(member).get(rooms_url(room.pk, "invites"))

    assert response.status_code == 403
    assert response.data["code"] == "not_room_staff"


# --- The socket -----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_the_invitee_gets_a_room_invite_frame_on_their_socket(owner, outsider):
    private = await sync_to_async(RoomFactory)(owner=owner, room_name="Den", is_public=False)
    ws = await connect(outsider)
    await drain(ws)

    response = await sync_to_async(lambda: invite(api_client_for(owner), private, outsider))()

    assert response.status_code == 202
    frame = await receive_type(ws, "room.invite")
    assert frame["room_id"] == private.pk
    assert frame["room"]["room_name"] == "Den"
    assert frame["invited_by"] == {
        "user_id": owner.pk,
        "display_name": "Olive Owner",
        "avatar_url": None,
    }
    await ws.disconnect()


# --- The pages ------------------------------------------------------------------------------
def test_the_rooms_page_shows_an_invitation_with_accept_and_decline(
    private, owner, outsider, make_client
):
    invite(make_client(owner), private, outsider)
    client = page_client_for(outsider)

    page = client.get("/rooms/").content.decode()

    assert "Quiet corner" in page
    assert "Olive Owner invited you" in page
    assert f'action="/rooms/{private.pk}/join/"' in page
    assert f'action="/rooms/{private.pk}/invite/decline/"' in page
    response = client.post(f"/rooms/{private.pk}/join/")
    assert response.status_code == 302
    assert is_member(private, outsider)
    assert "Quiet corner" in client.get(f"/rooms/{private.pk}/").content.decode()


def test_declining_on_the_rooms_page(private, owner, outsider, make_client):
    invite(make_client(owner), private, outsider)
    client = page_client_for(outsider)

    response = client.post(f"/rooms/{private.pk}/invite/decline/")

    assert response.status_code == 302
    assert not RoomInvite.objects.exists()
    assert "invited you" not in client.get("/rooms/").content.decode()
    assert client.post(f"/rooms/{private.pk}/invite/decline/").status_code == 404


def test_the_settings_page_invites_lists_and_cancels(private, owner, outsider):
    PrivateMessage.objects.create(sender=outsider, recipient=owner, message="hi")
    client = page_client_for(owner)

    client.post(f"/rooms/{private.pk}/settings/", {"action": "invite", "user_id": outsider.pk})

    assert RoomInvite.objects.filter(room=private, invitee=outsider).exists()
    assert not is_member(private, outsider)
    page = client.get(f"/rooms/{private.pk}/settings/").content.decode()
    assert "Oscar Outsider" in page and "Cancel invitation" in page
    client.post(f"/rooms/{private.pk}/invites/{outsider.pk}/cancel/")
    assert not RoomInvite.objects.exists()


def test_a_restricted_owner_is_refused_on_the_settings_invite_form(private, owner, outsider):
    PrivateMessage.objects.create(sender=outsider, recipient=owner, message="hi")
    ModerationActionFactory(target_user=owner, action_type="restrict")

    response = page_client_for(owner).post(
        f"/rooms/{private.pk}/settings/", {"action": "invite", "user_id": outsider.pk}
    )

    assert response.status_code == 403
    assert "restricted" in response.content.decode()
    assert not RoomInvite.objects.exists()


# --- The admin ------------------------------------------------------------------------------
def test_moderators_see_invitations_in_the_admin_and_cannot_make_or_change_them(
    private, owner, outsider, moderator, make_client
):
    invite(make_client(owner), private, outsider)
    client = page_client_for(moderator)
    row = RoomInvite.objects.get()

    listing = client.get("/admin/rooms/roominvite/")

    assert listing.status_code == 200
    assert outsider.email in listing.content.decode()
    assert client.get("/admin/rooms/roominvite/add/").status_code == 403
    assert (
        client.post(f"/admin/rooms/roominvite/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert RoomInvite.objects.filter(pk=row.pk).exists()
