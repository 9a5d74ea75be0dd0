"""bench/targets.py judges issue 15's targets from a bench/run report (pure functions)."""

import importlib.util
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


def test_a_read_is_judged_against_the_least_disturbed_floor_run():
    rows = targets.judge(
        report(
            constant=scenario(1000, workers=0.5, postgres=0.0, other=0.5),
            constant_end=scenario(800, workers=0.5, postgres=0.0, other=0.1),
            detail=scenario(440, workers=1.2, postgres=0.3),
        ),
        KINDS,
    )
    row = by_target(rows)["detail: at least 50% of our floor"]
    # against the end run (800 req/s, less "other" CPU): 0.55, met; against 1000 it would miss
    assert row["verdict"] == "met"
    assert row["measured"].startswith("0.55 × floor")


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
    assert create["measured"].startswith("2.00×")
    # 5 × 100 req/s on 2 cores: 4 ms of CPU per request; ours 6 + 2 + 1 (0.2 cores / 200 req/s)
    assert "500 req/s leaves 4.00 ms of CPU per request on 2 cores" in create["why"]
    assert "6.00 + 2.00 + 1.00 = 9.00 ms" in create["why"]

    assert rows["patch: at least 5× Open Klant"]["verdict"] == "met"
    floor = rows["our floor at or above Open Klant's"]
    assert floor["verdict"] == "met"
    assert floor["measured"].startswith("1.11×")


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
    assert (detail["verdict"], detail["measured"]) == ("met", "1.10×")
    assert (create["verdict"], create["measured"]) == ("MISSED", "1.50×")

    # a baseline that is not smaller judges nothing about size
    assert not [r for r in targets.judge(small, KINDS, large) if "klanten at most" in r["target"]]


def test_the_markdown_counts_what_was_met():
    rows = targets.judge(
        report(constant=scenario(1000), detail=scenario(600), list_first_page=scenario(200)),
        KINDS,
    )
    text = targets.markdown(rows)
    assert "### Targets of issue 15, judged from this run" in text
    assert "1 of 2 met." in text
    assert targets.markdown([]) == ""
