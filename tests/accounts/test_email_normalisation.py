"""One email normaliser on every path: NFKC (full-width and styled letters are the plain ones),
lower case, and invisible or control characters refused with a clear 400 ``invalid``."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.admin import UserEditForm
from accounts.models import User
from tests.factories import PASSWORD, UserFactory, registration_data, verified_staff_login

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
LOGIN = "/api/auth/login/"
FULL_WIDTH_ADA = "ＡＤＡ@ｄｅｍｏ.wya.test"
INVISIBLE = {
    "zero-width space": "a\u200bda@demo.wya.test",
    "right-to-left override": "ada\u202e@demo.wya.test",
    "left-to-right isolate": "\u2066ada@demo.wya.test",
    "soft hyphen": "a\u00adda@demo.wya.test",
    "byte order mark": "\ufeffada@demo.wya.test",
    "zero-width joiner": "ad\u200da@demo.wya.test",
    "control character": "ada\x7f@demo.wya.test",
    "zero-width space in the domain": "ada@demo.wya\u200b.test",
    "right-to-left mark in the domain": "ada@demo\u200f.wya.test",
}


def test_a_full_width_address_registers_as_the_plain_one(anon_client):
    response = anon_client.post(REGISTER, registration_data(email=FULL_WIDTH_ADA), format="json")

    assert response.status_code == 201
    assert response.json()["user"]["email"] == "ada@demo.wya.test"
    assert User.objects.get().email == "ada@demo.wya.test"


def test_a_full_width_variant_of_a_registered_address_is_already_registered(anon_client):
    UserFactory(email="ada@demo.wya.test")

    response = anon_client.post(REGISTER, registration_data(email=FULL_WIDTH_ADA), format="json")

    assert (response.status_code, response.json()["code"]) == (409, "email_taken")
    assert User.objects.count() == 1


def test_login_works_with_the_full_width_form_of_the_address(anon_client):
    UserFactory(email="ada@demo.wya.test")

    response = anon_client.post(
        LOGIN, {"email": FULL_WIDTH_ADA, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.parametrize("email", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_registering_an_address_with_an_invisible_character_is_a_clear_400(anon_client, email):
    response = anon_client.post(REGISTER, registration_data(email=email), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "email" in body["detail"]
    assert not User.objects.exists()


def test_an_invisible_variant_of_a_registered_address_is_not_a_second_account(anon_client):
    UserFactory(email="ada@demo.wya.test")
    email = INVISIBLE["zero-width space in the domain"]

    response = anon_client.post(REGISTER, registration_data(email=email), format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert User.objects.count() == 1


def test_the_invisible_character_message_says_what_is_wrong(anon_client):
    email = INVISIBLE["zero-width space"]
    response = anon_client.post(REGISTER, registration_data(email=email), format="json")

    assert "invisible or control characters" in response.json()["detail"]


def test_a_login_with_an_invisible_character_is_a_400_invalid(anon_client):
    UserFactory(email="ada@demo.wya.test")

    response = anon_client.post(
        LOGIN, {"email": INVISIBLE["zero-width space"], "password": PASSWORD}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "invisible" in response.json()["detail"]


def test_the_deleted_accounts_domain_cannot_be_registered(anon_client):
    data = registration_data(email="someone@deleted.invalid")

    response = anon_client.post(REGISTER, data, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert not User.objects.exists()


def test_the_register_page_treats_a_full_width_address_as_taken(client):
    UserFactory(email="ada@demo.wya.test")

    response = client.post("/register/", registration_data(email=FULL_WIDTH_ADA))

    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_the_register_page_refuses_an_invisible_character(client):
    response = client.post("/register/", registration_data(email=INVISIBLE["soft hyphen"]))

    assert response.status_code == 400
    assert "invisible or control characters" in response.content.decode()
    assert not User.objects.exists()


def test_the_login_page_accepts_the_full_width_form_of_the_address(client):
    UserFactory(email="ada@demo.wya.test")

    response = client.post("/login/", {"username": FULL_WIDTH_ADA, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/api/me/").json()["email"] == "ada@demo.wya.test"


def _superuser(email: str, monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_DATE_OF_BIRTH", "1980-01-01")
    monkeypatch.setenv("DJANGO_SUPERUSER_DISPLAY_NAME", "Ops Olga")
    call_command("createsuperuser", "--noinput", "--email", email, verbosity=0)


def test_createsuperuser_stores_the_normalised_address(monkeypatch):
    _superuser("ＯＬＧＡ@Example.test", monkeypatch)

    assert User.objects.get(is_superuser=True).email == "olga@example.test"


def test_createsuperuser_refuses_a_full_width_variant_of_an_existing_address(monkeypatch):
    UserFactory(email="olga@example.test")

    with pytest.raises(CommandError, match="already taken"):
        _superuser("ＯＬＧＡ@example.test", monkeypatch)

    assert User.objects.count() == 1


def test_createsuperuser_refuses_an_invisible_character(monkeypatch):
    with pytest.raises(CommandError, match="invisible"):
        _superuser("ol\u200bga@example.test", monkeypatch)

    assert not User.objects.exists()


def _admin_add(client, email: str, display_name: str = "New Person"):
    """The admin's "add user" page, with its profile inline, as a superuser submits it."""
    return client.post(
        "/admin/accounts/user/add/",
        {
            "email": email,
            "date_of_birth": "1990-01-01",
            "password1": "a-long-admin-passphrase",
            "password2": "a-long-admin-passphrase",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-display_name": display_name,
            "profile-0-theme_color": "#7A5AF8",
        },
    )


def test_the_admin_add_user_page_stores_the_normalised_address(client, moderator):
    verified_staff_login(client, moderator)

    response = _admin_add(client, "ＮＥＷ@Example.test")

    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.filter(email="new@example.test").exists()


def test_the_admin_add_user_page_refuses_a_variant_of_an_existing_address(client, moderator):
    UserFactory(email="new@example.test")
    verified_staff_login(client, moderator)

    response = _admin_add(client, "ＮＥＷ@example.test")

    assert response.status_code == 200  # the form again, with the error
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email="new@example.test").count() == 1


def test_the_admin_user_form_refuses_an_invisible_character_in_an_email_change(adult):
    form = UserEditForm(
        data={"email": "ad\u202eult@example.test", "date_of_birth": "1990-01-01"}, instance=adult
    )

    assert not form.is_valid()
    assert "invisible" in form.errors["email"][0]
