"""``manage.py wait_for_db``: wait until the database accepts connections (container start)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections


class Command(BaseCommand):
    help = "Wait until the database accepts connections."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between tries")

    def handle(self, *args, timeout, interval, **options):
        deadline = time.monotonic() + timeout
        connection = connections[DEFAULT_DB_ALIAS]
        attempt = 0
        while True:
            attempt += 1
            try:
                connection.ensure_connection()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except Exception as exc:
                connection.close()
                if time.monotonic() >= deadline:
                    raise CommandError(
                        f"The database is not reachable after {timeout:g} s ({type(exc).__name__})."
                    ) from exc
                if attempt == 1 or attempt % 10 == 0:
                    self.stderr.write(f"Waiting for the database ({type(exc).__name__}) ...")
                time.sleep(interval)
                continue
            connection.close()
            self.stdout.write("The database is reachable.")
            return
