"""``manage.py segment_sweep``: apply birthdays to room memberships (one pass).

Access already follows the segment of the moment; this pass cleans the rows: people who turned 18
leave teen rooms, a teen room whose owner turned 18 passes to its senior teen. Run it every few
minutes (deploy/run-production.sh does).
"""

from django.core.management.base import BaseCommand

from rooms.services import rooms_segment_sweep


class Command(BaseCommand):
    help = "Move people who crossed 18 out of teen rooms (hand over rooms whose owner crossed)."

    def handle(self, *args, **options):
        counts = rooms_segment_sweep()
        self.stdout.write(
            f"segment_sweep: {counts['handed_over']} room(s) handed over, "
            f"{counts['removed']} membership(s) removed"
        )
