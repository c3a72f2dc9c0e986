"""Display names refuse invisible and direction characters and reserved words, however they are
spelled (look-alike letters, full width, digits for letters, dots and spaces), on every path:
registration (API and page), PATCH /api/me/, the profile page, the admin and createsuperuser."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Profile, User
from tests.conftest import page_client_for
from tests.factories import registration_data, verified_staff_login

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
RESERVED = {
    "plain": "Moderator",
    "the safety team": "WYA!? Safety Team",
    "cyrillic look-alikes": "Моdеrаtоr",
    "full width": "ＭＯＤＥＲＡＴＯＲ",
    "spelled with dots": "M.o.d.e.r.a.t.o.r",
    "split differently": "Mo Derator",
    "digits for letters": "Adm1n",
    "rn for m": "Adrnin",
    "greek omicron": "Suppοrt",
    "trust and safety": "Trust & Safety",
    "run together": "WYASafetyTeam",
    "a word in a name": "Max Admin",
    "official": "Official WYA",
    "the tombstone's name": "Deleted user",
}
INVISIBLE = {
    "right-to-left override": "Ada\u202eecalevol",
    "left-to-right embedding": "\u202aAda",
    "first strong isolate": "Ada\u2068",
    "right-to-left mark": "Ada\u200f",
    "left-to-right mark": "\u200eAda",
    "arabic letter mark": "Ada\u061c",
    "zero-width space": "A\u200bda",
    "zero-width non-joiner": "A\u200cda",
    "word joiner": "Ada\u2060",
    "soft hyphen": "A\u00adda",
    "hangul filler (a blank name)": "\u3164",
    "control character": "Ad\x85a",
}
ORDINARY = [
    "Ada Lovelace",
    "Badminton Bea",
    "Staffan",
    "Simon",
    "Wyatt",
    "Zoë",
    "Мария",
    "Mo Reyes",
]


@pytest.mark.parametrize("name", RESERVED.values(), ids=RESERVED.keys())
def test_a_reserved_name_is_refused_at_registration(anon_client, name):
    response = anon_client.post(REGISTER, registration_data(display_name=name), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "reserved" in response.json()["detail"]
    assert not User.objects.exists()


@pytest.mark.parametrize("name", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_name_with_an_invisible_or_direction_character_is_refused(anon_client, name):
    response = anon_client.post(REGISTER, registration_data(display_name=name), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "invisible, direction or control characters" in body["detail"]
    assert not User.objects.exists()


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_names_are_accepted(anon_client, name):
    response = anon_client.post(REGISTER, registration_data(display_name=name), format="json")

    assert response.status_code == 201
    assert response.json()["user"]["display_name"] == name


def test_patching_my_name_to_a_reserved_one_is_refused(make_client, adult):
    before = adult.profile.display_name

    response = make_client(adult).patch("/api/me/", {"display_name": "Моderator"}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert response.json()["detail"].startswith("display_name: This display name is reserved")
    assert Profile.objects.get(user=adult).display_name == before


def test_patching_my_name_with_a_bidi_override_is_refused(make_client, adult):
    response = make_client(adult).patch(
        "/api/me/", {"display_name": "Ada\u202egnp.exe"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_the_register_page_refuses_a_reserved_name(client):
    response = client.post("/register/", registration_data(display_name="WYA Safety Team"))

    assert response.status_code == 400
    assert "This display name is reserved" in response.content.decode()
    assert not User.objects.exists()


def test_the_profile_page_refuses_a_reserved_name(adult):
    before = adult.profile.display_name

    response = page_client_for(adult).post(
        "/me/", {"display_name": "Staff", "theme_color": "#7A5AF8"}
    )

    assert response.status_code == 400
    assert "This display name is reserved" in response.content.decode()
    assert Profile.objects.get(user=adult).display_name == before


def test_the_admin_profile_form_refuses_a_reserved_name(client, moderator, adult):
    verified_staff_login(client, moderator)
    before = adult.profile.display_name

    response = client.post(
        f"/admin/accounts/user/{adult.pk}/change/",
        {
            "email": adult.email,
            "date_of_birth": adult.date_of_birth.isoformat(),
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-id": str(adult.profile.pk),
            "profile-0-user": adult.pk,
            "profile-0-display_name": "Safety Team",
            "profile-0-theme_color": "#7A5AF8",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert "This display name is reserved" in response.content.decode()
    assert Profile.objects.get(user=adult).display_name == before


def test_createsuperuser_refuses_a_reserved_name_and_creates_nothing(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_DATE_OF_BIRTH", "1980-01-01")
    monkeypatch.setenv("DJANGO_SUPERUSER_DISPLAY_NAME", "Administrator")

    with pytest.raises(CommandError, match="reserved"):
        call_command("createsuperuser", "--noinput", "--email", "root@example.test", verbosity=0)

    assert not User.objects.exists()


def test_createsuperuser_without_a_name_gets_an_unreserved_default(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_DATE_OF_BIRTH", "1980-01-01")
    monkeypatch.delenv("DJANGO_SUPERUSER_DISPLAY_NAME", raising=False)

    call_command("createsuperuser", "--noinput", "--email", "root@example.test", verbosity=0)

    assert Profile.objects.get(user__email="root@example.test").display_name == "Site owner"
