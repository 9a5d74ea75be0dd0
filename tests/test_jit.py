"""PostgreSQL's JIT is off for the application's connections unless DB_JIT=true."""

import json
import os
from pathlib import Path

import pytest
from django.db import connection

from .processes import python_c

SRC = Path(__file__).resolve().parents[1] / "src"

_OPTIONS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps(settings.DATABASES["default"]["OPTIONS"]))
"""


@pytest.mark.django_db
def test_the_application_connection_runs_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def _options(**env: str) -> dict:
    out = python_c(_OPTIONS, {**os.environ, "PYTHONPATH": str(SRC), **env})
    return json.loads(out.strip().splitlines()[-1])


def test_db_jit_true_leaves_the_servers_setting():
    assert _options(DB_JIT="false")["options"] == "-c jit=off"
    assert "options" not in _options(DB_JIT="true")
