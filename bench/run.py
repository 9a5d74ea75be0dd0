"""Serve the production settings with gunicorn and measure every scenario; see README.md.

Steps: sample inputs from the seeded database; create (or update) the API client
``bench-load`` with all rights through ``save_api_client``; start gunicorn (``klanten.wsgi``,
a fixed number of workers) on a free loopback port with the bench settings; run each scenario
from a separate load-generator process (bench/loadgen.py) for a fixed time after a warm-up,
reading the workers' RSS and the CPU time of the workers and of PostgreSQL around it; count
queries per request in-process (bench/querycount.py); run pgbench select-only against the
same PostgreSQL; write ``bench/results/<timestamp>.json`` and ``.md``; stop the server and
delete the klanten the create scenario made (``--keep-created`` keeps them).
"""

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import psycopg
import targets
from common import (
    BENCH_DIR,
    CLK_TCK,
    CODE,
    DEFAULT_DATABASE_URL,
    PYTHON,
    ROOT,
    VENV_BIN,
    conninfo,
    cpu_seconds,
    django_env,
    manage,
    use_code,
)
from probe import machine_probe

SCENARIOS = {
    # name: (label, kind); kind "read"/"write" for the targets
    "constant": ("floor: constant JSON (DRF APIView, no auth)", "floor"),
    "constant_auth": ("floor + JWT auth (constant JSON, klanten.lezen)", "floor"),
    "constant_pages": ("floor through the pages' middleware (/bench/constant)", "info"),
    "detail": ("(1) klant detail by uuid", "read"),
    "list_bsn": ("(2) list ?subjectNatuurlijkPersoon__inpBsn=", "read"),
    "list_first_page": ("(3) list, first page, unfiltered", "read"),
    "list_achternaam": ("(4) list ?achternaam=", "read"),
    "list_achternaam_vol": ("(4b) list ?achternaam=, a full first page (100 klanten)", "read"),
    "create": ("(5) create klant (POST /klanten)", "write"),
    "patch": ("(9) PATCH klant (telefoonnummer)", "write"),
    "klantbeeld": ("(6) klantbeeld by BSN (POST /klantbeeld)", "read"),
    "cm_create": ("(7) create contactmoment (POST /contactmomenten)", "write"),
    "cm_list": ("(8) contactmomenten list ?kanaal= (first page)", "read"),
    "ki_partijen_bsn": (
        "(9) Klantinteracties partijen by BSN (?partijIdentificator__objectId=, "
        "expand=digitaleAdressen)",
        "read",
    ),
    "ki_maak_klantcontact": ("(10) maak-klantcontact (Klantinteracties, anonymous)", "write"),
    "ki_klantcontacten_expand": (
        "(11) klantcontacten ?kanaal= with all six expands (first page)",
        "read",
    ),
    "constant_end": ("floor again, at the end (drift check)", "floor"),
}
DEFAULT_ORDER = (
    "constant,constant_auth,detail,list_bsn,list_first_page,list_achternaam,list_achternaam_vol,"
    "klantbeeld,create,"
    "patch,cm_create,cm_list,ki_partijen_bsn,ki_maak_klantcontact,ki_klantcontacten_expand,"
    "constant_end"
)
P99_TARGET_MS = 100
P99_TARGET_SCENARIOS = ("detail", "list_bsn", "klantbeeld")
FIRST_PAGE_GROWTH = 1.5  # the unfiltered first page at 1 M at most 1.5× its latency at 10 k
CLIENT_ID = "bench-load"


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- /proc readings ---------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle (from /proc/stat)."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


class PostgresCPU:
    """CPU time of the PostgreSQL backends serving the bench database (pg_stat_activity):
    other databases on the same server (another test run) are not counted. Backends that
    exit during a scenario, such as parallel query workers, take their CPU time with them, so
    this is a lower bound."""

    def __init__(self, database_url: str):
        info = conninfo(database_url)
        self.dbname = info["dbname"]
        self.conn = psycopg.connect(**info, autocommit=True)

    def sample(self) -> dict[int, float]:
        pids = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.dbname],
        ).fetchall()
        return {pid: cpu_seconds(pid) for (pid,) in pids}

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())

    def close(self):
        self.conn.close()


def machine() -> dict:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        mem = f"{int(fh.readline().split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def git_state() -> dict:
    """The code under test: commit, uncommitted files in src/ and a fingerprint of src/ as
    served (its committed tree and the uncommitted changes in it), to notice when src/ changes
    while a run is going; a commit of other files (bench/, docs/) leaves it as it was."""

    def git(*args):
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip()

    if CODE["ref"]:
        return {
            "commit": CODE["ref"][:7],
            "src_uncommitted_files": 0,
            "fingerprint": CODE["ref"][:12],
            "snapshot": str(CODE["root"]),
        }
    head = git("rev-parse", "--short", "HEAD")
    tree = git("rev-parse", "HEAD:src")
    changed = git("status", "--porcelain", "--", "src")
    diff = git("diff", "HEAD", "--", "src")
    fingerprint = hashlib.sha256("\n".join((tree, changed, diff)).encode()).hexdigest()[:12]
    return {
        "commit": head,
        "src_uncommitted_files": len(changed.splitlines()) if changed else 0,
        "fingerprint": fingerprint,
    }


def check_migrations(database_url: str, migrate: bool) -> None:
    """The bench database must have the schema of the code under test."""
    pending = manage(
        database_url, "migrate", "--check", check=False, capture_output=True, text=True
    )
    if pending.returncode == 0:
        return
    if not migrate:
        raise SystemExit(
            "the bench database lacks migrations of the code under test: run bench/seed again "
            "(it empties the tables first, so data migrations are instant) or drop --no-migrate"
        )
    log("applying the missing migrations of the code under test")
    started = time.perf_counter()
    manage(database_url, "migrate", "--verbosity", "0", capture_output=True)
    log(f"  migrated in {time.perf_counter() - started:.1f} s")


# --- setup ------------------------------------------------------------------------------------
def vacuum(database_url: str) -> dict:
    """``VACUUM (ANALYZE)`` the bench database, as autovacuum would have done in production
    since the last run's writes: the PATCHes and the cleanup of an earlier run leave dead rows
    and pages that are no longer all-visible, which the next run's reads meet (measured on a
    server with autovacuum off: 0.3 cores of *other* CPU during the achternaam list and 0.34
    instead of 0.43 of the floor, both gone after a vacuum). Returns what it found and how
    long it took."""
    with psycopg.connect(**conninfo(database_url), autocommit=True) as conn:
        autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
        dead = conn.execute(
            "SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables"
        ).fetchone()[0]
        started = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        # the pages the vacuum dirtied written now rather than by the checkpointer during the
        # scenarios; a role without the right to checkpoint (superuser or pg_checkpoint)
        # leaves them to it
        try:
            conn.execute("CHECKPOINT")
            checkpoint = True
        except psycopg.errors.InsufficientPrivilege:
            checkpoint = False
        seconds = time.perf_counter() - started
    return {
        "autovacuum": autovacuum,
        "dead_rows_before": int(dead),
        "checkpoint": checkpoint,
        "seconds": round(seconds, 1),
    }


def without_unfillable(names: list[str], inputs: dict) -> list[str]:
    """The scenarios without ``list_achternaam_vol`` when no surname of the database fills a
    page (a small seed: at 10,000 klanten the commonest name has about a hundred), so that a
    run of the default scenarios does not stop halfway; logged."""
    if "list_achternaam_vol" in names and not inputs.get("achternamen_vol"):
        log("list_achternaam_vol left out: no surname in this database has 100 klanten")
        return [name for name in names if name != "list_achternaam_vol"]
    return names


def prewarm(database_url: str) -> dict:
    """Load the bench database's tables and indexes into PostgreSQL's shared buffers
    (``pg_prewarm``, smallest first, so that when they cannot hold it all the large tables'
    pages stay rather than the indexes'), as a server that has been serving for a while holds
    them: without it, a run with shared buffers larger than the database starts cold and
    warms up during its first scenarios. Returns how much it loaded against the size of the
    shared buffers. Needs the ``pg_prewarm`` extension (PostgreSQL's contrib) and the right
    to create it."""
    with psycopg.connect(**conninfo(database_url), autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except (psycopg.errors.UndefinedFile, psycopg.errors.InsufficientPrivilege) as exc:
            raise SystemExit(
                "--prewarm needs the pg_prewarm extension (PostgreSQL's contrib) and the right "
                f"to create it in the bench database: {exc.sqlstate} {type(exc).__name__}"
            ) from exc
        shared, block_size = conn.execute(
            "SELECT s.setting::bigint * b.setting::bigint, b.setting::bigint "
            "FROM pg_settings s, pg_settings b "
            "WHERE s.name = 'shared_buffers' AND b.name = 'block_size'"
        ).fetchone()
        # the tables and materialised views of the database's own schemas, their indexes and
        # their TOAST tables (not the system catalogs'), that this role may read
        relations = conn.execute(
            "WITH eigen AS (SELECT c.oid, c.reltoastrelid FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'm') AND c.relpersistence = 'p' "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_toast%'), "
            "alle AS (SELECT oid FROM eigen "
            "UNION SELECT reltoastrelid FROM eigen WHERE reltoastrelid <> 0 "
            "UNION SELECT i.indexrelid FROM pg_index i "
            "WHERE i.indrelid IN (SELECT oid FROM eigen UNION SELECT reltoastrelid FROM eigen)) "
            "SELECT oid FROM alle WHERE has_table_privilege(oid, 'SELECT') "
            "ORDER BY pg_relation_size(oid), oid"
        ).fetchall()
        started = time.perf_counter()
        blocks = 0
        for (oid,) in relations:
            blocks += conn.execute("SELECT pg_prewarm(%s::oid)", [oid]).fetchone()[0]
        seconds = time.perf_counter() - started
    return {
        "bytes": int(blocks) * int(block_size),
        "shared_buffers": int(shared),
        "relations": len(relations),
        "seconds": round(seconds, 1),
    }


def sample_inputs(database_url: str, size: int) -> dict:
    with psycopg.connect(**conninfo(database_url)) as conn:
        count = conn.execute("SELECT count(*) FROM datamodel_klant").fetchone()[0]
        if count == 0:
            raise SystemExit("the bench database has no klanten: run bench/seed first")

        def column(sql):
            return [row[0] for row in conn.execute(sql, [size]).fetchall()]

        # ORDER BY random() reads the whole table once: fine for a sample of a few thousand
        inputs = {
            "klanten": count,
            "uuids": [
                str(u)
                for u in column("SELECT uuid FROM datamodel_klant ORDER BY random() LIMIT %s")
            ],
            "bsns": column(
                "SELECT inp_bsn FROM datamodel_natuurlijkpersoon WHERE inp_bsn <> '' "
                "ORDER BY random() LIMIT %s"
            ),
            "achternamen": column(
                "SELECT achternaam FROM datamodel_klant WHERE achternaam <> '' "
                "ORDER BY random() LIMIT %s"
            ),
            "validated_bsns": column(
                "SELECT gevalideerde_sleutel FROM datamodel_klant WHERE gevalideerd "
                "AND gevalideerde_sleutel_type = 'bsn' ORDER BY random() LIMIT %s"
            ),
            "bronorganisaties": [
                row[0]
                for row in conn.execute(
                    "SELECT bronorganisatie FROM datamodel_klantnummerteller ORDER BY 1"
                ).fetchall()
            ]
            or ["123456708"],
        }
        # the Klantinteracties list reads (bench/ki_geschiedenis.py; none after a bare seed)
        inputs["ki_partijen_met_betrokkenen"] = column(
            "SELECT DISTINCT k.uuid::text FROM datamodel_betrokkene b "
            "JOIN datamodel_klant k ON k.id = b.klant_id LIMIT %s"
        )
        inputs["ki_actor_emails"] = column(
            "SELECT object_id FROM datamodel_actor WHERE object_id <> '' LIMIT %s"
        )
        inputs["ki_klantcontacten"] = column(
            "SELECT uuid::text FROM datamodel_klantcontact ORDER BY id LIMIT %s"
        )
        # names whose first page is full (at least a page of 100 matches), drawn from their
        # klanten as above: the same work per request at every size of the database, where
        # the names above fill a page more often the larger it is (docs/performance.md,
        # "Twelfth pass")
        inputs["achternamen_vol"] = column(
            "SELECT achternaam FROM datamodel_klant WHERE achternaam IN ("
            "SELECT achternaam FROM datamodel_klant WHERE achternaam <> '' "
            "GROUP BY achternaam HAVING count(*) >= 100) ORDER BY random() LIMIT %s"
        )
        achternaam_matches = conn.execute(
            "SELECT avg(n), max(n) FROM (SELECT count(*) AS n FROM datamodel_klant "
            "WHERE achternaam = ANY(%s) GROUP BY achternaam) t",
            [inputs["achternamen"][:200]],
        ).fetchone()
        inputs["achternaam_matches_avg_max"] = [
            float(achternaam_matches[0] or 0),
            int(achternaam_matches[1] or 0),
        ]
    return inputs


CREATE_CLIENT = """
import warnings
from klanten.config.clients import APIClient, save_api_client
warnings.simplefilter("ignore")
app = save_api_client(APIClient(client_id={client_id!r}, secret={secret!r},
                      label="Benchmark load generator", heeft_alle_autorisaties=True))
print(app.uuid)
"""


def create_client(database_url: str, secret: str) -> str:
    code = CREATE_CLIENT.format(client_id=CLIENT_ID, secret=secret)
    out = subprocess.run(
        [PYTHON, str(CODE["root"] / "manage.py"), "shell", "-c", code],
        env=django_env(database_url),
        cwd=CODE["root"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


class Server:
    def __init__(
        self, database_url, workers, worker_class, threads, max_requests, workdir, port=None
    ):
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        gunicorn_conf = CODE["root"] / "src" / "klanten" / "conf" / "gunicorn.py"
        cmd = [str(VENV_BIN / "gunicorn")]
        if gunicorn_conf.exists():
            # the product's own gunicorn configuration (structured access log, metrics
            # hooks, timeouts); the options below override it
            cmd += ["-c", "python:klanten.conf.gunicorn"]
            self.config = "klanten.conf.gunicorn"
        else:
            # as in the Dockerfile's command: access log without query strings
            cmd += [
                "--timeout",
                "60",
                "--no-control-socket",
                "--access-logformat",
                '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            ]
            self.config = "Dockerfile flags"
        cmd += [
            "klanten.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            # a steady state to measure: no worker recycling after N requests (the product's
            # config recycles them; --max-requests N to measure that too)
            "--max-requests",
            str(max_requests),
            "--access-logfile",
            str(workdir / "access.log"),
            "--error-logfile",
            str(workdir / "gunicorn.log"),
        ]
        # gunicorn runs "sync" with more than one thread as gthread (and the product's
        # configuration sets threads): one thread, or the sync runs measure gthread
        cmd += ["--threads", str(threads if worker_class == "gthread" else 1)]
        self.cmd = cmd
        self.env = django_env(database_url)
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=CODE["root"], start_new_session=True)

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.workdir / 'gunicorn.log'}")
            try:
                with urllib.request.urlopen(self.base_url + "/bench/constant", timeout=2) as r:
                    if r.status == 200 and len(self.workers()) >= 1:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not become ready")

    def workers(self) -> list[int]:
        return children(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_scenario(server, name, args, inputs_path, env, pg: PostgresCPU) -> dict:
    workers = server.workers()
    cpu_before = {pid: cpu_seconds(pid) for pid in workers}
    pg_before = pg.sample()
    master_before = cpu_seconds(server.proc.pid)
    load_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before = machine_busy_seconds()
    t0 = time.perf_counter()
    result = loadgen_run(server.base_url, name, args, inputs_path, env, label=name)
    wall = time.perf_counter() - t0
    busy = machine_busy_seconds() - busy_before
    load_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_cpu = (load_after.ru_utime + load_after.ru_stime) - (
        load_before.ru_utime + load_before.ru_stime
    )
    workers_after = server.workers()
    # CPU over warm-up + measurement; per request uses the whole window's request rate
    worker_cpu = sum(cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in workers_after)
    pg_cpu = pg.used(pg_before, pg.sample())
    approx_requests = result["rps"] * (args.duration + args.warmup) or 1
    result["worker_rss_mib"] = [rss_mib(pid) for pid in workers_after]
    result["worker_restarts"] = len(set(workers_after) - set(workers))
    result["cpu_ms_per_request"] = {
        "workers": round(worker_cpu * 1000 / approx_requests, 2),
        "postgres": round(pg_cpu * 1000 / approx_requests, 2),
    }
    result["cpu_utilisation"] = {
        "workers": round(worker_cpu / wall, 2),
        # each worker's share: gthread workers keep their connections, so one worker may
        # serve all of the load generator's (a run at half its rate with one core idle)
        "per_worker": [
            round((cpu_seconds(pid) - cpu_before.get(pid, 0.0)) / wall, 2) for pid in workers_after
        ],
        "postgres": round(pg_cpu / wall, 2),
        "loadgen": round(load_cpu / wall, 2),
        "machine": round(busy / wall, 2),
    }
    # everything else on the machine: the kernel's share of loopback TCP, the gunicorn master,
    # and other processes (another test run on a shared machine shows up here)
    u = result["cpu_utilisation"]
    master = cpu_seconds(server.proc.pid) - master_before
    u["other"] = round(max(0.0, (busy - worker_cpu - pg_cpu - load_cpu - master) / wall), 2)
    return result


# --- peer mode: the same scenarios against another Klanten API -------------------------------
# what a peer can be asked: the standard's resource (our extensions and the Contactmomenten API
# only when it serves them too); the floor only with --peer-floor-path
PEER_SCENARIOS = ("detail", "list_bsn", "list_first_page", "list_achternaam", "create", "patch")
# the scenarios that ask the peer's --peer-floor-path (not constant_auth, not constant_pages:
# those are our own endpoints)
PEER_FLOORS = ("constant", "constant_end")


def _api_get(base_url: str, path: str, token: str) -> dict:
    request = urllib.request.Request(
        base_url + path, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def sample_inputs_api(base_url: str, token: str, prefix: str, size: int, seed: int = 3) -> dict:
    """Inputs for a peer, read through its Klanten API (its database is not ours): random
    pages of the unfiltered list give uuids, BSNs, surnames and bronorganisaties."""
    import random

    first = _api_get(base_url, f"{prefix}/klanten", token)
    count = first.get("count") or len(first.get("results", []))
    per_page = max(1, len(first.get("results", [])))
    pages = max(1, -(-count // per_page))
    rng = random.Random(seed)
    wanted = min(pages, max(1, size // per_page))
    klanten = list(first.get("results", []))
    for page in rng.sample(range(2, pages + 1), min(pages - 1, wanted - 1)) if pages > 1 else []:
        klanten += _api_get(base_url, f"{prefix}/klanten?page={page}", token).get("results", [])
    uuids = [k["url"].rstrip("/").rsplit("/", 1)[-1] for k in klanten if k.get("url")]
    bsns = [
        (k.get("subjectIdentificatie") or {}).get("inpBsn")
        for k in klanten
        if k.get("subjectType") == "natuurlijk_persoon"
    ]
    return {
        "klanten": count,
        "uuids": uuids,
        "bsns": [b for b in bsns if b],
        "achternamen": [k["achternaam"] for k in klanten if k.get("achternaam")],
        "achternamen_vol": [],
        "validated_bsns": [],
        "bronorganisaties": sorted({k["bronorganisatie"] for k in klanten}) or ["123456708"],
        "achternaam_matches_avg_max": [0, 0],
    }


def loadgen_run(base_url, name, args, inputs_path, env, *extra, label) -> dict:
    """One scenario of ``bench/loadgen.py`` against ``base_url`` (``extra``: its further
    arguments); the result it prints."""
    out = subprocess.run(
        [
            PYTHON,
            str(BENCH_DIR / "loadgen.py"),
            "--base-url",
            base_url,
            "--scenario",
            name,
            "--inputs",
            str(inputs_path),
            "--concurrency",
            str(args.concurrency),
            "--duration",
            str(args.duration),
            "--warmup",
            str(args.warmup),
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=args.duration + args.warmup + 120,
    )
    if out.returncode != 0:
        raise SystemExit(f"loadgen failed for {label}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_peer_scenario(args, name, inputs_path, env) -> dict:
    """A scenario against the peer: the load generator only (its processes are not ours to
    measure)."""
    return loadgen_run(
        args.peer,
        name,
        args,
        inputs_path,
        env,
        "--token",
        args.peer_token,
        "--api-prefix",
        args.peer_api_prefix,
        label=f"the peer's {name}",
    )


def peer_markdown(report: dict) -> str:
    peer = report.get("peer")
    if not peer:
        return ""
    label = peer["label"]
    lines = [
        f"### Side by side with {label} ({peer['url']}, {peer['klanten']:,} klanten)",
        "",
        "Interleaved runs (ours, peer, ours, peer, ...), the same load generator, scenarios "
        "and concurrency; req/s: of each side the median of its runs (all runs in the last "
        "column); ratio: our median req/s divided by "
        f"{label}'s (the targets are judged on it), best-with-best and worst-with-worst for "
        "the spread; p50/p99: of each side's run at the median rank."
        + (
            " Creates carry a klantnummer on both sides (the standard requires it)."
            if report.get("config", {}).get("create_klantnummer") == "given"
            else ""
        ),
        "",
        f"| scenario | ours req/s | {label} req/s | ratio (median) | best / worst ratio | "
        f"ours p50 ms | {label} p50 ms | ours p99 ms | {label} p99 ms | "
        f"errors ours / {label} | runs ours / {label} (req/s) |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for name, row in peer["scenarios"].items():
        ours = report["scenarios"].get(name)
        if not ours:
            continue
        # the same rule on both sides: the median of each side's runs
        ratios = targets.compare(targets.attempts_rps(ours), targets.attempts_rps(row))
        lines.append(
            "| "
            + " | ".join(
                [
                    SCENARIOS.get(name, (name,))[0],
                    fmt(float(ratios["ours"])),
                    fmt(float(ratios["theirs"])),
                    fmt(ratios["median"], 2),
                    f"{fmt(ratios['best'], 2)} / {fmt(ratios['worst'], 2)}",
                    fmt(ours["p50_ms"]),
                    fmt(row["p50_ms"]),
                    fmt(ours["p99_ms"]),
                    fmt(row["p99_ms"]),
                    f"{sum(a['errors'] for a in ours.get('attempts') or [ours])} / "
                    f"{sum(a['errors'] for a in row.get('attempts') or [row])}",
                    f"{', '.join(fmt(r) for r in targets.attempts_rps(ours))} / "
                    f"{', '.join(fmt(r) for r in targets.attempts_rps(row))}",
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def schema_markdown(report: dict) -> str:
    text = _schema_check_markdown(report.get("schema_check"), "Schema check")
    peer = report.get("peer") or {}
    return text + _schema_check_markdown(
        peer.get("schema_check"), f"Schema check of {peer.get('label', 'the peer')}"
    )


def _schema_check_markdown(check: dict | None, title: str) -> str:
    if not check:
        return ""
    if "error" in check:
        return f"{title}: {check['error']}\n"
    total = sum(r["checked"] for r in check.values())
    bad = sum(r["violations"] for r in check.values())
    lines = [
        f"{title}: {total} responses of the scenarios validated against the served "
        f"OpenAPI schema, {bad} violations."
    ]
    for name, row in check.items():
        for sample in row["samples"]:
            lines.append(f"- {name}: {sample}")
    return "\n".join(lines) + "\n"


def pgbench(args, workdir) -> dict:
    exe = shutil.which("pgbench")
    if not exe:
        return {"skipped": "pgbench not found (apt-get install postgresql-client)"}
    info = conninfo(args.database_url)
    dbname = args.pgbench_database
    base = ["-h", info["host"], "-p", str(info["port"]), "-U", info["user"]]
    env = dict(os.environ)
    if info.get("password"):
        env["PGPASSWORD"] = info["password"]
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')
    with psycopg.connect(**{**info, "dbname": dbname}) as conn:
        scale = None
        with contextlib.suppress(psycopg.Error):
            scale = conn.execute("SELECT count(*) FROM pgbench_branches").fetchone()[0]
    if scale != args.pgbench_scale:
        log(f"  pgbench -i -s {args.pgbench_scale} {dbname}")
        subprocess.run(
            [exe, "-i", "-q", "-s", str(args.pgbench_scale), *base, dbname],
            env=env,
            check=True,
            capture_output=True,
        )
    common = ["-S", "-n", "-c", str(args.concurrency), "-j", str(min(args.concurrency, 2))]
    subprocess.run(
        [exe, *common, "-T", str(max(1, round(args.warmup))), *base, dbname],
        env=env,
        check=True,
        capture_output=True,
    )
    logdir = workdir / "pgbench"
    logdir.mkdir()
    out = subprocess.run(
        [
            exe,
            *common,
            "-T",
            str(max(1, round(args.duration))),
            "--log",
            f"--log-prefix={logdir}/pgbench",
            *base,
            dbname,
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    tps = float(re.search(r"tps = ([0-9.]+)", out.stdout).group(1))
    latencies = []
    for path in logdir.iterdir():
        with open(path) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 3:
                    latencies.append(int(parts[2]) / 1000)
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, round(p / 100 * (len(latencies) - 1)))], 3)

    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    return {
        "scenario": "pgbench",
        "mode": f"select-only (-S), scale {args.pgbench_scale}, -c {args.concurrency}, simple "
        "protocol, persistent connections",
        "rps": round(tps, 1),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "errors": int(failed.group(1)) if failed else 0,
        "completed": len(latencies),
    }


# --- report -----------------------------------------------------------------------------------
def rps_cell(row: dict) -> str:
    """The median req/s of a scenario's runs, with their range when there are several."""
    runs = targets.attempts_rps(row)
    median = fmt(float(targets.median_rps(row)))
    if len(runs) < 2:
        return median
    return f"{median} ({fmt(float(min(runs)))}–{fmt(float(max(runs)))})"


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def busy(util: dict | None) -> str:
    if not util:
        return "–"
    return (
        f"{util['workers']:.2f}+{util['postgres']:.2f}+{util.get('loadgen', 0):.2f}"
        f"+{util.get('other', 0):.2f}"
    )


def _vacuum_text(report: dict) -> str:
    """What the run did to the database before its scenarios (nothing for a result from before
    ``bench/run`` vacuumed, which did not record it)."""
    if "vacuum" not in report:
        return ""
    vacuumed = report["vacuum"]
    if not vacuumed:
        return "The database was not vacuumed before the run (`--no-vacuum`)."
    checkpoint = {
        True: " and a `CHECKPOINT`",
        False: " (a `CHECKPOINT` was refused: the role lacks `pg_checkpoint`)",
    }.get(vacuumed.get("checkpoint"), "")
    return (
        f"Vacuumed (`VACUUM (ANALYZE)`{checkpoint}) before the run: "
        f"{vacuumed['dead_rows_before']:,} dead rows, {vacuumed['seconds']} s; autovacuum "
        f"{vacuumed['autovacuum']}."
    )


def _prewarm_text(report: dict) -> str:
    """What the run loaded into PostgreSQL's shared buffers before its scenarios
    (``--prewarm``), or nothing."""
    warmed = report.get("prewarm")
    if not warmed:
        return ""
    mib = 1024 * 1024
    text = (
        f" Prewarmed (`--prewarm`, `pg_prewarm`): {warmed['bytes'] / mib:,.0f} MiB of tables "
        f"and indexes into {warmed['shared_buffers'] / mib:,.0f} MiB of shared buffers"
    )
    if warmed["bytes"] > warmed["shared_buffers"]:
        return text + " (more than they hold: the last loaded stayed)."
    return text + "."


def markdown(report: dict) -> str:
    cfg = report["config"]
    m = report["machine"]
    lines = [
        f"### Klanten benchmark, {report['klanten']:,} klanten ({report['started']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; Python {m['python']}; "
        f"{report['postgres']}. Code: {report['code']['commit']} "
        f"({report['code']['src_uncommitted_files']} uncommitted files in src/"
        + (
            "; WARNING: src/ changed during the run"
            if report["code"].get("changed_during_run")
            else ""
        )
        + "). Server: "
        f"gunicorn `klanten.wsgi` ({cfg.get('gunicorn_config')}), {cfg['workers']} "
        f"{cfg['worker_class']} workers, max-requests {cfg['max_requests']}, production "
        "settings (DEBUG off), on 127.0.0.1; load: "
        f"aiohttp closed loop, concurrency {cfg['concurrency']}, {cfg['warmup']} s warm-up + "
        f"{cfg['duration']} s per scenario, from a separate process on the same machine. "
        "Queries: Django statements per request, measured in-process (CaptureQueriesContext), "
        "plus the health-check `SELECT 1` and commits it does not see. "
        + _vacuum_text(report)
        + _prewarm_text(report),
        "",
        "| scenario | req/s | × floor | p50 ms | p99 ms | p50 × baseline | errors | queries/req | "
        "worker CPU ms/req | PG CPU ms/req | cores busy: workers+PG+load+other | "
        "worker RSS MiB | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for name, row in report["scenarios"].items():
        q = report["queries"].get(name, {})
        queries = "–"
        if q:
            queries = fmt(q["queries"], 1)
            extra = []
            if q.get("health_checks"):
                extra.append(f"+{q['health_checks']:g} ping")
            if q.get("commits"):
                extra.append(f"+{q['commits']:g} commit")
            if extra:
                queries += " (" + ", ".join(extra) + ")"
            if q.get("statuses") != [q.get("expected_status")]:
                queries += f" ⚠ status {q.get('statuses')}"
        rss = row.get("worker_rss_mib") or []
        lines.append(
            "| "
            + " | ".join(
                [
                    SCENARIOS.get(name, (name,))[0],
                    rps_cell(row),
                    fmt(row.get("ratio_to_floor"), 2),
                    fmt(row["p50_ms"]),
                    fmt(row["p99_ms"]),
                    fmt(row.get("p50_vs_baseline"), 2),
                    fmt(sum(a["errors"] for a in row.get("attempts") or [row])),
                    queries,
                    fmt(row.get("cpu_ms_per_request", {}).get("workers"), 2),
                    fmt(row.get("cpu_ms_per_request", {}).get("postgres"), 2),
                    busy(row.get("cpu_utilisation")),
                    " / ".join(fmt(r, 0) for r in rss) or "–",
                    row.get("target", ""),
                ]
            )
            + " |"
        )
    pg = report.get("pgbench", {})
    if "rps" in pg:
        lines.append(
            f"| floor: pgbench {pg['mode']} | {fmt(pg['rps'])} | "
            f"{fmt(pg.get('ratio_to_floor'), 2)} | {fmt(pg['p50_ms'], 2)} | "
            f"{fmt(pg['p99_ms'], 2)} | – | {pg['errors']} | 1 | – | – | – | – | |"
        )
    elif pg:
        lines.append(f"| floor: pgbench | {pg.get('skipped', '')} | | | | | | | | | | | |")
    lines += [
        "",
        "req/s: the median of the scenario's runs (`--repeat`), their range in brackets; "
        "p50, p99, CPU and RSS: of the run at the median rank (the lower middle one for an "
        "even count); errors: of all runs. × floor: the median req/s divided by the "
        "constant-JSON floor's, the median over all its runs at the start and at the end "
        "(targets are judged on medians, bench/targets.py). p50 × baseline: p50 "
        "divided by the same scenario's p50 in the `--baseline` run"
        + (f" ({report['baseline']['klanten']:,} klanten)" if report.get("baseline") else "")
        + ". Targets: reads ≥ 0.50 × floor (the first unfiltered page ≥ 0.30); p99 < "
        f"{P99_TARGET_MS} ms for (1), (2), (6) at 1 M klanten; first unfiltered page at 1 M ≤ "
        f"{FIRST_PAGE_GROWTH}× its 10 k latency; zero errors. CPU per request: gunicorn workers "
        "(from /proc) and the PostgreSQL backends of the bench database (lower bound: parallel "
        "query workers exit before they are read). Cores busy: workers + PostgreSQL + load "
        "generator + other (the kernel's loopback TCP, and any other process on the machine: "
        "high values mean a disturbed run; with `--repeat` the medians make one disturbed run "
        "count for little). "
        f"Achternaam sample: on average {report['inputs_info']['achternaam_matches_avg']:,.0f} "
        f"matching klanten per name (max {report['inputs_info']['achternaam_matches_max']:,}).",
    ]
    ongelijk = imbalanced_attempts(report)
    if ongelijk:
        lines += [
            "",
            "Attempts where one gunicorn worker did less than a quarter of another's work "
            "(a gthread worker keeps the connections it accepted: the load generator's all "
            "landed on the other, so the attempt ran on one core): " + "; ".join(ongelijk) + ".",
        ]
    return "\n".join(lines) + "\n"


def imbalanced_attempts(report: dict, share: float = 0.25) -> list[str]:
    """The attempts in which one worker's CPU was below ``share`` of the busiest worker's,
    as ``"<scenario> <n>/<of> (<cores per worker>, <req/s>)"`` (results from before the
    per-worker CPU was recorded have none)."""
    found = []
    for name, row in report["scenarios"].items():
        attempts = row.get("attempts") or [row]
        for index, attempt in enumerate(attempts, 1):
            cores = attempt.get("cpu_utilisation", {}).get("per_worker") or []
            if len(cores) > 1 and min(cores) < share * max(cores):
                found.append(
                    f"{name} {index}/{len(attempts)} ("
                    + "+".join(f"{c:.2f}" for c in cores)
                    + f" cores, {attempt['rps']:,.0f} req/s)"
                )
    return found


def evaluate(report: dict, baseline: dict | None = None) -> None:
    # the median over every floor attempt, at the start and at the end (bench/targets.py)
    floor = targets.floor_rps(report)
    report["floor_rps"] = floor
    at_scale = report["klanten"] >= 1_000_000
    for name, row in report["scenarios"].items():
        row["ratio_to_floor"] = round(targets.median_rps(row) / floor, 3) if floor else None
        base = (baseline or {}).get("scenarios", {}).get(name)
        if base and base.get("p50_ms"):
            row["p50_vs_baseline"] = round(row["p50_ms"] / base["p50_ms"], 2)
            row["p99_vs_baseline"] = round(row["p99_ms"] / base["p99_ms"], 2)
        kind = SCENARIOS.get(name, ("", ""))[1]
        misses = []
        if any(a["errors"] for a in row.get("attempts") or [row]):
            misses.append("errors")
        wanted = targets.read_target(name)
        if kind == "read" and row["ratio_to_floor"] is not None and row["ratio_to_floor"] < wanted:
            misses.append(f"< {wanted:.0%} floor")
        if name in P99_TARGET_SCENARIOS and row["p99_ms"] >= P99_TARGET_MS:
            misses.append(f"p99 ≥ {P99_TARGET_MS} ms" + ("" if at_scale else " (target at 1 M)"))
        if (
            name == "list_first_page"
            and row.get("p50_vs_baseline", 0) > FIRST_PAGE_GROWTH
            and report["klanten"] > baseline["klanten"]
        ):
            misses.append(
                f"p50 {row['p50_vs_baseline']:.1f}× the {baseline['klanten']:,}-klanten run"
            )
        if kind in ("read", "write"):
            row["target"] = "MISS: " + ", ".join(misses) if misses else "ok"
    pg = report.get("pgbench")
    if pg and "rps" in pg and floor:
        pg["ratio_to_floor"] = round(pg["rps"] / floor, 3)
    kinds = {name: kind for name, (_label, kind) in SCENARIOS.items()}
    report["targets"] = targets.judge(report, kinds, baseline)


def rejudge(result: Path, baseline_path: Path | None = None) -> str:
    """The Markdown of a saved result, judged again by the current rules (medians): the
    tables and the targets' verdicts. Runs nothing and writes nothing. A result written
    before the attempts were kept in full has each scenario's ``attempts_rps``, enough for
    the medians; the CPU figures of a miss are then those of the run it kept."""
    report = json.loads(result.read_text())
    baseline = json.loads(baseline_path.read_text()) if baseline_path else None
    if baseline:
        report["baseline"] = {"file": str(baseline_path), "klanten": baseline["klanten"]}
    evaluate(report, baseline)
    return (
        markdown(report)
        + peer_markdown(report)
        + targets.markdown(report["targets"])
        + targets.drift_markdown(report)
        + schema_markdown(report)
    )


def cleanup(database_url: str, applicatie_uuid: str) -> dict:
    """Delete what the run wrote: klanten made by the create scenario (aanmaakkanaal
    'bench'), their rows, the contactmomenten of cm_create (kanaal 'bench'), the audit trail
    and the klantbeeld log."""
    with psycopg.connect(**conninfo(database_url)) as conn:
        ids = "SELECT id FROM datamodel_klant WHERE aanmaakkanaal = 'bench'"
        deleted = {}
        # the partij rows a create writes with the klant (Klantinteracties' shared store)
        deleted["datamodel_digitaaladres (klant)"] = conn.execute(
            f"DELETE FROM datamodel_digitaaladres WHERE klant_id IN ({ids}) OR betrokkene_id IN "
            f"(SELECT id FROM datamodel_betrokkene WHERE klant_id IN ({ids}))"
        ).rowcount
        for table in (
            "datamodel_partijidentificator",
            "datamodel_betrokkene",
            "datamodel_klantadres",
            "datamodel_natuurlijkpersoon",
            "datamodel_nietnatuurlijkpersoon",
            "datamodel_vestiging",
            "datamodel_validatie",
            "datamodel_interactie",
            "datamodel_bevestigingsverzoek",
        ):
            deleted[table] = conn.execute(f"DELETE FROM {table} WHERE klant_id IN ({ids})").rowcount
        deleted["datamodel_klant"] = conn.execute(
            "DELETE FROM datamodel_klant WHERE aanmaakkanaal = 'bench'"
        ).rowcount
        # contactmomenten of the cm_create and ki_maak_klantcontact scenarios (kanaal 'bench')
        # and what hangs off them
        contacts = "SELECT id FROM datamodel_klantcontact WHERE kanaal = 'bench'"
        betrokkenen = f"SELECT id FROM datamodel_betrokkene WHERE klantcontact_id IN ({contacts})"
        deleted["datamodel_digitaaladres"] = conn.execute(
            f"DELETE FROM datamodel_digitaaladres WHERE betrokkene_id IN ({betrokkenen})"
            " AND klant_id IS NULL"
        ).rowcount
        for table, kolom in (
            ("datamodel_betrokkene", "klantcontact_id"),
            ("datamodel_onderwerpobject", "klantcontact_id"),
        ):
            deleted[table] = conn.execute(
                f"DELETE FROM {table} WHERE {kolom} IN ({contacts})"
            ).rowcount
        deleted["datamodel_actorklantcontact"] = conn.execute(
            f"DELETE FROM datamodel_actorklantcontact WHERE klantcontact_id IN ({contacts})"
        ).rowcount
        deleted["datamodel_klantcontact"] = conn.execute(
            "DELETE FROM datamodel_klantcontact WHERE kanaal = 'bench'"
        ).rowcount
        deleted["audittrails_audittrail"] = conn.execute(
            "DELETE FROM audittrails_audittrail"
        ).rowcount
        deleted["datamodel_klantbeeldverzoek"] = conn.execute(
            "DELETE FROM datamodel_klantbeeldverzoek WHERE applicatie_id = %s", [applicatie_uuid]
        ).rowcount
    return deleted


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--port", type=int, help="our gunicorn's port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--max-requests", type=int, default=0, help="recycle workers after N requests (0: never)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each scenario N times; verdicts are judged on the median of the runs",
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up")
    parser.add_argument("--scenarios", default=DEFAULT_ORDER, help="comma separated")
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument(
        "--no-querycount", action="store_true", help="skip the in-process query counts"
    )
    parser.add_argument("--pgbench-database", default="klanten_bench_pgbench")
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--samples", type=int, default=1000, help="inputs sampled per kind")
    parser.add_argument("--profile", action="store_true", help="pyinstrument reports")
    parser.add_argument("--keep-created", action="store_true")
    parser.add_argument(
        "--no-vacuum",
        dest="vacuum",
        action="store_false",
        help="do not VACUUM (ANALYZE) the bench database before the scenarios",
    )
    parser.add_argument(
        "--prewarm",
        action="store_true",
        help="load the bench database's tables and indexes into PostgreSQL's shared buffers "
        "(pg_prewarm) after the vacuum, as a server serving for a while holds them",
    )
    parser.add_argument(
        "--code",
        metavar="REF",
        help="serve the code of this commit (git archive into a temporary directory, no "
        "checkout) instead of the working tree; seed its database with the same --code",
    )
    parser.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_false",
        help="stop instead of applying missing migrations to the bench database",
    )
    parser.add_argument(
        "--baseline",
        help="an earlier result JSON (e.g. at 10,000 klanten): adds the p50 ratio per scenario "
        "and checks the first-page growth target",
    )
    parser.add_argument(
        "--peer",
        metavar="URL",
        help="another Klanten API server (loopback) to run the same scenarios against, "
        "interleaved with ours; reported side by side with ratios",
    )
    parser.add_argument("--peer-token", help="the JWT (bearer token) for the peer")
    parser.add_argument("--peer-label", default="peer", help="the peer's name in the report")
    parser.add_argument(
        "--peer-api-prefix", default="/klanten/api/v1", help="the Klanten API's path on the peer"
    )
    parser.add_argument(
        "--peer-floor-path",
        help="a constant answer on the peer (its floor); without it the floor is ours only",
    )
    parser.add_argument(
        "--peer-schema-path",
        help="the peer's served OpenAPI schema (JSON) for the schema check of its responses "
        "(default: PREFIX/schema/openapi.json)",
    )
    parser.add_argument(
        "--create-klantnummer",
        choices=("auto", "given", "generated"),
        default="auto",
        help="create with a unique klantnummer in the body (given) or without one, ours "
        "generating it (generated); auto: given in peer mode (the standard requires the "
        "field, Open Klant 1.0.0 too), else generated",
    )
    parser.add_argument(
        "--no-schema-check",
        dest="schema_check",
        action="store_false",
        help="do not validate a sample of responses against the served schema",
    )
    parser.add_argument("--out", default=str(BENCH_DIR / "results"))
    parser.add_argument("--label", default="", help="suffix of the result file names")
    parser.add_argument(
        "--rejudge",
        "--render",
        dest="rejudge",
        metavar="RESULT.json",
        help="run nothing: judge an earlier result again (with --baseline) and print its "
        "Markdown, the targets' verdicts included",
    )
    args = parser.parse_args(argv)
    baseline = None
    if args.baseline:
        # read before anything runs: a wrong file must not cost a whole run
        try:
            baseline = json.loads(Path(args.baseline).read_text())
            baseline["klanten"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            parser.error(f"--baseline must be a bench/run result (.json): {exc}")
    if args.rejudge:
        print(rejudge(Path(args.rejudge), Path(args.baseline) if args.baseline else None), end="")
        return 0
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    if not 0 < args.duration <= 600 or not 0 <= args.warmup <= 120:
        parser.error("--duration must be in (0, 600] and --warmup in [0, 120]")
    if args.peer and not args.peer_token:
        parser.error("--peer needs --peer-token")
    if args.peer and not args.peer.startswith(("http://127.", "http://localhost", "http://[::1]")):
        parser.error("--peer must be a loopback address (the load generator only targets those)")

    started = datetime.now().astimezone()
    stamp = started.strftime("%Y%m%dT%H%M%S") + (f"-{args.label}" if args.label else "")
    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="klanten-bench-"))

    if args.code:
        log(f"code under test: {args.code} in {use_code(args.code)}")
    check_migrations(args.database_url, args.migrate)
    # the preparations, logged as the report will say them
    if args.vacuum:
        log("VACUUM (ANALYZE) of the bench database (--no-vacuum to skip)")
    vacuumed = vacuum(args.database_url) if args.vacuum else None
    log("  " + _vacuum_text({"vacuum": vacuumed}))
    warmed = None
    if args.prewarm:
        log("pg_prewarm of the bench database's tables and indexes (--prewarm)")
        warmed = prewarm(args.database_url)
        log(f"  {_prewarm_text({'prewarm': warmed}).strip()} ({warmed['seconds']} s)")
    log(f"sampling inputs from {conninfo(args.database_url)['dbname']}")
    inputs = sample_inputs(args.database_url, args.samples)
    # the standard's create carries a klantnummer (required in Klanten API 1.0.0; ours
    # generates one when it is missing, C5): side by side, both sides get the same request
    create_klantnummer = (
        bool(args.peer) if args.create_klantnummer == "auto" else args.create_klantnummer == "given"
    )
    inputs["create_klantnummer"] = create_klantnummer
    inputs_path = workdir / "inputs.json"
    inputs_path.write_text(json.dumps(inputs))
    log(f"  {inputs['klanten']:,} klanten")
    names = without_unfillable(names, inputs)

    peer_names: list[str] = []
    if args.peer:
        peer_names = [
            n for n in names if n in PEER_SCENARIOS or (n in PEER_FLOORS and args.peer_floor_path)
        ]
        log(f"sampling inputs from the peer {args.peer} through its API")
        peer_inputs = sample_inputs_api(
            args.peer, args.peer_token, args.peer_api_prefix, min(args.samples, 1000)
        )
        peer_inputs["floor_path"] = args.peer_floor_path
        peer_inputs["create_klantnummer"] = create_klantnummer
        peer_inputs_path = workdir / "peer-inputs.json"
        peer_inputs_path.write_text(json.dumps(peer_inputs))
        log(f"  {peer_inputs['klanten']:,} klanten; scenarios {', '.join(peer_names)}")

    secret = secrets.token_hex(32)
    applicatie = create_client(args.database_url, secret)
    client_env = {**os.environ, "BENCH_CLIENT_ID": CLIENT_ID, "BENCH_CLIENT_SECRET": secret}
    with psycopg.connect(**conninfo(args.database_url)) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]

    report = {
        "started": started.isoformat(timespec="seconds"),
        "klanten": inputs["klanten"],
        "database": conninfo(args.database_url)["dbname"],
        "postgres": f"PostgreSQL {pg_version.split()[0]}",
        "vacuum": vacuumed,
        "prewarm": warmed,
        "machine": machine(),
        "code": git_state(),
        "config": {
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads if args.worker_class == "gthread" else None,
            "max_requests": args.max_requests,
            "concurrency": args.concurrency,
            "duration": args.duration,
            "warmup": args.warmup,
            "load_client": "bench/loadgen.py (asyncio + aiohttp, closed loop)",
            "create_klantnummer": "given" if create_klantnummer else "generated",
        },
        "inputs_info": {
            "achternaam_matches_avg": inputs["achternaam_matches_avg_max"][0],
            "achternaam_matches_max": inputs["achternaam_matches_avg_max"][1],
        },
        "scenarios": {},
        "queries": {},
    }

    server = Server(
        args.database_url,
        args.workers,
        args.worker_class,
        args.threads,
        args.max_requests,
        workdir,
        args.port,
    )
    pg_cpu = PostgresCPU(args.database_url)
    try:
        server.wait_ready()
        report["config"]["gunicorn_config"] = server.config
        report["config"]["gunicorn_cmd"] = " ".join(server.cmd[1:])
        log(f"gunicorn ({server.config}) on {server.base_url}, workers {server.workers()}")
        report["worker_rss_mib_idle"] = [rss_mib(p) for p in server.workers()]
        for name in names:
            attempts = []
            peer_attempts = []
            for attempt in range(args.repeat):
                log(
                    f"scenario {name} ({attempt + 1}/{args.repeat}): {args.warmup:g} s warm-up"
                    f" + {args.duration:g} s"
                )
                # the machine's speed right before each attempt (bench/probe.py)
                speed = machine_probe()
                row = run_scenario(server, name, args, inputs_path, client_env, pg_cpu)
                row["probe_ms"] = speed
                attempts.append(row)
                if name in peer_names:
                    speed = machine_probe()
                    peer_row = run_peer_scenario(args, name, peer_inputs_path, client_env)
                    peer_row["probe_ms"] = speed
                    peer_attempts.append(peer_row)
                    log(
                        f"  {args.peer_label}: {peer_row['rps']:,.1f} req/s  p50 "
                        f"{peer_row['p50_ms']:.1f} ms  p99 {peer_row['p99_ms']:.1f} ms  errors "
                        f"{peer_row['errors']}  statuses {peer_row['statuses']}"
                    )
                u = row["cpu_utilisation"]
                log(
                    f"  {row['rps']:,.1f} req/s  p50 {row['p50_ms']:.1f} ms  p99 "
                    f"{row['p99_ms']:.1f} ms  errors {row['errors']}  statuses {row['statuses']}"
                    f"  RSS {row['worker_rss_mib']} MiB  other CPU {u['other']:.2f} cores"
                    f"  workers {'+'.join(f'{c:.2f}' for c in u.get('per_worker', []))} cores"
                    f"  probe {row['probe_ms']:.1f} ms"
                )
                for sample in row["error_samples"]:
                    log(f"    {sample}")
            # verdicts are judged on the median of the attempts (bench/targets.py): the row
            # shown is the attempt at the median rank, and the report keeps every attempt
            report["scenarios"][name] = targets.kept_row(attempts)
            if peer_attempts:
                peer_row = targets.kept_row(peer_attempts)
                report.setdefault(
                    "peer",
                    {
                        "url": args.peer,
                        "label": args.peer_label,
                        "klanten": peer_inputs["klanten"],
                        "scenarios": {},
                    },
                )["scenarios"][name] = peer_row
        if args.schema_check:
            os.environ.update(
                {k: client_env[k] for k in ("BENCH_CLIENT_ID", "BENCH_CLIENT_SECRET")}
            )
            import loadgen
            import schemacheck

            log("schema check: a sample of responses against the served schema")
            report["schema_check"] = schemacheck.check(
                server.base_url,
                loadgen.make_token(),
                inputs,
                names,
                schema_path="/klanten/api/v1/schema/openapi.json",
            )
            if report.get("peer"):
                schema_path = args.peer_schema_path or f"{args.peer_api_prefix}/schema/openapi.json"
                log(f"schema check of the peer: its responses against its {schema_path}")
                report["peer"]["schema_check"] = schemacheck.check(
                    args.peer,
                    args.peer_token,
                    peer_inputs,
                    peer_names,
                    schema_path=schema_path,
                    api_prefix=args.peer_api_prefix,
                )
            log(f"  {schema_markdown(report).strip()}")
    finally:
        server.stop()
        pg_cpu.close()

    log("queries per request (in-process)")
    names_counted = [] if args.no_querycount else names
    qc_cmd = [
        PYTHON,
        str(BENCH_DIR / "querycount.py"),
        "--inputs",
        str(inputs_path),
        "--scenarios",
        ",".join(names_counted),
    ]
    if args.profile:
        profile_dir = outdir / f"{stamp}-profiles"
        profile_dir.mkdir(exist_ok=True)
        qc_cmd += ["--profile", str(profile_dir)]
    qc = subprocess.run(
        qc_cmd if names_counted else [PYTHON, "-c", "print('{}')"],
        env={
            **django_env(args.database_url),
            **{k: client_env[k] for k in ("BENCH_CLIENT_ID", "BENCH_CLIENT_SECRET")},
        },
        cwd=CODE["root"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if qc.returncode == 0:
        report["queries"] = json.loads(qc.stdout.strip().splitlines()[-1])
        for name, q in report["queries"].items():
            log(f"  {name}: {q['queries']} queries, {q['sql_ms']} ms SQL, statuses {q['statuses']}")
    else:
        log(f"  querycount failed:\n{qc.stderr[-3000:]}")

    if not args.no_pgbench:
        log("pgbench select-only")
        report["pgbench"] = pgbench(args, workdir)
        log(f"  {report['pgbench']}")

    if not args.keep_created:
        report["cleanup"] = cleanup(args.database_url, applicatie)

    code_after = git_state()
    if code_after["fingerprint"] != report["code"]["fingerprint"]:
        report["code"]["changed_during_run"] = code_after
        log(f"WARNING: src/ changed during the run: {report['code']} -> {code_after}")
    if baseline is not None:
        report["baseline"] = {"file": args.baseline, "klanten": baseline["klanten"]}
    evaluate(report, baseline)
    json_path = outdir / f"{stamp}.json"
    md_path = outdir / f"{stamp}.md"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    md_path.write_text(
        markdown(report)
        + peer_markdown(report)
        + targets.markdown(report["targets"])
        + targets.drift_markdown(report)
        + schema_markdown(report)
    )
    shutil.rmtree(workdir, ignore_errors=True)
    if CODE["ref"]:
        shutil.rmtree(CODE["root"], ignore_errors=True)
    log("")
    log(markdown(report))
    if report.get("peer"):
        log(peer_markdown(report))
    log(targets.markdown(report["targets"]) + targets.drift_markdown(report))
    if report.get("schema_check"):
        log(schema_markdown(report))
    log(f"wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
