#!/usr/bin/env python
"""Benchmark people discovery: latency and query count for N candidates in the caller's city.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wya .venv/bin/python scripts/bench_discovery.py \
        --people 1000 --runs 30

Makes N throwaway adults with locations (a third in the caller's neighbourhood, a third in the
city, a third in a neighbouring cell of another city), calls the same selector the API uses
(``discovery.selectors.discover_people``) ``--runs`` times, prints p50/p95 latency and the queries per
call, then deletes what it made. Bounded loops; the configured database only.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wya.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000, help="candidates (10..50000)")
    parser.add_argument("--runs", type=int, default=30, help="calls to time (1..1000)")
    args = parser.parse_args()
    if not 10 <= args.people <= 50000 or not 1 <= args.runs <= 1000:
        parser.error("--people 10..50000, --runs 1..1000")

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Profile, User
    from discovery.selectors import discover_people
    from geo.models import Location
    from geo.services import location_set
    from tests.factories import birth_date_for_age

    tag = uuid.uuid4().hex[:8]
    password = make_password(None)
    dob = birth_date_for_age(30)
    users = User.objects.bulk_create(
        User(email=f"bench-{tag}-{n}@example.test", password=password, date_of_birth=dob)
        for n in range(args.people + 1)
    )
    Profile.objects.bulk_create(
        Profile(user=u, display_name=f"bench {n}") for n, u in enumerate(users)
    )
    viewer, people = users[0], users[1:]
    try:
        location_set(
            user=viewer, city="Benchville", neighborhood="Old Town", latitude=48.2, longitude=16.37
        )
        template = {
            0: location_set(
                user=people[0],
                city="Benchville",
                neighborhood="Old Town",
                latitude=48.2,
                longitude=16.37,
            ),
            1: location_set(
                user=people[1],
                city="Benchville",
                neighborhood="Harbour",
                latitude=48.21,
                longitude=16.38,
            ),
            2: location_set(user=people[2], city="Nextdoor", latitude=48.205, longitude=16.375),
        }
        Location.objects.bulk_create(
            Location(
                user=person,
                city_hash=template[n % 3].city_hash,
                neighborhood_hash=template[n % 3].neighborhood_hash,
                latitude=template[n % 3].latitude,
                longitude=template[n % 3].longitude,
            )
            for n, person in enumerate(people[3:], start=3)
        )
        discover_people(viewer)  # warm up
        timings = []
        with CaptureQueriesContext(connection) as queries:
            for _ in range(args.runs):
                started = time.perf_counter()
                result = discover_people(viewer)
                timings.append(time.perf_counter() - started)
        shown = {tier: len(items) for tier, items in result.items()}
        ordered = sorted(timings)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(
            f"database={connection.vendor} candidates={args.people} runs={args.runs} shown={shown}"
        )
        print(
            f"latency p50={statistics.median(ordered) * 1000:.1f}ms p95={p95 * 1000:.1f}ms "
            f"queries/call={len(queries) / args.runs:.0f}"
        )
    finally:
        Location.objects.filter(user__in=users).delete()
        Profile.objects.filter(user__in=users).delete()
        User.objects.filter(pk__in=[u.pk for u in users]).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
