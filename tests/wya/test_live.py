"""wya.live: the socket runs services through ``run_collecting`` and sends what they committed
from the event loop (``apublish``); still persist, then publish."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.db import transaction

import wya.live
from wya import live

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What was sent from the (sync) thread itself."""
    out = []
    monkeypatch.setattr(wya.live, "publish_now", lambda group, event: out.append((group, event)))
    return out


def test_events_committed_inside_run_collecting_are_returned_not_sent(
    sent, django_capture_on_commit_callbacks
):
    def service():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            live.publish_on_commit("room.1", {"type": "room.message", "n": 1})
            live.publish_on_commit("user.a", {"type": "notice", "n": 2})
        return 7

    result, events = live.run_collecting(service)
    assert result == 7
    assert events == [
        ("room.1", {"type": "room.message", "n": 1}),
        ("user.a", {"type": "notice", "n": 2}),
    ]
    assert sent == []


def test_nothing_is_collected_or_sent_from_a_rolled_back_transaction(
    sent, django_capture_on_commit_callbacks
):
    def service():
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    live.publish_on_commit("room.1", {"type": "room.message"})
                    raise ValueError("refused")
            except ValueError:
                pass
        return None

    assert live.run_collecting(service) == (None, [])
    assert sent == []


def test_a_service_failing_after_its_commit_still_gets_its_committed_events_sent(
    sent, django_capture_on_commit_callbacks
):
    def service():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            live.publish_on_commit("room.1", {"type": "room.message"})
        raise RuntimeError("after the commit")

    with pytest.raises(RuntimeError):
        live.run_collecting(service)
    assert sent == [("room.1", {"type": "room.message"})]


def test_outside_run_collecting_the_commit_sends_as_before(
    sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        live.publish_on_commit("room.1", {"type": "room.message"})
        assert sent == []  # never before the commit
    assert sent == [("room.1", {"type": "room.message"})]


async def test_apublish_sends_the_collected_events_in_order_through_the_channel_layer():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("user.apublish-test", channel)
    try:
        await live.apublish([("user.apublish-test", {"type": "notice", "n": n}) for n in range(3)])
        received = [await layer.receive(channel) for _ in range(3)]
    finally:
        await layer.group_discard("user.apublish-test", channel)
    assert [event["n"] for event in received] == [0, 1, 2]


async def test_publishes_leave_the_process_in_the_order_they_started(monkeypatch):
    """Commit order is kept: a later publish never overtakes an earlier, slower one."""
    layer = get_channel_layer()
    order = []

    async def slow_first(group, event):
        await asyncio.sleep(0.05 if event["n"] == 0 else 0)
        order.append(event["n"])

    monkeypatch.setattr(layer, "group_send", slow_first)
    await asyncio.gather(
        live.apublish([("room.1", {"type": "room.message", "n": 0})]),
        live.apublish([("room.1", {"type": "room.message", "n": 1})]),
    )
    assert order == [0, 1]
