"""POST /api/auth/register/: accounts, profiles, tokens, age rules and throttling."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import Profile, User
from tests.factories import PASSWORD, UserFactory, birth_date_for_age, registration_data

pytestmark = pytest.mark.django_db

URL = "/api/auth/register/"


def test_registering_creates_an_account_a_profile_and_a_token(anon_client):
    response = anon_client.post(URL, registration_data(), format="json")

    assert response.status_code == 201
    body = response.json()
    user = User.objects.get()
    assert body["user"]["id"] == user.pk
    assert body["user"]["email"] == "new.person@example.test"
    assert body["user"]["display_name"] == "New Person"
    assert body["user"]["theme_color"] == "#7A5AF8"
    assert body["user"]["age_segment"] == "adult"
    assert body["token"] == Token.objects.get(user=user).key
    assert Profile.objects.get(user=user).display_name == "New Person"
    assert user.check_password(PASSWORD)


def test_the_registration_token_authenticates_api_calls(anon_client):
    token = anon_client.post(URL, registration_data(), format="json").json()["token"]

    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_client.get("/api/me/").json()["email"] == "new.person@example.test"


def test_a_thirteen_year_old_registers_as_a_teen(anon_client):
    dob = birth_date_for_age(13, days_after_birthday=0)
    response = anon_client.post(
        URL, registration_data(date_of_birth=dob.isoformat()), format="json"
    )

    assert response.status_code == 201
    assert response.json()["user"]["age_segment"] == "teen"


def test_a_child_under_thirteen_is_refused_and_nothing_is_stored(anon_client):
    dob = birth_date_for_age(13, days_after_birthday=-1)  # turns 13 tomorrow
    response = anon_client.post(
        URL, registration_data(date_of_birth=dob.isoformat()), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "too_young"
    assert "13" in response.json()["detail"]
    assert User.objects.count() == 0
    assert Profile.objects.count() == 0
    assert Token.objects.count() == 0


def test_a_birth_date_in_the_future_is_refused(anon_client):
    dob = birth_date_for_age(-1)
    response = anon_client.post(
        URL, registration_data(date_of_birth=dob.isoformat()), format="json"
    )

    assert response.status_code == 400
    assert User.objects.count() == 0


def test_a_weak_password_is_refused_by_the_password_validators(anon_client):
    response = anon_client.post(URL, registration_data(password="12345678"), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "password_invalid"
    assert "password" in response.json()["detail"]
    assert User.objects.count() == 0


def test_a_password_like_the_email_is_refused(anon_client):
    data = registration_data(email="sunflowerfields@example.test", password="sunflowerfields")
    response = anon_client.post(URL, data, format="json")

    assert response.status_code == 400
    assert User.objects.count() == 0


def test_an_email_already_in_use_in_another_case_is_a_conflict(anon_client):
    UserFactory(email="new.person@example.test")

    response = anon_client.post(
        URL, registration_data(email="NEW.person@example.test"), format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "An account with this email address already exists.",
        "code": "email_taken",
    }
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("email", "not-an-email"),
        ("display_name", ""),
        ("display_name", "   "),
        ("display_name", "x" * 51),
        ("date_of_birth", "yesterday"),
        ("password", ""),
    ],
)
def test_bad_fields_are_a_400_with_the_field_named(anon_client, field, value):
    response = anon_client.post(URL, registration_data(**{field: value}), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body
    assert User.objects.count() == 0


def test_missing_fields_are_a_400_not_a_500(anon_client):
    response = anon_client.post(URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) >= {"detail", "code", "email", "password", "date_of_birth"}


def test_registrations_are_throttled_per_address(anon_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": "2/hour"}
    for n in range(2):
        email = f"person-{n}@example.test"
        assert (
            anon_client.post(URL, registration_data(email=email), format="json").status_code == 201
        )

    response = anon_client.post(URL, registration_data(email="third@example.test"), format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert not User.objects.filter(email="third@example.test").exists()
