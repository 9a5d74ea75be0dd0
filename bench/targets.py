"""The targets of issue 15, judged from one ``bench/run`` report: each met, or missed with the
measured reason (the CPU per request it would need against what it used).

Pure functions over the report dictionary ``bench/run`` writes as JSON (no Django, no
database), so a saved report can be judged again: ``python bench/targets.py REPORT.json
[--baseline SMALLER.json]``.

What one run can judge:

- statements per write (create ≤ 6, PATCH ≤ 5, the Contactmomenten create ≤ 6), from the
  in-process query count;
- every read at 50 % or more of our own constant-JSON floor, the unfiltered first page at 30 %;
- with ``--peer``: create and PATCH at 5× the peer's req/s or more, and our floor at or above
  the peer's floor;
- with ``--baseline`` (a run of the same scenarios on fewer klanten): every read and write at
  most 1.2× its time per request there (time per request at a fixed concurrency: 1 / req/s).

Worker scaling (2, 4, 8 workers) takes one run per worker count and is not judged here.

How a comparison is judged: on the MEDIAN req/s of each side's attempts (``--repeat N``), the
same rule on both sides; our floor is the median over all its attempts, at the start
(``constant``) and at the end (``constant_end``) together. The machine drifts within one run
by more than the differences measured, so no single attempt (the fastest, or the one least
disturbed by other processes) decides a verdict. Each row also gives, for information, the
best-with-best and worst-with-worst ratios (the spread), and its verdict says so when either
would have judged otherwise: "MISSED (median 0.42; best-with-best 0.51)".
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

WRITE_RATIO = 5.0
READ_FLOOR = 0.50
FIRST_PAGE_FLOOR = 0.30
FLAT_WITH_SIZE = 1.2
# the issue's budgets; the same for the new APIs' creates as they landed
STATEMENT_BUDGETS = {"create": 6, "patch": 5, "cm_create": 6}
FLOOR_SCENARIOS = ("constant", "constant_end")
PEER_WRITES = ("create", "patch")


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def attempts_rps(row: dict) -> list[float]:
    """The req/s of every attempt of a scenario (``--repeat N``; one when not repeated)."""
    return list(row.get("attempts_rps") or [row["rps"]])


def median_rps(row: dict) -> float:
    """The statistic every verdict is judged on: the median of a side's attempts."""
    return statistics.median(attempts_rps(row))


def representative(attempts: list[dict]) -> dict:
    """The attempt at the median rank by req/s (the lower middle one for an even count): the
    run whose latencies and CPU the tables show."""
    ranked = sorted(attempts, key=lambda a: a["rps"])
    return ranked[(len(ranked) - 1) // 2]


def kept_row(attempts: list[dict]) -> dict:
    """A scenario's row in ``bench/run``'s report: the attempt at the median rank by req/s
    (its latencies and CPU are the tables'), with the req/s of every attempt
    (``attempts_rps``; their median is ``rps_median``) and every attempt in full
    (``attempts``), so that a verdict can be judged again from the JSON (``--rejudge``)."""
    row = dict(representative(attempts))
    row["attempts_rps"] = [a["rps"] for a in attempts]
    row["rps_median"] = median_rps(row)
    row["attempts"] = [dict(a) for a in attempts]
    return row


def _attempt_cpu(row: dict) -> tuple[float, float, float]:
    per_request = row.get("cpu_ms_per_request") or {}
    loadgen_cores = (row.get("cpu_utilisation") or {}).get("loadgen", 0.0)
    loadgen = loadgen_cores * 1000 / row["rps"] if row.get("rps") else 0.0
    return per_request.get("workers", 0.0), per_request.get("postgres", 0.0), loadgen


def _cpu(row: dict) -> tuple[float, float, float]:
    """(worker, PostgreSQL, load generator) CPU ms per request of a scenario: the median of
    each over its attempts when the report keeps them (``attempts``), else of the run kept."""
    attempts = [a for a in row.get("attempts") or [] if a.get("cpu_ms_per_request")]
    if not attempts:
        return _attempt_cpu(row)
    values = [_attempt_cpu(a) for a in attempts]
    return tuple(statistics.median(v[i] for v in values) for i in range(3))


def compare(ours: list[float], theirs: list[float]) -> dict:
    """Ratios of two sides' attempts: ``median`` (the one judged), ``best`` (best with best)
    and ``worst`` (worst with worst); None where the other side has no rate."""

    def ratio(a, b):
        return a / b if b else None

    return {
        "median": ratio(statistics.median(ours), statistics.median(theirs)),
        "best": ratio(max(ours), max(theirs)),
        "worst": ratio(min(ours), min(theirs)),
        "ours": statistics.median(ours),
        "theirs": statistics.median(theirs),
    }


def spread_note(ratios: dict, met, digits: int = 2) -> str:
    """``"median 0.42; best-with-best 0.51"`` when best-with-best or worst-with-worst would
    judge otherwise than the median (``met`` tells whether a ratio meets); else empty."""
    others = [
        (label, ratios[key])
        for key, label in (("best", "best-with-best"), ("worst", "worst-with-worst"))
        if ratios[key] is not None and met(ratios[key]) != met(ratios["median"])
    ]
    if not others:
        return ""
    # enough digits to tell the values apart (one meets, the other does not)
    while digits < 4 and any(
        f"{value:.{digits}f}" == f"{ratios['median']:.{digits}f}" for _label, value in others
    ):
        digits += 1
    return "; ".join(
        [f"median {ratios['median']:.{digits}f}"]
        + [f"{label} {value:.{digits}f}" for label, value in others]
    )


def _spread(ratios: dict, digits: int = 2) -> str:
    def show(value):
        return "–" if value is None else f"{value:.{digits}f}"

    return f"best-with-best {show(ratios['best'])}, worst-with-worst {show(ratios['worst'])}"


def floor_attempts(scenarios: dict) -> list[float]:
    """Every attempt of a side's floor, at the start and at the end together."""
    return [rps for n in FLOOR_SCENARIOS if n in scenarios for rps in attempts_rps(scenarios[n])]


def floor_rps(report: dict) -> float | None:
    """Our floor: the median over all floor attempts (start and end together)."""
    runs = floor_attempts(report.get("scenarios", {}))
    return statistics.median(runs) if runs else None


def floor_row(report: dict) -> dict | None:
    """Our floor as one row: the median over all its attempts as ``rps``, every attempt in
    ``attempts_rps`` and ``attempts`` (for the CPU per request)."""
    scenarios = report.get("scenarios", {})
    runs = [scenarios[n] for n in FLOOR_SCENARIOS if n in scenarios]
    if not runs:
        return None
    attempts = [a for r in runs for a in (r.get("attempts") or [r])]
    return {
        "rps": floor_rps(report),
        "attempts_rps": floor_attempts(scenarios),
        "attempts": attempts,
    }


def _rounded(ratios: dict) -> dict:
    return {k: None if v is None else round(v, 3) for k, v in ratios.items()}


def read_target(name: str) -> float:
    return FIRST_PAGE_FLOOR if name == "list_first_page" else READ_FLOOR


def judge(report: dict, kinds: dict[str, str], baseline: dict | None = None) -> list[dict]:
    """One row per target of this run: ``target``, ``measured``, ``verdict`` ("met" or
    "MISSED") and, for a miss, ``why``. ``kinds`` maps a scenario to "read", "write",
    "floor" or "info" (``bench/run``'s SCENARIOS)."""
    rows: list[dict] = []
    scenarios = report.get("scenarios", {})
    queries = report.get("queries", {})
    cores = (report.get("machine") or {}).get("cores") or 1

    for name, budget in STATEMENT_BUDGETS.items():
        counted = queries.get(name)
        if not counted:
            continue
        met = counted["queries"] <= budget
        rows.append(
            {
                "target": f"{name}: at most {budget} statements per request",
                "measured": f"{counted['queries']:g}",
                "verdict": _verdict(met),
                "why": ""
                if met
                else f"{counted['queries']:g} statements counted in-process "
                "(bench/querycount.py); tests/test_statement_budgets.py should have failed",
            }
        )

    floor = floor_row(report)
    if floor and floor["rps"]:
        floor_cpu = sum(_cpu(floor)[:2])
        for name, row in scenarios.items():
            if kinds.get(name) != "read":
                continue
            wanted = read_target(name)
            ratios = compare(attempts_rps(row), floor["attempts_rps"])
            met = ratios["median"] >= wanted
            worker, postgres, _ = _cpu(row)
            rows.append(
                {
                    "target": f"{name}: at least {wanted:.0%} of our floor",
                    "measured": f"{ratios['median']:.2f} × floor (medians {_fmt(ratios['ours'], 0)}"
                    f" against {_fmt(ratios['theirs'], 0)} req/s; {_spread(ratios)})",
                    "verdict": _verdict(met),
                    "note": spread_note(ratios, lambda r, wanted=wanted: r >= wanted),
                    "ratios": _rounded(ratios),
                    "why": ""
                    if met
                    else f"it spends {_fmt(worker)} ms of worker and {_fmt(postgres)} ms of "
                    f"PostgreSQL CPU per request, the floor {_fmt(floor_cpu)} ms: "
                    f"{_fmt((worker + postgres) / floor_cpu if floor_cpu else 0, 1)}× the "
                    "floor's work (docs/performance.md, the read passes, has the profile)",
                }
            )

    peer = (report.get("peer") or {}).get("scenarios", {})
    label = (report.get("peer") or {}).get("label", "the peer")
    for name in PEER_WRITES:
        if name not in peer or name not in scenarios or not median_rps(peer[name]):
            continue
        ratios = compare(attempts_rps(scenarios[name]), attempts_rps(peer[name]))
        met = ratios["median"] >= WRITE_RATIO
        why = ""
        if not met:
            worker, postgres, loadgen = _cpu(scenarios[name])
            wanted_rps = WRITE_RATIO * ratios["theirs"]
            budget = cores * 1000 / wanted_rps
            why = (
                f"{WRITE_RATIO:g} × {_fmt(ratios['theirs'], 0)} = {_fmt(wanted_rps, 0)} req/s "
                f"leaves {_fmt(budget)} ms of CPU per request on {cores} cores for the worker, "
                f"PostgreSQL and the load generator together; ours spends {_fmt(worker)} + "
                f"{_fmt(postgres)} + {_fmt(loadgen)} = {_fmt(worker + postgres + loadgen)} ms "
                "(docs/performance.md, 'Writes', has the profile per layer)"
            )
        rows.append(
            {
                "target": f"{name}: at least {WRITE_RATIO:g}× {label}",
                "measured": f"{ratios['median']:.2f}× (medians {_fmt(ratios['ours'], 0)} against "
                f"{_fmt(ratios['theirs'], 0)} req/s; {_spread(ratios)})",
                "verdict": _verdict(met),
                "note": spread_note(ratios, lambda r: r >= WRITE_RATIO),
                "ratios": _rounded(ratios),
                "why": why,
            }
        )
    ours_floor = floor_attempts(scenarios)
    peer_floor = floor_attempts(peer)
    if ours_floor and peer_floor and statistics.median(peer_floor):
        ratios = compare(ours_floor, peer_floor)
        met = ratios["median"] >= 1.0
        rows.append(
            {
                "target": f"our floor at or above {label}'s",
                "measured": f"{ratios['median']:.2f}× (medians {_fmt(ratios['ours'], 0)} against "
                f"{_fmt(ratios['theirs'], 0)} req/s over the runs at the start and the end; "
                f"{_spread(ratios)})",
                "verdict": _verdict(met),
                "note": spread_note(ratios, lambda r: r >= 1.0),
                "ratios": _rounded(ratios),
                "why": ""
                if met
                else "our constant-JSON floor answered fewer requests than the peer's API "
                "root; compare the runs of both floors (start and end) for the spread",
            }
        )

    if baseline and report.get("klanten", 0) > baseline.get("klanten", 0):
        small = baseline.get("scenarios", {})
        for name, row in scenarios.items():
            if kinds.get(name) not in ("read", "write") or name not in small:
                continue
            if not median_rps(row) or not median_rps(small[name]):
                continue
            # time per request here against there: the smaller run's req/s over ours
            ratios = compare(attempts_rps(small[name]), attempts_rps(row))
            met = ratios["median"] <= FLAT_WITH_SIZE
            worker, postgres, _ = _cpu(row)
            small_worker, small_postgres, _ = _cpu(small[name])
            rows.append(
                {
                    "target": f"{name}: at {report['klanten']:,} klanten at most "
                    f"{FLAT_WITH_SIZE:g}× its time at {baseline['klanten']:,}",
                    "measured": f"{ratios['median']:.2f}× ({_spread(ratios)})",
                    "verdict": _verdict(met),
                    "note": spread_note(ratios, lambda r: r <= FLAT_WITH_SIZE),
                    "ratios": _rounded(ratios),
                    "why": ""
                    if met
                    else f"worker {_fmt(small_worker)} → {_fmt(worker)} ms, PostgreSQL "
                    f"{_fmt(small_postgres)} → {_fmt(postgres)} ms of CPU per request",
                }
            )
    return rows


def verdict_text(row: dict) -> str:
    """The verdict with its spread note: ``MISSED (median 0.42; best-with-best 0.51)``."""
    return f"{row['verdict']} ({row['note']})" if row.get("note") else row["verdict"]


def markdown(rows: list[dict]) -> str:
    if not rows:
        return ""
    lines = [
        "### Targets of issue 15, judged from this run",
        "",
        "| target | measured | verdict | why (when missed) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['target']} | {r['measured']} | {verdict_text(r)} | {r['why']} |" for r in rows]
    missed = sum(r["verdict"] != "met" for r in rows)
    lines += [
        "",
        f"{len(rows) - missed} of {len(rows)} met, each judged on the median req/s of each "
        "side's runs (our floor: all its runs, start and end); in brackets when best-with-best "
        "or worst-with-worst would judge otherwise. Not judged by one run: worker scaling "
        "(one run per worker count: `--workers 2`, `4`, `8`).",
    ]
    return "\n".join(lines) + "\n"


def _probes(row: dict) -> list[tuple[float, float]]:
    """(req/s, probe ms) of every attempt of a scenario that carries the machine probe."""
    return [(a["rps"], a["probe_ms"]) for a in row.get("attempts") or [row] if a.get("probe_ms")]


def drift(report: dict) -> dict | None:
    """How fast the machine was during our side's run (``bench/probe.py``, measured before every
    attempt), and our floor at the start and the end with and without it: ``probe_ms`` (min,
    median, max over every attempt), and per floor scenario the median req/s, the median probe
    and the speed-adjusted req/s (each attempt's req/s × its probe / the run's median probe:
    the req/s it would have had at the run's typical machine speed). None for a report
    without probes (before they were measured)."""
    scenarios = report.get("scenarios", {})
    every = [probe for row in scenarios.values() for _rps, probe in _probes(row)]
    if not every:
        return None
    typical = statistics.median(every)
    result = {"probe_ms": [min(every), typical, max(every)], "floor": {}}
    for name in FLOOR_SCENARIOS:
        pairs = _probes(scenarios.get(name) or {})
        if pairs:
            result["floor"][name] = {
                "rps": statistics.median(r for r, _ in pairs),
                "probe_ms": statistics.median(p for _, p in pairs),
                "adjusted_rps": statistics.median(r * p / typical for r, p in pairs),
            }
    return result


def drift_markdown(report: dict) -> str:
    found = drift(report)
    if not found:
        return ""
    low, typical, high = found["probe_ms"]
    text = (
        "Machine speed (`bench/probe.py`: milliseconds of CPU for the same pure-Python work, "
        f"measured before every attempt; higher is slower): {_fmt(low, 1)}-{_fmt(high, 1)} ms "
        f"over our attempts, median {_fmt(typical, 1)}."
    )
    start, end = (found["floor"].get(n) for n in FLOOR_SCENARIOS)
    # every probe kept is positive (_probes drops the missing ones); req/s may be 0
    if start and end and start["rps"] and end["probe_ms"] and start["adjusted_rps"]:
        text += (
            f" Our floor at the start {_fmt(start['rps'], 0)} req/s (probe "
            f"{_fmt(start['probe_ms'], 1)} ms), at the end {_fmt(end['rps'], 0)} req/s (probe "
            f"{_fmt(end['probe_ms'], 1)} ms): {end['rps'] / start['rps'] - 1:+.0%} while the "
            f"machine's speed changed {start['probe_ms'] / end['probe_ms'] - 1:+.0%}; at the "
            f"run's median speed {_fmt(start['adjusted_rps'], 0)} and "
            f"{_fmt(end['adjusted_rps'], 0)} req/s "
            f"({end['adjusted_rps'] / start['adjusted_rps'] - 1:+.0%})."
        )
    return "\n" + text + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a bench/results/*.json of bench/run")
    parser.add_argument("--baseline", type=Path, help="a run on fewer klanten")
    args = parser.parse_args(argv)
    from run import SCENARIOS

    report = json.loads(args.report.read_text())
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    kinds = {name: kind for name, (_label, kind) in SCENARIOS.items()}
    print(markdown(judge(report, kinds, baseline)) + drift_markdown(report), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
