"""The reads against the floor, in-process: worker CPU, PostgreSQL backend CPU and Python calls
per request (docs/performance.md, "Reads against the floor").

Each scenario of ``bench/loadgen.py`` runs through Django's test client (the whole middleware
stack, the bench settings, a JWT with all rights and a warm authorization cache) on a bench
database. Per request: the worker's CPU (``time.process_time``), the CPU of the connection's
PostgreSQL backend (``/proc/<backend pid>/stat``; the server must run on this machine) and,
in a separate pass under cProfile, the number of Python function calls. Best of ``--rounds``.
To compare two versions of the code, run it alternately with ``PYTHONPATH=bench:<their src>``::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/klanten_bench \\
    DJANGO_SETTINGS_MODULE=benchsettings PYTHONPATH=bench:src DEBUG=false SECRET_KEY=x \\
    .venv/bin/python bench/read_cpu.py --requests 300 --rounds 3
"""

import argparse
import cProfile
import gc
import json
import os
import pstats
import secrets
import sys
import time

import django

django.setup()

import loadgen  # noqa: E402
from common import cpu_seconds  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from profile_writes import sender  # noqa: E402
from run import sample_inputs  # noqa: E402

SCENARIOS = "constant_auth,detail,list_bsn,list_first_page,list_achternaam,klantbeeld"


class GcTime:
    """Seconds spent in the cyclic garbage collector (``gc.callbacks``)."""

    def __init__(self):
        self.total, self._start = 0.0, 0.0
        gc.callbacks.append(self)

    def __call__(self, phase, info):
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start


def wsgi_sender(name: str, inputs: dict, authorization: str):
    """As ``profile_writes.sender``, but through the WSGI application itself (``klanten.wsgi``,
    as gunicorn calls it): no test client, whose own bookkeeping (the response's request,
    client and template records) keeps every response alive until a garbage collection."""
    import io
    import random
    from urllib.parse import urlsplit

    from klanten.wsgi import application

    next_request = loadgen.scenario_requests(name, inputs, random.Random(5))
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status.split()[0]))

    def send():
        method, path, body, expected = next_request()
        data = json.dumps(body).encode() if body else b""
        url = urlsplit(path)
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": authorization,
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        statuses.clear()
        response = application(environ, start_response)
        try:
            for _ in response:
                pass
        finally:
            response.close()
        assert statuses == [expected], (statuses, expected)

    return send


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", default=SCENARIOS)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--via",
        choices=("client", "wsgi"),
        default="client",
        help="Django's test client, or the WSGI application as gunicorn calls it",
    )
    parser.add_argument(
        "--inputs", help="a JSON inputs file (else sampled as bench/run does, and saved)"
    )
    parser.add_argument(
        "--top",
        type=int,
        default=0,
        help="also print each scenario's N costliest functions (own time) to stderr",
    )
    parser.add_argument(
        "--sort",
        choices=("tottime", "cumulative"),
        default="tottime",
        help="with --top: order by own time (default) or by time including callees",
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="profile in CPU time (time.process_time) rather than wall time, which counts the "
        "wait for PostgreSQL as psycopg's own",
    )
    parser.add_argument(
        "--callers", metavar="REGEX", help="with --top: also print who called these functions"
    )
    args = parser.parse_args()
    from klanten.config.clients import APIClient, save_api_client

    client_id = "bench-read-cpu"
    secret = os.environ.get("BENCH_CLIENT_SECRET") or secrets.token_hex(16)
    save_api_client(
        APIClient(
            client_id=client_id,
            secret=secret,
            label="Benchmark in-process reads",
            heeft_alle_autorisaties=True,
        )
    )
    os.environ["BENCH_CLIENT_ID"], os.environ["BENCH_CLIENT_SECRET"] = client_id, secret
    if args.inputs and os.path.exists(args.inputs):
        with open(args.inputs) as fh:
            inputs = json.load(fh)
    else:
        inputs = sample_inputs(os.environ["DATABASE_URL"], 1000)
        if args.inputs:
            with open(args.inputs, "w") as fh:
                json.dump(inputs, fh)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {loadgen.make_token()}", HTTP_HOST="127.0.0.1")
    # the garbage collector as the served process sets it after loading the application
    # (klanten.wsgi; GC_FREEZE=false GC_GEN0_THRESHOLD=700 for Python's defaults)
    try:
        from klanten.conf import gc_tuning
    except ImportError:  # code from before the setting: Python's defaults
        print("gc: Python's defaults", file=sys.stderr, flush=True)
    else:
        print("gc:", gc_tuning.apply(), file=sys.stderr, flush=True)
    gc_time = GcTime()
    out = {}
    for name in args.scenarios.split(","):
        if args.via == "wsgi":
            send = wsgi_sender(name, inputs, f"Bearer {loadgen.make_token()}")
        else:
            send = sender(client, name, inputs)
        for _ in range(30):
            send()  # warm-up: caches, the connection, prepared statements
        pid = connection.connection.info.backend_pid
        best_worker = best_pg = None
        collections = 0
        gc_time.total = 0.0
        for _ in range(args.rounds):
            gc0 = sum(stat["collections"] for stat in gc.get_stats())
            cpu0, pg0 = time.process_time(), cpu_seconds(pid)
            for _ in range(args.requests):
                send()
            collections += sum(stat["collections"] for stat in gc.get_stats()) - gc0
            worker = (time.process_time() - cpu0) / args.requests * 1000
            pg = (cpu_seconds(pid) - pg0) / args.requests * 1000
            best_worker = worker if best_worker is None else min(best_worker, worker)
            best_pg = pg if best_pg is None else min(best_pg, pg)
        gc_spent = gc_time.total
        profiler = cProfile.Profile(time.process_time) if args.cpu_time else cProfile.Profile()
        profiler.enable()
        for _ in range(100):
            send()
        profiler.disable()
        if args.top:
            print(f"== {name}: 100 requests by {args.sort}", file=sys.stderr)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(args.sort).print_stats(args.top)
            if args.callers:
                pstats.Stats(profiler, stream=sys.stderr).print_callers(args.callers)
        out[name] = {
            "worker_cpu_ms": round(best_worker, 3),
            "pg_cpu_ms": round(best_pg, 3),
            "calls": round(pstats.Stats(profiler).total_calls / 100),
            "gc_collections_per_request": round(collections / args.rounds / args.requests, 3),
            "gc_ms_per_request": round(gc_spent / args.rounds / args.requests * 1000, 3),
            "rss_mib": rss_mib(),
        }
        print(name, out[name], file=sys.stderr, flush=True)
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
