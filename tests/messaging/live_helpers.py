"""Helpers for socket tests: connect a user through a real ticket, read frames by predicate."""

import json

from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator

from messaging.tickets import ticket_issue
from wya.asgi import application

WAIT = 3  # seconds a test waits for an expected frame before failing (a bound, not a speed check)
QUIET = 0.3  # seconds of silence that show nothing else was delivered


async def connect(user, *, token_key=None) -> WebsocketCommunicator:
    ticket = await sync_to_async(ticket_issue)(user_id=user.pk, token_key=token_key)
    ws = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
    connected, _ = await ws.connect(timeout=WAIT)
    assert connected, "the socket should open"
    return ws


async def send(ws, frame) -> None:
    await ws.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))


async def receive_until(ws, predicate, *, timeout=WAIT) -> dict:
    """The first frame matching ``predicate``; frames before it are dropped."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if predicate(frame):
            return frame


async def receive_type(ws, kind: str) -> dict:
    return await receive_until(ws, lambda frame: frame["type"] == kind)


async def drain(ws) -> list[dict]:
    """Every frame that arrives until the socket has been quiet for a moment."""
    frames = []
    while not await ws.receive_nothing(timeout=QUIET):
        frames.append(await ws.receive_json_from())
    return frames


async def request(ws, frame) -> dict:
    """Send a frame and return the next ack or error (other frames are skipped)."""
    await send(ws, frame)
    return await receive_until(ws, lambda f: f["type"] in ("ack", "error", "pong"))


async def close_code(ws, *, timeout=WAIT) -> int:
    """Skip frames until the server closes the socket; return the close code."""
    while True:
        output = await ws.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code")
