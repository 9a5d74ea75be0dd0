"""Write transactions: one lock order, and a bounded retry of what PostgreSQL cancels.

Every write locks the klant row first (``SELECT ... FOR UPDATE``, see
``wijzigingen.vergrendel``) and only then reads or writes the rows that hang off it, so two
writes of one klant queue up instead of deadlocking, and a delete never collects its cascade
while another write adds a row to it. A few rows are shared by many klanten (the counters the
triggers keep, the klantnummer counter, unique index entries), so PostgreSQL may still cancel
one of two transactions (deadlock ``40P01``, serialization failure ``40001``, or a unique
constraint that decides a race, :data:`RACE_CONSTRAINTS`): the outermost
write transaction then simply runs again, at most ``POGINGEN`` times in all, before the error
reaches the caller. An error that carries a repair (``herstel_eerst``, e.g.
``partijherstel.HerstelNodig``: a deletion met legacy data it may not change under the locks
it holds) is handled the same way: the outermost transaction rolls back, the repair runs in a
transaction of its own (holding no other lock, so it cannot deadlock), and the write runs
again; nested, the error reaches the outermost transaction. A write that cannot take a lock
in the one order without giving back locks it holds (a row added to what it locks, between its
read of what to lock and its lock of the row that keeps more from being added) raises
:class:`GelijktijdigeWijziging`: the outermost transaction rolls back, releasing every lock,
and runs the write again from its start (which reads what to lock before its first lock), as
for a deadlock; after the last attempt it reaches the caller, a ``rules.Conflict`` (the API
answers 409 ``gelijktijdige-wijziging``), never a lock out of order.

An API write runs as one such transaction from the lock of its row to its audit record
(:func:`api_schrijfactie`): the view locks the row it read, validates against it and calls the
services, which see that they run inside it and neither open a savepoint (two round trips
each) nor lock the row again (:func:`markeer_vergrendeld`, :func:`is_vergrendeld`).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from functools import cached_property, wraps

import structlog
from django.db import IntegrityError, OperationalError, connection, transaction

from . import rules

logger = structlog.stdlib.get_logger(__name__)

POGINGEN = 4
# the SQLSTATEs of a transaction PostgreSQL cancelled to let another one finish
GEANNULEERD = frozenset({"40P01", "40001"})


# unique constraints that decide a race between two writes that both passed the query check
# of their rule: the loser, run again, sees the winner's row and ends as the check says (K5:
# ``partijsync`` shows the klant as a contactpersoon of the holder of its HR key)
RACE_CONSTRAINTS = frozenset({"een_partij_per_hr_sleutel"})


class GelijktijdigeWijziging(rules.Conflict):
    """A write met a concurrent change it cannot take in without a lock out of the one order
    (e.g. a betrokkene of a klant it did not lock, added before it locked the klantcontact):
    nothing more is done; the outermost write transaction (:func:`uitvoeren`) rolls back,
    releasing every lock, and runs the write again from its start. Still so after the last
    attempt (or nested in a transaction that is not ours, which cannot run again): a
    conflict, 409 ``gelijktijdige-wijziging`` through the API, never a 500 and never a lock
    out of order. ``klant_ids``: the klanten whose write met it, when the caller can leave
    them for later (a retention batch); given as a function (one that reads them), they are
    read on first use only, once: an attempt that runs again, or a caller that does not use
    them, never reads them."""

    code = "gelijktijdige-wijziging"

    def __init__(self, klant_ids: Iterable[int] | Callable[[], Iterable[int]] = ()):
        super().__init__(
            "Het verzoek botste herhaaldelijk met een gelijktijdige wijziging; probeer het "
            "opnieuw.",
            code=self.code,
        )
        self._klant_ids = klant_ids

    @cached_property
    def klant_ids(self) -> frozenset[int]:
        ids = self._klant_ids
        return frozenset(ids() if callable(ids) else ids)


def geannuleerd(exc: BaseException) -> bool:
    """Whether PostgreSQL cancelled the transaction (deadlock or serialization failure), or
    it lost a race decided by one of :data:`RACE_CONSTRAINTS`."""
    if isinstance(exc, IntegrityError):
        return race_constraint(exc) is not None
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return state in GEANNULEERD


def race_constraint(exc: BaseException) -> str | None:
    """The name of the :data:`RACE_CONSTRAINTS` constraint ``exc`` violated, or None."""
    diag = getattr(exc.__cause__, "diag", None)
    naam = getattr(diag, "constraint_name", None)
    return naam if naam in RACE_CONSTRAINTS else None


class _Staat(threading.local):
    # the write transaction this thread is in (a fresh object per attempt), and whether the
    # writes nested in it may skip their savepoints (an API write: every error ends it)
    transactie: object | None = None
    zonder_savepoints: bool = False


_staat = _Staat()


def uitvoeren[T](func: Callable[..., T], *args, **kwargs) -> T:
    """Run ``func`` in a transaction. As the outermost transaction it is run again when
    PostgreSQL cancelled it; inside another transaction it runs once (in a savepoint, or
    without one inside :func:`api_schrijfactie`) and the outermost one decides."""
    return _uitvoeren(func, args, kwargs, zonder_savepoints=False)


def api_schrijfactie[T](func: Callable[..., T], *args, **kwargs) -> T:
    """:func:`uitvoeren` for a write whose every error ends the transaction (an API view: an
    exception leaves the view and becomes its answer): the writes nested in it run without
    savepoints, and rows it locks are known to be locked (:func:`markeer_vergrendeld`)."""
    return _uitvoeren(func, args, kwargs, zonder_savepoints=True)


def _uitvoeren(func, args, kwargs, *, zonder_savepoints: bool):
    if connection.in_atomic_block:
        if _staat.transactie is not None and _staat.zonder_savepoints:
            with transaction.atomic(savepoint=False):
                return func(*args, **kwargs)
        with _eigen_transactie(zonder_savepoints), transaction.atomic():
            return func(*args, **kwargs)
    poging = 1
    while True:
        try:
            with _eigen_transactie(zonder_savepoints), transaction.atomic():
                return func(*args, **kwargs)
        except (OperationalError, IntegrityError) as exc:
            if poging >= POGINGEN or not geannuleerd(exc):
                raise
            logger.warning("transaction_retried", poging=poging, error=type(exc).__name__)
        except GelijktijdigeWijziging as exc:
            if poging >= POGINGEN:
                raise
            # rolled back, no lock held: run again from the start, after a pause as below
            logger.warning("transaction_retried", poging=poging, error=type(exc).__name__)
        except Exception as exc:
            herstel = getattr(exc, "herstel_eerst", None)
            if herstel is None or poging >= POGINGEN:
                raise
            # rolled back, no lock held: the repair runs in a transaction of its own
            logger.warning("transaction_repaired_first", poging=poging, error=type(exc).__name__)
            herstel()
            poging += 1
            continue
        poging += 1
        time.sleep(random.uniform(0.005, 0.05) * poging)  # noqa: S311 - jitter, not security


class _eigen_transactie:  # noqa: N801 - a context manager used like a function
    """Mark the (sub)transaction entered as a write transaction of this thread: a fresh token,
    so a row marked as locked in an earlier attempt or transaction is locked again."""

    def __init__(self, zonder_savepoints: bool):
        self.zonder_savepoints = zonder_savepoints

    def __enter__(self):
        self.vorige = (_staat.transactie, _staat.zonder_savepoints)
        _staat.transactie = object()
        _staat.zonder_savepoints = self.zonder_savepoints
        return self

    def __exit__(self, *exc):
        _staat.transactie, _staat.zonder_savepoints = self.vorige
        return False


def markeer_vergrendeld(instance) -> None:
    """Note that ``instance``'s row was locked (``SELECT ... FOR UPDATE``) in the current
    write transaction."""
    instance._vergrendeld_in = _staat.transactie


def is_vergrendeld(instance) -> bool:
    """Whether ``instance``'s row was locked in the current write transaction (and the
    instance read under that lock)."""
    transactie = _staat.transactie
    return transactie is not None and getattr(instance, "_vergrendeld_in", None) is transactie


def schrijfactie[T](func: Callable[..., T]) -> Callable[..., T]:
    """Decorator: ``func`` is a write, run by :func:`uitvoeren`."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        return uitvoeren(func, *args, **kwargs)

    return wrapper


def schrijfactie_zonder_savepoints[T](func: Callable[..., T]) -> Callable[..., T]:
    """Decorator: ``func`` is a write that catches no error of the writes nested in it (any
    error ends it), run by :func:`api_schrijfactie`: those writes run without savepoints (two
    round trips each)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        return api_schrijfactie(func, *args, **kwargs)

    return wrapper
