"""Must show: the live chat works in real browsers against a real server — room messages and DMs
arrive live exactly once with a typing indicator, a block stops delivery at once (and hides the
blocked person's pages from the blocker), and a page that lost its socket catches up after the
reconnect with every missed message once."""

import json

import pytest
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from messaging.models import PrivateMessage
from rooms.models import ChatRoomMessage
from tests.browser.conftest import WAIT_MS, api, send, wait_live
from tests.factories import MemberFactory, RoomFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/wya_room_page.png"


def lines(page, text: str):
    """The chat lines (confirmed or pending) whose message text is exactly ``text``."""
    return page.locator("#messages li.msg").filter(has=page.get_by_text(text, exact=True))


def person(name: str):
    return UserFactory(profile__display_name=name)


def room_with(*people):
    room = RoomFactory(owner=people[0], room_name="Corner café", background_color="#2E4057")
    for someone in people[1:]:
        MemberFactory(room=room, user=someone)
    return room


def test_two_people_in_a_room_see_each_message_live_exactly_once_with_typing(open_page, server):
    alice, bob = person("Alice"), person("Bob")
    room = room_with(alice, bob)
    alice_page = open_page(alice, f"/rooms/{room.pk}/")
    bob_page = open_page(bob, f"/rooms/{room.pk}/")
    wait_live(alice_page)
    wait_live(bob_page)

    alice_page.fill("#composer-input", "Hello Bob, <b>welcome</b>!")
    expect(bob_page.locator("#typing")).to_have_text("Alice is typing…", timeout=WAIT_MS)
    alice_page.click("#composer-send")

    expect(lines(bob_page, "Hello Bob, <b>welcome</b>!")).to_have_count(1, timeout=WAIT_MS)
    expect(bob_page.locator("#typing")).to_have_text("", timeout=WAIT_MS)
    expect(alice_page.locator("#messages li.msg.pending")).to_have_count(0, timeout=WAIT_MS)
    expect(lines(alice_page, "Hello Bob, <b>welcome</b>!")).to_have_count(1)
    assert bob_page.locator("#messages b").count() == 0  # text, never markup

    # A second message in the other direction, typing shown live to Alice too: once it is in,
    # any duplicate of the first (delivered in order on the same socket) would be too.
    bob_page.fill("#composer-input", "Hi Alice")
    expect(alice_page.locator("#typing")).to_have_text("Bob is typing…", timeout=WAIT_MS)
    bob_page.click("#composer-send")
    expect(lines(alice_page, "Hi Alice")).to_have_count(1, timeout=WAIT_MS)
    expect(lines(bob_page, "Hi Alice")).to_have_count(1, timeout=WAIT_MS)
    expect(lines(bob_page, "Hello Bob, <b>welcome</b>!")).to_have_count(1)
    expect(lines(alice_page, "Hello Bob, <b>welcome</b>!")).to_have_count(1)
    assert ChatRoomMessage.objects.filter(room=room).count() == 2

    bob_page.screenshot(path=SCREENSHOT, full_page=True)


def test_a_dm_thread_is_live_between_two_people(open_page):
    alice, bob = person("Alice"), person("Bob")
    alice_page = open_page(alice, f"/dms/{bob.pk}/")
    bob_page = open_page(bob, f"/dms/{alice.pk}/")
    wait_live(alice_page)
    wait_live(bob_page)

    bob_page.fill("#composer-input", "psst")
    expect(alice_page.locator("#typing")).to_have_text("Bob is typing…", timeout=WAIT_MS)
    bob_page.click("#composer-send")
    expect(lines(alice_page, "psst")).to_have_count(1, timeout=WAIT_MS)

    alice_page.fill("#composer-input", "what's up?")
    expect(bob_page.locator("#typing")).to_have_text("Alice is typing…", timeout=WAIT_MS)
    alice_page.click("#composer-send")
    expect(lines(bob_page, "what's up?")).to_have_count(1, timeout=WAIT_MS)
    expect(lines(alice_page, "what's up?")).to_have_count(1, timeout=WAIT_MS)
    expect(lines(alice_page, "psst")).to_have_count(1)
    expect(alice_page.locator("#messages li.msg.pending")).to_have_count(0)
    assert PrivateMessage.objects.count() == 2


def test_after_a_block_the_blocked_persons_messages_stop_reaching_the_blocker_only(
    open_page, server
):
    alice, bob, carol = person("Alice"), person("Bob"), person("Carol")
    room = room_with(carol, alice, bob)
    pages = {who.pk: open_page(who, f"/rooms/{room.pk}/") for who in (alice, bob, carol)}
    alice_page, bob_page, carol_page = pages[alice.pk], pages[bob.pk], pages[carol.pk]
    for page in pages.values():
        wait_live(page)
    send(alice_page, "before the block")
    expect(lines(bob_page, "before the block")).to_have_count(1, timeout=WAIT_MS)

    token = Token.objects.create(user=bob).key
    body = json.dumps({"user_id": alice.pk}).encode()
    assert api(server, "POST", "/api/blocks/", token, body) in (200, 201)

    send(alice_page, "after the block")
    expect(lines(carol_page, "after the block")).to_have_count(1, timeout=WAIT_MS)
    send(carol_page, "carol was here")  # published after Alice's, on the same room group
    expect(lines(bob_page, "carol was here")).to_have_count(1, timeout=WAIT_MS)
    expect(lines(bob_page, "after the block")).to_have_count(0)

    assert bob_page.goto(f"/u/{alice.pk}/").status == 404
    assert bob_page.goto(f"/dms/{alice.pk}/").status == 404


def test_a_page_that_lost_its_socket_shows_every_missed_message_once_after_reconnecting(
    open_page, browser
):
    alice, carol = person("Alice"), person("Carol")
    room = room_with(carol, alice)
    alice_page = open_page(alice, f"/rooms/{room.pk}/")
    carol_page = open_page(carol, f"/rooms/{room.pk}/")
    wait_live(alice_page)
    wait_live(carol_page)
    send(carol_page, "still here")
    expect(lines(alice_page, "still here")).to_have_count(1, timeout=WAIT_MS)

    alice_page.context.set_offline(True)
    alice_page.evaluate("window.wyaLive.dropSocket()")
    expect(alice_page.locator("#live-status")).to_have_attribute(
        "data-state", "closed", timeout=WAIT_MS
    )
    missed = [f"missed {n}" for n in range(1, 4)]
    for text in missed:
        send(carol_page, text)
    expect(carol_page.locator("#messages li.msg.pending")).to_have_count(0, timeout=WAIT_MS)
    send(alice_page, "written while offline")  # stays pending until the socket is back
    expect(alice_page.locator("#messages li.msg.pending")).to_have_count(1)
    assert alice_page.evaluate("window.wyaLive.connected") is False
    for text in missed:
        expect(lines(alice_page, text)).to_have_count(0)

    alice_page.context.set_offline(False)

    wait_live(alice_page)
    for text in missed:
        expect(lines(alice_page, text)).to_have_count(1, timeout=WAIT_MS)
    expect(alice_page.locator("#messages li.msg.pending")).to_have_count(0, timeout=WAIT_MS)
    expect(lines(carol_page, "written while offline")).to_have_count(1, timeout=WAIT_MS)
    expect(lines(alice_page, "written while offline")).to_have_count(1)
    expect(lines(alice_page, "still here")).to_have_count(1)
    ids = alice_page.eval_on_selector_all(
        "#messages li.msg[data-id]", "items => items.map(li => Number(li.dataset.id))"
    )
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == 5
    assert ChatRoomMessage.objects.filter(room=room, message="written while offline").count() == 1
