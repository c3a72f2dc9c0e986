"""Regression tests for the admin defects found by probing a running instance: each failed
before its fix (docs/moderation.md, "The admin")."""

import pytest
from django.contrib.auth.models import Permission

from accounts.models import User
from messaging.models import PrivateMessage
from rooms.models import ChatRoom, ChatRoomMessage
from safety.models import ModerationAction, Report
from tests.conftest import page_client_for
from tests.factories import (
    ModerationActionFactory,
    ReportFactory,
    RoomFactory,
    RoomMessageFactory,
    TeenFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
USERS = "/admin/accounts/user/"


def staff_with(*codenames, **extra) -> User:
    user = UserFactory(is_staff=True, **extra)
    for codename in codenames:
        app, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=name)
        )
    return User.objects.get(pk=user.pk)  # fresh permission cache


def run_action(client, action, *users):
    return client.post(USERS, {"action": action, "_selected_action": [u.pk for u in users]})


@pytest.mark.parametrize("action", ["ban_accounts", "unban_accounts", "tombstone_accounts"])
def test_staff_with_only_the_view_permission_cannot_run_account_actions(action, adult):
    viewer = staff_with("accounts.view_user")
    boss = UserFactory(is_staff=True, is_superuser=True)
    User.objects.filter(pk=adult.pk).update(is_active=action != "unban_accounts")

    run_action(page_client_for(viewer), action, adult, boss)

    assert User.objects.get(pk=adult.pk).is_active is (action != "unban_accounts")
    assert not User.objects.get(pk=adult.pk).email.endswith("@deleted.invalid")
    assert User.objects.get(pk=boss.pk).is_active
    assert not ModerationAction.objects.exists()


def test_staff_with_change_permission_cannot_ban_or_delete_a_superuser(adult):
    staff = staff_with("accounts.view_user", "accounts.change_user", "safety.add_moderationaction")
    boss = UserFactory(is_staff=True, is_superuser=True)

    client = page_client_for(staff)
    run_action(client, "ban_accounts", boss)
    run_action(client, "tombstone_accounts", boss)

    boss.refresh_from_db()
    assert boss.is_active and not boss.email.endswith("@deleted.invalid")


def test_bans_unbans_and_deletions_in_the_admin_are_logged_and_noticed(
    moderator, adult, other_adult, django_capture_on_commit_callbacks, monkeypatch
):
    import wya.live

    sent = []
    monkeypatch.setattr(wya.live, "publish_now", lambda group, event: sent.append((group, event)))
    client = page_client_for(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, "ban_accounts", adult)
    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, "unban_accounts", adult)
    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, "tombstone_accounts", other_adult)

    rows = list(
        ModerationAction.objects.order_by("id").values_list(
            "action_type", "target_user_id", "moderator_id"
        )
    )
    assert rows == [
        ("ban", adult.pk, moderator.pk),
        ("unban", adult.pk, moderator.pk),
        ("delete_account", other_adult.pk, moderator.pk),
    ]
    notices = [(g, e["action"]["action_type"]) for g, e in sent if e["type"] == "notice"]
    assert notices == [
        (f"user.{adult.pk}", "ban"),
        (f"user.{adult.pk}", "unban"),
        (f"user.{other_adult.pk}", "delete_account"),
    ]


def test_staff_cannot_move_an_adult_room_to_a_teen_owner(owner):
    room = RoomFactory(owner=owner)
    teen = TeenFactory()
    staff = staff_with("rooms.view_chatroom", "rooms.change_chatroom")

    response = page_client_for(staff).post(
        f"/admin/rooms/chatroom/{room.pk}/change/",
        {
            "room_name": room.room_name,
            "owner": teen.pk,
            "is_public": "on",
            "background_color": "#1A1A1E",
            "max_participants": 10,
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
            "updated_at_0": "2026-01-01",
            "updated_at_1": "00:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 403
    assert ChatRoom.objects.get(pk=room.pk).owner_id == owner.pk


def test_staff_cannot_add_a_direct_message_from_anyone(adult, minor):
    staff = staff_with("messaging.view_privatemessage", "messaging.add_privatemessage")

    response = page_client_for(staff).post(
        "/admin/messaging/privatemessage/add/",
        {
            "sender": adult.pk,
            "recipient": minor.pk,
            "message": "hi",
            "created_at_0": "2026-01-01",
            "created_at_1": "10:00:00",
        },
    )

    assert response.status_code == 403
    assert not PrivateMessage.objects.exists()


def test_staff_cannot_edit_a_room_message(room, owner):
    message = RoomMessageFactory(room=room, user=owner, message="original")
    staff = staff_with("rooms.view_chatroommessage", "rooms.change_chatroommessage")

    response = page_client_for(staff).post(
        f"/admin/rooms/chatroommessage/{message.pk}/change/",
        {
            "room": room.pk,
            "user": owner.pk,
            "message": "forged",
            "created_at_0": "2026-01-01",
            "created_at_1": "10:00:00",
        },
    )

    assert response.status_code == 403
    assert ChatRoomMessage.objects.get(pk=message.pk).message == "original"


def test_staff_cannot_delete_rooms_or_messages_in_the_admin(room, owner):
    message = RoomMessageFactory(room=room, user=owner)
    staff = staff_with(
        "rooms.view_chatroom", "rooms.delete_chatroom", "rooms.delete_chatroommessage"
    )
    client = page_client_for(staff)
    assert (
        client.post(f"/admin/rooms/chatroom/{room.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    url = f"/admin/rooms/chatroommessage/{message.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert ChatRoomMessage.objects.filter(pk=message.pk).exists()


def test_deleting_a_report_does_not_null_the_actions_report(moderator):
    report = ReportFactory()
    action = ModerationActionFactory(report=report)
    staff = staff_with("safety.view_report", "safety.delete_report")

    for user in (staff, moderator):
        client = page_client_for(user)
        client.post(f"/admin/safety/report/{report.pk}/delete/", {"post": "yes"})
        client.post(
            "/admin/safety/report/",
            {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"},
        )

    assert Report.objects.filter(pk=report.pk).exists()
    action.refresh_from_db()
    assert action.report_id == report.pk


def test_deleting_a_report_with_actions_is_refused_by_the_database_layer_too():
    from django.db.models import ProtectedError

    report = ReportFactory()
    ModerationActionFactory(report=report)
    with pytest.raises(ProtectedError):
        report.delete()


def test_staff_with_change_user_cannot_make_themselves_superuser():
    staff = staff_with("accounts.view_user", "accounts.change_user")
    client = page_client_for(staff)
    url = f"{USERS}{staff.pk}/change/"

    form = client.get(url).context["adminform"].form
    client.post(
        url,
        {
            "email": staff.email,
            "date_of_birth": staff.date_of_birth.isoformat(),
            "is_superuser": "on",
            "is_staff": "on",
            "profile-TOTAL_FORMS": "0",
            "profile-INITIAL_FORMS": "0",
        },
    )

    staff.refresh_from_db()
    assert not staff.is_superuser
    assert "is_superuser" not in form.fields and "groups" not in form.fields


def test_staff_cannot_open_a_superusers_account_for_editing():
    staff = staff_with("accounts.view_user", "accounts.change_user")
    boss = UserFactory(is_staff=True, is_superuser=True, email="boss@example.test")
    page_client_for(staff).post(
        f"{USERS}{boss.pk}/change/",
        {"email": "stolen@example.test", "date_of_birth": "1990-01-01"},
    )
    boss.refresh_from_db()
    assert boss.email == "boss@example.test"


def test_api_tokens_are_not_in_the_admin(moderator):
    assert page_client_for(moderator).get("/admin/authtoken/tokenproxy/").status_code == 404


def test_the_profile_inline_saves_through_the_profile_rules(moderator, adult):
    response = page_client_for(moderator).post(
        f"{USERS}{adult.pk}/change/",
        {
            "email": adult.email,
            "date_of_birth": adult.date_of_birth.isoformat(),
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-0-id": adult.profile.pk,
            "profile-0-user": adult.pk,
            "profile-0-display_name": "  New Name  ",
            "profile-0-theme_color": "#abcdef",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    adult.profile.refresh_from_db()
    assert (adult.profile.display_name, adult.profile.theme_color) == ("New Name", "#ABCDEF")
