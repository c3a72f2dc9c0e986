"""Moderation notices come only from WYA!?'s moderators: a room's owner or moderator is logged
like every actor, but what the person reads about a room kick or ban is written by WYA!? (the
room and the actor's room role, never the owner's free text), marked ``source: "room"``, and a
ban of someone who was never in the room reaches them not at all. Kicks, bans and unbans are
rate-limited per actor. The report page lists every platform action apart from room actions.
Each test failed before its fix (docs/moderation.md, "Notices")."""

import pytest
from channels.db import database_sync_to_async as db

import wya.live
from safety.models import ModerationAction, Report
from tests.conftest import page_client_for
from tests.factories import MemberFactory, ModerationActionFactory, RoomFactory, UserFactory
from tests.messaging.live_helpers import connect, receive_type

pytestmark = pytest.mark.django_db

PHISHING = "URGENT from WYA!? Safety Team: your account is flagged, verify at evil.example"


@pytest.fixture
def sent(monkeypatch) -> list:
    """``(group, event)`` pairs that reached the channel layer (after commit only)."""
    events: list = []
    monkeypatch.setattr(wya.live, "publish_now", lambda group, event: events.append((group, event)))
    return events


def notices_to(sent: list, user) -> list[dict]:
    return [e["action"] for g, e in sent if e["type"] == "notice" and g == f"user.{user.pk}"]


def member_url(room, user, verb: str) -> str:
    return f"/api/rooms/{room.pk}/members/{user.pk}/{verb}/"


def test_a_ban_of_a_stranger_who_was_never_in_the_room_is_logged_but_silent_to_them(
    make_client, owner, room, outsider, sent, django_capture_on_commit_callbacks
):
    client = make_client(owner)

    with django_capture_on_commit_callbacks(execute=True):
        banned = client.post(member_url(room, outsider, "ban"), {"reason": PHISHING}, format="json")
        unbanned = client.post(member_url(room, outsider, "unban"))

    assert (banned.status_code, unbanned.status_code) == (200, 200)
    # Logged for WYA!?'s moderators, with the owner's words...
    rows = ModerationAction.objects.filter(target_user=outsider).order_by("id")
    assert [row.action_type for row in rows] == ["room_ban", "room_unban"]
    assert rows[0].reason.startswith(PHISHING)
    # ...but nothing reaches the stranger: no frame, no notice over REST, nothing on the page.
    assert notices_to(sent, outsider) == []
    assert make_client(outsider).get("/api/me/notices/").json()["results"] == []
    assert "URGENT" not in page_client_for(outsider).get("/notices/").content.decode()


def test_a_kicked_member_is_told_by_the_room_in_fixed_words_never_the_owners_reason(
    make_client, owner, room, member, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(owner).post(
            member_url(room, member, "kick"), {"reason": PHISHING}, format="json"
        )

    assert response.status_code == 200
    words = "Removed from the room “Corner café” by the room's owner."
    [frame] = notices_to(sent, member)
    assert (frame["action_type"], frame["source"], frame["reason"]) == ("room_kick", "room", words)
    [notice] = make_client(member).get("/api/me/notices/").json()["results"]
    assert (notice["source"], notice["reason"]) == ("room", words)
    assert "URGENT" not in str(notice) and "URGENT" not in str(frame)
    # The owner's reason stays in the log, for WYA!?'s moderators.
    assert ModerationAction.objects.get(target_user=member).reason.startswith(PHISHING)


def test_a_member_banned_by_a_room_moderator_hears_the_ban_and_its_lifting_from_the_room(
    make_client, room, member, sent, django_capture_on_commit_callbacks
):
    mod = MemberFactory(room=room, role="MOD").user
    client = make_client(mod)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(member_url(room, member, "ban"), {"reason": PHISHING}, format="json")
        client.post(member_url(room, member, "unban"))

    assert [(n["source"], n["reason"]) for n in notices_to(sent, member)] == [
        ("room", "Banned from the room “Corner café” by the room's moderator."),
        ("room", "Your ban from the room “Corner café” was lifted by the room's moderator."),
    ]


def test_platform_notices_keep_the_moderators_reason_and_say_they_are_from_the_platform(
    make_client, adult
):
    ModerationActionFactory(target_user=adult, action_type="warn", reason="Be kind to people.")

    [notice] = make_client(adult).get("/api/me/notices/").json()["results"]

    assert (notice["action_type"], notice["source"], notice["reason"]) == (
        "warn",
        "platform",
        "Be kind to people.",
    )
    # ``appeal`` and ``appealable``: added by issue 20 (appeals), on top of the earlier fields.
    assert set(notice) == {"id", "action_type", "reason", "source", "created_at", "expires_at"} | {
        "active",
        "appeal",
        "appealable",
    }


def test_the_notices_page_puts_room_actions_apart_from_the_moderators_actions(
    make_client, owner, room, member
):
    warn = ModerationActionFactory(target_user=member, action_type="warn", reason="Be kind.")
    make_client(owner).post(member_url(room, member, "kick"), {"reason": PHISHING}, format="json")
    kick = ModerationAction.objects.get(action_type="room_kick")

    html = page_client_for(member).get("/notices/").content.decode()

    platform = html.split('id="notices-platform"')[1].split('id="notices-room"')[0]
    from_rooms = html.split('id="notices-room"')[1]
    assert f"notice-{warn.pk}" in platform and "Be kind." in platform
    assert f"notice-{kick.pk}" not in platform
    assert f"notice-{kick.pk}" in from_rooms and "by the room&#x27;s owner" in from_rooms
    assert "URGENT" not in html


def test_room_bans_and_unbans_are_rate_limited_per_actor_with_429(
    make_client, owner, room, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "room_moderation": "3/hour"}
    client = make_client(owner)
    stranger = UserFactory()
    for verb in ("ban", "unban", "ban"):
        assert client.post(member_url(room, stranger, verb)).status_code == 200

    refused = client.post(member_url(room, stranger, "unban"))

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and refused.json()["detail"]
    assert ModerationAction.objects.filter(target_user=stranger).count() == 3
    # The limit is the actor's: another room's owner is not held by it.
    other_room = RoomFactory()
    assert (
        make_client(other_room.owner).post(member_url(other_room, stranger, "ban")).status_code
        == 200
    )


def test_kicks_are_rate_limited_too_and_the_room_page_shows_the_error(owner, room, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "room_moderation": "1/hour"}
    first, second = (MemberFactory(room=room).user for _ in range(2))
    client = page_client_for(owner)
    client.post(f"/rooms/{room.pk}/members/{first.pk}/kick/")

    response = client.post(f"/rooms/{room.pk}/members/{second.pk}/kick/", follow=True)

    assert response.status_code == 200
    assert "too fast" in response.content.decode()
    assert room.memberships.filter(user=second).exists()


def test_room_actions_cannot_push_a_moderators_action_off_the_report_page(
    make_client, mod_user, room, owner
):
    """An accomplice's ban/unban cycles used to fill the 20 "earlier actions" and hide the
    abuser's history from the moderator reviewing a report."""
    abuser = UserFactory()
    warn = ModerationActionFactory(target_user=abuser, action_type="warn", reason="First warning.")
    client = make_client(owner)
    for _ in range(15):
        client.post(member_url(room, abuser, "ban"))
        client.post(member_url(room, abuser, "unban"))
    report = Report.objects.create(
        reporter=UserFactory(), reported_user=abuser, report_type="harassment"
    )

    response = page_client_for(mod_user).get(f"/admin/safety/report/{report.pk}/change/")

    evidence = response.context["evidence"]
    assert [a.pk for a in evidence["platform_actions"]] == [warn.pk]
    assert len(evidence["room_actions"]) == 20  # the latest room actions, listed apart
    html = response.content.decode()
    platform = html.split('id="platform-actions"')[1].split('id="room-actions"')[0]
    assert "First warning." in platform and "Banned from a room" not in platform


@pytest.mark.django_db(transaction=True)
async def test_a_kicked_members_open_socket_gets_the_rooms_notice_without_the_owners_reason(
    make_client, owner, room, member
):
    ws = await connect(member)

    def kick():
        return make_client(owner).post(
            member_url(room, member, "kick"), {"reason": PHISHING}, format="json"
        )

    response = await db(kick)()

    assert response.status_code == 200
    notice = await receive_type(ws, "notice")
    assert notice["action"]["source"] == "room"
    assert notice["action"]["reason"] == "Removed from the room “Corner café” by the room's owner."
    await ws.disconnect()
