"""Must show (issue 16): in real Chromium against a real server, a staff account locked out by
failed logins cannot log into /admin/ even with the right password, and a staff login asks for
the second factor: a wrong code is refused, the right one (computed from the device's key, as
an authenticator app does) opens the admin.

The second-factor page is photographed at 375 px and 1280 px into ``$WYA_SCREENSHOT_DIR`` when
it is set (docs/screenshots/admin-otp-*.png were made so), else the test's temporary folder."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import WAIT_MS
from tests.e2e.servers import running_servers
from tests.factories import PASSWORD, UserFactory, confirmed_totp_device, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOCKED = "Too many failed logins: this account is locked for now."


@pytest.fixture
def roomy_server(transactional_db):
    """A server whose per-minute login throttles are out of the way, so the lockout (five
    failures, the default) is what answers the sixth try."""
    env = {
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "RATE_LOGIN": "100/min",
        "RATE_LOGIN_ACCOUNT": "100/min",
    }
    with running_servers(1, extra_env=env) as (base,):
        yield base


def new_page(browser, base: str, width: int = 1280):
    page = browser.new_context(base_url=base, viewport={"width": width, "height": 900}).new_page()
    page.set_default_timeout(WAIT_MS)
    return page


def password_step(page, email: str, password: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("#login-form input[type=submit]")
    page.wait_for_load_state("load")


def staff_member(name: str):
    user = UserFactory(is_staff=True, is_superuser=True, profile__display_name=name)
    return user, confirmed_totp_device(user)


def test_a_staff_account_locked_out_by_failed_logins_cannot_log_into_the_admin(
    browser, roomy_server
):
    staff, _device = staff_member("Locked Lou")
    page = new_page(browser, roomy_server)
    for _ in range(5):
        password_step(page, staff.email, "not-the-password")
        expect(page.locator(".errornote")).to_contain_text("Unable to log in")

    password_step(page, staff.email, PASSWORD)

    expect(page.locator(".errornote")).to_contain_text(LOCKED)
    assert page.url.startswith(f"{roomy_server}/admin/login/")
    page.goto("/admin/")
    expect(page.locator("#login-form")).to_be_visible()  # still the password step
    assert "/admin/otp/" not in page.url


def test_a_staff_login_asks_for_the_second_factor_and_only_the_right_code_opens_the_admin(
    browser, server, tmp_path
):
    staff, device = staff_member("Otto Operator")
    shots = Path(os.environ.get("WYA_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page = new_page(browser, server)

    password_step(page, staff.email, PASSWORD)

    expect(page.locator("#otp-title")).to_have_text("Second step: your code")
    assert "/admin/otp/" in page.url
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"admin-otp-{width}.png"), full_page=True)
    page.goto("/admin/safety/report/")  # the password alone does not open the admin
    expect(page.locator("#otp-title")).to_be_visible()

    page.fill("#id_otp_token", f"{(int(totp_code(device)) + 1) % 1_000_000:06d}")
    page.click("#otp-form input[type=submit]")
    expect(page.locator("#otp-error")).to_contain_text("That code is not right")

    # The person waits before the next try: django-otp delays a try after each wrong code.
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=earlier)
    page.fill("#id_otp_token", totp_code(device))
    page.click("#otp-form input[type=submit]")

    expect(page.locator("#result_list, #changelist")).not_to_have_count(0)
    assert page.url == f"{server}/admin/safety/report/"
