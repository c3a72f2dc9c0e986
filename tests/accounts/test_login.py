"""POST /api/auth/login/: tokens, one error text for every failure, throttles and the lockout."""

from concurrent.futures import ThreadPoolExecutor
from threading import Lock

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services
from tests.factories import PASSWORD, UserFactory

URL = "/api/auth/login/"
GENERIC = {"detail": services.INVALID_CREDENTIALS, "code": "invalid_credentials"}


@pytest.fixture
def fast_password_hasher():
    """Overrides the folder's fast hasher: login tests use the project's real hasher."""


@pytest.fixture
def checked_passwords(monkeypatch):
    """Counts the password checks that actually ran (including dummy ones for unknown emails)."""
    calls = {"n": 0}
    lock = Lock()
    original = services._password_matches

    def counting(user, password):
        with lock:
            calls["n"] += 1
        return original(user, password)

    monkeypatch.setattr(services, "_password_matches", counting)
    return calls


def login(client, email, password):
    return client.post(URL, {"email": email, "password": password}, format="json")


@pytest.mark.django_db
def test_logging_in_returns_the_users_token(anon_client, adult):
    response = login(anon_client, adult.email, PASSWORD)

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=adult).key}


@pytest.mark.django_db
def test_logging_in_twice_returns_the_same_token(anon_client, adult):
    first = login(anon_client, adult.email, PASSWORD).json()["token"]
    second = login(anon_client, adult.email, PASSWORD).json()["token"]

    assert first == second
    assert Token.objects.filter(user=adult).count() == 1


@pytest.mark.django_db
def test_the_email_is_matched_case_insensitively(anon_client, adult):
    response = login(anon_client, f"  {adult.email.upper()} ", PASSWORD)

    assert response.status_code == 200


@pytest.mark.django_db
def test_unknown_email_and_wrong_password_get_the_same_answer(
    anon_client, adult, checked_passwords
):
    unknown = login(anon_client, "nobody@example.test", PASSWORD)
    wrong = login(anon_client, adult.email, "not-the-password")

    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json() == GENERIC
    assert checked_passwords["n"] == 2  # the unknown email ran the hasher too (same timing)


@pytest.mark.django_db
def test_a_banned_account_cannot_log_in_and_gets_the_generic_error(anon_client):
    banned = UserFactory(is_active=False)

    response = login(anon_client, banned.email, PASSWORD)

    assert response.status_code == 400
    assert response.json() == GENERIC
    assert not Token.objects.filter(user=banned).exists()


@pytest.mark.django_db
def test_missing_fields_are_a_400(anon_client):
    response = anon_client.post(URL, {"email": "a@example.test"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_for_the_right_password(
    anon_client, adult, roomy_throttles, checked_passwords
):
    for _ in range(5):
        assert login(anon_client, adult.email, "wrong-password").status_code == 400

    locked = login(anon_client, adult.email, PASSWORD)

    assert locked.status_code == 429
    assert locked.json()["code"] == "account_locked"
    assert "locked" in locked.json()["detail"]
    assert checked_passwords["n"] == 5  # the right password was not even checked


@pytest.mark.django_db
def test_a_successful_login_resets_the_failure_count(anon_client, adult, roomy_throttles):
    for _ in range(4):
        login(anon_client, adult.email, "wrong-password")
    assert login(anon_client, adult.email, PASSWORD).status_code == 200

    for _ in range(4):
        login(anon_client, adult.email, "wrong-password")

    assert login(anon_client, adult.email, PASSWORD).status_code == 200


@pytest.mark.django_db
def test_the_lock_ends_after_the_lockout_period(anon_client, adult, roomy_throttles):
    from django.core.cache import cache

    for _ in range(5):
        login(anon_client, adult.email, "wrong-password")
    assert login(anon_client, adult.email, PASSWORD).status_code == 429

    cache.delete(services._lockout_key(adult.email))  # what the cache does when the lock expires

    assert login(anon_client, adult.email, PASSWORD).status_code == 200


@pytest.mark.django_db
def test_unknown_emails_lock_like_real_ones_so_a_lock_reveals_nothing(anon_client, roomy_throttles):
    for _ in range(5):
        login(anon_client, "nobody@example.test", "wrong-password")

    assert login(anon_client, "nobody@example.test", "x").status_code == 429


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_wrong_passwords_check_at_most_the_lockout_allowance(
    adult, roomy_throttles, checked_passwords
):
    email = adult.email

    def attempt(password):
        try:
            return login(APIClient(), email, password).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(attempt, ["wrong-password"] * 50))
    right = login(APIClient(), email, PASSWORD)

    assert checked_passwords["n"] <= 5
    assert statuses.count(400) == checked_passwords["n"]
    assert statuses.count(429) == 50 - checked_passwords["n"]
    assert right.status_code == 429
    assert right.json()["code"] == "account_locked"
    assert not Token.objects.filter(user=adult).exists()


@pytest.mark.django_db
def test_logins_are_throttled_per_address(anon_client, adult, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/min", "login_account": "100/min"}
    for n in range(3):
        login(anon_client, f"someone{n}@example.test", "wrong-password")

    response = login(anon_client, adult.email, PASSWORD)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


@pytest.mark.django_db
def test_logins_are_throttled_per_account_across_addresses(adult, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "100/min", "login_account": "2/min"}
    settings.LOGIN_LOCKOUT_FAILURES = 100
    for n in range(2):
        login(APIClient(REMOTE_ADDR=f"10.0.0.{n}"), adult.email, "wrong-password")

    response = login(APIClient(REMOTE_ADDR="10.0.0.99"), adult.email, PASSWORD)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
