"""GET /api/users/{id}/: the public profile of someone the viewer may see; 404 otherwise."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging.models import Presence
from tests.factories import BlockFactory, MemberFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_FIELDS = {
    "id",
    "display_name",
    "bio",
    "avatar_url",
    "banner_url",
    "theme_color",
    "profile_music_url",
    "profile_music_provider",
    "location",
    "presence",
    "quiet_hours",
}


def profile_of(client, user):
    return client.get(f"/api/users/{user.pk}/")


def test_a_visible_profile_shows_public_fields_only(make_client, adult, other_adult):
    other_adult.profile.bio = "hello"
    other_adult.profile.location = "Soho"
    other_adult.profile.save()

    response = profile_of(make_client(adult), other_adult)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PUBLIC_FIELDS
    assert body["display_name"] == "Otto Other"
    assert (body["bio"], body["location"]) == ("hello", "Soho")
    assert "email" not in body and "date_of_birth" not in body


def test_unknown_ids_are_404(make_client, adult):
    response = make_client(adult).get("/api/users/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_banned_users_are_404(make_client, adult):
    banned = UserFactory(is_active=False)

    assert profile_of(make_client(adult), banned).status_code == 404


def test_teens_and_adults_never_see_each_other(make_client, adult, minor):
    assert profile_of(make_client(adult), minor).status_code == 404
    assert profile_of(make_client(minor), adult).status_code == 404


def test_teens_see_other_teens(make_client, minor, other_minor):
    assert profile_of(make_client(minor), other_minor).status_code == 200


def test_a_block_hides_both_people_from_each_other(make_client, adult, other_adult):
    BlockFactory(blocker=adult, blocked=other_adult)

    assert profile_of(make_client(adult), other_adult).status_code == 404
    assert profile_of(make_client(other_adult), adult).status_code == 404


def test_the_not_found_answer_is_the_same_for_a_block_and_an_unknown_id(
    make_client, adult, other_adult
):
    BlockFactory(blocker=other_adult, blocked=adult)
    client = make_client(adult)

    blocked = profile_of(client, other_adult)
    unknown = client.get("/api/users/nobody/")

    assert blocked.status_code == unknown.status_code == 404
    assert blocked.json() == unknown.json()


def test_i_can_see_my_own_public_profile(make_client, adult):
    assert profile_of(make_client(adult), adult).json()["display_name"] == "Ada Adult"


def test_presence_is_shown_when_we_share_a_room(make_client, adult, other_adult):
    room = RoomFactory(owner=adult)
    MemberFactory(room=room, user=other_adult)
    Presence.objects.create(user=other_adult, status="online", activity="chatting")

    body = profile_of(make_client(adult), other_adult).json()

    assert body["presence"]["status"] == "online"
    assert body["presence"]["activity"] == "chatting"


def test_presence_is_hidden_from_strangers(make_client, adult, other_adult):
    Presence.objects.create(user=other_adult, status="online", activity="chatting")

    assert profile_of(make_client(adult), other_adult).json()["presence"] is None


def _queries_for_profile(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert profile_of(client, user).status_code == 200
    return len(queries)


def test_the_profile_costs_the_same_queries_whatever_the_number_of_blocks(
    make_client, adult, other_adult, django_assert_max_num_queries
):
    client = make_client(adult)
    for _ in range(2):
        BlockFactory(blocker=adult)
    few = _queries_for_profile(client, other_adult)
    for _ in range(20):
        BlockFactory(blocker=adult)
        BlockFactory(blocked=adult)
    many = _queries_for_profile(client, other_adult)

    assert few == many
    # token + user, the visible user with profile, presence (users, the viewer's rooms)
    with django_assert_max_num_queries(5):
        profile_of(client, other_adult)
