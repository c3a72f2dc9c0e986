#!/usr/bin/env python
"""The minimal reference server: the same frames as docs/live.md, no framework.

    .venv/bin/python bench/reference.py --port 20200 --mode pg \
        --redis redis://127.0.0.1:20379/0 --database postgres://postgres@127.0.0.1:5432/wya_h10_ref

One asyncio process (``websockets``). A client connects to ``/ws/?user=<id>&room=<room id>``
(no authentication: the reference measures the transport, not the rules) and sends
``room.send {room_id, message, client_id}`` frames; every socket of the room gets
``{"type": "room.message", "message": {id, room_id, user_id, message, media_url, created_at}}``
and the sender gets ``{"type": "ack", "client_id", "id"}``. Modes, each adding one hop:

- ``bare``: broadcast to the room's sockets in this process, ids from a counter;
- ``redis``: publish to the Redis channel ``<prefix>room.<id>``; every process subscribes to
  the rooms of its sockets and fans out what it receives (one process here, but the same hop);
- ``pg``: as ``redis``, after an ``INSERT ... RETURNING id`` committed in PostgreSQL, before
  the ack (persist, then publish, then ack, the order WYA keeps).

SIGTERM/SIGINT close every socket with 1012 (service restart) and exit.
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import json
import logging
import signal
from collections import defaultdict
from urllib.parse import parse_qs, urlparse

from websockets.asyncio.server import serve

CREATE = """
CREATE TABLE IF NOT EXISTS bench_reference_message (
    id bigserial PRIMARY KEY,
    room_id integer NOT NULL,
    user_id varchar(255) NOT NULL,
    message text NOT NULL,
    created_at timestamptz NOT NULL
)"""
INSERT = (
    "INSERT INTO bench_reference_message (room_id, user_id, message, created_at) "
    "VALUES (%s, %s, %s, %s) RETURNING id"
)


class Reference:
    def __init__(self, mode: str, redis_url: str, database: str, prefix: str):
        self.mode, self.redis_url, self.database, self.prefix = mode, redis_url, database, prefix
        self.rooms: dict[int, set] = defaultdict(set)
        self.ids = itertools.count(1)
        self.pool = None
        self.redis = None
        self.pubsub = None

    async def start(self) -> None:
        if self.mode in ("redis", "pg"):
            import redis.asyncio as aioredis

            pool = aioredis.BlockingConnectionPool.from_url(self.redis_url, max_connections=16)
            self.redis = aioredis.Redis(connection_pool=pool)
            self.pubsub = self.redis.pubsub()
            await self.pubsub.subscribe(f"{self.prefix}ready")
            asyncio.create_task(self._listen())
        if self.mode == "pg":
            from psycopg_pool import AsyncConnectionPool

            self.pool = AsyncConnectionPool(
                self.database, min_size=4, max_size=4, kwargs={"autocommit": True}, open=False
            )
            await self.pool.open(wait=True)
            async with self.pool.connection() as conn:
                await conn.execute(CREATE)

    async def _listen(self) -> None:
        async for item in self.pubsub.listen():
            if item["type"] != "message":
                continue
            channel = item["channel"].decode()
            room_id = int(channel.rsplit(".", 1)[1])
            self._fan_out(room_id, item["data"].decode())

    def _fan_out(self, room_id: int, text: str) -> None:
        for ws in list(self.rooms.get(room_id, ())):
            asyncio.create_task(self._send(ws, text))

    async def _send(self, ws, text: str) -> None:
        with contextlib.suppress(Exception):  # a closed socket; its handler cleans up
            await ws.send(text)

    async def handle(self, ws) -> None:
        query = parse_qs(urlparse(ws.request.path).query)
        user_id = query["user"][0]
        room_id = int(query["room"][0])
        if not self.rooms[room_id] and self.pubsub is not None:
            await self.pubsub.subscribe(f"{self.prefix}room.{room_id}")
        self.rooms[room_id].add(ws)
        try:
            async for raw in ws:
                await self.on_frame(ws, user_id, room_id, raw)
        finally:
            self.rooms[room_id].discard(ws)

    async def on_frame(self, ws, user_id: str, room_id: int, raw) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            return await ws.send(json.dumps({"type": "error", "code": "invalid", "detail": "JSON"}))
        if frame.get("type") == "ping":
            return await ws.send('{"type": "pong"}')
        if frame.get("type") != "room.send" or frame.get("room_id") != room_id:
            return await ws.send(json.dumps({"type": "error", "code": "invalid", "detail": "?"}))
        now = dt.datetime.now(dt.UTC)
        text = frame.get("message") or ""
        if self.pool is not None:
            async with self.pool.connection() as conn:
                cursor = await conn.execute(INSERT, (room_id, user_id, text, now))
                message_id = (await cursor.fetchone())[0]
        else:
            message_id = next(self.ids)
        event = json.dumps(
            {
                "type": "room.message",
                "message": {
                    "id": message_id,
                    "room_id": room_id,
                    "user_id": user_id,
                    "message": text,
                    "media_url": None,
                    "created_at": now.isoformat(),
                },
            }
        )
        if self.redis is not None:
            await self.redis.publish(f"{self.prefix}room.{room_id}", event)
        else:
            self._fan_out(room_id, event)
        await ws.send(
            json.dumps({"type": "ack", "client_id": frame.get("client_id"), "id": message_id})
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=("bare", "redis", "pg"), default="pg")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--database", default="")
    parser.add_argument("--prefix", default="wya-h10-ref:")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the reference binds loopback only")
    logging.getLogger("websockets").setLevel(logging.CRITICAL)  # port probes, closed peers
    reference = Reference(args.mode, args.redis, args.database, args.prefix)
    await reference.start()
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: stop.done() or stop.set_result(1)
        )
    async with serve(reference.handle, args.host, args.port, max_size=2**16) as server:
        print(f"reference {args.mode} on {args.host}:{args.port}", flush=True)
        await stop
        server.close(close_connections=False)
        for sockets in reference.rooms.values():
            for ws in list(sockets):
                await ws.close(1012, "restarting")
    if reference.pool is not None:
        await reference.pool.close()


if __name__ == "__main__":
    asyncio.run(main())
