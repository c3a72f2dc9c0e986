"""First contact (docs/moderation.md "Protections for minors"): the safety prompt on the first
message from someone new, once per pair, and their images blurred until tapped, through REST,
the pages and the socket."""

import io

import pytest
from channels.db import database_sync_to_async as db
from PIL import Image

from messaging.models import FirstContactPrompt, PrivateMessage
from tests.conftest import api_client_for, page_client_for
from tests.factories import BlockFactory, MemberFactory, ReportFactory, RoomFactory, TeenFactory
from tests.messaging.live_helpers import connect, drain, receive_until

BANNER = "You haven't talked with"


def image_url(user) -> str:
    """An image ``user`` uploaded (POST /api/media/), ready to send in a message."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    out.seek(0)
    out.name = "photo.png"
    response = api_client_for(user).post("/api/media/", {"file": out}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["media_url"]


def send(sender, recipient, text="hi", media_url=None):
    body = {"message": text, "media_url": media_url}
    response = api_client_for(sender).post(
        f"/api/dms/{recipient.pk}/messages/", body, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def thread(viewer, other) -> dict:
    return api_client_for(viewer).get(f"/api/dms/{other.pk}/messages/").json()


def conversation_row(viewer, other) -> dict:
    rows = api_client_for(viewer).get("/api/dms/").json()["results"]
    return next(row for row in rows if row["user"]["id"] == other.pk)


@pytest.fixture
def teen(db):
    return TeenFactory(profile__display_name="Tia Teen")


@pytest.fixture
def stranger(db):
    return TeenFactory(profile__display_name="Sam Stranger")


# --- REST -----------------------------------------------------------------------------------
@pytest.mark.django_db
class TestRest:
    def test_a_first_message_from_someone_new_is_flagged_in_the_list_and_the_thread(
        self, teen, stranger
    ):
        send(stranger, teen, "hey")

        assert conversation_row(teen, stranger)["first_contact"] is True
        assert thread(teen, stranger)["first_contact"] is True

    def test_the_sender_gets_no_prompt_about_the_person_they_wrote_to(self, teen, stranger):
        send(stranger, teen, "hey", image_url(stranger))

        body = thread(stranger, teen)
        assert body["first_contact"] is False
        assert [m["blurred"] for m in body["results"]] == [False]
        assert conversation_row(stranger, teen)["first_contact"] is False

    def test_images_from_someone_new_carry_the_blurred_hint_and_text_does_not(self, teen, stranger):
        send(stranger, teen, "look", image_url(stranger))
        send(stranger, teen, "just text")

        results = thread(teen, stranger)["results"]
        assert [(m["message"], m["blurred"]) for m in results] == [
            ("look", True),
            ("just text", False),
        ]

    def test_dismissing_records_the_prompt_once_per_pair(self, teen, stranger):
        send(stranger, teen, "hey", image_url(stranger))

        response = api_client_for(teen).post(f"/api/dms/{stranger.pk}/first-contact/dismiss/")

        assert response.status_code == 204
        assert FirstContactPrompt.objects.filter(user=teen, other=stranger).count() == 1
        send(stranger, teen, "hello again")
        assert thread(teen, stranger)["first_contact"] is False
        assert conversation_row(teen, stranger)["first_contact"] is False
        # the images stay blurred: each is revealed by a tap, not by the prompt's "Got it"
        assert thread(teen, stranger)["results"][0]["blurred"] is True

    def test_dismissing_twice_keeps_one_row(self, teen, stranger):
        send(stranger, teen)
        client = api_client_for(teen)
        for _ in range(2):
            assert client.post(f"/api/dms/{stranger.pk}/first-contact/dismiss/").status_code == 204
        assert FirstContactPrompt.objects.filter(user=teen, other=stranger).count() == 1

    def test_dismiss_takes_no_body(self, teen, stranger):
        send(stranger, teen)

        response = api_client_for(teen).post(
            f"/api/dms/{stranger.pk}/first-contact/dismiss/", {"forever": True}, format="json"
        )

        assert response.status_code == 400
        assert set(response.json()) >= {"detail", "code"}
        assert not FirstContactPrompt.objects.exists()

    def test_dismissing_about_someone_i_may_not_see_is_404(self, teen, adult):
        response = api_client_for(teen).post(f"/api/dms/{adult.pk}/first-contact/dismiss/")

        assert (response.status_code, response.json()["code"]) == (404, "not_found")
        assert not FirstContactPrompt.objects.exists()

    def test_replying_ends_the_prompt_and_the_blur(self, teen, stranger):
        send(stranger, teen, "look", image_url(stranger))

        send(teen, stranger, "hi, who are you?")

        body = thread(teen, stranger)
        assert body["first_contact"] is False
        assert [m["blurred"] for m in body["results"]] == [False, False]

    def test_people_who_share_a_room_are_not_new_to_each_other(self, teen, stranger):
        room = RoomFactory(owner=TeenFactory())
        MemberFactory(room=room, user=teen)
        MemberFactory(room=room, user=stranger)
        send(stranger, teen, "from the room", image_url(stranger))

        body = thread(teen, stranger)
        assert (body["first_contact"], body["results"][0]["blurred"]) == (False, False)

    def test_a_room_i_was_banned_from_does_not_make_a_contact(self, teen, stranger):
        room = RoomFactory(owner=TeenFactory())
        MemberFactory(room=room, user=teen, is_banned=True)
        MemberFactory(room=room, user=stranger)
        send(stranger, teen, "hey")

        assert thread(teen, stranger)["first_contact"] is True

    def test_reporting_the_person_answers_the_prompt(self, teen, stranger):
        send(stranger, teen, "hey")

        ReportFactory(reporter=teen, reported_user=stranger)

        assert thread(teen, stranger)["first_contact"] is False

    def test_blocking_the_person_hides_the_conversation_and_its_prompt(self, teen, stranger):
        send(stranger, teen, "hey")

        BlockFactory(blocker=teen, blocked=stranger)

        assert api_client_for(teen).get("/api/dms/").json()["results"] == []

    def test_adults_get_the_prompt_by_default(self, adult, other_adult):
        send(other_adult, adult, "hello", image_url(other_adult))

        body = thread(adult, other_adult)
        assert (body["first_contact"], body["results"][0]["blurred"]) == (True, True)

    def test_operators_can_turn_it_off_for_adults_but_not_for_teens(
        self, settings, adult, other_adult, teen, stranger
    ):
        settings.FIRST_CONTACT_PROMPT_ADULTS = False
        send(other_adult, adult, "hello", image_url(other_adult))
        send(stranger, teen, "hey", image_url(stranger))

        adult_view, teen_view = thread(adult, other_adult), thread(teen, stranger)
        assert (adult_view["first_contact"], adult_view["results"][0]["blurred"]) == (False, False)
        assert (teen_view["first_contact"], teen_view["results"][0]["blurred"]) == (True, True)

    @pytest.mark.parametrize("size", [1, 12])
    def test_the_thread_costs_the_same_for_any_number_of_images(
        self, teen, stranger, django_assert_num_queries, size
    ):
        url = image_url(stranger)
        for n in range(size):
            PrivateMessage.objects.create(
                sender=stranger, recipient=teen, message=f"{n}", media_url=url
            )
        client = api_client_for(teen)
        client.get(f"/api/dms/{stranger.pk}/messages/")
        # token auth; the other user; the page; the first-contact facts
        with django_assert_num_queries(4):
            body = client.get(f"/api/dms/{stranger.pk}/messages/").json()
        assert [m["blurred"] for m in body["results"]] == [True] * size

    @pytest.mark.parametrize("size", [1, 8])
    def test_the_list_costs_the_same_for_any_number_of_new_contacts(
        self, teen, django_assert_num_queries, size
    ):
        for _ in range(size):
            PrivateMessage.objects.create(sender=TeenFactory(), recipient=teen, message="hi")
        client = api_client_for(teen)
        client.get("/api/dms/")
        # token auth; the grouped page; the last messages; the first-contact facts of the page
        with django_assert_num_queries(4):
            rows = client.get("/api/dms/").json()["results"]
        assert [row["first_contact"] for row in rows] == [True] * size


# --- Pages ----------------------------------------------------------------------------------
@pytest.mark.django_db
class TestPages:
    def test_the_thread_page_shows_the_prompt_with_block_report_and_got_it(self, teen, stranger):
        first = send(stranger, teen, "hey")

        html = page_client_for(teen).get(f"/dms/{stranger.pk}/").content.decode()

        assert '<section id="first-contact" class=' in html  # not hidden
        assert f"{BANNER} Sam Stranger before." in html
        assert f'action="/u/{stranger.pk}/block/"' in html
        assert f'name="dm" value="{first["id"]}"' in html
        assert f'action="/dms/{stranger.pk}/first-contact/dismiss/"' in html

    def test_the_prompt_is_hidden_for_a_conversation_i_answered(self, teen, stranger):
        send(stranger, teen, "hey")
        send(teen, stranger, "hi")

        html = page_client_for(teen).get(f"/dms/{stranger.pk}/").content.decode()

        assert '<section id="first-contact" hidden' in html

    def test_got_it_on_the_page_records_it_and_the_prompt_stays_gone(self, teen, stranger):
        send(stranger, teen, "hey")
        client = page_client_for(teen)

        response = client.post(f"/dms/{stranger.pk}/first-contact/dismiss/")

        assert (response.status_code, response["Location"]) == (302, f"/dms/{stranger.pk}/")
        assert FirstContactPrompt.objects.filter(user=teen, other=stranger).exists()
        html = client.get(f"/dms/{stranger.pk}/").content.decode()
        assert '<section id="first-contact" hidden' in html

    def test_got_it_about_someone_i_may_not_see_is_404(self, teen, adult):
        response = page_client_for(teen).post(f"/dms/{adult.pk}/first-contact/dismiss/")
        assert response.status_code == 404

    def test_an_image_from_someone_new_is_blurred_with_tap_to_show(self, teen, stranger):
        send(stranger, teen, "look", image_url(stranger))

        html = page_client_for(teen).get(f"/dms/{stranger.pk}/").content.decode()

        assert '<div class="media blurred">' in html
        assert "Tap to show" in html

    def test_my_own_images_are_never_blurred(self, teen, stranger):
        send(stranger, teen, "look", image_url(stranger))

        html = page_client_for(stranger).get(f"/dms/{teen.pk}/").content.decode()

        assert '<div class="media">' in html
        assert "media blurred" not in html

    def test_the_list_marks_a_new_contact(self, teen, stranger):
        send(stranger, teen, "hey")

        html = page_client_for(teen).get("/dms/").content.decode()

        assert "first-contact-marker" in html

    @pytest.mark.parametrize("size", [1, 12])
    def test_the_thread_page_costs_the_same_for_any_number_of_blurred_images(
        self, teen, stranger, django_assert_num_queries, size
    ):
        url = image_url(stranger)
        for n in range(size):
            PrivateMessage.objects.create(
                sender=stranger, recipient=teen, message=f"{n}", media_url=url
            )
        client = page_client_for(teen)
        client.get(f"/dms/{stranger.pk}/")
        with django_assert_num_queries(THREAD_PAGE_QUERIES):
            response = client.get(f"/dms/{stranger.pk}/")
        assert [row["blurred"] for row in response.context["history"]] == [True] * size

    @pytest.mark.parametrize("size", [1, 8])
    def test_the_list_page_costs_the_same_for_any_number_of_new_contacts(
        self, teen, django_assert_num_queries, size
    ):
        for _ in range(size):
            PrivateMessage.objects.create(sender=TeenFactory(), recipient=teen, message="hi")
        client = page_client_for(teen)
        client.get("/dms/")
        with django_assert_num_queries(LIST_PAGE_QUERIES):
            response = client.get("/dms/")
        assert [row["first_contact"] for row in response.context["rows"]] == [True] * size


# The same counts as tests/messaging/test_pages.py: the first-contact facts are one query.
THREAD_PAGE_QUERIES = 9
LIST_PAGE_QUERIES = 8


# --- The socket -----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
class TestSocket:
    async def test_the_first_message_from_someone_new_carries_the_prompt_and_the_blur(self):
        teen, stranger = await db(TeenFactory)(), await db(TeenFactory)()
        url = await db(image_url)(stranger)
        teen_ws, stranger_ws = await connect(teen), await connect(stranger)

        await db(send)(stranger, teen, "look", url)

        frame = await receive_until(teen_ws, lambda f: f["type"] == "dm.message")
        assert (frame["first_contact"], frame["blurred"]) == (True, True)
        own = await receive_until(stranger_ws, lambda f: f["type"] == "dm.message")
        assert "first_contact" not in own and "blurred" not in own
        await teen_ws.disconnect()
        await stranger_ws.disconnect()

    async def test_after_got_it_the_frames_carry_no_prompt_but_images_stay_blurred(self):
        teen, stranger = await db(TeenFactory)(), await db(TeenFactory)()
        url = await db(image_url)(stranger)
        await db(send)(stranger, teen, "hey")
        client = await db(api_client_for)(teen)
        await db(client.post)(f"/api/dms/{stranger.pk}/first-contact/dismiss/")
        teen_ws = await connect(teen)

        await db(send)(stranger, teen, "look", url)

        frame = await receive_until(teen_ws, lambda f: f["type"] == "dm.message")
        assert (frame["first_contact"], frame["blurred"]) == (False, True)
        await teen_ws.disconnect()

    async def test_once_i_replied_the_frames_carry_no_first_contact_hints(self):
        teen, stranger = await db(TeenFactory)(), await db(TeenFactory)()
        url = await db(image_url)(stranger)
        await db(send)(stranger, teen, "hey")
        await db(send)(teen, stranger, "hi!")
        teen_ws = await connect(teen)
        await drain(teen_ws)

        await db(send)(stranger, teen, "look", url)

        frame = await receive_until(teen_ws, lambda f: f["type"] == "dm.message")
        assert frame.get("first_contact", False) is False
        assert frame.get("blurred", False) is False
        await teen_ws.disconnect()
