"""Browser tests: Playwright's sync API driving Debian's Chromium against ONE real server process (scripts/serve.sh)
that shares the test database (PostgreSQL, or the SQLite test FILE). Data must be committed for
the server to see it, so every test here uses ``transactional_db`` (through ``server``).

Needs /usr/bin/chromium (scripts/install-chromium.sh) or CHROMIUM_PATH. Playwright's own browser
download is never used."""

import contextlib
import os
import urllib.request

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import sync_playwright

from tests.e2e.servers import running_servers
from tests.factories import verified_staff_login

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 15_000  # a bound for anything to show up in a page, not a speed check


@pytest.fixture
def browser(transactional_db, monkeypatch):
    """A headless Chromium for one test. Playwright's sync API keeps an event loop running in
    this thread, so Django's async-safety check would refuse the test's own ORM calls: it is
    lifted for this test only (the ORM calls here are plain synchronous ones)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run scripts/install-chromium.sh")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def server(transactional_db):
    """The base URL of one server process serving WYA!? (DEBUG: static files included)."""
    # The server stores and serves uploads where this test's settings put them.
    with running_servers(1, extra_env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as (base,):
        yield base


@pytest.fixture
def open_page(browser, server):
    """``open_page(user, path)``: a new browser context logged in as ``user`` (a session made
    with the test client's ``force_login``, its cookie copied into the context), on ``path``.
    A staff member's session has passed the admin's second factor (``verified_staff_login``);
    tests/browser/test_admin_login.py types the real code instead."""
    contexts = []

    def open_as(user, path: str):
        client = verified_staff_login(Client(), user)
        context = browser.new_context(base_url=server)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": server,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(path)
        return page

    yield open_as
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()


def wait_live(page) -> None:
    """Wait until the page's socket is open (the status line says so)."""
    page.wait_for_selector('#live-status[data-state="open"]', timeout=WAIT_MS)


def send(page, text: str) -> None:
    page.fill("#composer-input", text)
    page.click("#composer-send")


def api(server: str, method: str, path: str, token: str, body: bytes = b"") -> int:
    """A REST call to the running server (so its live events reach the open sockets)."""
    request = urllib.request.Request(f"{server}{path}", method=method, data=body or None)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status
