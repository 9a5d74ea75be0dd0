"""bench/targets.py judges issue 15's targets from a bench/run report (pure functions)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bench" / "targets.py"
_SPEC = importlib.util.spec_from_file_location("bench_targets", _PATH)
targets = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(targets)

KINDS = {
    "constant": "floor",
    "constant_end": "floor",
    "detail": "read",
    "list_first_page": "read",
    "create": "write",
    "patch": "write",
}


def scenario(rps, workers=1.0, postgres=0.5, loadgen_cores=0.2, other=0.0, attempts=None):
    return {
        "rps": rps,
        "attempts_rps": attempts or [rps],
        "cpu_ms_per_request": {"workers": workers, "postgres": postgres},
        "cpu_utilisation": {"loadgen": loadgen_cores, "other": other},
    }


def report(**scenarios):
    return {"klanten": 100_000, "machine": {"cores": 2}, "scenarios": scenarios, "queries": {}}


def by_target(rows):
    return {row["target"]: row for row in rows}


def test_a_read_is_judged_on_medians_and_the_floor_on_every_run_at_start_and_end():
    rows = targets.judge(
        report(
            # start: median 1,000; end: median 800; all six together: median 950
            constant=scenario(1000, attempts=[900, 1000, 1100]),
            constant_end=scenario(800, attempts=[1200, 700, 800]),
            detail=scenario(475, attempts=[600, 475, 300]),
        ),
        KINDS,
    )
    row = by_target(rows)["detail: at least 50% of our floor"]
    assert row["verdict"] == "met"
    assert row["measured"].startswith("0.50 × floor (medians 475 against 950 req/s")
    # the spread, for information: 600 / 1,200 and 300 / 700
    assert "best-with-best 0.50, worst-with-worst 0.43" in row["measured"]
    assert row["note"] == "median 0.50; worst-with-worst 0.43"
    assert row["ratios"]["median"] == 0.5


def test_a_disturbed_single_run_no_longer_decides_a_read():
    # as the old bench/run kept it: the attempt with the least "other" CPU was also the
    # slowest (302 of 302-546 req/s), and the verdict was judged on it alone (0.30, MISSED)
    rows = targets.judge(
        report(
            constant=scenario(1000, attempts=[1000, 1000, 1000]),
            constant_end=scenario(1000, other=0.4, attempts=[1000, 1000, 1000]),
            detail=scenario(302, other=0.0, attempts=[302, 540, 546]),
        ),
        KINDS,
    )
    row = by_target(rows)["detail: at least 50% of our floor"]
    assert row["verdict"] == "met"
    assert row["measured"].startswith("0.54 × floor")
    assert targets.verdict_text(row) == "met (median 0.54; worst-with-worst 0.30)"


def test_a_slow_floor_run_no_longer_makes_every_read_meet():
    # the old choice: the floor run with the least "other" CPU, here the start at 566 req/s
    # of a floor that ran at 566-1,099 req/s; the detail read met against it (0.71)
    rows = targets.judge(
        report(
            constant=scenario(566, other=0.0, attempts=[566, 1050, 1099]),
            constant_end=scenario(1080, other=0.3, attempts=[1080, 1090, 1060]),
            detail=scenario(400, attempts=[400, 400, 400]),
        ),
        KINDS,
    )
    row = by_target(rows)["detail: at least 50% of our floor"]
    # the floor is the median of all six runs: (1,060 + 1,080) / 2
    assert row["measured"].startswith("0.37 × floor (medians 400 against 1,070 req/s")
    assert targets.verdict_text(row) == "MISSED (median 0.37; worst-with-worst 0.71)"


def test_the_cpu_of_a_miss_is_the_median_of_the_runs_kept_in_full():
    def attempt(rps, workers):
        return {
            "rps": rps,
            "cpu_ms_per_request": {"workers": workers, "postgres": 0.5},
            "cpu_utilisation": {"loadgen": 0.0, "other": 0.0},
        }

    detail = scenario(300, attempts=[300, 310, 320])
    detail["attempts"] = [attempt(300, 9.0), attempt(310, 1.5), attempt(320, 1.0)]
    rows = targets.judge(
        report(constant=scenario(1000, workers=0.5, postgres=0.0), detail=detail), KINDS
    )
    row = by_target(rows)["detail: at least 50% of our floor"]
    assert row["verdict"] == "MISSED"
    assert "1.50 ms of worker and 0.50 ms of PostgreSQL CPU" in row["why"]


def test_the_report_keeps_every_attempt_and_shows_the_one_at_the_median_rank():
    attempts = [
        {"rps": 546.0, "p99_ms": 30.0, "cpu_utilisation": {"other": 0.9}},
        {"rps": 302.0, "p99_ms": 90.0, "cpu_utilisation": {"other": 0.0}},
        {"rps": 540.0, "p99_ms": 31.0, "cpu_utilisation": {"other": 0.5}},
    ]
    row = targets.kept_row(attempts)
    # not the least disturbed attempt (302 req/s, "other" 0.0): the median one
    assert (row["rps"], row["p99_ms"]) == (540.0, 31.0)
    assert row["attempts_rps"] == [546.0, 302.0, 540.0]
    assert row["rps_median"] == 540.0
    assert row["attempts"] == attempts
    assert json.loads(json.dumps(row))["attempts"] == attempts  # a JSON report keeps them
    # an even count: the lower middle attempt is shown, the median is of both middle ones
    even = targets.kept_row(attempts[:2])
    assert (even["rps"], even["rps_median"]) == (302.0, 424.0)


def test_a_missed_read_says_how_much_more_work_it_does_than_the_floor():
    rows = targets.judge(
        report(
            constant=scenario(1000, workers=0.5, postgres=0.0),
            detail=scenario(400, workers=1.5, postgres=0.5),
        ),
        KINDS,
    )
    row = by_target(rows)["detail: at least 50% of our floor"]
    assert row["verdict"] == "MISSED"
    assert "1.50 ms of worker and 0.50 ms of PostgreSQL CPU" in row["why"]
    assert "4.0× the floor's work" in row["why"]


@pytest.mark.parametrize(("rps", "verdict"), [(310, "met"), (290, "MISSED")])
def test_the_first_page_has_its_own_target_of_thirty_percent(rps, verdict):
    rows = targets.judge(
        report(constant=scenario(1000), list_first_page=scenario(rps)),
        KINDS,
    )
    assert by_target(rows)["list_first_page: at least 30% of our floor"]["verdict"] == verdict


def test_writes_against_the_peer_need_five_times_its_rate_and_a_miss_gives_the_cpu_budget():
    ours = report(
        constant=scenario(1000),
        create=scenario(200, workers=6.0, postgres=2.0, loadgen_cores=0.2, attempts=[180, 200]),
        patch=scenario(600),
    )
    ours["peer"] = {
        "label": "Open Klant",
        "scenarios": {"create": {"rps": 100}, "patch": {"rps": 100}, "constant": {"rps": 900}},
    }
    rows = by_target(targets.judge(ours, KINDS))

    create = rows["create: at least 5× Open Klant"]
    assert create["verdict"] == "MISSED"
    # the medians: 190 of ours (180 and 200) against 100
    assert create["measured"].startswith("1.90× (medians 190 against 100 req/s")
    # 5 × 100 req/s on 2 cores: 4 ms of CPU per request; ours 6 + 2 + 1 (0.2 cores / 200 req/s)
    assert "500 req/s leaves 4.00 ms of CPU per request on 2 cores" in create["why"]
    assert "6.00 + 2.00 + 1.00 = 9.00 ms" in create["why"]

    assert rows["patch: at least 5× Open Klant"]["verdict"] == "met"
    floor = rows["our floor at or above Open Klant's"]
    assert floor["verdict"] == "met"
    assert floor["measured"].startswith("1.11×")


def test_a_ratio_to_the_peer_is_the_median_of_each_side_with_the_spread_beside_it():
    ours = report(
        constant=scenario(1000, attempts=[1000, 900, 700]),
        constant_end=scenario(1000, attempts=[1100, 1050]),
        # kept by the old choice: our best run against the peer's best (6.00×, met)
        create=scenario(
            600, workers=3.0, postgres=1.0, loadgen_cores=0.0, attempts=[400, 450, 600]
        ),
    )
    ours["peer"] = {
        "label": "Open Klant",
        "scenarios": {
            "create": {"rps": 100, "attempts_rps": [100, 95, 90]},
            "constant": {"rps": 1000, "attempts_rps": [1000, 950]},
            "constant_end": {"rps": 800, "attempts_rps": [800]},
        },
    }
    rows = by_target(targets.judge(ours, KINDS))
    create = rows["create: at least 5× Open Klant"]
    # 450 / 95; best with best 600 / 100, worst with worst 400 / 90
    assert create["measured"] == (
        "4.74× (medians 450 against 95 req/s; best-with-best 6.00, worst-with-worst 4.44)"
    )
    assert targets.verdict_text(create) == "MISSED (median 4.74; best-with-best 6.00)"
    assert "5 × 95 = 475 req/s" in create["why"]

    # the floors: every run at the start and the end of each side, median against median
    floor = rows["our floor at or above Open Klant's"]
    assert floor["measured"].startswith("1.05× (medians 1,000 against 950 req/s")
    assert floor["verdict"] == "met"
    assert targets.verdict_text(floor) == "met (median 1.05; worst-with-worst 0.88)"


def test_without_a_peer_no_ratio_to_a_peer_is_judged():
    rows = targets.judge(report(constant=scenario(1000), create=scenario(200)), KINDS)
    assert not [row for row in rows if "×" in row["target"] or "at or above" in row["target"]]


def test_statement_budgets_come_from_the_query_count():
    run = report(constant=scenario(1000))
    run["queries"] = {"create": {"queries": 3}, "patch": {"queries": 6}}
    rows = by_target(targets.judge(run, KINDS))
    assert rows["create: at most 6 statements per request"]["verdict"] == "met"
    assert rows["patch: at most 5 statements per request"]["verdict"] == "MISSED"


def test_flat_with_size_compares_the_time_per_request_with_the_smaller_run():
    large = report(constant=scenario(1000), detail=scenario(500), create=scenario(100))
    large["klanten"] = 1_000_000
    small = report(constant=scenario(1000), detail=scenario(550), create=scenario(150))
    rows = by_target(targets.judge(large, KINDS, small))
    detail = rows["detail: at 1,000,000 klanten at most 1.2× its time at 100,000"]
    create = rows["create: at 1,000,000 klanten at most 1.2× its time at 100,000"]
    assert detail["verdict"] == "met"
    assert detail["measured"].startswith("1.10× (best-with-best 1.10, worst-with-worst 1.10)")
    assert create["verdict"] == "MISSED"
    assert create["measured"].startswith("1.50×")

    # a baseline that is not smaller judges nothing about size
    assert not [r for r in targets.judge(small, KINDS, large) if "klanten at most" in r["target"]]


def test_the_markdown_counts_what_was_met():
    rows = targets.judge(
        report(constant=scenario(1000), detail=scenario(600), list_first_page=scenario(200)),
        KINDS,
    )
    text = targets.markdown(rows)
    assert "### Targets of issue 15, judged from this run" in text
    assert "1 of 2 met, each judged on the median req/s" in text
    assert targets.markdown([]) == ""


def test_the_markdown_puts_the_spread_note_in_the_verdict():
    rows = targets.judge(
        report(constant=scenario(1000), detail=scenario(420, attempts=[420, 380, 520])), KINDS
    )
    assert "| MISSED (median 0.42; best-with-best 0.52) |" in targets.markdown(rows)


def test_rejudge_prints_the_verdicts_of_a_saved_result_without_running_anything(tmp_path):
    def row(rps, attempts, errors=0):
        return {
            **scenario(rps, attempts=attempts),
            "p50_ms": 10.0,
            "p99_ms": 20.0,
            "errors": errors,
            "cpu_utilisation": {"workers": 1.0, "postgres": 0.2, "loadgen": 0.3, "other": 0.1},
        }

    saved = {
        "started": "2026-12-07T15:00:00+00:00",
        "klanten": 100_000,
        "postgres": "PostgreSQL 16",
        "machine": {"cpu": "x", "cores": 2, "memory": "4 GiB", "python": "3.12"},
        "code": {"commit": "abc1234", "src_uncommitted_files": 0},
        "config": {
            "workers": 2,
            "worker_class": "sync",
            "max_requests": 0,
            "concurrency": 16,
            "warmup": 3,
            "duration": 10,
        },
        "inputs_info": {"achternaam_matches_avg": 1.0, "achternaam_matches_max": 2},
        # a result as the old bench/run wrote it: the least disturbed run and every req/s
        "scenarios": {
            "constant": row(566, [566, 1050, 1099]),
            "detail": row(302, [302, 560, 566]),
            "constant_end": row(1080, [1080, 1090, 1060]),
        },
        "queries": {},
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(saved))
    out = subprocess.run(
        [sys.executable, str(_PATH.parent / "run.py"), "--rejudge", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    # the floor: the median of its six runs, (1,060 + 1,080) / 2; detail 560 of 302-566
    assert "| 560.0 (302.0–566.0) | 0.52 |" in out
    assert (
        "| detail: at least 50% of our floor | 0.52 × floor (medians 560 against 1,070 req/s; "
        "best-with-best 0.52, worst-with-worst 0.53) | met |"
    ) in out
    assert "| floor: constant JSON (DRF APIView, no auth) | 1,050.0 (566.0–1,099.0) |" in out
    assert json.loads(path.read_text()) == saved  # nothing written


def probed(pairs):
    """A scenario whose attempts carry the machine probe: (req/s, probe ms) each."""
    row = scenario(pairs[0][0], attempts=[rps for rps, _ in pairs])
    row["attempts"] = [{"rps": rps, "probe_ms": probe} for rps, probe in pairs]
    return row


def test_drift_sets_the_floor_at_the_end_against_the_machine_speed_of_its_attempts():
    found = targets.drift(
        report(
            # the machine 25 % slower at the end (probe 12 → 15 ms), the floor 20 % lower
            constant=probed([(2000, 12.0), (1900, 12.0), (2100, 12.0)]),
            create=probed([(200, 13.0)]),
            constant_end=probed([(1600, 15.0), (1500, 15.0), (1700, 15.0)]),
        )
    )
    assert found["probe_ms"] == [12.0, 13.0, 15.0]
    start, end = found["floor"]["constant"], found["floor"]["constant_end"]
    assert (start["rps"], start["probe_ms"]) == (2000, 12.0)
    assert (end["rps"], end["probe_ms"]) == (1600, 15.0)
    # at the run's median speed (13 ms): 2000 × 12 / 13 and 1600 × 15 / 13, equal
    assert start["adjusted_rps"] == pytest.approx(1846.15, abs=0.01)
    assert end["adjusted_rps"] == pytest.approx(1846.15, abs=0.01)
    text = targets.drift_markdown(
        report(
            constant=probed([(2000, 12.0)]),
            constant_end=probed([(1600, 15.0)]),
        )
    )
    assert (
        "at the end 1,600 req/s (probe 15.0 ms): -20% while the machine's speed changed -20%"
        in text
    )
    assert "(+0%)" in text


def test_a_report_without_probes_has_no_drift_line():
    plain = report(constant=scenario(2000), constant_end=scenario(1600))
    assert targets.drift(plain) is None
    assert targets.drift_markdown(plain) == ""
