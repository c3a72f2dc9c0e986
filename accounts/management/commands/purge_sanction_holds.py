"""``manage.py purge_sanction_holds``: delete the sanction holds whose end has passed.

Ended holds are already ignored by registration; this only stops keeping them (docs/accounts.md
"Deletion and retention": a hold is kept until its sanction would have ended). Run it daily
from cron or a scheduler next to the other sweeps.
"""

from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = "Delete sanction holds (kept for deleted accounts) whose end has passed."

    def handle(self, *args, **options):
        deleted = services.sanction_holds_purge()
        self.stdout.write(f"Deleted {deleted} ended sanction hold(s).")
