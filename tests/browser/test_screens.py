"""Must show (issue 9): on the demo world (``manage.py seed_demo``), no page scrolls sideways at
375 px (the document is exactly as wide as the viewport, checked on every page), and the main
pages are photographed at 375 px and 1280 px.

Screenshots go to ``$WYA_SCREENSHOT_DIR`` when it is set (the committed ones in
docs/screenshots/ were made with ``WYA_SCREENSHOT_DIR=docs/screenshots``), else to the test's
temporary folder."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from rooms.models import ChatRoom
from tests.browser.conftest import WAIT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO = "demo.wya.test"
WIDTHS = (375, 1280)


def demo_user(key: str) -> User:
    return User.objects.get(email=f"{key}@{DEMO}")


def assert_no_sideways_scroll(page, path: str) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    document_width, body_width, viewport = widths
    assert document_width == viewport, f"{path} is {document_width}px wide at {viewport}px"
    assert body_width <= viewport, f"{path} body is {body_width}px wide at {viewport}px"


@pytest.fixture
def demo_world(transactional_db, settings):
    """The demo world, loaded BEFORE the browser starts (its services publish live events
    synchronously, which Playwright's running event loop would forbid). Browsers log in with
    force_login, so the demo passwords may use a fast hasher here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", force=True, stdout=quiet)  # tests run with DEBUG off


def test_every_page_fits_375_px_and_the_main_pages_are_photographed(
    demo_world, browser, server, open_page, tmp_path
):
    shots = Path(os.environ.get("WYA_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    adult, bruno, teen = demo_user("adult"), demo_user("bruno"), demo_user("teen")
    evenings = ChatRoom.objects.get(room_name="Alfama evenings")
    skaters = ChatRoom.objects.get(room_name="Alfama skaters")

    # (who, path, screenshot name or None)
    pages = [
        (None, "/", "welcome"),
        (None, "/login/", None),
        (None, "/register/", "sign-up"),
        (adult, "/", "home"),
        (adult, "/rooms/", "rooms"),
        (adult, f"/rooms/{evenings.pk}/", "room"),
        (adult, f"/rooms/{evenings.pk}/settings/", "room-settings"),
        (adult, f"/rooms/{evenings.pk}/members/{bruno.pk}/kick/", None),
        (adult, "/dms/", "messages"),
        (adult, f"/dms/{bruno.pk}/", "dm-thread"),
        (adult, "/discover/", None),
        (adult, "/me/", "my-profile"),
        (adult, "/me/password/", None),
        (adult, "/me/blocks/", None),
        (adult, f"/u/{bruno.pk}/", "profile"),
        (adult, f"/reports/new/?user={bruno.pk}", "report"),
        (adult, "/reports/", None),
        (adult, "/notices/", None),
        (adult, "/no/such/page/", "not-found"),
        (teen, "/", "teen-home"),
        (teen, f"/rooms/{skaters.pk}/", None),
    ]
    for width in WIDTHS:
        contexts = {}
        for who, path, name in pages:
            key = who.pk if who else None
            if key not in contexts:
                if who is None:
                    context = browser.new_context(base_url=server)
                    page = context.new_page()
                    page.set_default_timeout(WAIT_MS)
                else:
                    page = open_page(who, "/")
                page.set_viewport_size({"width": width, "height": 900})
                contexts[key] = page
            page = contexts[key]
            page.goto(path)
            page.wait_for_load_state("load")
            if width == 375:
                assert_no_sideways_scroll(page, path)
            if page.locator("#live-status").count():
                page.wait_for_selector('#live-status[data-state="open"]')
            if name:
                page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    assert len(list(shots.glob("*-375.png"))) == len(list(shots.glob("*-1280.png"))) >= 10
