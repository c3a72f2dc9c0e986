"""The one WebSocket consumer (``/ws/``). Thin: parse and validate frames, call services.

Every send goes through the same service as REST (``rooms.services.room_message_send``,
``messaging.services.dm_send``) via ``database_sync_to_async``; the ack carries the committed id.
Services run through ``_in_db_thread``: the events they commit are sent from the event loop once the
service returns (``wya.live.run_collecting``), never from the database thread. Channel-layer
events skip channels' per-dispatch connection housekeeping (``dispatch``): every database call
here goes through ``database_sync_to_async``, which does that housekeeping itself.
Delivery filters use per-socket state: the set of rooms the user is in (kept current by
``room.member`` events) and the set of people blocked either way (refreshed by ``block.changed``).
docs/live.md describes every frame.
"""

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from messaging import frames, heartbeats, idempotency, services, socket_cap
from messaging.outbox import Outbox
from messaging.selectors import dm_send_facts
from rooms.selectors import room_ids_for_user, room_send_facts
from rooms.services import room_mark_read, room_message_send
from safety import policy
from wya import live
from wya.errors import NotFound, ServiceError
from wya.live import room_group, user_group

logger = logging.getLogger(__name__)

CLOSE_CODE = 4001  # a socket.close control event (logout, deletion, ban)
RECONNECT_CODE = 1012  # "service restart": reconnect and catch up (graceful stop, missed events)
# What a dm.message frame adds for a message from someone new (docs/live.md "First contact").
FIRST_CONTACT_KEYS = ("first_contact", "blurred")
TYPING_START_INTERVAL = 2.0  # seconds: at most one "start" per target in this window
# settings.LIVE_DB_THREADS > 1: a pool for the socket's database work (else the one thread).
_db_pool = (
    ThreadPoolExecutor(settings.LIVE_DB_THREADS, thread_name_prefix="live-db")
    if settings.LIVE_DB_THREADS > 1
    else None
)


# --- Sync helpers (run in the database thread) ------------------------------------------------
def _room_ids(user) -> set[int]:
    return set(room_ids_for_user(user))


def _room_send(user, room_id, message, media_url) -> int:
    return room_message_send(user=user, room_id=room_id, message=message, media_url=media_url).id


def _dm_send(user, to, message, media_url) -> int:
    return services.dm_send(sender=user, recipient_id=to, message=message, media_url=media_url).id


def _room_read(user, room_id) -> None:
    room_mark_read(user=user, room_id=room_id)


def _socket_state(user) -> tuple[set[str], set[int]]:
    return policy.blocked_user_ids(user), _room_ids(user)


def _may_type(user, target: tuple) -> policy.Decision:
    """``policy.may_type`` over the same one-query facts a message to ``target`` would use."""
    if target[0] == "room":
        return policy.may_type(user, room_send_facts(user, target[1]))
    return policy.may_type(user, dm_send_facts(user, target[1]))


async def run_in_db_thread(fn, *args, **kwargs):
    """Run a sync service in the database thread, then send the events it committed."""
    if _db_pool is None:
        call = database_sync_to_async(live.run_collecting)
    else:
        call = database_sync_to_async(
            live.run_collecting, thread_sensitive=False, executor=_db_pool
        )
    result, events = await call(fn, *args, **kwargs)
    await live.apublish(events)
    return result


async def save_heartbeats(user_ids: set[str]) -> None:
    await run_in_db_thread(services.presence_heartbeats, user_ids=user_ids)


class LiveConsumer(AsyncWebsocketConsumer):
    connected = False

    # --- Lifecycle ---------------------------------------------------------------------------
    async def connect(self):
        self.user = self.scope["user"]
        self.room_ids: set[int] = set()
        self.blocked: set[str] = set()
        self.typing_last: dict[tuple, float] = {}
        self.groups_joined: set[str] = set()
        self.frame_budget = frames.FrameBudget()
        self.segment_day = policy.today()
        await self._join(user_group(self.user.pk))
        self.blocked, room_ids = await database_sync_to_async(_socket_state)(self.user)
        for room_id in room_ids:
            await self._subscribe(room_id)
        await self.accept()
        self.connected = True
        await self._in_db_thread(services.presence_connected, user=self.user)
        await self._take_socket_slot()

    async def disconnect(self, code):
        await self._release_socket_slot()
        for group in list(self.groups_joined):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined.clear()
        if self.connected:
            self.connected = False
            await self._in_db_thread(services.presence_disconnected, user=self.user)

    # --- The per-user socket cap (messaging/socket_cap.py) ------------------------------------
    cap_entry: str | None = None

    async def _take_socket_slot(self) -> None:
        """Register this socket; the user's oldest sockets past the cap are told to close."""
        self.cap_entry = socket_cap.member(self.channel_name)
        evicted = await database_sync_to_async(socket_cap.register)(self.user.pk, self.cap_entry)
        socket_cap.local_sockets().add(self.user.pk, self.cap_entry)
        for entry in evicted:
            await self.channel_layer.send(socket_cap.channel_of(entry), socket_cap.EVICT_EVENT)

    async def _release_socket_slot(self) -> None:
        entry, self.cap_entry = self.cap_entry, None
        if entry is None:
            return
        socket_cap.local_sockets().discard(self.user.pk, entry)
        try:
            await database_sync_to_async(socket_cap.unregister)(self.user.pk, entry)
        except Exception:  # Redis is down: the entry expires with the TTL
            logger.exception("socket registry entry not removed")

    async def socket_evict(self, event):
        """A newer socket of this user went over WS_MAX_SOCKETS_PER_USER: this, the oldest,
        says why and closes with 4029 (clients do not reconnect on it)."""
        await self.send_error(
            "too_many_sockets",
            f"You have more than {settings.WS_MAX_SOCKETS_PER_USER} open connections; "
            "this, the oldest, was closed.",
        )
        for group in list(self.groups_joined):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined.clear()
        self.cap_entry = None  # already out of the registry
        await self.close(code=socket_cap.TOO_MANY_SOCKETS_CODE)

    async def dispatch(self, message):
        """As channels' dispatch, without ``aclose_old_connections`` before every message."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _in_db_thread(self, fn, *args, **kwargs):
        return await run_in_db_thread(fn, *args, **kwargs)

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def _subscribe(self, room_id: int) -> None:
        self.room_ids.add(room_id)
        await self._join(room_group(room_id))

    async def _unsubscribe(self, room_id: int) -> None:
        self.room_ids.discard(room_id)
        group = room_group(room_id)
        self.groups_joined.discard(group)
        await self.channel_layer.group_discard(group, self.channel_name)

    # --- Client frames -----------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        raw = text_data if text_data is not None else bytes_data
        size = (
            len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw or b"")
        )
        if raw is None or size > settings.WS_MAX_FRAME_BYTES:
            return await self.send_error(
                "too_large", f"Frames are limited to {settings.WS_MAX_FRAME_BYTES} bytes."
            )
        try:
            frame = frames.decode(raw)
        except ServiceError as exc:
            return await self.send_error(exc.code, exc.detail)
        client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        handler = self.FRAME_HANDLERS.get(frame["type"])
        if handler is None:
            return await self.send_error(
                "unknown_type", f"Unknown frame type {frame['type'][:40]!r}.", client_id
            )
        if not self.frame_budget.allow(frame["type"]):
            return await self.send_error(
                "rate_limited", f"Too many {frame['type']} frames; slow down.", client_id
            )
        try:
            data = frames.parse(frame)
            await handler(self, data)
        except ServiceError as exc:
            await self.send_error(exc.code, exc.detail, client_id)
        except Exception:
            logger.exception("frame %s failed", frame["type"])
            await self.send_error("server_error", "Something went wrong; try again.", client_id)

    async def on_room_send(self, data: dict) -> None:
        message_id = await idempotency.once(
            self.user.pk,
            data["client_id"],
            "room",
            lambda: _room_send(self.user, data["room_id"], data["message"], data["media_url"]),
            run=self._in_db_thread,
        )
        await self.send_json({"type": "ack", "client_id": data["client_id"], "id": message_id})

    async def on_dm_send(self, data: dict) -> None:
        message_id = await idempotency.once(
            self.user.pk,
            data["client_id"],
            "dm",
            lambda: _dm_send(self.user, data["to"], data["message"], data["media_url"]),
            run=self._in_db_thread,
        )
        await self.send_json({"type": "ack", "client_id": data["client_id"], "id": message_id})

    async def on_typing(self, data: dict) -> None:
        if data["room_id"] is not None:
            target = ("room", data["room_id"])
            if data["room_id"] not in self.room_ids:
                raise NotFound("No such room.")
        else:
            target = ("user", data["to"])
            if data["to"] in self.blocked:
                raise NotFound("No such user.")
        if data["state"] == "start":
            now = time.monotonic()
            last = self.typing_last.get(target)
            if last is not None and now - last < TYPING_START_INTERVAL:
                return  # throttled: the receiver's ~10 s expiry is still running
            policy.raise_for(await database_sync_to_async(_may_type)(self.user, target))
            self.typing_last[target] = now
        else:
            if self.typing_last.pop(target, None) is None:
                return  # no start was sent, so there is nothing to stop
        event = {"type": "typing", "user_id": self.user.pk, "state": data["state"]}
        if target[0] == "room":
            await self.channel_layer.group_send(
                room_group(target[1]), {**event, "room_id": target[1]}
            )
        else:
            await self.channel_layer.group_send(
                user_group(target[1]), {**event, "from": self.user.pk}
            )

    async def on_presence(self, data: dict) -> None:
        await self._in_db_thread(
            services.presence_set,
            user=self.user,
            status=data["status"],
            activity=data["activity"],
            room_id=data["room_id"],
        )

    async def on_room_read(self, data: dict) -> None:
        if data["room_id"] not in self.room_ids:
            raise NotFound("No such room.")
        await database_sync_to_async(_room_read)(self.user, data["room_id"])

    async def on_ping(self, data: dict) -> None:
        heartbeats.batch_for_this_loop(save_heartbeats).beat(self.user.pk)
        await self.send_json({"type": "pong"})

    FRAME_HANDLERS = {
        "room.send": on_room_send,
        "dm.send": on_dm_send,
        "typing": on_typing,
        "presence": on_presence,
        "room.read": on_room_read,
        "ping": on_ping,
    }

    # --- Server events (channel layer) -------------------------------------------------------
    async def _segment_current(self) -> None:
        """A new day may have moved this user into another segment (a birthday): the rooms of
        the old one are dropped at once, before the sweep removes the membership rows."""
        today = policy.today()
        if today == self.segment_day:
            return
        self.segment_day = today
        current = await database_sync_to_async(_room_ids)(self.user)
        for room_id in self.room_ids - current:
            await self._unsubscribe(room_id)

    async def room_message(self, event):
        await self._segment_current()
        message = event["message"]
        if message["room_id"] in self.room_ids and message["user_id"] not in self.blocked:
            await self.send_json({"type": "room.message", "message": message})

    async def dm_message(self, event):
        message = event["message"]
        other = (
            message["recipient_id"]
            if message["sender_id"] == self.user.pk
            else message["sender_id"]
        )
        if other not in self.blocked:
            frame = {"type": "dm.message", "message": message}
            # From someone new (only in the recipient's event): the prompt and the blur hints.
            frame.update({key: event[key] for key in FIRST_CONTACT_KEYS if key in event})
            await self.send_json(frame)

    async def room_member(self, event):
        room_id, user_id, kind = event["room_id"], event["user_id"], event["event"]
        frame = {
            "type": "room.member",
            "room_id": room_id,
            "user_id": user_id,
            "event": kind,
            "role": event.get("role"),
        }
        if user_id == self.user.pk:
            if kind == "joined":
                if room_id in self.room_ids:
                    return  # the room-group copy of the event we already handled
                await self._subscribe(room_id)
            elif kind in ("left", "kicked", "banned"):
                if room_id not in self.room_ids:
                    return
                await self._unsubscribe(room_id)
            await self.send_json(frame)
        elif room_id in self.room_ids and user_id not in self.blocked:
            await self.send_json(frame)

    async def typing(self, event):
        sender = event["user_id"]
        if sender == self.user.pk or sender in self.blocked:
            return
        if "room_id" in event:
            await self._segment_current()
        if "room_id" in event and event["room_id"] not in self.room_ids:
            return
        frame = {"type": "typing", "user_id": sender, "state": event["state"]}
        if "room_id" in event:
            frame["room_id"] = event["room_id"]
        else:
            frame["from"] = event["from"]
        await self.send_json(frame)

    async def presence(self, event):
        if event["user_id"] in self.blocked:
            return
        await self.send_json(
            {
                "type": "presence",
                "user_id": event["user_id"],
                "status": event["status"],
                "activity": event.get("activity"),
                "room_id": event.get("room_id"),
            }
        )

    async def notice(self, event):
        # An action against me (``action``) or one of my reports closed (``report``).
        await self.send_json(
            {"type": "notice", **{k: event[k] for k in ("action", "report") if k in event}}
        )

    async def room_invite(self, event):
        # An invitation to a room (rooms.services.room_invite_create); never from someone blocked.
        if event["invited_by"]["user_id"] in self.blocked:
            return
        fields = ("room_id", "room", "invitee", "invited_by", "created_at", "expires_at")
        await self.send_json({"type": "room.invite", **{key: event[key] for key in fields}})

    async def block_changed(self, event):
        self.blocked = await database_sync_to_async(policy.blocked_user_ids)(self.user)
        other = event["user_id"]
        # Tell the page, so an open conversation with that person can close with a sentence.
        await self.send_json({"type": "block", "user_id": other, "blocked": other in self.blocked})

    async def socket_close(self, event):
        token_key, session_key = event.get("token_key"), event.get("session_key")
        close_all = token_key is None and session_key is None
        same_token = token_key is not None and token_key == self.scope.get("token_key")
        same_session = session_key is not None and session_key == self._session_key()
        matches = close_all or same_token or same_session
        if matches:
            for group in list(self.groups_joined):  # stop delivery at once, before the close
                await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.clear()
            self.room_ids.clear()
            await self.close(code=CLOSE_CODE)

    async def layer_gap(self, event):
        """The channel layer lost its Redis subscription for a while (wya.layers): events may
        have been missed, so close with 1012; the client reconnects and catches up (after=)."""
        for group in list(self.groups_joined):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined.clear()
        await self.close(code=RECONNECT_CODE)

    def _session_key(self) -> str | None:
        """The browser session behind this socket: its cookie, or the one its ticket named."""
        if self.scope.get("auth_via") == "ticket":
            return self.scope.get("ticket_session_key")
        if self.scope.get("auth_via") != "session":
            return None
        session = self.scope.get("session")
        return getattr(session, "session_key", None)

    # --- Output ------------------------------------------------------------------------------
    # Every frame and the close go through the socket's bounded Outbox (messaging/outbox.py):
    # the consumer never waits on a client that does not read; past WS_SEND_BACKLOG_BYTES of
    # unread output the socket is dropped. (accept goes straight to the server, before any.)
    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.base_send, limit=settings.WS_SEND_BACKLOG_BYTES)

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        if text_data is not None:
            await self.outbox.send({"type": "websocket.send", "text": text_data})
        elif bytes_data is not None:
            await self.outbox.send({"type": "websocket.send", "bytes": bytes_data})
        if close:
            await self.close(close if close is not True else None)

    async def close(self, code=None, reason=None) -> None:
        message: dict = {"type": "websocket.close"}
        if code is not None:
            message["code"] = code
        if reason:
            message["reason"] = reason
        await self.outbox.send(message)

    async def send_json(self, payload: dict) -> None:
        await self.send(text_data=json.dumps(payload, default=str))

    async def send_error(self, code: str, detail: str, client_id=None) -> None:
        frame = {"type": "error", "code": code, "detail": detail}
        if client_id is not None:
            frame["client_id"] = client_id
        await self.send_json(frame)
