from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from wya.schema_lock import differences, load_lock


class Command(BaseCommand):
    help = "Compare the live database with docs/alpha-schema-lock.json; exit 1 on any difference."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(
                f"check_schema_lock compares PostgreSQL types; this database is {connection.vendor}. "
                "Point DATABASE_URL at PostgreSQL."
            )
        lock = load_lock()
        diffs = differences(connection, lock)
        for line in diffs:
            self.stdout.write(line)
        if diffs:
            raise CommandError(f"{len(diffs)} difference(s) from the Alpha schema lock.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Schema matches the Alpha lock: {len(lock['tables'])} tables checked."
            )
        )
