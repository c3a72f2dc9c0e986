"""Sanctions survive deletion and re-registration; what a deleted person sent stays as evidence.

An address (normalised: case, NFKC, invisible characters refused) that had a mute, restriction
or platform ban in force when its account was deleted cannot come back free before that end:
mute and restriction start again on the new account until the same end (a logged action, shown
on /notices/), a platform ban refuses the sign-up with a neutral message. The DMs the deleted
person sent stay visible to their recipients (from "Deleted user") and reportable by message id.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services as account_services
from accounts.models import SanctionHold, User
from messaging.models import PrivateMessage
from moderation.services import moderation_action_take
from safety import policy
from safety.models import ModerationAction, Report
from tests.conftest import api_client_for, page_client_for
from tests.factories import PASSWORD, registration_data, verified_staff_login

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"


def sanction(moderator, user, action_type: str, minutes: int | None = None) -> ModerationAction:
    """A sanction as the moderators' console takes it."""
    return moderation_action_take(
        moderator=moderator,
        target_user=user,
        action_type=action_type,
        reason="Sent threats in DMs.",
        duration_minutes=minutes,
    )


def delete_account(user) -> None:
    response = api_client_for(user).delete("/api/me/", {"password": PASSWORD}, format="json")
    assert response.status_code == 204


def register_again(anon_client, email: str):
    return anon_client.post(REGISTER, registration_data(email=email), format="json")


def test_a_muted_and_restricted_user_comes_back_muted_and_restricted_until_the_same_end(
    anon_client, moderator, adult
):
    email = adult.email
    mute = sanction(moderator, adult, "mute", minutes=60)
    restriction = sanction(moderator, adult, "restrict", minutes=24 * 60)
    delete_account(adult)

    response = register_again(anon_client, email.upper())

    assert response.status_code == 201
    again = User.objects.get(email=email)
    state = policy.restraints_in_force(again)
    assert state.mute.expires_at == mute.expires_at
    assert state.restrict.expires_at == restriction.expires_at
    assert {state.mute.moderator_id, state.restrict.moderator_id} == {moderator.pk}


def test_a_full_width_variant_of_the_address_does_not_come_back_free(anon_client, moderator, adult):
    local, domain = adult.email.split("@")
    sanction(moderator, adult, "mute", minutes=60)
    delete_account(adult)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in local.upper())

    response = register_again(anon_client, f"{full_width}@{domain}")

    assert response.status_code == 201
    assert policy.restraints_in_force(User.objects.get(pk=response.json()["user"]["id"])).muted


def test_the_new_account_is_refused_where_the_sanction_refuses(
    anon_client, moderator, adult, other_adult
):
    email = adult.email
    sanction(moderator, adult, "mute", minutes=60)
    delete_account(adult)
    token = register_again(anon_client, email).json()["token"]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = anon_client.post(
        f"/api/dms/{other_adult.pk}/messages/", {"message": "I'm back"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "muted")


def test_the_carried_over_sanction_is_a_notice_like_any_action(anon_client, moderator, adult):
    email = adult.email
    sanction(moderator, adult, "restrict", minutes=120)
    delete_account(adult)
    token = register_again(anon_client, email).json()["token"]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    notices = anon_client.get("/api/me/notices/").json()
    rows = notices["results"] if isinstance(notices, dict) else notices

    assert [row["action_type"] for row in rows] == ["restrict"]
    assert "deleted account with the same email address" in rows[0]["reason"]
    hold = SanctionHold.objects.get()
    assert f"hold #{hold.pk}" in rows[0]["reason"]


def test_the_register_page_also_starts_the_account_with_the_held_sanction(client, moderator, adult):
    email = adult.email
    sanction(moderator, adult, "mute", minutes=90)
    delete_account(adult)

    response = client.post("/register/", registration_data(email=email))

    assert response.status_code == 302
    again = User.objects.get(email=email)
    assert policy.restraints_in_force(again).muted
    page = client.get("/notices/").content.decode()
    assert "deleted account with the same email address" in page


def test_a_permanent_restriction_is_held_until_lifted(anon_client, moderator, adult):
    email = adult.email
    sanction(moderator, adult, "restrict")  # no duration: until a moderator decides otherwise
    delete_account(adult)

    register_again(anon_client, email)

    assert SanctionHold.objects.get().expires_at is None
    carried = policy.restraints_in_force(User.objects.get(email=email)).restrict
    assert carried.duration_minutes is None


def test_a_banned_address_cannot_register_again_and_the_answer_is_neutral(
    anon_client, moderator, adult
):
    email = adult.email
    sanction(moderator, adult, "ban")
    account_services.account_tombstone_by_staff(
        moderator=moderator, user=adult, reason="Erasure request."
    )

    response = register_again(anon_client, email)

    assert response.status_code == 403
    assert response.json() == {
        "detail": account_services.REGISTRATION_REFUSED,
        "code": "registration_refused",
    }
    assert not User.objects.filter(email=email).exists()


def test_the_register_page_refuses_a_banned_address_on_the_email_field(client, moderator, adult):
    email = adult.email
    sanction(moderator, adult, "ban")
    account_services.account_tombstone_by_staff(moderator=moderator, user=adult, reason="Gone.")

    response = client.post("/register/", registration_data(email=email))

    assert response.status_code == 400
    assert "An account cannot be created with this email address" in response.content.decode()
    assert not User.objects.filter(email=email).exists()


def test_an_account_made_by_createsuperuser_for_a_held_address_starts_sanctioned(
    moderator, adult, monkeypatch
):
    email = adult.email
    sanction(moderator, adult, "mute", minutes=30)
    delete_account(adult)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_DATE_OF_BIRTH", "1980-01-01")

    call_command("createsuperuser", "--noinput", "--email", email, verbosity=0)

    assert policy.restraints_in_force(User.objects.get(email=email)).muted


def test_a_hold_keeps_a_keyed_digest_not_the_address(moderator, adult):
    email = adult.email
    sanction(moderator, adult, "mute", minutes=60)

    delete_account(adult)

    hold = SanctionHold.objects.get()
    assert email not in hold.email_digest and len(hold.email_digest) == 64
    assert hold.action_type == "mute"
    assert not User.objects.filter(email=email).exists()


def test_a_sanction_that_ended_before_deletion_leaves_no_hold(moderator, adult):
    action = sanction(moderator, adult, "mute", minutes=5)
    ModerationAction.objects.filter(pk=action.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )

    delete_account(adult)

    assert not SanctionHold.objects.exists()


def test_an_ended_hold_is_ignored_and_purged(anon_client, moderator, adult):
    email = adult.email
    sanction(moderator, adult, "mute", minutes=60)
    delete_account(adult)
    SanctionHold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = register_again(anon_client, email)

    assert response.status_code == 201
    assert not policy.restraints_in_force(User.objects.get(email=email)).muted
    call_command("purge_sanction_holds", verbosity=0)
    assert not SanctionHold.objects.exists()


def test_the_purge_keeps_holds_in_force(moderator, adult):
    sanction(moderator, adult, "mute", minutes=60)
    sanction(moderator, adult, "restrict")
    delete_account(adult)

    call_command("purge_sanction_holds", verbosity=0)

    assert SanctionHold.objects.count() == 2


# --- The evidence: what the deleted person sent ------------------------------------------------
def _deleted_sender(adult, other_adult) -> PrivateMessage:
    dm = PrivateMessage.objects.create(sender=adult, recipient=other_adult, message="send pics")
    delete_account(adult)
    return dm


def test_the_recipient_still_lists_the_conversation_with_the_deleted_account(adult, other_adult):
    dm = _deleted_sender(adult, other_adult)

    rows = api_client_for(other_adult).get("/api/dms/").json()["results"]

    assert [(row["user"]["id"], row["user"]["display_name"]) for row in rows] == [
        (adult.pk, "Deleted user")
    ]
    assert rows[0]["last_message"]["id"] == dm.pk


def test_the_recipient_still_reads_the_thread_over_rest(adult, other_adult):
    dm = _deleted_sender(adult, other_adult)

    response = api_client_for(other_adult).get(f"/api/dms/{adult.pk}/messages/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [dm.pk]


def test_the_recipient_still_reads_the_thread_on_the_pages(adult, other_adult):
    _deleted_sender(adult, other_adult)
    client = page_client_for(other_adult)

    listing = client.get("/dms/").content.decode()
    thread = client.get(f"/dms/{adult.pk}/")

    assert f'href="/dms/{adult.pk}/"' in listing and "Deleted user" in listing
    assert thread.status_code == 200
    page = thread.content.decode()
    assert "send pics" in page and "Deleted user" in page


def test_someone_who_never_talked_with_the_deleted_account_does_not_find_it(
    adult, other_adult, outsider
):
    _deleted_sender(adult, other_adult)

    response = api_client_for(outsider).get(f"/api/dms/{adult.pk}/messages/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_nobody_can_write_to_the_deleted_account(adult, other_adult):
    _deleted_sender(adult, other_adult)

    response = api_client_for(other_adult).post(
        f"/api/dms/{adult.pk}/messages/", {"message": "hello?"}, format="json"
    )

    assert response.status_code == 404
    assert PrivateMessage.objects.count() == 1


def test_the_recipient_can_report_the_message_by_its_id(adult, other_adult):
    dm = _deleted_sender(adult, other_adult)

    response = api_client_for(other_adult).post(
        "/api/reports/",
        {"report_type": "sexual_content", "direct_message_id": dm.pk, "block": True},
        format="json",
    )

    assert response.status_code == 201
    report = Report.objects.get()
    assert report.reported_user_id == adult.pk
    assert f"[Direct message #{dm.pk} from {adult.pk}" in report.description
    assert "send pics" in report.description


def test_the_deleted_persons_moderation_history_stays_in_the_log(moderator, adult):
    action = sanction(moderator, adult, "mute", minutes=60)

    delete_account(adult)

    assert ModerationAction.objects.filter(pk=action.pk, target_user_id=adult.pk).exists()


def test_a_superuser_lifts_a_held_ban_by_deleting_the_hold_in_the_admin(
    anon_client, client, moderator, adult
):
    email = adult.email
    sanction(moderator, adult, "ban")
    account_services.account_tombstone_by_staff(moderator=moderator, user=adult, reason="Gone.")
    hold = SanctionHold.objects.get()
    verified_staff_login(client, moderator)

    response = client.post(f"/admin/accounts/sanctionhold/{hold.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not SanctionHold.objects.exists()
    assert register_again(anon_client, email).status_code == 201
