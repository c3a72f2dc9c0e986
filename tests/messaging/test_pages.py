"""The direct-message pages: /dms/ lists my conversations, /dms/<user_id>/ is a thread with the
live chat; both refuse people the policy hides (404), and the form goes through dm_send."""

import pytest

from messaging.models import PrivateMessage
from tests.conftest import page_client_for
from tests.factories import BlockFactory, ModerationActionFactory, UserFactory

pytestmark = pytest.mark.django_db


def dm(sender, recipient, text):
    return PrivateMessage.objects.create(sender=sender, recipient=recipient, message=text)


def test_the_conversation_list_shows_my_partners_and_last_messages(adult, other_adult):
    dm(adult, other_adult, "first")
    dm(other_adult, adult, "latest <i>reply</i>")

    response = page_client_for(adult).get("/dms/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Otto Other" in html
    assert "latest &lt;i&gt;reply&lt;/i&gt;" in html
    assert f'href="/dms/{other_adult.pk}/"' in html


def test_the_conversation_list_leaves_out_people_i_blocked(adult, other_adult):
    dm(adult, other_adult, "hello")
    BlockFactory(blocker=adult, blocked=other_adult)

    html = page_client_for(adult).get("/dms/").content.decode()

    assert "Otto Other" not in html


def test_a_thread_shows_the_history_oldest_first_and_the_live_config(adult, other_adult):
    dm(adult, other_adult, "ping-one")
    last = dm(other_adult, adult, "pong-two")

    response = page_client_for(adult).get(f"/dms/{other_adult.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("ping-one") < html.index("pong-two")
    assert response.context["live"] == {
        "kind": "dm",
        "to": other_adult.pk,
        "me": adult.pk,
        "names": {other_adult.pk: "Otto Other", adult.pk: "Ada Adult"},
        "avatars": {},
        "last_id": last.pk,
        "history_url": f"/api/dms/{other_adult.pk}/messages/",
    }
    assert "/static/messaging/live.js" in html


@pytest.mark.parametrize("direction", ["i_blocked", "they_blocked"])
def test_a_thread_is_404_across_a_block_either_way(adult, other_adult, direction):
    if direction == "i_blocked":
        BlockFactory(blocker=adult, blocked=other_adult)
    else:
        BlockFactory(blocker=other_adult, blocked=adult)
    client = page_client_for(adult)
    assert client.get(f"/dms/{other_adult.pk}/").status_code == 404
    assert client.post(f"/dms/{other_adult.pk}/send/", {"message": "hi"}).status_code == 404
    assert not PrivateMessage.objects.exists()


def test_a_thread_with_someone_of_the_other_segment_is_404(adult, minor):
    assert page_client_for(adult).get(f"/dms/{minor.pk}/").status_code == 404
    assert page_client_for(minor).get(f"/dms/{adult.pk}/").status_code == 404


def test_unknown_people_and_myself_are_404(adult):
    client = page_client_for(adult)
    assert client.get("/dms/no-such-person/").status_code == 404
    assert client.get(f"/dms/{adult.pk}/").status_code == 404


def test_sending_from_the_thread_form_goes_through_dm_send(adult, other_adult):
    response = page_client_for(adult).post(f"/dms/{other_adult.pk}/send/", {"message": "hi there"})

    assert response.status_code == 302
    assert PrivateMessage.objects.filter(sender=adult, recipient=other_adult).count() == 1


def test_a_muted_person_gets_the_error_from_the_thread_form(adult, other_adult):
    ModerationActionFactory(target_user=adult, action_type="mute", duration_minutes=30)

    response = page_client_for(adult).post(f"/dms/{other_adult.pk}/send/", {"message": "hi"})

    assert response.status_code == 403
    assert "muted" in response.content.decode()
    assert not PrivateMessage.objects.exists()


def test_a_restricted_person_cannot_start_a_conversation_from_the_page(adult, other_adult):
    ModerationActionFactory(target_user=adult, action_type="restrict")

    response = page_client_for(adult).post(f"/dms/{other_adult.pk}/send/", {"message": "hi"})

    assert response.status_code == 403
    assert not PrivateMessage.objects.exists()


def test_profiles_link_to_the_dm_thread_but_not_mine(adult, other_adult):
    client = page_client_for(adult)
    assert f'href="/dms/{other_adult.pk}/"' in client.get(f"/u/{other_adult.pk}/").content.decode()
    assert 'id="message-link"' not in client.get(f"/u/{adult.pk}/").content.decode()


@pytest.mark.parametrize("history_size", [2, 30])
def test_the_thread_page_costs_the_same_number_of_queries_whatever_the_history_size(
    adult, other_adult, django_assert_num_queries, history_size
):
    for n in range(history_size):
        dm(adult if n % 2 else other_adult, other_adult if n % 2 else adult, f"m{n}")
    client = page_client_for(adult)
    client.get(f"/dms/{other_adult.pk}/")

    with django_assert_num_queries(THREAD_PAGE_QUERIES):
        response = client.get(f"/dms/{other_adult.pk}/")

    assert len(response.context["history"]) == history_size


THREAD_PAGE_QUERIES = 9  # + the moderation banner, the header badge, the first-contact facts


@pytest.mark.parametrize("conversations", [1, 6])
def test_the_conversation_list_costs_the_same_number_of_queries_whatever_its_length(
    adult, django_assert_num_queries, conversations
):
    for _ in range(conversations):
        dm(UserFactory(), adult, "hello")
    client = page_client_for(adult)
    client.get("/dms/")

    with django_assert_num_queries(LIST_PAGE_QUERIES):
        response = client.get("/dms/")

    assert len(response.context["rows"]) == conversations


LIST_PAGE_QUERIES = 8  # + the moderation banner, the header badge, the first-contact facts
