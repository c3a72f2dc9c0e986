"""Must show (issue 9): the pages people use, in real Chromium against a real server — a join
shows up live in the other's member list, a block made on a profile page ends the other side's
open conversation with a sentence, a teen's home never lists an adult of the same
neighbourhood, a muted person sees the notice and a disabled message box, an under-13 sign-up is
refused at the field, and no page scrolls sideways at 375 px."""

import importlib
import re

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from geo import services as geo_services
from safety.models import ModerationAction
from tests.browser.conftest import WAIT_MS, wait_live
from tests.factories import (
    MemberFactory,
    RoomFactory,
    TeenFactory,
    UserFactory,
    birth_date_for_age,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def person(name: str, factory=UserFactory):
    return factory(profile__display_name=name)


def test_a_join_shows_up_live_in_the_other_persons_member_list(open_page):
    alice, bob = person("Alice"), person("Bob")
    room = RoomFactory(owner=alice, room_name="Open corner", is_public=True)
    alice_page = open_page(alice, f"/rooms/{room.pk}/")
    wait_live(alice_page)
    expect(alice_page.locator("#member-count")).to_have_text("1")

    bob_page = open_page(bob, f"/rooms/{room.pk}/")
    bob_page.click("#join-room")
    expect(bob_page.locator("#composer-input")).to_be_visible()

    members = alice_page.locator("#members li[data-user]")
    expect(members.filter(has_text="Bob")).to_have_count(1, timeout=WAIT_MS)
    expect(alice_page.locator("#member-count")).to_have_text("2", timeout=WAIT_MS)


def test_a_block_from_a_profile_page_ends_the_other_sides_conversation_with_a_sentence(
    open_page,
):
    alice, bob = person("Alice"), person("Bob")
    bob_thread = open_page(bob, f"/dms/{alice.pk}/")
    wait_live(bob_thread)
    expect(bob_thread.locator("#composer-input")).to_be_enabled()

    alice_profile_of_bob = open_page(alice, f"/u/{bob.pk}/")
    alice_profile_of_bob.click("#block-button")
    expect(alice_profile_of_bob.locator("#blocks")).to_contain_text("Bob")

    closed = bob_thread.locator("#conversation-closed")
    expect(closed).to_be_visible(timeout=WAIT_MS)
    expect(closed).to_contain_text("This conversation has ended")
    expect(bob_thread.locator("#composer-input")).to_be_disabled()
    expect(bob_thread.locator("#composer-send")).to_be_disabled()


def test_a_teens_home_page_never_lists_an_adult_from_the_same_neighbourhood(open_page):
    teen, other_teen = person("Tara Teen", TeenFactory), person("Theo Teen", TeenFactory)
    adult = person("Adam Adult")
    for someone in (teen, other_teen, adult):
        geo_services.location_set(user=someone, city="Lisbon", neighborhood="Alfama")
    RoomFactory(owner=adult, room_name="Adults only corner", is_public=True)

    page = open_page(teen, "/")

    neighbourhood = page.locator("#tier-neighborhood")
    expect(neighbourhood.locator(".people")).to_contain_text("Theo Teen")
    body = page.locator("main").inner_text()
    assert "Adam Adult" not in body
    assert "Adults only corner" not in body


def test_a_muted_person_sees_the_notice_and_a_disabled_message_box(open_page, moderator):
    muted, friend = person("Mia Muted"), person("Finn Friend")
    room = RoomFactory(owner=friend, room_name="Quiet room")
    MemberFactory(room=room, user=muted)
    # The row the moderation service writes (its live notice would need the server's layer).
    ModerationAction.objects.create(
        moderator=moderator,
        target_user=muted,
        action_type="mute",
        reason="Spamming the room",
        duration_minutes=90,
    )

    page = open_page(muted, f"/rooms/{room.pk}/")

    banner = page.locator("#moderation-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You are muted")
    expect(banner).to_contain_text("Spamming the room")
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", banner.inner_text())  # words, no ISO timestamp
    expect(page.locator("#composer-muted")).to_be_visible()
    expect(page.locator("#composer-input")).to_be_disabled()
    expect(page.locator("#composer-send")).to_be_disabled()
    dm_page = open_page(muted, f"/dms/{friend.pk}/")
    expect(dm_page.locator("#composer-input")).to_be_disabled()


def moderators_group():
    """The group the safety migration made (a transactional test flushes it: make it again)."""
    migration = importlib.import_module("safety.migrations.0004_moderator_groups")
    group, created = Group.objects.get_or_create(name="Moderators")
    if created:
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in migration.GROUPS["Moderators"]
            ]
        )
    return group


def test_a_report_filed_from_a_profile_page_appears_in_the_moderators_admin_queue(open_page):
    alice, bob = person("Alice Reporter"), person("Bob Reported")
    moderator = UserFactory(is_staff=True, profile__display_name="Mona Moderator")
    moderator.groups.add(moderators_group())

    profile = open_page(alice, f"/u/{bob.pk}/")
    profile.click("#report-link")
    profile.select_option("#id_report_type", "spam")
    profile.fill("#id_description", "Sends the same advert to everyone.")
    profile.click("#report-form button[type=submit]")
    expect(profile.locator("main")).to_contain_text("your report is with the moderators")

    queue = open_page(moderator, "/admin/safety/report/")
    expect(queue.locator("#result_list")).to_contain_text("Bob Reported")
    expect(queue.locator("#result_list")).to_contain_text("Spam")


def test_signing_up_under_13_is_refused_with_the_error_at_the_date_field(browser, server):
    page = browser.new_context(base_url=server).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto("/")
    page.click("#signup-link")
    page.fill("#id_email", "young.one@example.test")
    page.fill("#id_password", "a-long-enough-passphrase")
    page.fill("#id_date_of_birth", birth_date_for_age(12).isoformat())
    page.fill("#id_display_name", "Young One")
    page.click("#register-form button[type=submit]")

    error = page.locator("#id_date_of_birth_error")
    expect(error).to_contain_text("at least 13")
    dob = page.locator("#id_date_of_birth")
    assert "id_date_of_birth_error" in dob.get_attribute("aria-describedby")
    assert dob.get_attribute("aria-invalid") == "true"
    expect(page.locator("#id_email_error")).to_have_count(0)
    assert page.url.endswith("/register/")
