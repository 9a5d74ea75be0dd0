"""Readiness checks: the database is reachable, its migrations are applied, and the Celery
broker is reachable when one is configured. Each returns ``(ok, detail)``; details name the
kind of failure only (no host names, no credentials)."""

from __future__ import annotations

import contextlib
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# migrations, once found applied, are not looked at again for this long (seconds): loading the
# migration graph on every probe is wasteful, and a deployment only adds migrations
MIGRATIONS_CACHE_SECONDS = 300
BROKER_TIMEOUT_SECONDS = 3

_migrations_ok_until = 0.0
_lock = threading.Lock()


def check_database() -> tuple[bool, str]:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # a broken connection must not be reused by the next request of this thread
        with contextlib.suppress(Exception):
            connection.close()
        return False, f"unreachable ({type(exc).__name__})"
    return True, "ok"


def check_migrations() -> tuple[bool, str]:
    global _migrations_ok_until
    if time.monotonic() < _migrations_ok_until:
        return True, "ok"
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return False, f"unknown ({type(exc).__name__})"
    if plan:
        return False, f"{len(plan)} unapplied"
    with _lock:
        _migrations_ok_until = time.monotonic() + MIGRATIONS_CACHE_SECONDS
    return True, "ok"


def broker_configured() -> bool:
    return bool(settings.CELERY_BROKER_URL) and not settings.CELERY_TASK_ALWAYS_EAGER


def check_broker() -> tuple[bool, str]:
    from kombu import Connection

    try:
        with Connection(
            settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS
        ) as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
            )
    except Exception as exc:
        return False, f"unreachable ({type(exc).__name__})"
    return True, "ok"


def readiness() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    database_ok, results["database"] = check_database()
    if database_ok:
        migrations_ok, results["migrations"] = check_migrations()
    else:
        migrations_ok, results["migrations"] = False, "skipped"
    if broker_configured():
        broker_ok, results["broker"] = check_broker()
    else:
        broker_ok, results["broker"] = True, "not configured"
    return database_ok and migrations_ok and broker_ok, results


def reset_cache() -> None:
    global _migrations_ok_until
    _migrations_ok_until = 0.0
