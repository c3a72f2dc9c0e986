"""The per-socket output backlog (messaging/outbox.py): the consumer never waits on a client, frames
keep their order, and past the bound the socket is dropped (tests/e2e/test_slow_reader.py shows
it on the real server)."""

import asyncio

from messaging.outbox import BACKLOG_CLOSE_CODE, Outbox, server_transport


class RecordingTransport(asyncio.Transport):
    def __init__(self, buffered: int = 0):
        super().__init__()
        self.aborted = False
        self.buffered = buffered

    def abort(self):
        self.aborted = True

    def get_write_buffer_size(self):
        return self.buffered


class StuckServer:
    """An ASGI server's send that waits while its client does not read (as uvicorn's does)."""

    def __init__(self, *, transport=None):
        self.transport = transport
        self.readable = asyncio.Event()
        self.sent: list[dict] = []

    async def send(self, message: dict) -> None:
        await self.readable.wait()
        self.sent.append(message)


class SessionWrapper:
    """Like channels' session middleware: it keeps the server's send as ``real_send``."""

    def __init__(self, real_send):
        self.real_send = real_send

    async def send(self, message: dict) -> None:
        await self.real_send(message)


def text(n: int, size: int = 100) -> dict:
    return {"type": "websocket.send", "text": str(n).ljust(size, ".")}


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_frames_reach_the_server_in_order_once_the_client_reads():
    server = StuckServer()
    outbox = Outbox(server.send, limit=10_000)
    for n in range(5):
        outbox.put(text(n))  # returns at once although the server waits
    outbox.put({"type": "websocket.close", "code": 4001})
    outbox.put(text(99))  # nothing goes after a close
    await settle()
    assert server.sent == []
    server.readable.set()
    await settle()
    assert server.sent == [*(text(n) for n in range(5)), {"type": "websocket.close", "code": 4001}]
    assert outbox.pending_bytes == 0


async def test_a_backlog_past_the_bound_aborts_the_servers_connection_behind_the_wrappers():
    transport = RecordingTransport()
    server = StuckServer(transport=transport)
    outbox = Outbox(SessionWrapper(server.send).send, limit=1_000)
    for n in range(10):  # the first frame is handed over (and waits); nine wait here: 900 bytes
        outbox.put(text(n))
        await settle()
    assert not transport.aborted and not outbox.dropped
    outbox.put(text(10))
    outbox.put(text(11))  # 1,100 bytes waiting: past the bound
    assert transport.aborted and outbox.dropped
    assert outbox.pending_bytes == 0
    outbox.put(text(12))  # a dropped socket takes nothing more
    server.readable.set()
    await settle()
    assert server.sent == [text(0)]


async def test_output_buffered_in_the_server_counts_toward_the_bound():
    transport = RecordingTransport(buffered=800)  # the server (or kernel) holds 800 bytes unread
    server = StuckServer(transport=transport)
    server.readable.set()  # the server takes every frame at once: nothing waits here
    outbox = Outbox(server.send, limit=1_000)
    outbox.put(text(0))  # 100 bytes: with the server's 800, not past the bound
    await settle()
    assert not transport.aborted and outbox.pending_bytes == 0
    transport.buffered = 950  # the client still does not read
    outbox.put(text(1))
    assert transport.aborted and outbox.dropped


async def test_without_a_transport_the_dropped_socket_gets_the_backlog_close_code():
    server = StuckServer()
    outbox = Outbox(server.send, limit=250)
    for n in range(4):
        outbox.put(text(n))
        await settle()
    assert outbox.dropped
    server.readable.set()
    await settle()
    assert server.sent == [text(0), {"type": "websocket.close", "code": BACKLOG_CLOSE_CODE}]


async def test_a_send_to_a_client_that_went_away_ends_the_writer_quietly():
    async def gone(message):
        raise ConnectionError("client disconnected")

    outbox = Outbox(gone, limit=1_000)
    outbox.put(text(1))
    outbox.put(text(2))
    await settle()
    assert outbox.pending_bytes == 0
    outbox.put(text(3))  # a later frame starts a new writer, which ends the same way
    await settle()
    assert outbox.pending_bytes == 0


class ReadyServer(StuckServer):
    """A server whose send does not wait now (uvicorn with an unpaused transport)."""

    def __init__(self, *, transport):
        super().__init__(transport=transport)
        self.writable = asyncio.Event()
        self.writable.set()
        self.readable.set()


async def test_a_ready_server_gets_the_frame_at_once_without_a_writer_task():
    server = ReadyServer(transport=RecordingTransport())
    outbox = Outbox(server.send, limit=1_000)
    await outbox.send(text(0))
    assert server.sent == [text(0)]  # handed over inside the call: no task, nothing queued
    assert outbox.pending_bytes == 0


async def test_a_paused_server_makes_the_frame_wait_here():
    server = ReadyServer(transport=RecordingTransport())
    server.writable.clear()  # uvicorn's transport passed its high-water mark
    server.readable.clear()
    outbox = Outbox(server.send, limit=1_000)
    await outbox.send(text(0))
    await outbox.send(text(1))
    await settle()
    assert server.sent == []
    server.writable.set()
    server.readable.set()
    await settle()
    assert server.sent == [text(0), text(1)]


async def test_the_fast_path_still_drops_a_socket_whose_server_holds_too_much():
    transport = RecordingTransport(buffered=0)
    server = ReadyServer(transport=transport)
    outbox = Outbox(server.send, limit=1_000)
    await outbox.send(text(0))
    transport.buffered = 990  # unread output piled up in the server and the kernel
    await outbox.send(text(1))
    await outbox.send(text(2))
    assert transport.aborted and outbox.dropped


def test_a_send_callable_without_a_server_behind_it_has_no_transport():
    assert server_transport(print) is None
    assert server_transport(StuckServer(transport=RecordingTransport()).send) is not None
