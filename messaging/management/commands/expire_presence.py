"""Mark users whose heartbeat stopped as offline (and tell the people who may see them).

``manage.py expire_presence`` does one pass; ``--loop`` keeps running every ``--interval``
seconds until SIGTERM or SIGINT, finishing the pass in progress before it stops.
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from messaging.services import presence_expire_stale

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Mark presence rows with a stale heartbeat offline (one pass, or --loop)."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stopping = threading.Event()

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running until a signal")
        parser.add_argument(
            "--interval", type=float, default=15.0, help="seconds between passes (with --loop)"
        )

    def step(self) -> int:
        """One pass: returns how many users were marked offline."""
        expired = presence_expire_stale()
        if expired:
            self.stdout.write(f"marked {len(expired)} user(s) offline")
        return len(expired)

    def stop(self, *_args) -> None:
        self.stopping.set()

    def handle(self, *args, loop=False, interval=15.0, **options):
        if not loop:
            count = self.step()
            self.stdout.write(f"expire_presence: {count} user(s) marked offline")
            return
        if interval <= 0:
            raise CommandError("--interval must be positive.")
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.stdout.write(f"expire_presence: running every {interval:g}s (stop with SIGTERM)")
        self.stdout.flush()
        while not self.stopping.is_set():
            close_old_connections()
            try:
                self.step()
            except Exception:  # a database hiccup must not end the worker
                logger.exception("expire_presence pass failed")
            self.stopping.wait(interval)
        self.stdout.write("expire_presence: stopped")
