"""``manage.py purge_expired_locations``: delete teens' locations past TEEN_LOCATION_TTL_HOURS
(one pass). They already count as not set everywhere; this removes the rows themselves (data
minimisation, docs/location-privacy.md "Teens"). Run it every few minutes, beside segment_sweep
(docs/deploy.md, workers).
"""

from django.core.management.base import BaseCommand

from geo.services import expired_teen_locations_delete


class Command(BaseCommand):
    help = "Delete teens' approximate locations older than TEEN_LOCATION_TTL_HOURS."

    def handle(self, *args, **options):
        deleted = expired_teen_locations_delete()
        self.stdout.write(f"purge_expired_locations: {deleted} expired teen location(s) deleted")
