"""DELETE /api/me/: the account becomes a tombstone; personal data goes, messages and reports stay."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import Profile, User
from geo.models import Location
from messaging.models import Presence
from rooms.models import ChatRoomMember, ChatRoomMessage
from safety.models import Block, Report
from tests.accounts.events import listen
from tests.factories import PASSWORD, BlockFactory, MemberFactory, RoomFactory, RoomMessageFactory
from wya.live import user_group

pytestmark = pytest.mark.django_db


def delete_me(client, password=PASSWORD):
    return client.delete("/api/me/", {"password": password}, format="json")


def test_a_wrong_password_does_not_delete_the_account(make_client, adult):
    response = delete_me(make_client(adult), "not-my-password")

    assert response.status_code == 403
    assert response.json()["code"] == "wrong_password"
    assert User.objects.get(pk=adult.pk).is_active


def test_a_missing_password_is_a_400(make_client, adult):
    response = make_client(adult).delete("/api/me/", {}, format="json")

    assert response.status_code == 400
    assert User.objects.get(pk=adult.pk).is_active


def test_deleting_erases_personal_data_but_keeps_the_row(make_client, adult, other_adult):
    email = adult.email
    profile = Profile.objects.get(user=adult)
    profile.bio, profile.location = "about me", "Soho"
    profile.profile_music_url, profile.profile_music_provider = (
        "https://soundcloud.com/a",
        "soundcloud",
    )
    profile.save()
    Location.objects.create(user=adult, city_hash="c" * 64)
    Presence.objects.create(user=adult, status="online")
    BlockFactory(blocker=adult, blocked=other_adult)
    BlockFactory(blocker=other_adult, blocked=adult)

    response = delete_me(make_client(adult))

    assert response.status_code == 204
    user = User.objects.get(pk=adult.pk)
    assert user.email != email and user.email.endswith("@deleted.invalid")
    assert not user.has_usable_password()
    assert not user.is_active
    profile = Profile.objects.get(user=adult)
    assert profile.display_name == "Deleted user"
    assert (profile.bio, profile.avatar_url, profile.banner_url, profile.location) == (None,) * 4
    assert (profile.profile_music_url, profile.profile_music_provider) == (None, None)
    assert not Location.objects.filter(user=adult).exists()
    assert not Presence.objects.filter(user=adult).exists()
    assert not Block.objects.filter(blocker=adult).exists()
    assert not Block.objects.filter(blocked=adult).exists()
    assert not Token.objects.filter(user=adult).exists()


def test_messages_and_reports_survive_the_deletion(make_client, adult, other_adult):
    room = RoomFactory(owner=other_adult)
    MemberFactory(room=room, user=adult)
    message = RoomMessageFactory(room=room, user=adult, message="still here")
    report = Report.objects.create(reporter=adult, reported_user=other_adult, report_type="spam")

    delete_me(make_client(adult))

    assert ChatRoomMessage.objects.get(pk=message.pk).user_id == adult.pk
    assert Report.objects.get(pk=report.pk).reporter_id == adult.pk
    assert not ChatRoomMember.objects.filter(room=room, user=adult).exists()


def test_two_deleted_accounts_do_not_collide_and_the_email_is_free_again(
    make_client, adult, other_adult, anon_client
):
    email = adult.email
    delete_me(make_client(adult))
    delete_me(make_client(other_adult))

    response = anon_client.post(
        "/api/auth/register/",
        {
            "email": email,
            "password": PASSWORD,
            "date_of_birth": "1990-01-01",
            "display_name": "Again",
        },
        format="json",
    )

    assert response.status_code == 201


def test_a_deleted_account_cannot_log_in_or_use_its_token(make_client, adult, anon_client):
    client = make_client(adult)
    delete_me(client)

    assert client.get("/api/me/").status_code == 401
    login = anon_client.post(
        "/api/auth/login/", {"email": adult.email, "password": PASSWORD}, format="json"
    )
    assert login.status_code == 400


def test_a_deleted_account_is_not_found_by_others(make_client, adult, other_adult):
    delete_me(make_client(adult))

    assert make_client(other_adult).get(f"/api/users/{adult.pk}/").status_code == 404


def test_deleting_closes_every_socket_of_the_user(
    make_client, adult, django_capture_on_commit_callbacks
):
    sockets = listen(user_group(adult.pk))

    with django_capture_on_commit_callbacks(execute=True):
        delete_me(make_client(adult))

    assert sockets.next_event() == {
        "type": "socket.close",
        "reason": "deleted",
        "token_key": None,
        "session_key": None,
    }


def test_deleting_an_account_hands_its_rooms_over_to_the_longest_standing_member(
    adult, other_adult, make_client
):
    room = RoomFactory(owner=adult)
    MemberFactory(room=room, user=other_adult)
    response = make_client(adult).delete("/api/me/", {"password": PASSWORD}, format="json")
    assert response.status_code in (200, 204)
    room.refresh_from_db()
    assert room.owner_id == other_adult.pk
    assert ChatRoomMember.objects.get(room=room, user=other_adult).role == "OWNR"
    assert not ChatRoomMember.objects.filter(room=room, user=adult).exists()
