"""Write transactions: one lock order, and a bounded retry of what PostgreSQL cancels.

Every write locks the klant row first (``SELECT ... FOR UPDATE``, see
``wijzigingen.vergrendel``) and only then reads or writes the rows that hang off it, so two
writes of one klant queue up instead of deadlocking, and a delete never collects its cascade
while another write adds a row to it. A few rows are shared by many klanten (the counters the
triggers keep, the klantnummer counter, unique index entries), so PostgreSQL may still cancel
one of two transactions (deadlock ``40P01``, serialization failure ``40001``): the outermost
write transaction then simply runs again, at most ``POGINGEN`` times in all, before the error
reaches the caller.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import wraps

import structlog
from django.db import OperationalError, connection, transaction

logger = structlog.stdlib.get_logger(__name__)

POGINGEN = 4
# the SQLSTATEs of a transaction PostgreSQL cancelled to let another one finish
GEANNULEERD = frozenset({"40P01", "40001"})


def geannuleerd(exc: BaseException) -> bool:
    """Whether PostgreSQL cancelled the transaction (deadlock or serialization failure)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return state in GEANNULEERD


def uitvoeren[T](func: Callable[..., T], *args, **kwargs) -> T:
    """Run ``func`` in a transaction. As the outermost transaction it is run again when
    PostgreSQL cancelled it; inside another transaction it runs once (in a savepoint) and the
    outermost one decides."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return func(*args, **kwargs)
    poging = 1
    while True:
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except OperationalError as exc:
            if poging >= POGINGEN or not geannuleerd(exc):
                raise
            logger.warning("transaction_retried", poging=poging, error=type(exc).__name__)
        poging += 1
        time.sleep(random.uniform(0.005, 0.05) * poging)  # noqa: S311 - jitter, not security


def schrijfactie[T](func: Callable[..., T]) -> Callable[..., T]:
    """Decorator: ``func`` is a write, run by :func:`uitvoeren`."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        return uitvoeren(func, *args, **kwargs)

    return wrapper
