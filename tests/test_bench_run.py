"""bench/run's preparations: it vacuums the bench database before its scenarios, as autovacuum
would have done in production since the last run's writes (docs/performance.md, "Eleventh
pass"), and refuses a baseline it cannot read before it runs anything."""

from urllib.parse import quote

import pytest
from django.db import connection

from .bench_helpers import bench_module


@pytest.fixture(scope="module")
def run_module():
    with bench_module("bench_run", "run.py") as module:
        yield module


def _database_url() -> str:
    settings = connection.settings_dict
    password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    return (
        f"postgres://{quote(settings['USER'] or 'postgres')}{password}@"
        f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.mark.django_db
def test_the_bench_database_is_vacuumed_and_analyzed_before_the_run(run_module):
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    found = run_module.vacuum(_database_url())
    assert found["autovacuum"] == autovacuum
    assert found["dead_rows_before"] >= 0 and found["seconds"] >= 0
    assert found["checkpoint"] is True  # the tests' role may checkpoint
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname = 'datamodel_klant'"
        )
        assert cursor.fetchone() == (True, True)
    assert "VACUUM (ANALYZE)" in run_module._vacuum_text(found)
    assert "--no-vacuum" in run_module._vacuum_text(None)


def test_vacuuming_is_the_default_and_can_be_skipped(run_module, monkeypatch):
    calls = []

    def stop(*_args, **_kwargs):
        # the run stops where it would sample its inputs, after the vacuum
        raise SystemExit("stopped")

    monkeypatch.setattr(run_module, "check_migrations", lambda *args: None)
    found = {"autovacuum": "on", "dead_rows_before": 0, "checkpoint": True, "seconds": 0.0}
    monkeypatch.setattr(run_module, "vacuum", lambda url: calls.append(url) or found)
    monkeypatch.setattr(run_module, "sample_inputs", stop)
    url = "postgres://postgres@127.0.0.1:5432/klanten_vacuum_test"
    for argv, expected in (([], [url]), (["--no-vacuum"], [])):
        calls.clear()
        with pytest.raises(SystemExit, match="stopped"):
            run_module.main(["--database-url", url, "--no-pgbench", *argv])
        assert calls == expected


@pytest.mark.parametrize("inhoud", ["### a Markdown report\n", '{"scenarios": {}}', "[]"])
def test_a_baseline_that_is_no_result_is_refused_before_the_runs(
    run_module, monkeypatch, tmp_path, capsys, inhoud
):
    baseline = tmp_path / "baseline.md"
    baseline.write_text(inhoud)
    ran = []
    monkeypatch.setattr(run_module, "check_migrations", lambda *args: ran.append(args))
    with pytest.raises(SystemExit) as exit_info:
        run_module.main(
            ["--database-url", "postgres://postgres@127.0.0.1:5432/x", "--baseline", str(baseline)]
        )
    assert exit_info.value.code == 2
    assert "--baseline must be a bench/run result" in capsys.readouterr().err
    assert ran == []
