"""Server-rendered account pages: sign-up, my profile, public profiles, the login page."""

import pytest

from accounts.models import Profile, User
from tests.factories import PASSWORD, BlockFactory, birth_date_for_age, registration_data

pytestmark = pytest.mark.django_db


def test_the_sign_up_page_renders(client):
    response = client.get("/register/")

    assert response.status_code == 200
    assert b"Sign up" in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_signing_up_on_the_page_creates_the_account_and_logs_in(client):
    response = client.post("/register/", registration_data())

    assert response.status_code == 302
    assert response["Location"] == "/discover/"  # next step: set a location
    user = User.objects.get(email="new.person@example.test")
    assert Profile.objects.get(user=user).display_name == "New Person"
    assert client.get("/me/").status_code == 200


def test_a_child_cannot_sign_up_on_the_page_either(client):
    response = client.post(
        "/register/", registration_data(date_of_birth=birth_date_for_age(12).isoformat())
    )

    assert response.status_code == 400
    assert b"at least 13" in response.content
    assert not User.objects.exists()


def test_the_profile_page_needs_login(client):
    response = client.get("/me/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_editing_the_profile_on_the_page_uses_the_same_rules(client, adult):
    client.force_login(adult)
    form = {"display_name": "Ada", "bio": "", "theme_color": "#123456", "location": "Soho"}

    saved = client.post("/me/", {**form, "profile_music_url": "https://soundcloud.com/ada/song"})
    refused = client.post("/me/", {**form, "profile_music_url": "https://example.test/song"})

    assert saved.status_code == 302
    profile = Profile.objects.get(user=adult)
    assert (profile.display_name, profile.theme_color, profile.profile_music_provider) == (
        "Ada",
        "#123456",
        "soundcloud",
    )
    assert refused.status_code == 400
    assert b"Spotify" in refused.content
    assert Profile.objects.get(user=adult).profile_music_url == "https://soundcloud.com/ada/song"


def test_deleting_the_account_on_the_page_needs_the_password(client, adult):
    client.force_login(adult)

    wrong = client.post("/me/", {"action": "delete", "password": "nope"})
    right = client.post("/me/", {"action": "delete", "password": PASSWORD})

    assert wrong.status_code == 400
    assert right.status_code == 302
    assert not User.objects.get(pk=adult.pk).is_active
    assert client.get("/me/").status_code == 302  # logged out


def test_a_public_profile_page_shows_a_visible_user(client, adult, other_adult):
    other_adult.profile.bio = "Hello from Otto"
    other_adult.profile.save()
    client.force_login(adult)

    response = client.get(f"/u/{other_adult.pk}/")

    assert response.status_code == 200
    assert b"Otto Other" in response.content
    assert b"Hello from Otto" in response.content
    assert other_adult.email.encode() not in response.content


def test_the_profile_page_is_404_across_segments(client, adult, minor):
    client.force_login(adult)

    assert client.get(f"/u/{minor.pk}/").status_code == 404


def test_the_profile_page_is_404_after_a_block_either_way(client, adult, other_adult):
    BlockFactory(blocker=other_adult, blocked=adult)
    client.force_login(adult)

    assert client.get(f"/u/{other_adult.pk}/").status_code == 404


def test_the_login_page_logs_in_with_the_service(client, adult):
    response = client.post("/login/", {"username": adult.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


def test_the_login_page_shows_the_lockout(client, adult, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "100/min", "login_account": "100/min"}
    settings.LOGIN_LOCKOUT_FAILURES = 2
    for _ in range(2):
        client.post("/login/", {"username": adult.email, "password": "wrong-password"})

    response = client.post("/login/", {"username": adult.email, "password": PASSWORD})

    assert response.status_code == 200
    assert b"locked" in response.content
    assert client.get("/me/").status_code == 302
