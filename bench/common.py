"""Shared helpers of the benchmark scripts (never imported by the product or its tests)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
# The code under test: the working tree, or a snapshot of a commit (use_code)
CODE = {"root": ROOT, "ref": None}
CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/klanten_bench"
)


def use_code(ref: str | None) -> Path:
    """Test the code of commit ``ref`` instead of the working tree: ``git archive`` its
    manage.py and src/ into a temporary directory (nothing in the repository changes) and
    run every Django process from there."""
    if not ref:
        return ROOT
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dest = Path(tempfile.mkdtemp(prefix=f"klanten-code-{commit[:8]}-"))
    archive = subprocess.run(
        ["git", "archive", commit, "manage.py", "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    CODE.update(root=dest, ref=commit)
    return dest


def conninfo(database_url: str, dbname: str | None = None) -> dict:
    """psycopg connection keywords from a postgres:// URL (optionally another database)."""
    parsed = urlparse(database_url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"not a postgres:// URL: {database_url}")
    info = {
        "dbname": dbname or unquote(parsed.path.lstrip("/")) or "klanten_bench",
        "user": unquote(parsed.username or "postgres"),
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
    }
    if parsed.password:
        info["password"] = unquote(parsed.password)
    if info["host"] not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the benchmark only talks to a PostgreSQL server on loopback")
    return info


def ensure_database(database_url: str) -> bool:
    """Create the database when it does not exist; True when it was created."""
    import psycopg

    info = conninfo(database_url)
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [info["dbname"]]
        ).fetchone()
        if exists:
            return False
        conn.execute(f'CREATE DATABASE "{info["dbname"]}"')
        return True


def django_env(database_url: str, **extra: str) -> dict:
    """Environment of a Django process (manage.py, gunicorn) with the production settings
    plus the bench-only URLconf, on the bench database."""
    env = dict(os.environ)
    env.pop("DB_NAME", None)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "benchsettings",
            "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(CODE["root"] / "src")]),
            "DEBUG": "false",
            "SECRET_KEY": env.get("BENCH_SECRET_KEY", "bench-" + os.urandom(24).hex()),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


def manage(database_url: str, *args: str, check: bool = True, **kwargs):
    return subprocess.run(
        [PYTHON, str(CODE["root"] / "manage.py"), *args],
        env=django_env(database_url),
        cwd=CODE["root"],
        check=check,
        **kwargs,
    )


def cpu_seconds(pid: int) -> float:
    """The CPU a process has used (user + system, from ``/proc/<pid>/stat``; counted in ticks
    of ``CLK_TCK``), 0.0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    except (OSError, IndexError):
        return 0.0
