"""Fill a PostgreSQL database with a large, believable world for bench/rest.py (docs/performance-rest.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wya_scale .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wya_scale .venv/bin/python bench/seed_scale.py \
        --users 100000 --rooms 10000 --reset

What it writes (everything with COPY, in one transaction; about a minute for the default sizes):
- users: ~80 % adults and ~20 % teens (13-17), a few inactive, all with the same password
  (``--password``, hashed once), each with a profile, a presence row and an API token;
- locations: 400 cities of Zipf-like sizes (the largest holds ~8 % of everyone) grouped in 40
  regions whose cities sit a few grid cells apart (so "nearby" is populated), 12 neighbourhoods
  per city, positions jittered around the city centre. Names become hashes and positions cell
  centres with ``geo.privacy`` — the very functions ``geo.services.location_set`` uses;
- rooms: owned by users with a location; members (owner included, at most 10) drawn from the
  owner's city AND age segment (so no room crosses a segment, as the services guarantee), a few
  members banned; ~80 % public;
- messages: ``--hot-rooms`` rooms get ``--hot-messages`` messages each (the pages bench/rest.py
  reads), the others 0-20;
- blocks between people of a city, and a few active ``restrict`` actions.

Only for a benchmark database: ``--reset`` empties the tables it fills first. Per-row services
are not called (100,000 calls would take hours); the invariants they keep are kept here by
construction (segments, cell snapping, hashes, membership limits).
"""

import argparse
import datetime as dt
import os
import random
import secrets
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wya.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from geo import privacy  # noqa: E402

TABLES = [
    "chat_room_messages",
    "chat_room_members",
    "presence",
    "chat_rooms",
    "blocks",
    "moderation_actions",
    "locations",
    "authtoken_token",
    "user_profiles",
    "auth_users",
]
COLORS = ["#7A5AF8", "#F04438", "#12B76A", "#2E90FA", "#F79009", "#EE46BC"]
WORDS = [
    "hey",
    "anyone",
    "around",
    "tonight",
    "coffee",
    "later",
    "the",
    "park",
    "is",
    "busy",
    "new",
    "here",
    "hi",
    "all",
    "up",
    "see",
    "you",
    "at",
    "the",
    "station",
    "who",
    "is",
    "going",
    "concert",
    "tickets",
    "rain",
    "again",
    "lunch",
    "spot",
    "ideas",
]


def copy(cursor, table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples; None is NULL) into table. Returns the row count."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
        for row in rows:
            out.write_row(row)
            count += 1
    return count


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14)))


def birth_date(rng: random.Random, today: dt.date, teen: bool) -> dt.date:
    days = rng.randint(13 * 366, 18 * 365 - 2) if teen else rng.randint(18 * 366 + 2, 70 * 365)
    return today - dt.timedelta(days=days)


def build_cities(rng: random.Random, count: int, regions: int) -> list[dict]:
    cities = []
    centres = [(rng.uniform(-45, 60), rng.uniform(-170, 170)) for _ in range(regions)]
    for i in range(count):
        lat0, lon0 = centres[i % regions]
        # cities of a region 0.02-0.06 degrees apart: neighbouring cells hold other cities
        lat = lat0 + rng.uniform(-0.06, 0.06)
        lon = lon0 + rng.uniform(-0.06, 0.06)
        name = f"City {i:03d}"
        cities.append(
            {
                "name": name,
                "lat": lat,
                "lon": lon,
                "hash": privacy.city_hash(name),
                "hoods": [privacy.neighborhood_hash(name, f"Quarter {j}") for j in range(12)],
            }
        )
    return cities


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument("--cities", type=int, default=400)
    parser.add_argument("--regions", type=int, default=40)
    parser.add_argument("--hot-rooms", type=int, default=1_000)
    parser.add_argument("--hot-messages", type=int, default=250)
    parser.add_argument("--blocks", type=int, default=20_000)
    parser.add_argument("--password", default="bench-pass-2026")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--reset", action="store_true", help="empty the tables first")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/seed_scale.py needs PostgreSQL (DATABASE_URL=postgres://…)")
    rng = random.Random(args.seed)
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    password = make_password(args.password)
    cities = build_cities(rng, args.cities, args.regions)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(args.cities)]

    users = []  # (id, city index, teen, active)
    for _ in range(args.users):
        users.append(
            (
                str(uuid.uuid4()),
                rng.choices(range(args.cities), weights)[0],
                rng.random() < 0.2,
                rng.random() > 0.01,
            )
        )
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if args.reset:
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        raw = cursor.cursor  # the psycopg cursor, for COPY
        counts["users"] = copy(
            raw,
            "auth_users",
            [
                "id",
                "email",
                "password",
                "is_superuser",
                "is_staff",
                "is_active",
                "email_verified",
                "date_of_birth",
                "created_at",
            ],
            (
                (
                    uid,
                    f"u{n}@scale.wya.test",
                    password,
                    False,
                    False,
                    active,
                    True,
                    birth_date(rng, today, teen),
                    now - dt.timedelta(days=rng.randint(1, 400)),
                )
                for n, (uid, _, teen, active) in enumerate(users)
            ),
        )
        counts["profiles"] = copy(
            raw,
            "user_profiles",
            [
                "user_id",
                "display_name",
                "bio",
                "theme_color",
                "location",
                "created_at",
                "updated_at",
            ],
            (
                (
                    uid,
                    f"Person {n}",
                    sentence(rng) if n % 3 == 0 else None,
                    rng.choice(COLORS),
                    cities[c]["name"],
                    now,
                    now,
                )
                for n, (uid, c, _, _) in enumerate(users)
            ),
        )
        counts["tokens"] = copy(
            raw,
            "authtoken_token",
            ["key", "user_id", "created"],
            ((secrets.token_hex(20), uid, now) for uid, _, _, _ in users),
        )
        counts["presence"] = copy(
            raw,
            "presence",
            ["user_id", "status", "activity", "last_seen_at", "updated_at"],
            (
                (
                    uid,
                    status,
                    "browsing" if status != "offline" else None,
                    now - dt.timedelta(seconds=rng.randint(0, 86_400)),
                    now,
                )
                for uid, _, _, _ in users
                for status in [rng.choices(["online", "away", "offline"], [2, 1, 7])[0]]
            ),
        )

        def location_row(uid: str, c: int):
            city = cities[c]
            lat, lon = privacy.snap(
                city["lat"] + rng.uniform(-0.02, 0.02), city["lon"] + rng.uniform(-0.02, 0.02)
            )
            hood = rng.choice(city["hoods"]) if rng.random() < 0.7 else None
            return (uid, city["hash"], hood, lat, lon, now)

        located = [u for u in users if rng.random() < 0.95]
        counts["locations"] = copy(
            raw,
            "locations",
            ["user_id", "city_hash", "neighborhood_hash", "latitude", "longitude", "updated_at"],
            (location_row(uid, c) for uid, c, _, _ in located),
        )

        pools: dict[tuple[int, bool], list[str]] = {}
        for uid, c, teen, active in located:
            if active:
                pools.setdefault((c, teen), []).append(uid)
        owners = rng.sample([u for u in located if u[3]], args.rooms)
        rooms, members = [], []
        for room_id, (uid, c, teen, _) in enumerate(owners, start=1):
            rooms.append(
                (
                    room_id,
                    f"Room {room_id}",
                    sentence(rng),
                    rng.random() < 0.8,
                    rng.choice(COLORS),
                    10,
                    now,
                    now,
                    uid,
                )
            )
            pool = pools[(c, teen)]
            size = min(len(pool), rng.randint(1, 10))
            chosen = {uid}
            while len(chosen) < size:
                chosen.add(rng.choice(pool))
            for member in chosen:
                role = "OWNR" if member == uid else ("MOD" if rng.random() < 0.1 else "USER")
                banned = role == "USER" and rng.random() < 0.02
                members.append((room_id, member, role, banned, now))
        counts["rooms"] = copy(
            raw,
            "chat_rooms",
            [
                "id",
                "room_name",
                "description",
                "is_public",
                "background_color",
                "max_participants",
                "created_at",
                "updated_at",
                "owner_id",
            ],
            rooms,
        )
        counts["members"] = copy(
            raw,
            "chat_room_members",
            ["room_id", "user_id", "role", "is_banned", "joined_at"],
            members,
        )
        by_room: dict[int, list[str]] = {}
        for room_id, member, _, banned, _ in members:
            if not banned:
                by_room.setdefault(room_id, []).append(member)
        crowded = sorted(by_room, key=lambda r: -len(by_room[r]))
        hot = set(crowded[: args.hot_rooms])

        def messages():
            for room_id, authors in by_room.items():
                n = args.hot_messages if room_id in hot else rng.randint(0, 20)
                at = now - dt.timedelta(hours=n)
                for _ in range(n):
                    at += dt.timedelta(minutes=rng.randint(1, 59))
                    yield (room_id, rng.choice(authors), sentence(rng), None, at)

        counts["messages"] = copy(
            raw,
            "chat_room_messages",
            ["room_id", "user_id", "message", "media_url", "created_at"],
            messages(),
        )

        def blocks():
            seen = set()
            all_pools = [p for p in pools.values() if len(p) > 1]
            sizes = [len(p) for p in all_pools]
            while len(seen) < args.blocks:
                pool = rng.choices(all_pools, sizes)[0]
                a, b = rng.sample(pool, 2)
                if (a, b) not in seen:
                    seen.add((a, b))
                    yield (a, b, now)

        counts["blocks"] = copy(raw, "blocks", ["blocker_id", "blocked_id", "created_at"], blocks())
        moderator = users[0][0]
        restricted = rng.sample(users, max(1, args.users // 200))
        counts["restrictions"] = copy(
            raw,
            "moderation_actions",
            [
                "moderator_id",
                "target_user_id",
                "action_type",
                "reason",
                "duration_minutes",
                "created_at",
            ],
            ((moderator, uid, "restrict", "bench", None, now) for uid, _, _, _ in restricted),
        )
        for table in (
            "chat_rooms",
            "chat_room_members",
            "chat_room_messages",
            "user_profiles",
            "moderation_actions",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (fixed names)
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # statistics and the visibility map, as in steady state
    elapsed = time.monotonic() - started
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    biggest = max(sum(1 for u in users if u[1] == c) for c in range(min(3, args.cities)))
    print(f"largest city: {biggest} users; database {settings.DATABASES['default']['NAME']}")
    print(f"seeded in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
