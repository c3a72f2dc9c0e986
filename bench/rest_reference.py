#!/usr/bin/env python
"""The REST reference server of bench/rest.py: the same three GETs as WYA, no framework.

    .venv/bin/python bench/rest_reference.py --port 24100 \
        --database postgres://postgres@127.0.0.1:5432/wya_scale --secret-key KEY

One asyncio (uvloop) process, a hand-written HTTP/1.1 keep-alive loop, a psycopg async pool and
hand-written SQL doing the equivalent work of WYA's views on the same tables:

- ``GET /api/rooms/<id>/messages/?limit=50``: token → user; membership (not banned); the newest
  ``limit`` messages minus authors blocked either way, in ascending id order;
- ``GET /api/discover/people/``: token → user; the caller's location; ONE statement with the
  same rules (active, same age segment, not the caller, no block either way, no restriction in
  force), the three tiers, the keyed MD5 order and ``limit`` per tier (a window function);
- ``GET /api/discover/rooms/``: the same for public, not full rooms the caller is not in, by
  the owner's location.

Each response carries ``X-Queries`` (the statements it ran). The reference does not validate
input beyond what it needs, renders no error bodies of note and has no middleware: it is the
floor that the database and the HTTP hop cost, not a second implementation to maintain. The
"nearby" tier uses a plain box of ±1.5 grid cells (WYA: the exact neighbouring cells).
"""

import argparse
import asyncio
import datetime as dt
import hashlib
import hmac
import json
import math
import re
import signal

import uvloop
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

LAT_STEP = 0.01
HISTORY = re.compile(r"^/api/rooms/(\d+)/messages/$")
ADULT_AGE, MINIMUM_AGE = 18, 13

AUTH = """
SELECT u.id, u.date_of_birth FROM authtoken_token t JOIN auth_users u ON u.id = t.user_id
WHERE t.key = %s AND u.is_active
"""
MEMBER = "SELECT 1 FROM chat_room_members WHERE room_id = %s AND user_id = %s AND NOT is_banned"
PAGE = """
SELECT m.id, m.room_id, m.user_id, m.message, m.media_url, m.created_at
FROM chat_room_messages m
WHERE m.room_id = %(room)s
  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = %(me)s AND b.blocked_id = m.user_id)
                                            OR (b.blocker_id = m.user_id AND b.blocked_id = %(me)s))
ORDER BY m.id DESC LIMIT %(limit)s
"""
LOCATION = (
    "SELECT city_hash, neighborhood_hash, latitude, longitude FROM locations WHERE user_id = %s"
)
TIER = """
CASE WHEN l.neighborhood_hash = %(hood)s THEN 'neighborhood'
     WHEN l.city_hash = %(city)s THEN 'city'
     WHEN l.latitude BETWEEN %(lat0)s AND %(lat1)s AND l.longitude BETWEEN %(lon0)s AND %(lon1)s
          THEN 'nearby' END
"""
IN_TIER = """
(l.neighborhood_hash = %(hood)s OR l.city_hash = %(city)s
 OR (l.latitude BETWEEN %(lat0)s AND %(lat1)s AND l.longitude BETWEEN %(lon0)s AND %(lon1)s))
"""
VISIBLE = """
u.is_active AND u.id <> %(me)s AND u.date_of_birth > %(dob0)s AND u.date_of_birth <= %(dob1)s
AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = %(me)s AND b.blocked_id = u.id)
                                          OR (b.blocker_id = u.id AND b.blocked_id = %(me)s))
"""
PEOPLE = f"""
SELECT * FROM (
  SELECT u.id, p.display_name, p.avatar_url, p.theme_color, p.location, {TIER} AS tier,
         row_number() OVER (PARTITION BY {TIER}
                            ORDER BY md5(%(prefix)s || u.id) COLLATE "C") AS rank
  FROM locations l JOIN auth_users u ON u.id = l.user_id JOIN user_profiles p ON p.user_id = u.id
  WHERE {IN_TIER} AND {VISIBLE}
    AND NOT EXISTS (SELECT 1 FROM moderation_actions a WHERE a.target_user_id = u.id
                    AND a.action_type = 'restrict' AND (a.duration_minutes IS NULL
                    OR a.created_at + a.duration_minutes * interval '1 minute' > now()))
) ranked WHERE rank <= %(limit)s
"""  # noqa: S608 (constant fragments; the values are parameters)
ROOMS = f"""
SELECT * FROM (
  SELECT r.id, r.room_name, r.description, r.background_color, r.member_count,
         LEAST(r.max_participants, 10) AS capacity, {TIER} AS tier,
         row_number() OVER (PARTITION BY {TIER}
                            ORDER BY md5(%(prefix)s || r.id::text) COLLATE "C") AS rank
  FROM (SELECT r.*, (SELECT count(*) FROM chat_room_members m
                     WHERE m.room_id = r.id AND NOT m.is_banned) AS member_count
        FROM chat_rooms r WHERE r.is_public) r
  JOIN auth_users u ON u.id = r.owner_id JOIN locations l ON l.user_id = r.owner_id
  WHERE {IN_TIER} AND {VISIBLE} AND r.member_count < LEAST(r.max_participants, 10)
    AND NOT EXISTS (SELECT 1 FROM chat_room_members m WHERE m.room_id = r.id AND m.user_id = %(me)s)
) ranked WHERE rank <= %(limit)s
"""  # noqa: S608 (constant fragments; the values are parameters)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


def segment_bounds(dob: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
    """(exclusive lower, inclusive upper) dates of birth of the caller's age segment."""
    adult_latest = _years_before(today, ADULT_AGE)
    if dob <= adult_latest:
        return dt.date(1, 1, 1), adult_latest
    return adult_latest, _years_before(today, MINIMUM_AGE)


def box(lat: float, lon: float) -> tuple[float, float, float, float]:
    row = math.floor((lat + 90.0) / LAT_STEP)
    edge = max(abs(-90 + row * LAT_STEP), abs(-90 + (row + 1) * LAT_STEP))
    columns = max(1, math.floor(360.0 * math.cos(math.radians(edge)) / LAT_STEP + 1e-9))
    step = 360.0 / columns
    return lat - 1.5 * LAT_STEP, lat + 1.5 * LAT_STEP, lon - 1.5 * step, lon + 1.5 * step


class Reference:
    def __init__(self, pool: AsyncConnectionPool, secret_key: str) -> None:
        self.pool = pool
        self.secret_key = secret_key

    def order_prefix(self, viewer: str) -> str:
        day = dt.date.today().isoformat()
        message = f"discovery-order\x00{day}".encode()
        secret = hmac.new(self.secret_key.encode(), message, hashlib.sha256).hexdigest()
        return f"{secret}|{viewer}|"

    async def handle(self, path: str, query: dict, token: str | None) -> tuple[int, object, int]:
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(AUTH, (token or "",))
            user = await cur.fetchone()
            if user is None:
                return 401, {"detail": "Invalid token."}, 1
            limit = int(query.get("limit", "50"))
            match = HISTORY.match(path)
            if match:
                room = int(match.group(1))
                await cur.execute(MEMBER, (room, user["id"]))
                if await cur.fetchone() is None:
                    return 404, {"detail": "No such room."}, 2
                await cur.execute(PAGE, {"room": room, "me": user["id"], "limit": limit + 1})
                rows = await cur.fetchall()
                page = list(reversed(rows[:limit]))
                for row in page:
                    row["created_at"] = row["created_at"].isoformat()
                return 200, {"results": page, "has_more": len(rows) > limit}, 3
            if path in ("/api/discover/people/", "/api/discover/rooms/"):
                await cur.execute(LOCATION, (user["id"],))
                here = await cur.fetchone()
                if here is None:
                    return 409, {"code": "location_required"}, 2
                lat0, lat1, lon0, lon1 = (
                    box(float(here["latitude"]), float(here["longitude"]))
                    if here["latitude"] is not None
                    else (1000.0, 1000.0, 1000.0, 1000.0)
                )
                dob0, dob1 = segment_bounds(user["date_of_birth"], dt.date.today())
                params = {
                    "hood": here["neighborhood_hash"] or "",
                    "city": here["city_hash"],
                    **{"lat0": lat0, "lat1": lat1, "lon0": lon0, "lon1": lon1},
                    **{"me": user["id"], "dob0": dob0, "dob1": dob1, "limit": limit},
                    "prefix": self.order_prefix(user["id"]),
                }
                people = path.endswith("people/")
                await cur.execute(PEOPLE if people else ROOMS, params)
                tiers: dict[str, list] = {"neighborhood": [], "city": [], "nearby": []}
                for row in sorted(await cur.fetchall(), key=lambda r: r["rank"]):
                    tier = row.pop("tier")
                    row.pop("rank")
                    tiers[tier].append(row)
                return 200, tiers, 3
            return 404, {"detail": "Not found."}, 1


async def serve_client(ref: Reference, reader, writer) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            _method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            path, _, qs = target.partition("?")
            query = dict(part.split("=", 1) for part in qs.split("&") if "=" in part)
            auth = headers.get("authorization", "")
            token = auth[6:] if auth.startswith("Token ") else None
            status, body, queries = await ref.handle(path, query, token)
            payload = json.dumps(body, default=str).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nX-Queries: {queries}\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=24100)
    parser.add_argument("--database", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--pool", type=int, default=10)
    args = parser.parse_args()
    pool = AsyncConnectionPool(args.database, min_size=2, max_size=args.pool, open=False)
    await pool.open()
    ref = Reference(pool, args.secret_key)
    server = await asyncio.start_server(
        lambda r, w: serve_client(ref, r, w), "127.0.0.1", args.port
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    await pool.close()


if __name__ == "__main__":
    uvloop.run(main())
