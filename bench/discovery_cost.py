#!/usr/bin/env python
"""The cost of one discovery call, in-process, for callers of the largest city.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wya_scale DATABASE_POOL=false \
        .venv/bin/python bench/discovery_cost.py [--callers 6]

For adults of "City 000" of bench/seed_scale.py (which holds ~8 % of everyone) that have a
neighbourhood: the Python CPU time of ``discover_people`` / ``discover_rooms`` (the selector,
not the HTTP layer), the wall time of its SQL as Django's debug cursor records it, the number of
statements and the rows per tier. One warm-up call first. Numbers, not a test.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wya.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from discovery import selectors as discovery  # noqa: E402
from geo import privacy  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callers", type=int, default=6)
    args = parser.parse_args()
    callers = list(
        User.objects.filter(
            geo_location__city_hash=privacy.city_hash("City 000"),
            geo_location__neighborhood_hash__isnull=False,
            date_of_birth__lt="2000-01-01",
        ).order_by("pk")[: args.callers]
    )
    for name in ("discover_people", "discover_rooms"):
        selector = getattr(discovery, name)
        selector(callers[0])
        cpu, sql, statements, sizes = [], [], [], None
        for caller in callers:
            started = time.process_time()
            with CaptureQueriesContext(connection) as queries:
                tiers = selector(caller)
            cpu.append(1000 * (time.process_time() - started))
            sql.append(1000 * sum(float(q["time"]) for q in queries.captured_queries))
            statements.append(len(queries.captured_queries))
            sizes = {tier: len(rows) for tier, rows in tiers.items()}
        print(
            f"{name}: Python CPU median {statistics.median(cpu):.0f} ms, SQL wall median "
            f"{statistics.median(sql):.0f} ms (max {max(sql):.0f}), statements "
            f"{min(statements)}-{max(statements)}, last caller's tiers {sizes}"
        )
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
