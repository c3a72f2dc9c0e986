"""A bounded backlog of output per socket: a client that does not read is dropped, never waited on.

Every frame the consumer sends (and its close) goes into the socket's ``Outbox``; one writer task
at a time hands the frames to the ASGI server, in order, so the consumer never waits on a client
(it goes on taking its channel layer's events: nothing is dropped there for a slow socket).

Output a client has not read sits in three places: here, in the server's write buffer (uvicorn's
``send`` waits once it passes 64 KiB) and in the kernel's send queue, which Linux grows to 4 MB
for a socket whose peer does not read (measured: uvicorn's buffer stayed empty while 4 MB
queued in the kernel; its keepalive then closed the socket after 40 s). The bound counts all
three (the kernel's through ``SIOCOUTQ``, looked at every 1/16 of the bound): once the unsent
output passes ``settings.WS_SEND_BACKLOG_BYTES`` the socket is dropped at once. Its TCP
connection is aborted (a close frame could not pass a full queue; the client sees 1006), the
frames waiting here are discarded, and the server reports the disconnect as for any client that
went away. The client reconnects and catches up with ``after=`` (docs/live.md).

A server that does not expose its transport (daphne, the test communicator: neither waits on a
client) gets ``websocket.close`` with ``BACKLOG_CLOSE_CODE`` after the frames already handed over.
"""

import asyncio
import contextlib
import fcntl
import logging
import struct
import termios
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

BACKLOG_CLOSE_CODE = 4008  # the backlog passed the bound (where a close frame can still be sent)
_SEND_CHAIN_DEPTH = 5  # ASGI wrappers between the consumer and the server's send


def server_protocol(send: Callable[..., Any]) -> Any:
    """The server protocol behind ``send`` (the object whose ``transport`` can be aborted),
    through the wrappers that keep the server's send as ``real_send`` (channels' session
    middleware); None if none."""
    target: Any = send
    for _ in range(_SEND_CHAIN_DEPTH):
        owner = getattr(target, "__self__", None)
        transport = getattr(owner, "transport", None)
        if callable(getattr(transport, "abort", None)):  # asyncio's or uvloop's (not a subclass)
            return owner
        target = getattr(owner, "real_send", None)
        if target is None:
            return None
    return None


def server_transport(send: Callable[..., Any]) -> Any:
    """The asyncio transport of the server protocol behind ``send``; None if none."""
    return getattr(server_protocol(send), "transport", None)


def kernel_unsent(transport: Any) -> int:
    """Bytes in the kernel's send queue of the transport's socket, not yet taken by the peer
    (``SIOCOUTQ``, Linux); 0 where that cannot be read."""
    try:
        sock = transport.get_extra_info("socket")
        answer = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")  # == SIOCOUTQ
    except (AttributeError, OSError, ValueError):
        return 0
    return struct.unpack("i", answer)[0]


def _size(message: dict) -> int:
    payload = message.get("text") or message.get("bytes") or ""
    return len(payload)


class Outbox:
    """The output of one socket, waiting for the server to take it (see the module docstring)."""

    def __init__(self, send: Callable[[dict], Awaitable[None]], *, limit: int):
        self._send = send
        self.limit = limit
        self._frames: deque[dict] = deque()
        self.pending_bytes = 0
        self._writer: asyncio.Task | None = None
        self._protocol = server_protocol(send)
        self._transport = getattr(self._protocol, "transport", None)
        self._check_every = max(1, limit // 16)
        self._since_check = 0
        self.closed = False  # a close is queued (or the socket was dropped): nothing more goes in
        self.dropped = False

    async def send(self, message: dict) -> None:
        """As ``put``, but when nothing waits here and the server's send will not wait (uvicorn:
        its transport is not paused), hand the frame over now: the common case, without a
        writer task per frame. The bound is checked the same way."""
        if self._writer is not None or self._frames or self.closed or not self._server_ready():
            self.put(message)
            return
        self._since_check += _size(message)
        if self._since_check >= self._check_every and self.unsent() + _size(message) > self.limit:
            self._drop()
            return
        if message["type"] == "websocket.close":
            self.closed = True
        try:
            await self._send(message)
        except Exception:  # the client went away; its disconnect reaches the consumer
            logger.debug("send to a closed socket", exc_info=True)

    def _server_ready(self) -> bool:
        writable = getattr(self._protocol, "writable", None)  # uvicorn's flow-control event
        return isinstance(writable, asyncio.Event) and writable.is_set()

    def put(self, message: dict) -> None:
        """Queue one ASGI message (``websocket.send`` or ``websocket.close``); never waits."""
        if self.closed:
            return
        size = _size(message)
        self._frames.append(message)
        self.pending_bytes += size
        self._since_check += size
        if message["type"] == "websocket.close":
            self.closed = True
        if self.pending_bytes > self.limit or (
            self._since_check >= self._check_every and self.unsent() > self.limit
        ):
            self._drop()
            return
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    def unsent(self) -> int:
        """Output the client has not taken: waiting here, in the server, in the kernel."""
        self._since_check = 0
        unsent = self.pending_bytes
        if self._transport is not None:
            with contextlib.suppress(AttributeError, NotImplementedError):
                unsent += self._transport.get_write_buffer_size()
            unsent += kernel_unsent(self._transport)
        return unsent

    def _drop(self) -> None:
        logger.warning("socket dropped: its client left more than %d bytes unread", self.limit)
        self.closed = self.dropped = True
        self._frames.clear()
        self.pending_bytes = 0
        if self._transport is not None:
            self._transport.abort()
            return
        self._frames.append({"type": "websocket.close", "code": BACKLOG_CLOSE_CODE})
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._frames:
                message = self._frames.popleft()
                self.pending_bytes -= _size(message)
                await self._send(message)
        except Exception:  # the client went away (uvicorn: ClientDisconnected); its disconnect
            self._frames.clear()  # event reaches the consumer as for any other close
            self.pending_bytes = 0
            logger.debug("send to a closed socket", exc_info=True)
        finally:
            self._writer = None
