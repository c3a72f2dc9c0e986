"""Finding 6: flooding. typing, presence, ping and room.read frames have per-socket limits (an
``error`` frame ``rate_limited``, the socket stays); DELETE /api/me/ password attempts are
throttled; a frame over the size limit gets an ``error`` frame, not a dropped connection."""

import pytest

from messaging.frames import FrameBudget
from tests.factories import PASSWORD
from tests.messaging.live_helpers import connect, drain, receive_until, request, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_rates(settings):
    settings.WS_FRAME_RATES = {"typing": "5/min", "presence": "3/min", "ping": "4/min"}
    return settings.WS_FRAME_RATES


async def test_two_thousand_pings_get_at_most_the_limit_of_pongs_and_the_socket_stays(
    member, small_rates
):
    ws = await connect(member)
    for _ in range(2000):
        await send(ws, {"type": "ping"})
    frames = await drain(ws)
    pongs = [f for f in frames if f["type"] == "pong"]
    limited = [f for f in frames if f.get("code") == "rate_limited"]

    assert len(pongs) == 4
    assert len(limited) == 1996
    answer = await request(ws, {"type": "room.read", "room_id": 999999})
    assert answer["code"] == "not_found"  # another frame type still works on the same socket
    await ws.disconnect()


async def test_alternating_typing_start_and_stop_cannot_flood_a_room(room, member, small_rates):
    owner_ws = await connect(room.owner)
    member_ws = await connect(member)
    await drain(owner_ws)
    for i in range(200):
        state = "start" if i % 2 == 0 else "stop"
        await send(member_ws, {"type": "typing", "room_id": room.pk, "state": state})
    errors = [f for f in await drain(member_ws) if f.get("code") == "rate_limited"]
    delivered = [f for f in await drain(owner_ws) if f["type"] == "typing"]

    assert len(errors) == 195
    assert len(delivered) <= 5
    await owner_ws.disconnect()
    await member_ws.disconnect()


async def test_presence_frames_beyond_the_limit_write_nothing(member, small_rates, monkeypatch):
    from messaging import services

    writes = []
    original = services.presence_set
    monkeypatch.setattr(
        services, "presence_set", lambda **kw: (writes.append(kw), original(**kw))[1]
    )
    ws = await connect(member)
    for _ in range(50):
        await send(ws, {"type": "presence", "status": "away"})
    errors = [f for f in await drain(ws) if f.get("code") == "rate_limited"]

    assert len(errors) == 47
    assert len(writes) == 3
    await ws.disconnect()


def test_the_frame_budget_opens_again_when_its_window_passes():
    now = [0.0]
    budget = FrameBudget({"ping": "2/min"}, clock=lambda: now[0])
    assert [budget.allow("ping") for _ in range(3)] == [True, True, False]
    now[0] = 61.0
    assert budget.allow("ping") is True
    assert budget.allow("room.send") is True  # messages have their own shared limit


async def test_a_frame_over_the_size_limit_gets_an_error_frame_and_the_socket_stays(member):
    ws = await connect(member)
    await send(ws, '{"type": "room.send", "room_id": 1, "message": "' + "x" * 200_000 + '"}')
    answer = await receive_until(ws, lambda f: f["type"] == "error")
    assert answer["code"] == "too_large"
    assert (await request(ws, {"type": "ping"}))["type"] == "pong"
    await ws.disconnect()


def test_delete_me_password_attempts_are_throttled_even_for_the_right_password(
    make_client, adult, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "account_delete": "3/hour"}
    client = make_client(adult)
    statuses = [
        client.delete("/api/me/", {"password": f"guess-{i}"}, format="json").status_code
        for i in range(3)
    ]
    last = client.delete("/api/me/", {"password": PASSWORD}, format="json")

    assert statuses == [403, 403, 403]
    assert last.status_code == 429
    assert last.json()["code"] == "rate_limited"
    adult.refresh_from_db()
    assert adult.is_active
