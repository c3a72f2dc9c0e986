"""First contact in Chromium (docs/moderation.md "Protections for minors"): a teen's open DM page
receives a first message with an image from a new teen; the safety prompt shows live with Block
and Report, the image is blurred until a tap reveals it, and after "Got it" the prompt is gone
for good (once per pair). Photographed at 375 px and 1280 px into ``$WYA_SCREENSHOT_DIR`` when
it is set (docs/screenshots/first-contact-*.png were made with
``WYA_SCREENSHOT_DIR=docs/screenshots``), else into the test's temporary folder."""

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from messaging.models import FirstContactPrompt
from tests.browser.conftest import WAIT_MS, api, wait_live
from tests.browser.test_screens import assert_no_sideways_scroll
from tests.conftest import api_client_for
from tests.factories import TeenFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def picture() -> io.BytesIO:
    """A colourful picture, so the blur shows in the screenshots."""
    image = Image.new("RGB", (320, 200), (40, 120, 200))
    draw = ImageDraw.Draw(image)
    for n in range(8):
        draw.rectangle((n * 40, 0, n * 40 + 20, 200), fill=(250, 200 - n * 20, 40 + n * 25))
    draw.ellipse((110, 50, 210, 150), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    out.name = "photo.png"
    return out


@pytest.fixture
def first_contact(transactional_db):
    """Two teens who never talked, the stranger's API token and an image they uploaded (made
    before the browser starts; the message itself goes through the running server)."""
    teen = TeenFactory(profile__display_name="Tia Teen")
    stranger = TeenFactory(profile__display_name="Sam Stranger")
    response = api_client_for(stranger).post("/api/media/", {"file": picture()}, format="multipart")
    assert response.status_code == 201, response.content
    token = Token.objects.get(user=stranger).key  # made by api_client_for
    return teen, stranger, token, response.json()["media_url"]


def test_a_first_dm_with_an_image_shows_the_prompt_and_a_blurred_image_a_tap_reveals(
    first_contact, server, open_page, tmp_path
):
    teen, stranger, token, media_url = first_contact
    shots = Path(os.environ.get("WYA_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    path = f"/dms/{stranger.pk}/"
    page = open_page(teen, path)
    wait_live(page)
    banner = page.locator("#first-contact")
    expect(banner).to_be_hidden()

    body = json.dumps({"message": "hey, saw you around :)", "media_url": media_url}).encode()
    assert api(server, "POST", f"/api/dms/{teen.pk}/messages/", token, body) == 201

    # The prompt arrives live with the first message, with its buttons.
    expect(banner).to_be_visible(timeout=WAIT_MS)
    expect(banner).to_contain_text("You haven't talked with Sam Stranger before.")
    expect(banner.get_by_role("button", name="Block Sam Stranger")).to_be_visible()
    expect(banner.get_by_role("button", name="Report Sam Stranger")).to_be_visible()
    expect(banner.get_by_role("button", name="Got it")).to_be_visible()
    media = page.locator("#messages .media").first
    expect(media).to_have_class("media blurred", timeout=WAIT_MS)
    assert "blur" in media.locator("img").evaluate("el => getComputedStyle(el).filter")

    # Photographed from the page as rendered (the prompt and the blurred image server-side).
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(path)
        wait_live(page)
        expect(banner).to_be_visible()
        expect(page.locator("#messages .media.blurred")).to_have_count(1)
        if width == 375:
            assert_no_sideways_scroll(page, path)
        page.screenshot(path=str(shots / f"first-contact-{width}.png"), full_page=True)

    # A tap reveals that image.
    page.get_by_role("button", name="Tap to show").click()
    expect(page.locator("#messages .media").first).to_have_class("media")
    assert page.locator("#messages .media img").evaluate("el => getComputedStyle(el).filter") == (
        "none"
    )

    # "Got it": recorded, and the prompt does not come back on reload (once per pair).
    page.get_by_role("button", name="Got it").click()
    page.wait_for_url(f"**{path}")
    expect(banner).to_be_hidden()
    page.reload()
    wait_live(page)
    expect(banner).to_be_hidden()
    assert FirstContactPrompt.objects.filter(user=teen, other=stranger).count() == 1
