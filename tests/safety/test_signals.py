"""Early signals (docs/moderation.md, "Early signals"): rules on the DM send, block and sign-up
paths put a ``SafetySignal`` (never an action) in the moderators' "Early signals" queue, one
open per (subject, kind), reviewed like a report in the admin."""

import datetime as dt
import time

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.test import Client
from django.utils import timezone

from accounts.models import User
from safety import signals_rules
from safety.models import SafetySignal, SignalKind, SignalStatus
from tests.conftest import api_client_for
from tests.factories import (
    BlockFactory,
    UserFactory,
    birth_date_for_age,
    registration_data,
    verified_staff_login,
)
from tests.messaging.live_helpers import connect, request

QUEUE = "/admin/safety/safetysignal/"
REGISTER_API = "/api/auth/register/"


def post_dm(client, recipient, text):
    return client.post(f"/api/dms/{recipient.pk}/messages/", {"message": text}, format="json")


def old_account(**kwargs):
    return UserFactory(created_at=timezone.now() - dt.timedelta(days=30), **kwargs)


def signal_page(moderator, signal):
    return verified_staff_login(Client(), moderator).get(f"{QUEUE}{signal.pk}/change/")


# --- Must show: a scripted new account raises a signal, shown in the queue ---------------------
def _register_scripted_account() -> tuple[User, str]:
    response = Client().post(
        REGISTER_API,
        registration_data(email="fresh@example.test", display_name="Fresh Face"),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    return User.objects.get(pk=body["user"]["id"]), body["token"]


def _rest_dms(token: str, people, text_of) -> None:
    client = api_client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for index, person in people:
        assert post_dm(client, person, text_of(index)).status_code == 201


def _queue_shows(moderator, subject) -> tuple[str, str, str]:
    client = verified_staff_login(Client(), moderator)
    signal = SafetySignal.objects.get()
    pages = (client.get("/admin/"), client.get(QUEUE), client.get(f"{QUEUE}{signal.pk}/change/"))
    assert [page.status_code for page in pages] == [200, 200, 200]
    return tuple(page.content.decode() for page in pages)


@pytest.mark.django_db(transaction=True)
async def test_a_scripted_new_account_messaging_21_strangers_raises_one_signal_shown_in_the_queue(
    settings, mod_user
):
    settings.NEW_ACCOUNT_FIRST_CONTACTS_PER_HOUR = 100  # let the fanout happen
    db = sync_to_async
    newcomer, token = await db(_register_scripted_account)()
    people = list(enumerate(await db(lambda: [UserFactory() for _ in range(21)])()))
    ws = await connect(newcomer)
    for index, person in people[:11]:
        frame = {"type": "dm.send", "to": person.pk, "message": f"hey {index}, add me"}
        assert (await request(ws, frame))["type"] == "ack"
    await ws.disconnect()
    assert not await db(SafetySignal.objects.exists)()  # 11 people: not yet more than 20
    await db(_rest_dms)(token, people[11:], lambda index: f"hello number {index}")

    signal = await db(SafetySignal.objects.get)()
    assert (signal.kind, signal.subject_id, signal.status) == (
        SignalKind.NEW_ACCOUNT_FANOUT,
        newcomer.pk,
        SignalStatus.OPEN,
    )
    assert signal.evidence["first_contacts"] == 21
    assert signal.evidence["recipient_ids"] == [person.pk for _, person in people]
    assert len(signal.evidence["message_ids"]) == 21
    index_page, queue, page = await db(_queue_shows)(mod_user, newcomer)
    assert 'id="signals-summary"' in index_page and '?status__exact=open">1</a>' in index_page
    assert "fresh@example.test" in queue
    assert "hey 0, add me" in page and "hello number 20" in page
    assert f"/admin/messaging/privatemessage/{signal.evidence['message_ids'][0]}/change/" in page


@pytest.mark.django_db
def test_an_old_account_starting_many_conversations_raises_no_fanout_signal(make_client):
    client = make_client(old_account())
    for index, person in enumerate(UserFactory() for _ in range(22)):
        assert post_dm(client, person, f"note {index}").status_code == 201
    assert not SafetySignal.objects.exists()


# --- Same text to many people ----------------------------------------------------------------
@pytest.mark.django_db
class TestSameText:
    def test_the_same_text_to_eleven_people_raises_a_signal_whatever_the_case_and_spacing(
        self, make_client
    ):
        sender = old_account()
        client = make_client(sender)
        people = [UserFactory() for _ in range(11)]
        for index, person in enumerate(people):
            text = "Win a PRIZE at  example.test" if index % 2 else "win a prize at example.test"
            assert post_dm(client, person, text).status_code == 201
        signal = SafetySignal.objects.get()
        assert (signal.kind, signal.subject_id) == (SignalKind.SAME_TEXT_FANOUT, sender.pk)
        assert signal.evidence["people"] == 11
        assert signal.evidence["recipient_ids"] == [person.pk for person in people]
        assert len(signal.evidence["message_ids"]) == 11

    def test_the_same_text_to_ten_people_raises_nothing(self, make_client):
        client = make_client(old_account())
        for person in [UserFactory() for _ in range(10)]:
            assert post_dm(client, person, "same words").status_code == 201
        assert not SafetySignal.objects.exists()

    def test_the_same_text_many_times_to_one_person_raises_nothing(self, make_client):
        client = make_client(old_account())
        person = UserFactory()
        for _ in range(15):
            assert post_dm(client, person, "same words").status_code == 201
        assert not SafetySignal.objects.exists()

    def test_the_rule_firing_again_updates_the_one_open_signal(self, make_client):
        client = make_client(old_account())
        for person in [UserFactory() for _ in range(13)]:
            assert post_dm(client, person, "same words").status_code == 201
        signal = SafetySignal.objects.get()
        assert signal.evidence["people"] == 13
        assert signal.evidence["times_seen"] == 3

    def test_a_signal_punishes_nobody_the_sender_keeps_writing(self, make_client):
        sender = old_account()
        client = make_client(sender)
        for person in [UserFactory() for _ in range(12)]:
            assert post_dm(client, person, "same words").status_code == 201
        assert SafetySignal.objects.filter(subject=sender).exists()
        assert post_dm(client, UserFactory(), "something else").status_code == 201
        assert not sender.moderation_actions.exists()


# --- Blocks received ---------------------------------------------------------------------------
@pytest.mark.django_db
class TestBlocksReceived:
    def test_five_blocks_received_within_a_day_raise_a_signal(self, make_client):
        target = old_account()
        blockers = [UserFactory() for _ in range(5)]
        for index, blocker in enumerate(blockers):
            response = make_client(blocker).post(
                "/api/blocks/", {"user_id": target.pk}, format="json"
            )
            assert response.status_code == 201
            assert SafetySignal.objects.exists() == (index == 4)
        signal = SafetySignal.objects.get()
        assert (signal.kind, signal.subject_id) == (SignalKind.BLOCKS_RECEIVED, target.pk)
        assert signal.evidence["blocker_ids"] == [blocker.pk for blocker in blockers]

    def test_blocks_older_than_a_day_do_not_count(self, make_client):
        target = old_account()
        yesterday = timezone.now() - dt.timedelta(hours=25)
        for _ in range(4):
            BlockFactory(blocker=UserFactory(), blocked=target, created_at=yesterday)
        response = make_client(UserFactory()).post(
            "/api/blocks/", {"user_id": target.pk}, format="json"
        )
        assert response.status_code == 201
        assert not SafetySignal.objects.exists()

    def test_a_block_from_the_page_counts_too(self):
        target = old_account()
        for _ in range(4):
            BlockFactory(blocker=UserFactory(), blocked=target)
        page = verified_staff_login(Client(), UserFactory())
        response = page.post(f"/u/{target.pk}/block/")
        assert response.status_code in (200, 302)
        assert SafetySignal.objects.get().evidence["blocks_received"] == 5


# --- A teen and an adult from one browser -------------------------------------------------------
def register_on_the_page(browser: Client, email: str, years: int):
    browser.get("/register/")  # the page sets the browser id cookie on first sight
    data = registration_data(email=email, date_of_birth=birth_date_for_age(years).isoformat())
    response = browser.post("/register/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    browser.post("/logout/")  # not Client.logout(): it empties the cookie jar
    return User.objects.get(email=email)


@pytest.mark.django_db
class TestCrossSegmentSession:
    def test_a_teen_and_an_adult_registered_from_one_browser_raise_a_signal(self):
        browser = Client()
        adult = register_on_the_page(browser, "grown@example.test", 35)
        assert signals_rules.BROWSER_COOKIE in browser.cookies
        teen = register_on_the_page(browser, "young@example.test", 14)
        signal = SafetySignal.objects.get()
        assert (signal.kind, signal.subject_id) == (SignalKind.CROSS_SEGMENT_SESSION, teen.pk)
        assert signal.evidence["other_account_id"] == adult.pk
        assert (signal.evidence["segment"], signal.evidence["other_segment"]) == ("teen", "adult")

    def test_two_browsers_raise_nothing(self):
        register_on_the_page(Client(), "grown@example.test", 35)
        register_on_the_page(Client(), "young@example.test", 14)
        assert not SafetySignal.objects.exists()

    def test_two_adults_from_one_browser_raise_nothing(self):
        browser = Client()
        register_on_the_page(browser, "one@example.test", 35)
        register_on_the_page(browser, "two@example.test", 40)
        assert not SafetySignal.objects.exists()

    def test_registrations_further_apart_than_the_window_raise_nothing(self, monkeypatch):
        browser = Client()
        register_on_the_page(browser, "grown@example.test", 35)
        later = time.time() + 31 * 60
        monkeypatch.setattr(signals_rules.time, "time", lambda: later)
        register_on_the_page(browser, "young@example.test", 14)
        assert not SafetySignal.objects.exists()

    def test_the_api_register_reads_the_browser_header(self):
        browser_id = "app-installation-0123456789"
        for email, years in (("grown@example.test", 35), ("young@example.test", 15)):
            data = registration_data(
                email=email, date_of_birth=birth_date_for_age(years).isoformat()
            )
            response = Client().post(
                REGISTER_API, data, content_type="application/json", HTTP_X_WYA_BROWSER=browser_id
            )
            assert response.status_code == 201
        assert SafetySignal.objects.get().kind == SignalKind.CROSS_SEGMENT_SESSION

    def test_a_browser_id_we_did_not_issue_is_ignored(self):
        for email, years in (("grown@example.test", 35), ("young@example.test", 15)):
            data = registration_data(
                email=email, date_of_birth=birth_date_for_age(years).isoformat()
            )
            response = Client().post(
                REGISTER_API, data, content_type="application/json", HTTP_X_WYA_BROWSER="x"
            )
            assert response.status_code == 201
        assert not SafetySignal.objects.exists()


# --- The queue in the admin ------------------------------------------------------------------
@pytest.fixture
def signal(db):
    return SafetySignal.objects.create(
        kind=SignalKind.BLOCKS_RECEIVED,
        subject=old_account(email="suspect@example.test"),
        evidence={"blocks_received": 5, "window_hours": 24, "blocker_ids": []},
    )


@pytest.mark.django_db
class TestQueue:
    def test_opening_a_signal_page_changes_nothing(self, mod_user, signal):
        response = signal_page(mod_user, signal)
        assert response.status_code == 200
        assert "suspect@example.test" in response.content.decode()
        signal.refresh_from_db()
        assert (signal.status, signal.reviewed_by) == (SignalStatus.OPEN, None)

    def test_a_moderator_confirms_and_is_offered_the_action_form_prefilled(self, mod_user, signal):
        client = verified_staff_login(Client(), mod_user)
        url = f"{QUEUE}{signal.pk}/change/"
        assert client.post(url, {"decision": "confirm"}).status_code == 302
        signal.refresh_from_db()
        assert (signal.status, signal.reviewed_by) == (SignalStatus.CONFIRMED, mod_user)
        assert signal.reviewed_at is not None
        page = client.get(url).content.decode()
        action_url = f"/admin/safety/moderationaction/add/?target_user={signal.subject_id}"
        assert action_url in page
        form = client.get(action_url).content.decode()
        assert f'value="{signal.subject_id}"' in form
        assert not signal.subject.moderation_actions.exists()

    def test_a_moderator_dismisses_a_signal_and_it_is_logged(self, mod_user, signal):
        client = verified_staff_login(Client(), mod_user)
        assert (
            client.post(f"{QUEUE}{signal.pk}/change/", {"decision": "dismiss"}).status_code == 302
        )
        signal.refresh_from_db()
        assert (signal.status, signal.reviewed_by) == (SignalStatus.DISMISSED, mod_user)

    def test_a_reviewed_signal_cannot_be_decided_again(self, mod_user, signal):
        client = verified_staff_login(Client(), mod_user)
        url = f"{QUEUE}{signal.pk}/change/"
        client.post(url, {"decision": "dismiss"})
        again = client.post(url, {"decision": "confirm"})
        assert again.status_code == 400
        assert "already reviewed" in again.content.decode()
        signal.refresh_from_db()
        assert signal.status == SignalStatus.DISMISSED

    def test_an_unknown_decision_is_a_400_and_changes_nothing(self, mod_user, signal):
        client = verified_staff_login(Client(), mod_user)
        assert client.post(f"{QUEUE}{signal.pk}/change/", {"decision": "ban"}).status_code == 400
        signal.refresh_from_db()
        assert signal.status == SignalStatus.OPEN

    def test_a_moderator_never_sees_a_signal_about_themselves(self, mod_user, lead_user):
        about_me = SafetySignal.objects.create(
            kind=SignalKind.SAME_TEXT_FANOUT, subject=mod_user, evidence={"people": 11}
        )
        client = verified_staff_login(Client(), mod_user)
        assert client.get(f"{QUEUE}{about_me.pk}/change/").status_code == 404
        assert (
            client.post(f"{QUEUE}{about_me.pk}/change/", {"decision": "dismiss"}).status_code == 404
        )
        assert f"{QUEUE}{about_me.pk}/change/" not in client.get(QUEUE).content.decode()
        assert signal_page(lead_user, about_me).status_code == 200

    def test_staff_without_the_review_permission_cannot_open_the_queue(self, plain_staff, signal):
        client = verified_staff_login(Client(), plain_staff)
        assert client.get(QUEUE).status_code == 403
        assert (
            client.post(f"{QUEUE}{signal.pk}/change/", {"decision": "dismiss"}).status_code == 403
        )
        assert 'id="signals-summary"' not in client.get("/admin/").content.decode()
        signal.refresh_from_db()
        assert signal.status == SignalStatus.OPEN
