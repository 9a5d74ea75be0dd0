"""bench/run's preparations: it vacuums the bench database before its scenarios, as autovacuum
would have done in production since the last run's writes (docs/performance.md, "Eleventh
pass"), and refuses a baseline it cannot read before it runs anything."""

from urllib.parse import quote

import pytest
from django.db import connection

from .bench_helpers import bench_module, klanten_met_achternaam


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
        cursor.execute(
            "SELECT current_setting('autovacuum'), now(), rolsuper "
            "OR pg_has_role(current_user, 'pg_checkpoint', 'USAGE') "
            "FROM pg_roles WHERE rolname = current_user"
        )
        autovacuum, before, may_checkpoint = cursor.fetchone()
    found = run_module.vacuum(_database_url())
    assert found["autovacuum"] == autovacuum
    assert found["checkpoint"] is may_checkpoint
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum >= %s, last_analyze >= %s FROM pg_stat_user_tables "
            "WHERE relname = 'datamodel_klant'",
            [before, before],
        )
        assert cursor.fetchone() == (True, True)
    text = run_module._vacuum_text({"vacuum": found})
    assert "VACUUM (ANALYZE)" in text
    assert ("and a `CHECKPOINT`" in text) is may_checkpoint


class FakeConnection:
    """A psycopg connection that records the statements it is given; ``antwoord(sql)`` raises
    or returns the row of ``fetchone``."""

    def __init__(self, antwoord):
        self.statements, self.antwoord, self.rij = [], antwoord, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, *args):
        self.statements.append(sql)
        self.rij = self.antwoord(sql)
        return self

    def fetchone(self):
        return self.rij


def test_a_checkpoint_the_role_may_not_make_is_reported_not_fatal(run_module, monkeypatch):
    def antwoord(sql):
        if sql == "CHECKPOINT":
            raise run_module.psycopg.errors.InsufficientPrivilege("no pg_checkpoint")
        return ["off" if sql == "SHOW autovacuum" else 12]

    conn = FakeConnection(antwoord)
    monkeypatch.setattr(run_module.psycopg, "connect", lambda **kwargs: conn)
    found = run_module.vacuum("postgres://postgres@127.0.0.1:5432/x")
    assert conn.statements[-2:] == ["VACUUM (ANALYZE)", "CHECKPOINT"]
    assert found["autovacuum"] == "off" and found["dead_rows_before"] == 12
    assert found["checkpoint"] is False
    assert "was refused" in run_module._vacuum_text({"vacuum": found})


def test_the_report_says_what_was_done_before_the_run(run_module):
    assert "--no-vacuum" in run_module._vacuum_text({"vacuum": None})
    # a result from before bench/run vacuumed says nothing of it
    assert run_module._vacuum_text({}) == ""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["vacuum"]),
        (["--no-vacuum"], []),
        (["--prewarm"], ["vacuum", "prewarm"]),
        (["--no-vacuum", "--prewarm"], ["prewarm"]),
    ],
)
def test_the_preparations_before_the_run(run_module, monkeypatch, tmp_path, argv, expected):
    """Vacuuming is the default and can be skipped; prewarming is asked for, after it."""
    calls = []

    def stop(*_args, **_kwargs):
        # the run stops where it would sample its inputs, after its preparations
        raise SystemExit("stopped")

    url = "postgres://postgres@127.0.0.1:5432/klanten_preparation_test"
    found = {"autovacuum": "on", "dead_rows_before": 0, "checkpoint": True, "seconds": 0.0}
    warmed = {"bytes": 0, "shared_buffers": 1, "relations": 0, "seconds": 0.0}
    monkeypatch.setattr(run_module.tempfile, "mkdtemp", lambda **kwargs: str(tmp_path))
    monkeypatch.setattr(run_module, "check_migrations", lambda *args: None)
    monkeypatch.setattr(run_module, "vacuum", lambda u: calls.append(("vacuum", u)) or found)
    monkeypatch.setattr(run_module, "prewarm", lambda u: calls.append(("prewarm", u)) or warmed)
    monkeypatch.setattr(run_module, "sample_inputs", stop)
    with pytest.raises(SystemExit, match="stopped"):
        run_module.main(["--database-url", url, "--no-pgbench", "--out", str(tmp_path), *argv])
    assert calls == [(name, url) for name in expected]


@pytest.mark.parametrize("inhoud", ["### a Markdown report\n", '{"scenarios": {}}', "[]"])
def test_a_baseline_that_is_no_result_is_refused_before_the_runs(
    run_module, monkeypatch, tmp_path, capsys, inhoud
):
    baseline = tmp_path / "baseline.md"
    baseline.write_text(inhoud)
    ran = []
    monkeypatch.setattr(run_module, "check_migrations", lambda *args: ran.append(args))
    monkeypatch.setattr(run_module, "rejudge", lambda *args: ran.append(args))
    for extra in ([], ["--rejudge", str(baseline)]):
        with pytest.raises(SystemExit) as exit_info:
            run_module.main(
                [
                    "--database-url",
                    "postgres://postgres@127.0.0.1:5432/x",
                    "--out",
                    str(tmp_path),
                    "--baseline",
                    str(baseline),
                    *extra,
                ]
            )
        assert exit_info.value.code == 2
        assert "--baseline must be a bench/run result" in capsys.readouterr().err
    assert ran == []


def test_an_attempt_served_by_one_worker_is_named(run_module):
    def attempt(rps, *cores):
        return {"rps": rps, "cpu_utilisation": {"per_worker": list(cores)}}

    report = {
        "scenarios": {
            "constant": {"attempts": [attempt(1931.2, 0.87, 0.51), attempt(917.7, 0.0, 0.92)]},
            "detail": {"attempts": [attempt(1200.0, 0.63, 0.68)]},
            # a result from before the per-worker CPU was recorded
            "create": {"attempts": [{"rps": 300.0, "cpu_utilisation": {"workers": 1.0}}]},
        }
    }
    assert run_module.imbalanced_attempts(report) == ["constant 2/2 (0.00+0.92 cores, 918 req/s)"]
    del report["scenarios"]["constant"]["attempts"][1]
    assert run_module.imbalanced_attempts(report) == []


@pytest.mark.django_db(transaction=True)
def test_prewarm_loads_the_database_into_the_shared_buffers(run_module, monkeypatch):
    real_connect = run_module.psycopg.connect
    prewarmed = []

    class Spy:
        """The real connection, recording which relations ``pg_prewarm`` is asked for."""

        def __init__(self, conn):
            self.conn = conn

        def __enter__(self):
            self.conn.__enter__()
            return self

        def __exit__(self, *exc):
            return self.conn.__exit__(*exc)

        def execute(self, sql, params=None):
            if sql.startswith("SELECT pg_prewarm"):
                prewarmed.append(params[0])
            return self.conn.execute(sql, params)

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_prewarm'")
        had_extension = cursor.fetchone() is not None
    monkeypatch.setattr(run_module.psycopg, "connect", lambda **kwargs: Spy(real_connect(**kwargs)))
    try:
        warmed = run_module.prewarm(_database_url())
    finally:
        if not had_extension:
            with connection.cursor() as cursor:
                cursor.execute("DROP EXTENSION IF EXISTS pg_prewarm")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_bytes(current_setting('shared_buffers'))")
        assert warmed["shared_buffers"] == cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.oid, pg_relation_size(c.oid) FROM pg_class c WHERE c.oid = ANY(%s)",
            [prewarmed],
        )
        sizes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT c.oid FROM pg_class c WHERE c.relname IN "
            "('datamodel_klant', 'datamodel_klant_pkey', 'klant_achternaam_id_idx') "
            "UNION SELECT reltoastrelid FROM pg_class WHERE relname = 'datamodel_klant'"
        )
        wanted = {row[0] for row in cursor.fetchall()} - {0}
    assert len(prewarmed) == len(set(prewarmed)) == warmed["relations"] == len(sizes)
    # the klant table, its indexes, a TOAST table of ours; no system catalog nor its TOAST
    # table or index (those are made by initdb, below the first ordinary object id)
    assert wanted <= set(prewarmed)
    assert min(prewarmed) >= 16384
    # smallest first, and what it reports is what it loaded
    assert [sizes[oid] for oid in prewarmed] == sorted(sizes[oid] for oid in prewarmed)
    assert warmed["bytes"] == sum(sizes.values())
    text = run_module._prewarm_text({"prewarm": warmed})
    assert "--prewarm" in text and "MiB of shared buffers" in text


def test_the_report_says_whether_the_database_fit_the_shared_buffers(run_module):
    mib = 1024 * 1024
    fits = {"bytes": 100 * mib, "shared_buffers": 128 * mib, "relations": 40, "seconds": 0.1}
    assert run_module._prewarm_text({"prewarm": fits}).endswith("128 MiB of shared buffers.")
    too_big = {**fits, "bytes": 1300 * mib}
    assert "more than they hold" in run_module._prewarm_text({"prewarm": too_big})
    # not asked for, or a result from before the option
    assert run_module._prewarm_text({"prewarm": None}) == ""
    assert run_module._prewarm_text({}) == ""


@pytest.mark.django_db(transaction=True)
def test_the_full_page_scenario_samples_only_names_that_fill_a_page(run_module):
    import random

    klanten = klanten_met_achternaam
    klanten("Vol", 100, 0)  # exactly one full page
    klanten("Bijna", 99, 1000)
    klanten("Kort", 3, 2000)
    inputs = run_module.sample_inputs(_database_url(), 300)
    assert set(inputs["achternamen"]) == {"Vol", "Bijna", "Kort"}
    # drawn from the klanten (so as often as the name is common), only names of a full page
    assert len(inputs["achternamen_vol"]) == 100
    assert set(inputs["achternamen_vol"]) == {"Vol"}

    with bench_module("bench_loadgen", "loadgen.py") as loadgen:
        request = loadgen.scenario_requests("list_achternaam_vol", inputs, random.Random(1))
        method, path, _body, status = request()
        assert (method, status) == ("GET", 200) and path.endswith("/klanten?achternaam=Vol")
        with pytest.raises(SystemExit, match="a full page needs a name of 100 klanten"):
            loadgen.scenario_requests(
                "list_achternaam_vol", {**inputs, "achternamen_vol": []}, random.Random(1)
            )


@pytest.mark.parametrize("fout", ["UndefinedFile", "InsufficientPrivilege"])
def test_prewarm_without_the_extension_stops_with_a_clear_message(run_module, monkeypatch, fout):
    def antwoord(sql):
        raise getattr(run_module.psycopg.errors, fout)("not here")

    monkeypatch.setattr(run_module.psycopg, "connect", lambda **kwargs: FakeConnection(antwoord))
    with pytest.raises(SystemExit, match="--prewarm needs the pg_prewarm extension"):
        run_module.prewarm("postgres://postgres@127.0.0.1:5432/x")


def test_the_full_page_scenario_is_left_out_where_no_name_fills_a_page(run_module):
    names = ["constant", "list_achternaam", "list_achternaam_vol", "constant_end"]
    small = {"achternamen": ["Jansen"], "achternamen_vol": []}
    assert run_module.without_unfillable(names, small) == [
        "constant",
        "list_achternaam",
        "constant_end",
    ]
    # an inputs file from before the scenario
    assert "list_achternaam_vol" not in run_module.without_unfillable(names, {})
    assert run_module.without_unfillable(names, {"achternamen_vol": ["Jong"]}) == names


def test_the_code_fingerprint_follows_src_not_the_commit(run_module, monkeypatch, tmp_path):
    import subprocess

    def git(*args):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("A = 1\n")
    (tmp_path / "README").write_text("x\n")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "one")
    monkeypatch.setattr(run_module, "ROOT", tmp_path)
    monkeypatch.setitem(run_module.CODE, "ref", None)
    before = run_module.git_state()
    # a commit of another file: the code served is the same
    (tmp_path / "README").write_text("y\n")
    git("commit", "-qam", "two")
    after_docs = run_module.git_state()
    assert after_docs["commit"] != before["commit"]
    assert after_docs["fingerprint"] == before["fingerprint"]
    # a change of src/, uncommitted and then committed: another fingerprint
    (tmp_path / "src" / "a.py").write_text("A = 2\n")
    uncommitted = run_module.git_state()
    assert uncommitted["src_uncommitted_files"] == 1
    assert uncommitted["fingerprint"] != before["fingerprint"]
    git("commit", "-qam", "three")
    committed = run_module.git_state()
    assert committed["fingerprint"] not in (before["fingerprint"], uncommitted["fingerprint"])
