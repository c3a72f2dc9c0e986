"""Appeals (issue 20): the person affected appeals a platform action once, from a notice (REST or
/notices/; a banned person from the login refusal); a moderator who did not decide reviews it
in the admin's appeals queue (a Safety lead for an escalated case); the outcome is a logged
action and a notice; lifting ends the sanction at once on every path."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async as db
from django.utils import timezone

from moderation import services as moderation_services
from safety.models import ActionType, Appeal, AppealStatus, ModerationAction
from tests.conftest import page_client_for
from tests.factories import ModerationActionFactory, ReportFactory, UserFactory
from tests.messaging.live_helpers import connect, receive_type, request
from tests.safety.conftest import _group
from wya.errors import Conflict, NotFound

PASSWORD = "a long enough password 42"


@pytest.fixture
def second_mod(db):
    """Another member of ``Moderators``: the second reviewer."""
    user = UserFactory(is_staff=True, profile__display_name="Max Moderator")
    user.groups.add(_group("Moderators"))
    return user


def mute(moderator, target, *, minutes=None, report=None):
    return moderation_services.moderation_action_take(
        moderator=moderator,
        target_user=target,
        action_type="mute",
        reason="Spamming the room.",
        duration_minutes=minutes,
        report=report,
    )


def appeal_over_rest(make_client, user, action, text="I was quoting someone."):
    return make_client(user).post(
        f"/api/me/notices/{action.pk}/appeal/", {"text": text}, format="json"
    )


def decide_in_admin(reviewer, appeal, outcome="lifted", reason="It was a quote."):
    return page_client_for(reviewer).post(
        f"/admin/safety/appeal/{appeal.pk}/change/", {"outcome": outcome, "reason": reason}
    )


def send_over_rest(make_client, user, room):
    return make_client(user).post(
        f"/api/rooms/{room.pk}/messages/", {"message": "hello again"}, format="json"
    )


# --- Appealing ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_muted_person_appeals_once_over_rest(mod_user, member, make_client):
    action = mute(mod_user, member)
    response = appeal_over_rest(make_client, member, action)
    assert response.status_code == 201
    body = response.json()
    assert (body["action_id"], body["status"], body["text"]) == (
        action.pk,
        "pending",
        "I was quoting someone.",
    )
    again = appeal_over_rest(make_client, member, action, text="Please!")
    assert again.status_code == 409
    assert again.json()["code"] == "already_appealed"
    assert Appeal.objects.get().text == "I was quoting someone."


@pytest.mark.django_db
def test_someone_elses_action_a_room_action_or_an_unknown_one_cannot_be_appealed(
    mod_user, member, outsider, make_client
):
    theirs = mute(mod_user, outsider)
    room_kick = ModerationActionFactory(target_user=member, action_type="room_kick")
    escalation = ModerationActionFactory(target_user=member, action_type="escalate")
    for action_id in (theirs.pk, room_kick.pk, escalation.pk, 2**31 - 1, "x"):
        response = make_client(member).post(
            f"/api/me/notices/{action_id}/appeal/", {"text": "no"}, format="json"
        )
        assert response.status_code == 404, action_id
        assert set(response.json()) >= {"detail", "code"}
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_an_action_older_than_the_appeal_window_cannot_be_appealed(
    mod_user, member, make_client, settings
):
    settings.APPEAL_WINDOW_DAYS = 30
    old = ModerationActionFactory(moderator=mod_user, target_user=member, action_type="warn")
    ModerationAction.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30, minutes=1)
    )
    recent = ModerationActionFactory(moderator=mod_user, target_user=member, action_type="warn")
    ModerationAction.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - dt.timedelta(days=29, hours=23)
    )
    refused = appeal_over_rest(make_client, member, old)
    assert refused.status_code == 403
    assert refused.json()["code"] == "appeal_window_closed"
    assert appeal_over_rest(make_client, member, recent).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["", "   ", "x" * 2001, "a\x00b", None])
def test_an_appeal_without_usable_text_is_a_clear_400(mod_user, member, make_client, text):
    action = mute(mod_user, member)
    response = make_client(member).post(
        f"/api/me/notices/{action.pk}/appeal/", {"text": text}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"detail", "code"}
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_notices_carry_the_appeal_and_its_outcome(mod_user, second_mod, member, make_client):
    action = mute(mod_user, member)
    warn = ModerationActionFactory(moderator=mod_user, target_user=member, action_type="warn")
    appeal = moderation_services.appeal_create(appellant=member, action_id=action.pk, text="Hi")
    moderation_services.appeal_decide(
        reviewer=second_mod, appeal_id=appeal.pk, outcome="upheld", reason="It was spam."
    )
    rows = {row["id"]: row for row in make_client(member).get("/api/me/notices/").json()["results"]}
    assert rows[action.pk]["appeal"]["status"] == "upheld"
    assert rows[action.pk]["appeal"]["outcome_reason"] == "It was spam."
    assert rows[action.pk]["appealable"] is False
    assert (rows[warn.pk]["appeal"], rows[warn.pk]["appealable"]) == (None, True)
    outcome = ModerationAction.objects.get(action_type=ActionType.APPEAL_UPHELD)
    assert rows[outcome.pk]["appealable"] is False  # an outcome is not appealed again


@pytest.mark.django_db
def test_notices_cost_the_same_queries_with_appeals(
    mod_user, member, make_client, django_assert_num_queries
):
    client = make_client(member)
    for _ in range(3):
        action = mute(mod_user, member, minutes=5)
        moderation_services.appeal_create(appellant=member, action_id=action.pk, text="Hi")
    with django_assert_num_queries(3):  # token, count, page (appeals joined)
        client.get("/api/me/notices/")


# --- Review: a second moderator, never the first -------------------------------------------------
@pytest.mark.django_db
def test_an_appeal_is_reviewed_by_a_second_moderator_and_refused_to_the_first(
    mod_user, second_mod, member
):
    action = mute(mod_user, member)
    appeal = moderation_services.appeal_create(appellant=member, action_id=action.pk, text="Hi")
    first = page_client_for(mod_user)
    queue = first.get("/admin/safety/appeal/")
    assert queue.status_code == 200
    assert f"/admin/safety/appeal/{appeal.pk}/change/" not in queue.content.decode()
    assert first.get(f"/admin/safety/appeal/{appeal.pk}/change/").status_code == 404
    assert decide_in_admin(mod_user, appeal).status_code == 404
    with pytest.raises(NotFound):
        moderation_services.appeal_decide(
            reviewer=mod_user, appeal_id=appeal.pk, outcome="lifted", reason="Mine."
        )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING

    second = page_client_for(second_mod)
    assert (
        f"/admin/safety/appeal/{appeal.pk}/change/"
        in second.get("/admin/safety/appeal/").content.decode()
    )
    page = second.get(f"/admin/safety/appeal/{appeal.pk}/change/").content.decode()
    assert "Spamming the room." in page and 'id="appeal-decision-form"' in page
    assert decide_in_admin(second_mod, appeal).status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.reviewer_id) == (AppealStatus.LIFTED, second_mod.pk)
    assert appeal.outcome_reason == "It was a quote." and appeal.decided_at is not None


@pytest.mark.django_db
def test_lifting_a_mute_is_logged_and_lets_the_person_send_at_once(
    mod_user, second_mod, room, member, make_client
):
    action = mute(mod_user, member)
    assert send_over_rest(make_client, member, room).json()["code"] == "muted"
    appeal = moderation_services.appeal_create(appellant=member, action_id=action.pk, text="Hi")
    decide_in_admin(second_mod, appeal)
    logged = ModerationAction.objects.get(action_type=ActionType.APPEAL_LIFTED)
    assert (logged.moderator_id, logged.target_user_id, logged.reason) == (
        second_mod.pk,
        member.pk,
        "It was a quote.",
    )
    assert send_over_rest(make_client, member, room).status_code == 201


@pytest.mark.django_db
def test_an_upheld_appeal_keeps_the_mute_and_is_logged(
    mod_user, second_mod, room, member, make_client
):
    action = mute(mod_user, member)
    appeal = moderation_services.appeal_create(appellant=member, action_id=action.pk, text="Hi")
    assert decide_in_admin(second_mod, appeal, outcome="upheld", reason="Spam.").status_code == 302
    assert ModerationAction.objects.filter(
        action_type=ActionType.APPEAL_UPHELD, moderator=second_mod, target_user=member
    ).exists()
    assert send_over_rest(make_client, member, room).json()["code"] == "muted"


@pytest.mark.django_db
def test_a_decided_appeal_cannot_be_decided_again(mod_user, second_mod, lead_user, member):
    action = mute(mod_user, member)
    appeal = moderation_services.appeal_create(appellant=member, action_id=action.pk, text="Hi")
    moderation_services.appeal_decide(
        reviewer=second_mod, appeal_id=appeal.pk, outcome="upheld", reason="Spam."
    )
    with pytest.raises(Conflict):
        moderation_services.appeal_decide(
            reviewer=lead_user, appeal_id=appeal.pk, outcome="lifted", reason="No."
        )
    assert decide_in_admin(lead_user, appeal).status_code == 409


@pytest.mark.django_db
def test_an_appeal_of_an_escalated_case_is_decided_by_a_safety_lead_only(
    mod_user, second_mod, lead_user, member
):
    report = ReportFactory(reported_user=member)
    ModerationActionFactory(
        moderator=second_mod, target_user=member, action_type="escalate", report=report
    )
    action = mute(lead_user, member, report=report)
    appeal = moderation_services.appeal_create(appellant=member, action_id=action.pk, text="Hi")
    response = decide_in_admin(mod_user, appeal)
    assert response.status_code == 403
    assert "only a Safety lead" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING
    other_lead = UserFactory(is_staff=True)
    other_lead.groups.add(_group("Safety leads"))
    assert decide_in_admin(other_lead, appeal).status_code == 302


@pytest.mark.django_db
def test_the_appeals_queue_needs_the_review_permission(plain_staff, member):
    assert page_client_for(plain_staff).get("/admin/safety/appeal/").status_code == 403


# --- Bans: appealed from the login refusal, lifted through the platform unban -------------------
@pytest.fixture
def banned(mod_user, db):
    from accounts.services import account_ban

    user = UserFactory(email="banned@example.com")
    user.set_password(PASSWORD)
    user.save()
    account_ban(moderator=mod_user, user=user, reason="Threats.")
    return user


@pytest.mark.django_db
def test_a_banned_persons_login_error_offers_the_appeal_page(banned, anon_client):
    response = anon_client.post("/login/", {"username": banned.email, "password": PASSWORD})
    assert 'id="ban-appeal-link"' in response.content.decode()
    wrong = anon_client.post("/login/", {"username": banned.email, "password": "wrong one"})
    assert 'id="ban-appeal-link"' not in wrong.content.decode()


@pytest.mark.django_db
def test_a_banned_person_appeals_with_their_password_and_is_not_logged_in(banned, anon_client):
    form = {"email": banned.email, "password": "wrong password", "text": "I was hacked."}
    refused = anon_client.post("/appeal/ban/", form)
    assert refused.status_code == 400
    assert not Appeal.objects.exists()
    sent = anon_client.post("/appeal/ban/", {**form, "password": PASSWORD})
    assert 'id="ban-appeal-sent"' in sent.content.decode()
    appeal = Appeal.objects.get()
    assert (appeal.appellant_id, appeal.action.action_type) == (banned.pk, "ban")
    assert "_auth_user_id" not in anon_client.session
    assert anon_client.post("/appeal/ban/", {**form, "password": PASSWORD}).status_code == 409


@pytest.mark.django_db
def test_an_active_account_is_sent_to_its_notices_instead(member, anon_client):
    member.set_password(PASSWORD)
    member.save()
    form = {"email": member.email, "password": PASSWORD, "text": "Hi"}
    response = anon_client.post("/appeal/ban/", form)
    assert response.status_code == 400
    assert "not banned" in response.content.decode()


@pytest.mark.django_db
def test_lifting_a_ban_on_appeal_makes_the_account_active_again(banned, second_mod, anon_client):
    ban = ModerationAction.objects.get(action_type="ban")
    appeal = moderation_services.appeal_create(appellant=banned, action_id=ban.pk, text="Hacked")
    assert decide_in_admin(second_mod, appeal).status_code == 302
    banned.refresh_from_db()
    assert banned.is_active
    assert ModerationAction.objects.filter(action_type="unban", moderator=second_mod).exists()
    response = anon_client.post("/api/auth/login/", {"email": banned.email, "password": PASSWORD})
    assert response.status_code == 200


# --- The page --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_notices_page_offers_an_appeal_and_then_shows_its_outcome(mod_user, second_mod, member):
    action = mute(mod_user, member)
    client = page_client_for(member)
    page = client.get("/notices/").content.decode()
    assert f'id="appeal-form-{action.pk}"' in page
    response = client.post(f"/notices/{action.pk}/appeal/", {"text": "It was a quote."})
    assert response.status_code == 302
    assert Appeal.objects.get().text == "It was a quote."
    page = client.get("/notices/").content.decode()
    assert f'id="appeal-form-{action.pk}"' not in page
    assert "waiting for a moderator" in page
    decide_in_admin(second_mod, Appeal.objects.get(), reason="Fair enough.")
    page = client.get("/notices/").content.decode()
    assert "granted, the action was lifted. Fair enough." in page
    assert 'id="moderation-banner"' not in page
    assert "Appeal granted" in page  # the outcome is a notice from WYA!?'s moderators


@pytest.mark.django_db
def test_a_second_appeal_on_the_page_is_refused_with_a_message(mod_user, member):
    action = mute(mod_user, member)
    client = page_client_for(member)
    client.post(f"/notices/{action.pk}/appeal/", {"text": "One."})
    response = client.post(f"/notices/{action.pk}/appeal/", {"text": "Two."}, follow=True)
    assert "You already appealed this decision." in response.content.decode()
    assert Appeal.objects.get().text == "One."


# --- The socket ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_the_appellant_is_told_on_open_sockets_and_can_send_at_once(
    mod_user, second_mod, room, member
):
    action = await db(mute)(mod_user, member)
    appeal = await db(moderation_services.appeal_create)(
        appellant=member, action_id=action.pk, text="Hi"
    )
    ws = await connect(member)
    refused = await request(ws, {"type": "room.send", "room_id": room.pk, "message": "hi"})
    assert refused["code"] == "muted"
    response = await db(decide_in_admin)(second_mod, appeal)
    assert response.status_code == 302
    notice = await receive_type(ws, "notice")
    assert notice["action"]["action_type"] == "appeal_lifted"
    assert notice["action"]["source"] == "platform"
    assert (notice["action"]["muted"], notice["action"]["restricted"]) == (False, False)
    assert notice["action"]["appeal"]["action_id"] == action.pk
    reply = await request(ws, {"type": "room.send", "room_id": room.pk, "message": "back"})
    assert reply["type"] == "ack"
    await ws.disconnect()


@pytest.mark.django_db
def test_the_appeals_queue_marks_lead_cases_and_costs_the_same_for_any_length(
    mod_user, second_mod, lead_user, django_assert_max_num_queries
):
    client = page_client_for(second_mod)

    def appeals(count: int, moderator) -> None:
        for _ in range(count):
            action = mute(moderator, UserFactory())
            moderation_services.appeal_create(
                appellant=action.target_user, action_id=action.pk, text="Hi"
            )

    appeals(1, mod_user)
    with django_assert_max_num_queries(12) as few:
        client.get("/admin/safety/appeal/")
    appeals(5, mod_user)
    appeals(5, lead_user)
    with django_assert_max_num_queries(len(few)):
        page = client.get("/admin/safety/appeal/").content.decode()
    assert page.count('alt="True"') == 5  # the lead's five: a Safety lead decides those
