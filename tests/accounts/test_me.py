"""GET/PATCH /api/me/: one's own account and profile, read-only account fields, profile rules."""

import datetime as dt

import pytest

from accounts.models import Profile, User
from tests.accounts.media_helpers import upload_audio, upload_image

pytestmark = pytest.mark.django_db

SPOTIFY = "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"


def test_me_shows_the_account_and_the_profile(make_client, adult):
    body = make_client(adult).get("/api/me/").json()

    assert body["id"] == adult.pk
    assert body["email"] == adult.email
    assert body["date_of_birth"] == adult.date_of_birth.isoformat()
    assert body["email_verified"] is False
    assert body["is_staff"] is False
    assert body["display_name"] == "Ada Adult"
    assert body["theme_color"] == "#7A5AF8"
    assert body["age_segment"] == "adult"


def test_me_needs_credentials(anon_client):
    response = anon_client.get("/api/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_patch_changes_profile_fields_and_moves_updated_at(make_client, adult):
    before = Profile.objects.get(user=adult).updated_at

    response = make_client(adult).patch(
        "/api/me/",
        {"display_name": "  Ada L. ", "bio": "Hi!", "theme_color": "#00ff00", "location": "Soho"},
        format="json",
    )

    assert response.status_code == 200
    profile = Profile.objects.get(user=adult)
    assert (profile.display_name, profile.bio, profile.theme_color, profile.location) == (
        "Ada L.",
        "Hi!",
        "#00FF00",
        "Soho",
    )
    assert profile.updated_at > before
    assert response.json()["display_name"] == "Ada L."


def test_a_patch_that_changes_nothing_keeps_updated_at(make_client, adult):
    before = Profile.objects.get(user=adult).updated_at

    make_client(adult).patch("/api/me/", {"display_name": "Ada Adult"}, format="json")

    assert Profile.objects.get(user=adult).updated_at == before


def test_read_only_account_fields_in_a_patch_are_refused_by_name_and_change_nothing(
    make_client, adult
):
    original = User.objects.get(pk=adult.pk)

    response = make_client(adult).patch(
        "/api/me/",
        {
            "id": "00000000-0000-0000-0000-000000000000",
            "email": "hijack@example.test",
            "email_verified": True,
            "date_of_birth": "2015-01-01",
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "bio": "only this changes",
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    refused = {"id", "email", "email_verified", "date_of_birth", "is_staff", "is_active"}
    assert {name for name, errors in body.items() if errors == ["Unknown field."]} >= refused
    after = User.objects.get(pk=adult.pk)
    assert after.email == original.email
    assert after.email_verified is False
    assert after.date_of_birth == original.date_of_birth
    assert (after.is_staff, after.is_superuser, after.is_active) == (False, False, True)
    assert Profile.objects.get(user=adult).bio != "only this changes"


@pytest.mark.parametrize(
    "field, value",
    [
        ("display_name", ""),
        ("display_name", "   "),
        ("display_name", None),
        ("display_name", "x" * 51),
        ("bio", "x" * 501),
        ("theme_color", "purple"),
        ("theme_color", "#12345"),
        ("theme_color", "#1234567"),
        ("location", "x" * 101),
        ("avatar_url", "https://evil.example/cat.png"),
        ("banner_url", "/media/uploads/not-ours.png"),
        ("profile_music_url", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
        ("profile_music_url", "http://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"),
    ],
)
def test_invalid_profile_values_are_a_400_and_change_nothing(make_client, adult, field, value):
    before = Profile.objects.get(user=adult)

    response = make_client(adult).patch("/api/me/", {field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    after = Profile.objects.get(user=adult)
    assert getattr(after, field) == getattr(before, field)


def test_limits_are_inclusive(make_client, adult):
    response = make_client(adult).patch(
        "/api/me/",
        {"display_name": "x" * 50, "bio": "b" * 500, "location": "l" * 100},
        format="json",
    )

    assert response.status_code == 200


def test_optional_fields_can_be_cleared(make_client, adult):
    client = make_client(adult)
    client.patch("/api/me/", {"bio": "hello", "profile_music_url": SPOTIFY}, format="json")

    client.patch("/api/me/", {"bio": "", "profile_music_url": None}, format="json")

    profile = Profile.objects.get(user=adult)
    assert profile.bio is None
    assert profile.profile_music_url is None
    assert profile.profile_music_provider is None


def test_music_provider_is_derived_from_the_url(make_client, adult):
    client = make_client(adult)

    client.patch("/api/me/", {"profile_music_url": SPOTIFY}, format="json")
    assert Profile.objects.get(user=adult).profile_music_provider == "spotify"

    response = client.patch(
        "/api/me/", {"profile_music_url": "https://soundcloud.com/artist/a-song"}, format="json"
    )
    assert response.json()["profile_music_provider"] == "soundcloud"
    assert Profile.objects.get(user=adult).profile_music_provider == "soundcloud"


def test_the_provider_itself_cannot_be_set(make_client, adult):
    make_client(adult).patch("/api/me/", {"profile_music_provider": "spotify"}, format="json")

    assert Profile.objects.get(user=adult).profile_music_provider is None


def test_an_image_i_uploaded_can_be_my_avatar_and_banner(make_client, adult):
    client = make_client(adult)
    avatar, banner = upload_image(client), upload_image(client)

    response = client.patch("/api/me/", {"avatar_url": avatar, "banner_url": banner}, format="json")

    assert response.status_code == 200, response.json()
    profile = Profile.objects.get(user=adult)
    assert (profile.avatar_url, profile.banner_url) == (avatar, banner)


def test_an_image_someone_else_uploaded_cannot_be_my_avatar(make_client, adult, other_adult):
    theirs = upload_image(make_client(other_adult))

    response = make_client(adult).patch("/api/me/", {"avatar_url": theirs}, format="json")

    assert response.status_code == 400
    assert "avatar_url" in response.json()
    assert Profile.objects.get(user=adult).avatar_url is None


def test_an_audio_upload_cannot_be_an_avatar(make_client, adult):
    client = make_client(adult)
    audio = upload_audio(client)

    response = client.patch("/api/me/", {"avatar_url": audio}, format="json")

    assert response.status_code == 400
    assert Profile.objects.get(user=adult).avatar_url is None


def test_a_teen_edits_their_profile_the_same_way(make_client, minor):
    response = make_client(minor).patch("/api/me/", {"bio": "hi from a teen"}, format="json")

    assert response.status_code == 200
    assert response.json()["age_segment"] == "teen"


def test_a_user_without_a_profile_row_gets_one_on_first_edit(make_client):
    admin = User.objects.create_superuser(
        "root@example.test", "x-Strong-pass-1", date_of_birth=dt.date(1980, 1, 1)
    )
    client = make_client(admin)

    assert client.get("/api/me/").json()["display_name"] == ""
    response = client.patch("/api/me/", {"display_name": "Root"}, format="json")

    assert response.status_code == 200
    assert Profile.objects.get(user=admin).display_name == "Root"
