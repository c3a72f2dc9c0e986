"""Direct messages over REST, the WebSocket ticket endpoint, and catching up after a reconnect."""

import pytest
from channels.db import database_sync_to_async as sync_to_async

from messaging.models import PrivateMessage
from messaging.tickets import ticket_consume
from tests.conftest import api_client_for
from tests.factories import BlockFactory, ModerationActionFactory, TeenFactory, UserFactory
from tests.messaging.live_helpers import connect, drain, request


def dm(sender, recipient, text="hi"):
    return PrivateMessage.objects.create(sender=sender, recipient=recipient, message=text)


@pytest.mark.django_db
class TestSending:
    def test_a_dm_is_stored_and_returned(self, adult, other_adult, make_client):
        response = make_client(adult).post(
            f"/api/dms/{other_adult.pk}/messages/", {"message": "hello"}, format="json"
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["sender_id"], body["recipient_id"], body["message"]) == (
            adult.pk,
            other_adult.pk,
            "hello",
        )
        assert PrivateMessage.objects.filter(pk=body["id"]).exists()

    def test_a_blocked_pair_cannot_dm_either_way(self, adult, other_adult, make_client):
        BlockFactory(blocker=adult, blocked=other_adult)
        for sender, recipient in ((adult, other_adult), (other_adult, adult)):
            response = make_client(sender).post(
                f"/api/dms/{recipient.pk}/messages/", {"message": "x"}, format="json"
            )
            assert (response.status_code, response.json()["code"]) == (404, "not_found")

    def test_an_adult_cannot_dm_a_minor(self, adult, minor, make_client):
        response = make_client(adult).post(
            f"/api/dms/{minor.pk}/messages/", {"message": "x"}, format="json"
        )
        assert response.status_code == 404
        assert not PrivateMessage.objects.exists()

    def test_a_muted_sender_gets_403_muted(self, adult, other_adult, make_client):
        ModerationActionFactory(target_user=adult, action_type="mute", duration_minutes=30)
        response = make_client(adult).post(
            f"/api/dms/{other_adult.pk}/messages/", {"message": "x"}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (403, "muted")

    def test_a_restricted_sender_may_only_answer(self, adult, other_adult, make_client):
        ModerationActionFactory(target_user=adult, action_type="restrict")
        client = make_client(adult)
        url = f"/api/dms/{other_adult.pk}/messages/"
        refused = client.post(url, {"message": "hi"}, format="json")
        assert (refused.status_code, refused.json()["code"]) == (403, "restricted")
        dm(other_adult, adult, "you first")
        assert client.post(url, {"message": "hi back"}, format="json").status_code == 201

    def test_bad_input_is_a_400_not_a_500(self, adult, other_adult, make_client):
        client = make_client(adult)
        url = f"/api/dms/{other_adult.pk}/messages/"
        assert client.post(url, {"message": ""}, format="json").status_code == 400
        assert client.post(url, {"message": "x" * 2001}, format="json").status_code == 400
        assert client.post(url, {"message": ["a"]}, format="json").status_code == 400
        not_mine = client.post(
            url, {"message": "x", "media_url": "https://evil/x.png"}, format="json"
        )
        assert not_mine.status_code == 400

    def test_dms_need_credentials(self, anon_client, other_adult):
        assert anon_client.get("/api/dms/").status_code == 401
        assert anon_client.get(f"/api/dms/{other_adult.pk}/messages/").status_code == 401


@pytest.mark.django_db
class TestReading:
    def test_history_pages_are_ascending_with_before_and_after(
        self, adult, other_adult, make_client
    ):
        ids = [dm(adult, other_adult, f"m{n}").id for n in range(5)]
        client = make_client(other_adult)
        url = f"/api/dms/{adult.pk}/messages/"
        newest = client.get(url, {"limit": 2}).json()
        assert [m["id"] for m in newest["results"]] == ids[3:]
        assert newest["has_more"] is True
        after = client.get(url, {"after": ids[1]}).json()
        assert [m["id"] for m in after["results"]] == ids[2:]
        before = client.get(url, {"before": ids[2]}).json()
        assert [m["id"] for m in before["results"]] == ids[:2]
        assert client.get(url, {"limit": 101}).status_code == 400

    def test_history_with_someone_i_may_not_see_is_404(self, adult, other_adult, make_client):
        dm(adult, other_adult)
        BlockFactory(blocker=other_adult, blocked=adult)
        response = make_client(adult).get(f"/api/dms/{other_adult.pk}/messages/")
        assert response.status_code == 404
        assert make_client(adult).get("/api/dms/no-such-user/messages/").status_code == 404

    def test_conversations_are_newest_first_with_the_last_message(self, adult, make_client):
        first, second = UserFactory(profile__display_name="First"), UserFactory()
        dm(adult, first, "old")
        dm(second, adult, "newer")
        dm(first, adult, "newest")
        rows = make_client(adult).get("/api/dms/").json()["results"]
        assert [(row["user"]["id"], row["last_message"]["message"]) for row in rows] == [
            (first.pk, "newest"),
            (second.pk, "newer"),
        ]
        assert rows[0]["user"]["display_name"] == "First"

    def test_conversations_with_people_i_may_no_longer_see_are_left_out(
        self, adult, other_adult, make_client
    ):
        dm(adult, other_adult)
        BlockFactory(blocker=adult, blocked=other_adult)
        assert make_client(adult).get("/api/dms/").json()["results"] == []

    def test_the_conversation_list_costs_the_same_for_any_page_size(
        self, adult, make_client, django_assert_num_queries
    ):
        for _ in range(2):
            dm(UserFactory(), adult)
        client = make_client(adult)
        # token auth; the grouped page; the last messages; the first-contact facts of the page
        with django_assert_num_queries(4):
            assert len(client.get("/api/dms/").json()["results"]) == 2
        for _ in range(6):
            dm(adult, UserFactory())
        with django_assert_num_queries(4):
            assert len(client.get("/api/dms/").json()["results"]) == 8

    def test_history_costs_the_same_for_any_page_size(
        self, adult, other_adult, make_client, django_assert_num_queries
    ):
        for n in range(30):
            dm(adult, other_adult, f"m{n}")
        client = make_client(adult)
        url = f"/api/dms/{other_adult.pk}/messages/"
        # token auth; the other user if I may see them (segment and blocks in the same query);
        # the page; the first-contact facts
        with django_assert_num_queries(4):
            assert len(client.get(url, {"limit": 2}).json()["results"]) == 2
        with django_assert_num_queries(4):
            assert len(client.get(url, {"limit": 30}).json()["results"]) == 30

    def test_teens_see_their_own_conversations(self, make_client):
        teen, other_teen = TeenFactory(), TeenFactory()
        dm(teen, other_teen)
        assert len(make_client(other_teen).get("/api/dms/").json()["results"]) == 1


@pytest.mark.django_db
def test_a_ws_ticket_names_the_caller_and_their_token(adult, make_client):
    client = make_client(adult)
    response = client.post("/api/ws-ticket/")
    assert response.status_code == 201
    assert response.json()["expires_in"] == 30
    payload = ticket_consume(response.json()["ticket"])
    assert payload["user_id"] == adult.pk
    assert payload["token_key"] == adult.auth_token.key
    assert ticket_consume(response.json()["ticket"]) is None  # single use


@pytest.mark.django_db
def test_a_ws_ticket_needs_credentials(anon_client):
    assert anon_client.post("/api/ws-ticket/").status_code == 401


# --- Must show: a lost socket catches up over REST, a resend does not duplicate ------------------
@pytest.mark.django_db(transaction=True)
async def test_a_client_that_lost_its_socket_catches_up_and_resends_without_duplicates(
    adult, other_adult
):
    db = sync_to_async
    mine = await connect(adult)
    theirs = await connect(other_adult)
    first = await request(
        mine, {"type": "dm.send", "to": other_adult.pk, "message": "one", "client_id": "c-1"}
    )
    await drain(mine)
    last_seen_id = first["id"]
    await mine.disconnect()  # the connection drops; "two" was being sent when it did

    missed = []
    for text in ("while away 1", "while away 2"):
        missed.append(
            (await request(theirs, {"type": "dm.send", "to": adult.pk, "message": text}))["id"]
        )

    mine = await connect(adult)
    client = await db(api_client_for)(adult)
    page = (
        await db(client.get)(f"/api/dms/{other_adult.pk}/messages/", {"after": last_seen_id})
    ).json()
    assert [m["id"] for m in page["results"]] == missed
    assert [m["message"] for m in page["results"]] == ["while away 1", "while away 2"]

    resend = {"type": "dm.send", "to": other_adult.pk, "message": "one", "client_id": "c-1"}
    assert await request(mine, resend) == {"type": "ack", "client_id": "c-1", "id": first["id"]}
    assert await db(PrivateMessage.objects.filter(message="one").count)() == 1
    await mine.disconnect()
    await theirs.disconnect()
