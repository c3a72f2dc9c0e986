"""Must show (issue 20): lifting a mute on appeal re-enables a connected person's message box
without a reload; a timed mute that ends while the page is open does too (a timer from its end)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from moderation import services as moderation_services
from rooms.models import ChatRoomMessage
from safety.models import ModerationAction
from tests.browser.conftest import WAIT_MS, send, wait_live
from tests.factories import MemberFactory, ModerationActionFactory, RoomFactory, UserFactory
from tests.safety.conftest import _group

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def moderator(name: str):
    user = UserFactory(is_staff=True, profile__display_name=name)
    user.groups.add(_group("Moderators"))
    return user


def muted_member():
    """Bob, a member of Alice's room, with the room page's owner and the room."""
    alice = UserFactory(profile__display_name="Alice")
    bob = UserFactory(profile__display_name="Bob")
    room = RoomFactory(owner=alice, room_name="Corner café")
    MemberFactory(room=room, user=bob)
    return bob, room


def mine(page, text: str):
    return page.locator("#messages li.msg:not(.pending)").filter(
        has=page.get_by_text(text, exact=True)
    )


def test_a_second_moderator_lifts_a_mute_and_the_open_page_gets_its_box_back(open_page):
    bob, room = muted_member()
    first, second = moderator("Mona"), moderator("Max")
    action = moderation_services.moderation_action_take(
        moderator=first, target_user=bob, action_type="mute", reason="Spamming the room."
    )
    appeal = moderation_services.appeal_create(appellant=bob, action_id=action.pk, text="Quote")

    page = open_page(bob, f"/rooms/{room.pk}/")
    wait_live(page)
    expect(page.locator("#composer-input")).to_be_disabled()
    expect(page.locator("#moderation-banner")).to_be_visible()

    admin = open_page(second, f"/admin/safety/appeal/{appeal.pk}/change/")
    admin.select_option("#id_outcome", "lifted")
    admin.fill("#id_reason", "It was a quote.")
    admin.click("#appeal-decision-form input[type=submit]")
    expect(admin.locator("#appeal-status")).to_contain_text("lifted")

    expect(page.locator("#composer-input")).to_be_enabled(timeout=WAIT_MS)
    expect(page.locator("#composer-send")).to_be_enabled()
    expect(page.locator("#moderation-banner")).to_be_hidden()
    expect(page.locator("#live-notice")).to_contain_text("Your appeal was granted")
    send(page, "Thanks, I am back")
    expect(mine(page, "Thanks, I am back")).to_have_count(1, timeout=WAIT_MS)
    assert ChatRoomMessage.objects.filter(room=room, message="Thanks, I am back").exists()


def test_a_timed_mute_that_ends_while_the_page_is_open_gives_the_box_back(open_page):
    bob, room = muted_member()
    action = ModerationActionFactory(target_user=bob, action_type="mute", duration_minutes=1)
    # Ends about eight seconds from now: the page opens muted and the timer ends it.
    ModerationAction.objects.filter(pk=action.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=52)
    )
    page = open_page(bob, f"/rooms/{room.pk}/")
    expect(page.locator("#composer-input")).to_be_disabled()
    wait_live(page)
    expect(page.locator("#composer-input")).to_be_enabled(timeout=WAIT_MS)
    send(page, "The mute is over")
    expect(mine(page, "The mute is over")).to_have_count(1, timeout=WAIT_MS)
