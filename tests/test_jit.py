"""PostgreSQL's JIT is off for the application's sessions unless DB_JIT=true, set on each new
connection (not as a startup parameter, which a pooler would refuse)."""

import pytest
from django.db import connection, connections


def _jit(wrapper) -> tuple[str, str]:
    """The session's ``jit`` and where it came from (``session``: a SET of this session)."""
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT setting, source FROM pg_settings WHERE name = 'jit'")
        return cursor.fetchone()


def _nieuwe_verbinding():
    """A new connection of the default alias (its own session: ``connection_created`` fires)."""
    return connections.create_connection("default")


@pytest.mark.django_db
def test_the_application_connection_runs_without_jit():
    assert _jit(connection) == ("off", "session")
    assert "options" not in connection.settings_dict["OPTIONS"]


@pytest.mark.django_db
def test_every_new_connection_turns_jit_off_and_db_jit_true_leaves_the_server(settings):
    nieuw = _nieuwe_verbinding()
    try:
        assert _jit(nieuw) == ("off", "session")
    finally:
        nieuw.close()
    settings.KLANTEN_DB_JIT = True
    nieuw = _nieuwe_verbinding()
    try:
        # the server's (or the role's) setting, untouched by the session
        assert _jit(nieuw)[1] != "session"
    finally:
        nieuw.close()
