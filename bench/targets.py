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
"""

import argparse
import json
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


def _cpu(row: dict) -> tuple[float, float, float]:
    """(worker, PostgreSQL, load generator) CPU ms per request of a scenario row."""
    per_request = row.get("cpu_ms_per_request") or {}
    loadgen_cores = (row.get("cpu_utilisation") or {}).get("loadgen", 0.0)
    loadgen = loadgen_cores * 1000 / row["rps"] if row.get("rps") else 0.0
    return per_request.get("workers", 0.0), per_request.get("postgres", 0.0), loadgen


def best_rps(row: dict) -> float:
    """A side's best run by req/s (the peer table's choice)."""
    return max(row.get("attempts_rps") or [row["rps"]])


def floor_row(report: dict) -> dict | None:
    """Our floor run least disturbed by other processes (``bench/run``'s own choice)."""
    runs = [report["scenarios"][n] for n in FLOOR_SCENARIOS if n in report["scenarios"]]
    if not runs:
        return None
    return min(runs, key=lambda r: (r.get("cpu_utilisation") or {}).get("other", 0))


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
    if floor and floor.get("rps"):
        floor_cpu = sum(_cpu(floor)[:2])
        for name, row in scenarios.items():
            if kinds.get(name) != "read":
                continue
            wanted = read_target(name)
            ratio = row["rps"] / floor["rps"]
            met = ratio >= wanted
            worker, postgres, _ = _cpu(row)
            rows.append(
                {
                    "target": f"{name}: at least {wanted:.0%} of our floor",
                    "measured": f"{ratio:.2f} × floor ({_fmt(row['rps'], 0)} against "
                    f"{_fmt(floor['rps'], 0)} req/s)",
                    "verdict": _verdict(met),
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
        if name not in peer or name not in scenarios or not peer[name].get("rps"):
            continue
        ours, theirs = scenarios[name], peer[name]
        ratio = best_rps(ours) / theirs["rps"]
        met = ratio >= WRITE_RATIO
        why = ""
        if not met:
            worker, postgres, loadgen = _cpu(ours)
            wanted_rps = WRITE_RATIO * theirs["rps"]
            budget = cores * 1000 / wanted_rps
            why = (
                f"{WRITE_RATIO:g} × {_fmt(theirs['rps'], 0)} = {_fmt(wanted_rps, 0)} req/s "
                f"leaves {_fmt(budget)} ms of CPU per request on {cores} cores for the worker, "
                f"PostgreSQL and the load generator together; ours spends {_fmt(worker)} + "
                f"{_fmt(postgres)} + {_fmt(loadgen)} = {_fmt(worker + postgres + loadgen)} ms "
                "(docs/performance.md, 'Writes', has the profile per layer)"
            )
        rows.append(
            {
                "target": f"{name}: at least {WRITE_RATIO:g}× {label}",
                "measured": f"{ratio:.2f}× ({_fmt(best_rps(ours), 0)} against "
                f"{_fmt(theirs['rps'], 0)} req/s)",
                "verdict": _verdict(met),
                "why": why,
            }
        )
    ours_floor = [best_rps(scenarios[n]) for n in FLOOR_SCENARIOS if n in scenarios]
    peer_floor = [peer[n]["rps"] for n in FLOOR_SCENARIOS if n in peer]
    if ours_floor and peer_floor:
        ratio = max(ours_floor) / max(peer_floor)
        met = ratio >= 1.0
        rows.append(
            {
                "target": f"our floor at or above {label}'s",
                "measured": f"{ratio:.2f}× ({_fmt(max(ours_floor), 0)} against "
                f"{_fmt(max(peer_floor), 0)} req/s, best runs)",
                "verdict": _verdict(met),
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
            if not row.get("rps") or not small[name].get("rps"):
                continue
            growth = small[name]["rps"] / row["rps"]
            met = growth <= FLAT_WITH_SIZE
            worker, postgres, _ = _cpu(row)
            small_worker, small_postgres, _ = _cpu(small[name])
            rows.append(
                {
                    "target": f"{name}: at {report['klanten']:,} klanten at most "
                    f"{FLAT_WITH_SIZE:g}× its time at {baseline['klanten']:,}",
                    "measured": f"{growth:.2f}×",
                    "verdict": _verdict(met),
                    "why": ""
                    if met
                    else f"worker {_fmt(small_worker)} → {_fmt(worker)} ms, PostgreSQL "
                    f"{_fmt(small_postgres)} → {_fmt(postgres)} ms of CPU per request",
                }
            )
    return rows


def markdown(rows: list[dict]) -> str:
    if not rows:
        return ""
    lines = [
        "### Targets of issue 15, judged from this run",
        "",
        "| target | measured | verdict | why (when missed) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['target']} | {r['measured']} | {r['verdict']} | {r['why']} |" for r in rows]
    missed = sum(r["verdict"] != "met" for r in rows)
    lines += [
        "",
        f"{len(rows) - missed} of {len(rows)} met. Not judged by one run: worker scaling "
        "(one run per worker count: `--workers 2`, `4`, `8`).",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a bench/results/*.json of bench/run")
    parser.add_argument("--baseline", type=Path, help="a run on fewer klanten")
    args = parser.parse_args(argv)
    from run import SCENARIOS

    report = json.loads(args.report.read_text())
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    kinds = {name: kind for name, (_label, kind) in SCENARIOS.items()}
    print(markdown(judge(report, kinds, baseline)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
