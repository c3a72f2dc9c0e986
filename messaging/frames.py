"""Strict parsing of client frames: wrong types, missing fields and bad values raise ``Invalid``.

No coercion: ``"7"`` is not a room id and ``5`` is not a message.
"""

import time

from django.conf import settings

from wya import hostile
from wya.errors import Invalid
from wya.ratelimit import parse_rate

MAX_CLIENT_ID = 64
MAX_USER_ID = 255
_MISSING = object()


def decode(raw: str | bytes) -> dict:
    """A client frame: JSON text, an object with a string ``type``, nested at most
    ``hostile.MAX_JSON_DEPTH`` deep, with no NUL or lone surrogate anywhere. ``Invalid`` else."""
    try:
        frame = hostile.loads(raw)
    except hostile.HostileInput as error:
        raise Invalid(f"Frames must be JSON text: {error}") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise Invalid("A frame is a JSON object with a type.")
    return frame


def _int(frame: dict, name: str, *, required: bool = True) -> int | None:
    value = frame.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise Invalid(f"{name} is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid(f"{name} must be a positive integer.")
    return value


def _str(frame: dict, name: str, *, required=True, max_length=None, choices=None) -> str | None:
    value = frame.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise Invalid(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a string.")
    reason = hostile.bad_text_reason(value)
    if reason:
        raise Invalid(f"{name}: {reason}")
    if max_length is not None and len(value) > max_length:
        raise Invalid(f"{name} is at most {max_length} characters.")
    if choices is not None and value not in choices:
        raise Invalid(f"{name} must be one of {', '.join(choices)}.")
    return value


def _client_id(frame: dict) -> str | None:
    client_id = _str(frame, "client_id", required=False, max_length=MAX_CLIENT_ID)
    if client_id == "":
        raise Invalid("client_id must not be empty.")
    return client_id


def _message(frame: dict) -> dict:
    return {
        "message": _str(frame, "message", required=False) or "",
        "media_url": _str(frame, "media_url", required=False) or None,
        "client_id": _client_id(frame),
    }


def parse(frame: dict) -> dict:
    kind = frame["type"]
    if kind == "room.send":
        return {"room_id": _int(frame, "room_id"), **_message(frame)}
    if kind == "dm.send":
        return {"to": _str(frame, "to", max_length=MAX_USER_ID), **_message(frame)}
    if kind == "typing":
        room_id = _int(frame, "room_id", required=False)
        to = _str(frame, "to", required=False, max_length=MAX_USER_ID)
        if (room_id is None) == (to is None):
            raise Invalid("typing needs either room_id or to.")
        return {
            "room_id": room_id,
            "to": to,
            "state": _str(frame, "state", choices=("start", "stop")),
        }
    if kind == "presence":
        return {
            "status": _str(frame, "status", choices=("online", "away")),
            "activity": _str(
                frame, "activity", required=False, choices=("chatting", "browsing", "idle")
            ),
            "room_id": _int(frame, "room_id", required=False),
        }
    if kind == "room.read":
        return {"room_id": _int(frame, "room_id")}
    return {}


class FrameBudget:
    """Per-socket rate limits on frames that cost a write or a fan-out without being messages
    (``settings.WS_FRAME_RATES``: typing, presence, ping, room.read). A fixed window per frame
    type, in the socket's own memory: no cache round trip for a frame that is then refused.
    Messages (room.send, dm.send) have the shared ``messages`` limit instead."""

    def __init__(self, rates: dict[str, str] | None = None, clock=time.monotonic):
        rates = settings.WS_FRAME_RATES if rates is None else rates
        self.limits = {kind: parse_rate(rate) for kind, rate in rates.items()}
        self.clock = clock
        self.windows: dict[str, tuple[float, int]] = {}

    def allow(self, kind: str) -> bool:
        limit = self.limits.get(kind)
        if limit is None:
            return True
        count, period = limit
        now = self.clock()
        start, used = self.windows.get(kind, (now, 0))
        if now - start >= period:
            start, used = now, 0
        if used >= count:
            self.windows[kind] = (start, used)
            return False
        self.windows[kind] = (start, used + 1)
        return True
