"""Tests of a data migration: the database taken back to before it, and forward again after."""

from contextlib import contextmanager

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def teruggezet(voor: list[tuple[str, str]]):
    """The database at the migrations ``voor`` (their executor yielded, for its project
    state); afterwards at the latest migrations again."""
    executor = MigrationExecutor(connection)
    executor.migrate(voor)
    executor.loader.build_graph()
    try:
        yield executor
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
