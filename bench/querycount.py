"""Queries per request, measured in-process (not on the served workers).

Run by ``bench/run`` with the bench settings on the bench database: for each scenario it
sends the same kind of request as the load generator through Django's test client, once to
warm up and then ``--samples`` times inside ``CaptureQueriesContext``, and prints JSON with
the mean number of SQL statements Django executed, their summed time and the statements of
the last sample. Not captured there, and counted separately: the connection health check
(``SELECT 1`` before the first query of a request on a reused connection, as
``CONN_HEALTH_CHECKS`` does) and transaction commits (each also costs an implicit BEGIN).

With ``--profile DIR`` it also profiles ``--profile-requests`` requests per scenario with
pyinstrument (when installed) and writes one text report per scenario.
"""

import argparse
import json
import os
import random
import sys
import time

import django

django.setup()

import loadgen  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.db.backends.postgresql.base import DatabaseWrapper  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

COUNTS = {"health_checks": 0, "commits": 0}
_is_usable = DatabaseWrapper.is_usable
_commit = DatabaseWrapper._commit


def _counting_is_usable(self):
    COUNTS["health_checks"] += 1
    return _is_usable(self)


def _counting_commit(self):
    COUNTS["commits"] += 1
    return _commit(self)


DatabaseWrapper.is_usable = _counting_is_usable
DatabaseWrapper._commit = _counting_commit


SQL_TIME = [0.0]


def timed(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        SQL_TIME[0] += time.perf_counter() - started


def send(client: Client, method: str, path: str, body):
    # what request_started/request_finished do in a served worker (the test client skips it):
    # a reused connection gets its health check again
    close_old_connections()
    if method == "GET":
        return client.get(path)
    return client.generic(method, path, data=json.dumps(body), content_type="application/json")


def measure(client, name, inputs, samples, rng) -> dict:
    next_request = loadgen.scenario_requests(name, inputs, rng)
    method, path, body, expected = next_request()
    send(client, method, path, body)  # warm-up (connection, caches)
    counts, times, statuses = [], [], []
    health = commits = 0
    statements: list[str] = []
    for _ in range(samples):
        method, path, body, expected = next_request()
        before = dict(COUNTS)
        SQL_TIME[0] = 0.0
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timed):
            response = send(client, method, path, body)
        health += COUNTS["health_checks"] - before["health_checks"]
        commits += COUNTS["commits"] - before["commits"]
        statuses.append(response.status_code)
        # BEGIN and COMMIT (logged by Django since 4.2) are counted as the commit below
        captured = [q for q in ctx.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
        counts.append(len(captured))
        times.append(SQL_TIME[0] * 1000)
        statements = [str(q["sql"])[:400] for q in captured]
    return {
        "queries": round(sum(counts) / samples, 2),
        "queries_min": min(counts),
        "queries_max": max(counts),
        "health_checks": round(health / samples, 2),
        "commits": round(commits / samples, 2),
        "sql_ms": round(sum(times) / samples, 2),
        "statuses": sorted(set(statuses)),
        "expected_status": expected,
        "statements": statements,
    }


def profile(client, name, inputs, requests, rng, directory) -> str | None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    next_request = loadgen.scenario_requests(name, inputs, rng)
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for _ in range(requests):
        method, path, body, _expected = next_request()
        send(client, method, path, body)
    profiler.stop()
    elapsed = time.perf_counter() - started
    path = os.path.join(directory, f"profile-{name}.txt")
    with open(path, "w") as fh:
        fh.write(
            f"# {name}: {requests} requests in-process, {elapsed / requests * 1000:.2f} ms each\n"
        )
        fh.write(profiler.output_text(unicode=True, color=False, show_all=False))
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--scenarios", required=True, help="comma separated")
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--profile", help="directory for pyinstrument reports")
    parser.add_argument("--profile-requests", type=int, default=200)
    args = parser.parse_args(argv)
    with open(args.inputs) as fh:
        inputs = json.load(fh)
    token = loadgen.make_token()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    rng = random.Random(7)
    results = {}
    for name in args.scenarios.split(","):
        results[name] = measure(client, name, inputs, args.samples, rng)
        if args.profile:
            results[name]["profile"] = profile(
                client, name, inputs, args.profile_requests, rng, args.profile
            )
    json.dump(results, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
