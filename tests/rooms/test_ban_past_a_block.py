"""Finding 7: a room moderator cannot ban someone who blocked them: 404, like any hidden user."""

import pytest

from rooms.models import ChatRoomMember, Role
from tests.factories import BlockFactory, MemberFactory, UserFactory
from tests.rooms.conftest import rooms_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_of(room):
    return MemberFactory(room=room, role=Role.MOD).user


@pytest.fixture
def blocker(moderator_of):
    """An outsider who blocked the room's moderator."""
    person = UserFactory()
    BlockFactory(blocker=person, blocked=moderator_of)
    return person


def test_banning_an_outsider_who_blocked_the_moderator_is_a_404_and_writes_nothing(
    room, moderator_of, blocker, make_client
):
    response = make_client(moderator_of).post(rooms_url(room.pk, "members", blocker.pk, "ban"))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not ChatRoomMember.objects.filter(room=room, user=blocker).exists()


def test_the_404_past_a_block_reads_exactly_like_an_unknown_id(
    room, moderator_of, blocker, make_client
):
    client = make_client(moderator_of)

    hidden = client.post(rooms_url(room.pk, "members", blocker.pk, "ban"))
    unknown = client.post(rooms_url(room.pk, "members", "no-such-user-id", "ban"))

    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json())


def test_a_member_who_blocked_the_moderator_cannot_be_banned_by_them_but_by_the_owner(
    room, owner, moderator_of, make_client
):
    member = MemberFactory(room=room).user
    BlockFactory(blocker=member, blocked=moderator_of)

    assert (
        make_client(moderator_of).post(rooms_url(room.pk, "members", member.pk, "ban")).status_code
        == 404
    )
    assert (
        make_client(owner).post(rooms_url(room.pk, "members", member.pk, "ban")).status_code == 200
    )


def test_a_block_the_moderator_made_hides_the_person_from_their_ban_too(
    room, moderator_of, make_client
):
    target = UserFactory()
    BlockFactory(blocker=moderator_of, blocked=target)

    response = make_client(moderator_of).post(rooms_url(room.pk, "members", target.pk, "ban"))

    assert response.status_code == 404
