"""Where a write's time goes, per layer: in-process requests through Django's test client with
cProfile, summed by the functions that mark each layer (see LAYERS). CPU time per request from
``time.process_time`` (steadier than wall time on a shared machine); SQL round trips from
``CaptureQueriesContext``.

Run by hand on a bench database (the bench settings, as bench/querycount.py)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/klanten_bench \\
    DJANGO_SETTINGS_MODULE=benchsettings PYTHONPATH=bench:src DEBUG=false SECRET_KEY=x \\
    BENCH_CLIENT_ID=... BENCH_CLIENT_SECRET=... \\
    .venv/bin/python bench/profile_writes.py --inputs inputs.json --requests 300

(``bench/run`` writes an inputs file to its work directory; ``--inputs`` takes any JSON with
``uuids`` and ``bronorganisaties``.)
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
import time

import django

django.setup()

import loadgen  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# layer → (file suffix, function name) whose cumulative time is the layer's
LAYERS = {
    "whole request (handler + middleware + view)": ("django/test/client.py", "request"),
    "view (DRF dispatch: auth, parsing, validation, service, rendering)": (
        "rest_framework/views.py",
        "dispatch",
    ),
    "JWT authorization (permission check)": ("vng_api_common/permissions.py", "has_permission"),
    "request body parsing": ("rest_framework/request.py", "_parse"),
    "serializer validation": ("rest_framework/serializers.py", "is_valid"),
    "write transaction (services: the writes, audit, outbox)": (
        "klanten/datamodel/transactions.py",
        ("uitvoeren", "_uitvoeren"),
    ),
    "audit record + notification (built and written)": (
        "klanten/notificaties/wijziging.py",
        "leg_vast",
    ),
    "notification message (NotificatieSerializer)": (
        "klanten/notificaties/berichten.py",
        "bericht",
    ),
    "representation (klant_data)": ("klanten/datamodel/representation.py", "klant_data"),
    "SQL execution (Django cursor + psycopg + round trip)": (
        "django/db/backends/utils.py",
        "_execute",
    ),
    "response rendering (JSON)": ("rest_framework/response.py", "rendered_content"),
}


def sender(client, name: str, inputs: dict):
    """A function sending the next request of scenario ``name`` (``bench/loadgen.py``, the same
    random sequence every time) through ``client``, checking its status."""
    next_request = loadgen.scenario_requests(name, inputs, random.Random(5))

    def send():
        method, path, body, expected = next_request()
        response = client.generic(
            method, path, data=json.dumps(body) if body else "", content_type="application/json"
        )
        assert response.status_code == expected, (response.status_code, response.content[:300])

    return send


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--scenarios", default="create,patch")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=0, help="print the N costliest functions")
    args = parser.parse_args()
    with open(args.inputs) as fh:
        inputs = json.load(fh)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {loadgen.make_token()}", HTTP_HOST="127.0.0.1")
    out = {}
    for name in args.scenarios.split(","):
        send = sender(client, name, inputs)
        for _ in range(20):
            send()  # warm-up: caches, connection
        with CaptureQueriesContext(connection) as queries:
            send()
        statements = len(queries.captured_queries)
        profiler = cProfile.Profile()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        profiler.enable()
        for _ in range(args.requests):
            send()
        profiler.disable()
        cpu = (time.process_time() - cpu0) / args.requests * 1000
        wall = (time.perf_counter() - wall0) / args.requests * 1000
        # without the profiler: CPU per request
        cpu1 = time.process_time()
        for _ in range(args.requests):
            send()
        cpu_plain = (time.process_time() - cpu1) / args.requests * 1000
        ps = pstats.Stats(profiler)
        stats = ps.stats
        if args.top:
            ps.sort_stats(os.environ.get("SORT", "tottime")).print_stats(args.top)
        layers = {}
        for label, (suffix, function) in LAYERS.items():
            total = 0.0
            for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items():
                names = function if isinstance(function, tuple) else (function,)
                if func in names and filename.endswith(suffix):
                    total = max(total, ct)
            layers[label] = round(total / args.requests * 1000, 3)
        out[name] = {
            "statements": statements,
            "calls_per_request": round(ps.total_calls / args.requests),
            "cpu_ms_per_request": round(cpu_plain, 3),
            "profiled_cpu_ms": round(cpu, 3),
            "profiled_wall_ms": round(wall, 3),
            "layers_ms_profiled": layers,
        }
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
