"""Settings of every PostgreSQL session the application opens.

PostgreSQL's JIT compiles a statement whose estimated cost passes ``jit_above_cost`` on every
execution: 10-60 ms on top of a Klantinteracties list count of a client without full rights
(docs/performance.md, ninth pass); no statement of the application was measured to gain
from it. So a new connection turns it off for its session (``DB_JIT=true`` leaves the
server's setting).

A ``SET`` on the new connection, not the ``options`` startup parameter: a connection pooler
(PgBouncer, any version with its default settings) refuses a startup parameter it does not
track, and ``options`` would override an operator's ``PGOPTIONS``.
"""

from django.conf import settings


def zet_sessie(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: the session settings of a new connection (in
    autocommit, before its first statement; not seen by Django's query log)."""
    if connection.vendor != "postgresql" or settings.KLANTEN_DB_JIT:
        return
    connection.connection.execute("SET jit = off")
