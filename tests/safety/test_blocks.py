"""/api/blocks/: list, create and remove my blocks; a block hides both people at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safety.models import Block
from tests.accounts.events import listen
from tests.factories import BlockFactory, UserFactory
from wya.live import user_group

pytestmark = pytest.mark.django_db


def block(client, user_id):
    return client.post("/api/blocks/", {"user_id": user_id}, format="json")


def test_blocking_someone_i_can_see_creates_the_block(make_client, adult, other_adult):
    response = block(make_client(adult), other_adult.pk)

    assert response.status_code == 201
    assert response.json()["user_id"] == other_adult.pk
    assert response.json()["display_name"] == "Otto Other"
    assert Block.objects.filter(blocker=adult, blocked=other_adult).exists()


def test_blocking_again_is_a_200_and_keeps_one_row(make_client, adult, other_adult):
    client = make_client(adult)
    block(client, other_adult.pk)

    response = block(client, other_adult.pk)

    assert response.status_code == 200
    assert Block.objects.filter(blocker=adult, blocked=other_adult).count() == 1


def test_blocking_myself_is_a_400(make_client, adult):
    response = block(make_client(adult), adult.pk)

    assert response.status_code == 400
    assert not Block.objects.exists()


def test_blocking_an_unknown_id_is_a_404(make_client, adult):
    response = block(make_client(adult), "00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert not Block.objects.exists()


def test_blocking_someone_of_the_other_age_segment_is_a_404(make_client, adult, minor):
    assert block(make_client(adult), minor.pk).status_code == 404
    assert block(make_client(minor), adult.pk).status_code == 404
    assert not Block.objects.exists()


def test_blocking_a_banned_user_is_a_404(make_client, adult):
    banned = UserFactory(is_active=False)

    assert block(make_client(adult), banned.pk).status_code == 404


def test_blocking_someone_who_blocked_me_is_a_404_like_an_unknown_id(
    make_client, adult, other_adult
):
    BlockFactory(blocker=other_adult, blocked=adult)
    client = make_client(adult)

    theirs = block(client, other_adult.pk)
    unknown = block(client, "no-such-user")

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()


def test_missing_user_id_is_a_400(make_client, adult):
    response = make_client(adult).post("/api/blocks/", {}, format="json")

    assert response.status_code == 400
    assert "user_id" in response.json()


def test_a_block_hides_profiles_both_ways_at_once(make_client, adult, other_adult):
    a, b = make_client(adult), make_client(other_adult)
    assert a.get(f"/api/users/{other_adult.pk}/").status_code == 200

    block(a, other_adult.pk)

    assert a.get(f"/api/users/{other_adult.pk}/").status_code == 404
    assert b.get(f"/api/users/{adult.pk}/").status_code == 404


def test_unblocking_makes_the_profiles_visible_again(make_client, adult, other_adult):
    a = make_client(adult)
    block(a, other_adult.pk)

    response = a.delete(f"/api/blocks/{other_adult.pk}/")

    assert response.status_code == 204
    assert not Block.objects.exists()
    assert make_client(other_adult).get(f"/api/users/{adult.pk}/").status_code == 200


def test_removing_a_block_that_does_not_exist_is_a_404(make_client, adult, other_adult):
    assert make_client(adult).delete(f"/api/blocks/{other_adult.pk}/").status_code == 404


def test_i_cannot_remove_someone_elses_block_on_me(make_client, adult, other_adult):
    BlockFactory(blocker=other_adult, blocked=adult)

    assert make_client(adult).delete(f"/api/blocks/{other_adult.pk}/").status_code == 404
    assert Block.objects.filter(blocker=other_adult, blocked=adult).exists()


def test_my_block_list_shows_only_my_blocks_with_names(make_client, adult, other_adult, outsider):
    BlockFactory(blocker=adult, blocked=other_adult)
    BlockFactory(blocker=outsider, blocked=adult)

    body = make_client(adult).get("/api/blocks/").json()

    assert body["count"] == 1
    assert [(r["user_id"], r["display_name"]) for r in body["results"]] == [
        (other_adult.pk, "Otto Other")
    ]


def test_the_block_list_is_paginated(make_client, adult):
    for _ in range(3):
        BlockFactory(blocker=adult)

    body = make_client(adult).get("/api/blocks/?limit=2").json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


def test_blocks_need_credentials(anon_client):
    assert anon_client.get("/api/blocks/").status_code == 401


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/blocks/").status_code == 200
    return len(queries)


def test_the_block_list_costs_the_same_queries_for_two_or_twenty_blocks(
    make_client, adult, django_assert_num_queries
):
    client = make_client(adult)
    for _ in range(2):
        BlockFactory(blocker=adult)
    few = _list_queries(client)
    for _ in range(18):
        BlockFactory(blocker=adult)
    many = _list_queries(client)

    assert few == many
    # token + user, count, the page with each blocked user and profile
    with django_assert_num_queries(3):
        client.get("/api/blocks/")


def test_block_and_unblock_tell_both_peoples_sockets(
    make_client, adult, other_adult, django_capture_on_commit_callbacks
):
    mine, theirs = listen(user_group(adult.pk)), listen(user_group(other_adult.pk))
    client = make_client(adult)

    with django_capture_on_commit_callbacks(execute=True):
        block(client, other_adult.pk)

    assert mine.next_event() == {"type": "block.changed", "user_id": other_adult.pk}
    assert theirs.next_event() == {"type": "block.changed", "user_id": adult.pk}

    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"/api/blocks/{other_adult.pk}/")

    assert mine.next_event() == {"type": "block.changed", "user_id": other_adult.pk}
    assert theirs.next_event() == {"type": "block.changed", "user_id": adult.pk}
