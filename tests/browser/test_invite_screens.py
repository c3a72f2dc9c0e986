"""The /rooms/ page with a pending invitation in Chromium (docs/rooms.md "Invites"): it fits 375 px,
shows Accept and Decline, Accept opens the room, and a new invitation shows up live. Photographed at 375 px and 1280 px into
``$WYA_SCREENSHOT_DIR`` when it is set (docs/screenshots/rooms-invite-*.png were made with
``WYA_SCREENSHOT_DIR=docs/screenshots``), else into the test's temporary folder."""

import json
import os
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from rooms import services as room_services
from rooms.models import ChatRoomMember
from tests.browser.conftest import WAIT_MS, api
from tests.browser.test_screens import assert_no_sideways_scroll
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invitation(transactional_db):
    """An owner's private room and an invitation to Ines, made through the services BEFORE the
    browser starts (they publish live events synchronously, which Playwright's loop forbids)."""
    owner = UserFactory(profile__display_name="Olive Owner")
    ines = UserFactory(profile__display_name="Ines Invitee")
    room = room_services.room_create(
        user=owner,
        room_name="Sunday board games",
        description="Catan and coffee in Graça, every Sunday afternoon.",
        is_public=False,
        background_color="#3D5A80",
    )
    room_services.room_invite_create(actor=owner, room_id=room.pk, user_id=ines.pk)
    return room, ines


def test_the_rooms_page_shows_an_invitation_that_accept_turns_into_the_room(
    invitation, browser, server, open_page, tmp_path
):
    room, ines = invitation
    shots = Path(os.environ.get("WYA_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page = open_page(ines, "/rooms/")
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/rooms/")
        page.wait_for_load_state("load")
        invite = page.locator(f'[data-invite-room="{room.pk}"]')
        assert "Olive Owner invited you" in invite.inner_text()
        assert invite.get_by_role("button", name="Accept").is_visible()
        assert invite.get_by_role("button", name="Decline").is_visible()
        if width == 375:
            assert_no_sideways_scroll(page, "/rooms/")
        page.screenshot(path=str(shots / f"rooms-invite-{width}.png"), full_page=True)

    page.locator(f'[data-invite-room="{room.pk}"]').get_by_role("button", name="Accept").click()

    page.wait_for_url(f"**/rooms/{room.pk}/")
    assert ChatRoomMember.objects.filter(room=room, user=ines, is_banned=False).exists()


@pytest.fixture
def night_owls(transactional_db):
    """A private room, its owner's API token and a person to invite (made before the browser)."""
    owner = UserFactory(profile__display_name="Olive Owner")
    room = room_services.room_create(user=owner, room_name="Night owls", is_public=False)
    token = Token.objects.create(user=owner).key
    return room, token, UserFactory(profile__display_name="Ines Invitee")


def test_an_invitation_appears_live_on_the_open_rooms_page(night_owls, browser, server, open_page):
    room, token, ines = night_owls
    page = open_page(ines, "/rooms/")
    page.wait_for_function("() => window.wya && window.wya.connected", timeout=WAIT_MS)
    assert page.locator(f'[data-invite-room="{room.pk}"]').count() == 0

    body = json.dumps({"user_id": ines.pk}).encode()
    assert api(server, "POST", f"/api/rooms/{room.pk}/members/", token, body) == 202

    card = page.wait_for_selector(f'[data-invite-room="{room.pk}"]', timeout=WAIT_MS)
    assert "Olive Owner invited you" in card.inner_text()
