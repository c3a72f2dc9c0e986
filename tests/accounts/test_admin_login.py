"""/admin/login/: the same throttles and lockout as /api/auth/login/ and /login/, then a TOTP
second factor (django-otp) that every staff member needs for /admin/, superusers included."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import services
from tests.factories import (
    PASSWORD,
    UserFactory,
    confirmed_totp_device,
    totp_code,
    verified_staff_login,
)

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
OTP = "/admin/otp/"
ENROL = "/admin/otp/enrol/"
QUEUE = "/admin/safety/report/"


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True, profile__display_name="Stan Staff")


def admin_login(client, email, password, next_url=None):
    data = {"username": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post(LOGIN, data)


def api_login(email, password):
    return APIClient().post(
        "/api/auth/login/", {"email": email, "password": password}, format="json"
    )


def wrong_code(device) -> str:
    return f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- the password step: the account service's throttles and lockout ---------------------------
def test_an_account_locked_on_the_api_cannot_log_into_the_admin_with_the_right_password(
    staff, roomy_throttles
):
    for _ in range(5):
        assert api_login(staff.email, "wrong-password").status_code == 400
    client = Client()

    response = admin_login(client, staff.email, PASSWORD)

    assert response.status_code == 429
    assert "this account is locked for now" in response.content.decode()
    assert not logged_in(client)
    assert client.get("/admin/").status_code == 302


def test_wrong_admin_guesses_lock_the_account_on_every_door(staff, roomy_throttles):
    client = Client()
    for _ in range(5):
        response = admin_login(client, staff.email, "wrong-password")
        assert response.status_code == 200
        assert services.INVALID_CREDENTIALS in response.content.decode()

    locked = admin_login(client, staff.email, PASSWORD)
    api = api_login(staff.email, PASSWORD)
    page = Client().post("/login/", {"username": staff.email, "password": PASSWORD})

    assert locked.status_code == 429 and not logged_in(client)
    assert (api.status_code, api.json()["code"]) == (429, "account_locked")
    assert "this account is locked for now" in page.content.decode()


def test_admin_guesses_from_one_address_are_throttled(settings, staff):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/min"}
    client = Client()
    answers = [admin_login(client, f"guess{i}@example.test", "nope").status_code for i in range(3)]

    throttled = admin_login(client, staff.email, PASSWORD)

    assert answers == [200, 200, 200]
    assert throttled.status_code == 429
    assert "Too many login attempts from this address" in throttled.content.decode()
    assert not logged_in(client)


def test_admin_guesses_at_one_account_are_throttled_per_account(settings, staff):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": "2/min"}
    for _ in range(2):
        admin_login(Client(), staff.email, "wrong-password")

    response = admin_login(Client(), staff.email, PASSWORD)

    assert response.status_code == 429
    assert "Too many login attempts for this account" in response.content.decode()


def test_a_deactivated_staff_member_gets_the_one_refusal_text(staff):
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    client = Client()

    response = admin_login(client, staff.email, PASSWORD)

    assert response.status_code == 200
    assert services.INVALID_CREDENTIALS in response.content.decode()
    assert not logged_in(client)


def test_a_person_who_is_not_staff_is_refused_by_the_admin_login(adult):
    client = Client()

    response = admin_login(client, adult.email, PASSWORD)

    assert response.status_code == 200
    assert "staff account" in response.content.decode()
    assert not logged_in(client)
    assert client.get(OTP).url.startswith(LOGIN)


# --- the second factor -----------------------------------------------------------------------
def test_a_staff_password_login_asks_for_the_code_before_the_admin(staff):
    confirmed_totp_device(staff)
    client = Client()

    response = admin_login(client, staff.email, PASSWORD, next_url=QUEUE)

    assert response.status_code == 302
    assert response.url == f"{OTP}?next=%2Fadmin%2Fsafety%2Freport%2F"
    assert client.get(QUEUE).status_code == 302  # the password alone does not open the admin
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Second step: your code" in page.content.decode()


def test_the_right_code_opens_the_admin_at_the_page_asked_for(staff):
    device = confirmed_totp_device(staff)
    client = Client()
    admin_login(client, staff.email, PASSWORD, next_url=QUEUE)

    response = client.post(OTP, {"otp_token": totp_code(device), "next": QUEUE})

    assert response.status_code == 302 and response.url == QUEUE
    assert client.get(QUEUE).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_the_admin_stays_closed(staff):
    device = confirmed_totp_device(staff)
    client = Client()
    admin_login(client, staff.email, PASSWORD)
    response = client.post(OTP, {"otp_token": wrong_code(device)})

    assert response.status_code == 400
    assert services.INVALID_OTP in response.content.decode()
    assert client.get("/admin/").status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 1


def test_a_code_that_is_not_six_digits_is_a_field_error(staff):
    confirmed_totp_device(staff)
    client = Client()
    admin_login(client, staff.email, PASSWORD)

    response = client.post(OTP, {"otp_token": "12ab56"})

    assert response.status_code == 400
    assert "Enter the 6 digits" in response.content.decode()


def test_wrong_codes_are_throttled_per_account(settings, staff):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "admin_otp": "2/min"}
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # only the per-account limit is in play here
    device = confirmed_totp_device(staff)
    client = Client()
    admin_login(client, staff.email, PASSWORD)
    for _ in range(2):
        assert client.post(OTP, {"otp_token": wrong_code(device)}).status_code == 400

    response = client.post(OTP, {"otp_token": totp_code(device)})

    assert response.status_code == 429
    assert "Too many codes tried" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_after_a_wrong_code_django_otp_makes_the_next_try_wait(settings, staff):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # the delay outlasts the test, whatever its speed
    device = confirmed_totp_device(staff)
    client = Client()
    admin_login(client, staff.email, PASSWORD)
    client.post(OTP, {"otp_token": wrong_code(device)})

    response = client.post(OTP, {"otp_token": totp_code(device)})

    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_code_already_used_cannot_open_a_second_session(staff):
    device = confirmed_totp_device(staff)
    code = totp_code(device)
    first, second = Client(), Client()
    admin_login(first, staff.email, PASSWORD)
    admin_login(second, staff.email, PASSWORD)

    assert first.post(OTP, {"otp_token": code}).status_code == 302
    assert second.post(OTP, {"otp_token": code}).status_code == 400
    assert second.get("/admin/").status_code == 302


def test_a_superuser_needs_the_second_factor_too(staff):
    assert staff.is_superuser
    client = Client()
    client.force_login(staff)

    assert client.get("/admin/").status_code == 302
    assert client.get(LOGIN).url.startswith(OTP)


def test_a_staff_session_without_the_code_still_uses_the_app_pages(staff):
    client = Client()
    client.post("/login/", {"username": staff.email, "password": PASSWORD})

    assert client.get("/me/").status_code == 200
    assert client.get("/admin/").status_code == 302


def test_deleting_the_device_closes_the_admin_to_sessions_it_verified(staff):
    client = verified_staff_login(Client(), staff)
    assert client.get("/admin/").status_code == 200

    TOTPDevice.objects.filter(user=staff).delete()

    assert client.get("/admin/").status_code == 302


def test_an_unsafe_next_address_is_replaced_by_the_admin_index(staff):
    device = confirmed_totp_device(staff)
    client = Client()
    admin_login(client, staff.email, PASSWORD)

    response = client.post(OTP, {"otp_token": totp_code(device), "next": "https://evil.test/"})

    assert response.url == "/admin/"


# --- enrolment -------------------------------------------------------------------------------
def test_a_staff_member_without_an_authenticator_is_sent_to_enrolment(staff):
    client = Client()
    admin_login(client, staff.email, PASSWORD)

    response = client.get(OTP, follow=True)

    assert response.redirect_chain[-1][0].startswith(ENROL)
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    html = response.content.decode()
    assert response.context["otp_secret"] in html
    assert "otpauth://totp/" in html and "<svg" in html
    assert client.get(ENROL).context["otp_secret"] == response.context["otp_secret"]  # stable


def test_enrolment_is_confirmed_by_a_first_right_code_and_opens_the_admin(settings, staff):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait after the wrong code
    client = Client()
    admin_login(client, staff.email, PASSWORD)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=staff)

    refused = client.post(ENROL, {"otp_token": wrong_code(device)})
    assert refused.status_code == 400 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/admin/").status_code == 302
    accepted = client.post(ENROL, {"otp_token": totp_code(device)})

    assert accepted.status_code == 302 and accepted.url == "/admin/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/admin/").status_code == 200


def test_a_staff_member_with_an_authenticator_cannot_enrol_another(staff):
    confirmed_totp_device(staff)
    client = Client()
    admin_login(client, staff.email, PASSWORD)

    response = client.get(ENROL)

    assert response.status_code == 302 and response.url.startswith(OTP)
    assert TOTPDevice.objects.filter(user=staff).count() == 1
