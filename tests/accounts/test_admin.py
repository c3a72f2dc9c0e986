"""The admin console uses the same services: a ban logs the person out everywhere at once."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.admin import ProfileAdminForm
from accounts.models import Profile, User
from tests.accounts.events import listen
from tests.factories import verified_staff_login
from wya.live import user_group

pytestmark = pytest.mark.django_db


def test_banning_from_the_admin_deletes_tokens_and_closes_sockets(
    client, moderator, adult, make_client, django_capture_on_commit_callbacks
):
    api = make_client(adult)
    sockets = listen(user_group(adult.pk))
    verified_staff_login(client, moderator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/accounts/user/",
            {"action": "ban_accounts", "_selected_action": [adult.pk]},
        )

    assert response.status_code == 302
    assert not User.objects.get(pk=adult.pk).is_active
    assert not Token.objects.filter(user=adult).exists()
    assert api.get("/api/me/").status_code == 401
    notice = sockets.next_event()  # the ban is a logged action, shown to its target first
    assert (notice["type"], notice["action"]["action_type"]) == ("notice", "ban")
    assert sockets.next_event() == {
        "type": "socket.close",
        "reason": "banned",
        "token_key": None,
        "session_key": None,
    }


def test_tombstoning_from_the_admin_erases_personal_data(client, moderator, adult):
    verified_staff_login(client, moderator)

    client.post(
        "/admin/accounts/user/", {"action": "tombstone_accounts", "_selected_action": [adult.pk]}
    )

    user = User.objects.get(pk=adult.pk)
    assert user.email.endswith("@deleted.invalid")
    assert user.profile.display_name == "Deleted user"


def _profile_form_data(**overrides) -> dict:
    data = {
        "display_name": "Someone",
        "bio": "",
        "avatar_url": "",
        "banner_url": "",
        "theme_color": "#7A5AF8",
        "profile_music_url": "",
        "location": "",
    }
    return {**data, **overrides}


def test_the_admin_profile_form_refuses_what_the_profile_service_refuses(adult):
    form = ProfileAdminForm(
        data=_profile_form_data(
            bio="x" * 501, theme_color="red", avatar_url="https://x.test/a.png"
        ),
        instance=adult.profile,
    )

    assert not form.is_valid()
    assert "500 characters" in form.errors["bio"][0]


def test_the_admin_profile_form_saves_through_the_profile_service(adult):
    form = ProfileAdminForm(
        data=_profile_form_data(
            display_name="  New name ",
            theme_color="#abcdef",
            profile_music_url="https://open.spotify.com/track/abc123",
        ),
        instance=adult.profile,
    )

    assert form.is_valid(), form.errors
    form.save()
    profile = Profile.objects.get(user=adult)
    assert (profile.display_name, profile.theme_color, profile.profile_music_provider) == (
        "New name",
        "#ABCDEF",
        "spotify",
    )
    assert profile.bio is None
