#!/usr/bin/env python
"""Summarise a py-spy raw profile (collapsed stacks, ``py-spy record --format raw``).

    .venv/bin/python bench/profile_summary.py bench/results/<run>-wya-profile.txt [--top 25]

Prints the share of samples spent under each of a few WYA-relevant markers (inclusive), then
the functions with the most inclusive samples. Idle samples (the event loop waiting in
``select``/``epoll``, worker threads waiting for work) are counted separately.
"""

import argparse
import collections
import sys

MARKERS = {
    "database thread (sync_to_async work)": "SyncToAsync.thread_handler",
    "  close_old_connections": "close_old_connections",
    "  SQL execute (psycopg)": "psycopg/cursor.py",
    "  Django cache on Redis (sync)": "django/core/cache/backends/redis.py",
    "  async_to_sync inside the thread": "AsyncToSync.__call__",
    "channel layer (channels_redis)": "channels_redis/",
    "JSON encode/decode": "json/",
    "daphne/twisted/autobahn": "autobahn/",
    "uvicorn protocol": "uvicorn/protocols",
    "consumer dispatch": "await_many_dispatch",
}
IDLE = ("EpollSelector.select", "select (selectors.py", "_worker (concurrent/futures/thread.py:8",
        "Condition.wait", "Event.wait", "queue.py")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    total = idle = 0
    marker = collections.Counter()
    inclusive = collections.Counter()
    own = collections.Counter()
    with open(args.path) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = stack.split(";")
            total += n
            leaf = frames[-1]
            if any(mark in leaf for mark in IDLE):
                idle += n
                continue
            for name, needle in MARKERS.items():
                if needle in stack:
                    marker[name] += n
            for frame in set(frames):
                inclusive[frame.split(" (")[0]] += n
            own[leaf.split(" (")[0] + " (" + leaf.split(" (")[-1].split(":")[0] + ")"] += n
    busy = total - idle
    print(f"samples: {total}, busy {busy} ({busy / max(total, 1):.0%}), idle {idle}")
    for name in MARKERS:
        print(f"  {marker[name] / max(busy, 1):6.1%}  {name}")
    print(f"top {args.top} functions by inclusive share of busy samples:")
    for frame, n in inclusive.most_common(args.top):
        print(f"  {n / max(busy, 1):6.1%}  {frame}")
    print(f"top {args.top} functions by own (leaf) share of busy samples:")
    for frame, n in own.most_common(args.top):
        print(f"  {n / max(busy, 1):6.1%}  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
