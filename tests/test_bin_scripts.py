"""The helpers of bin/test (bin/_env.sh): the comparison with the standard's schema is never
skipped silently, and the migrations check needs no database of its own."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .processes import ROOT

NAME = "klanten-api-1.0.0-openapi.yaml"
CM_NAME = "contactmomenten-api-1.0.0-openapi.yaml"
STANDARD_VARIABLES = ("KLANTEN_STANDARD_OAS", "CONTACTMOMENTEN_STANDARD_OAS")


def _env_sh(function: str, root: Path, **env) -> subprocess.CompletedProcess:
    """Run ``function`` of bin/_env.sh as if the checkout were ``root``."""
    (root / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "bin" / "_env.sh", root / "bin" / "_env.sh")
    environment = {k: v for k, v in os.environ.items() if k not in STANDARD_VARIABLES}
    environment.update(env)
    return subprocess.run(
        ["bash", "-c", f'source "{root}/bin/_env.sh" && {function} && env'],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=True,
    )


def test_a_missing_standard_schema_is_announced_with_how_to_enable_it(tmp_path):
    result = _env_sh("find_standard_oas", tmp_path / "elsewhere" / "klanten")
    assert "comparison of docs/openapi.yaml with the VNG Klanten API 1.0.0 standard" in (
        result.stdout
    )
    assert "SKIPPED" in result.stdout
    assert f"KLANTEN_STANDARD_OAS=/path/to/{NAME} bin/test" in result.stdout
    assert "\nKLANTEN_STANDARD_OAS=" not in result.stdout  # not exported
    # the Contactmomenten API's standard likewise
    assert (
        "comparison of docs/openapi-contactmomenten.yaml with the VNG Contactmomenten API 1.0.0 "
        "standard" in result.stdout
    )
    assert f"CONTACTMOMENTEN_STANDARD_OAS=/path/to/{CM_NAME} bin/test" in result.stdout
    assert "\nCONTACTMOMENTEN_STANDARD_OAS=" not in result.stdout


def test_a_standard_schema_that_is_no_file_is_announced(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    result = _env_sh("find_standard_oas", tmp_path / "klanten", KLANTEN_STANDARD_OAS=str(missing))
    assert f"KLANTEN_STANDARD_OAS={missing} is not a file" in result.stdout
    assert "SKIPPED" in result.stdout


def test_the_standard_schema_next_to_the_checkout_or_its_worktree_folder(tmp_path):
    standard = tmp_path / "shared" / "standard" / NAME
    standard.parent.mkdir(parents=True)
    standard.write_text("openapi: 3.0.0\n")
    cm_standard = standard.parent / CM_NAME
    cm_standard.write_text("openapi: 3.0.0\n")
    for checkout in (tmp_path / "main", tmp_path / "wt" / "feature"):
        result = _env_sh("find_standard_oas", checkout)
        assert "SKIPPED" not in result.stdout
        assert f"\nKLANTEN_STANDARD_OAS={standard}\n" in result.stdout
        assert f"\nCONTACTMOMENTEN_STANDARD_OAS={cm_standard}\n" in result.stdout


def test_the_migrations_check_prints_no_warning_without_the_database(tmp_path):
    """bin/test runs makemigrations --check before pytest created any database: DB_NAME may
    not exist (it gave a RuntimeWarning about the migration history)."""
    from django.db import connection

    settings = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("DB_") and k != "DATABASE_URL"}
    env.update(
        DB_NAME="klanten_database_that_does_not_exist",
        DB_HOST=settings["HOST"],
        DB_PORT=str(settings["PORT"]),
        DB_USER=settings["USER"],
        DB_PASSWORD=settings["PASSWORD"],
        DJANGO_SETTINGS_MODULE="klanten.conf.test",
    )
    result = subprocess.run(
        ["bash", "-c", f'source "{ROOT}/bin/_env.sh" && check_migrations'],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    assert "Warning" not in result.stderr, result.stderr


def test_a_management_command_prints_no_library_warning_at_start():
    """Every start (bin/run runs migrate, demo_setup and runserver) printed vng_api_common's
    ``incomplete_serializer_mapping`` warning: the Autorisaties API's serializers were imported
    by the token check, which now imports them only when it consults that API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "klanten.conf.test"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "incomplete_serializer_mapping" not in result.stdout + result.stderr
    assert "[warning" not in result.stdout + result.stderr
