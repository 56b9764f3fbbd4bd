"""The verdicts `make bench` writes into BENCHMARKS.md."""

from __future__ import annotations

from tests.bench.harness import Result


def test_a_throughput_target_is_judged_on_the_whole_run() -> None:
    # Each registration took 4 ms (250 a second), the run as a whole 193 a
    # second: the target is the run's.
    run = Result("registration", "≥ 200 per second", runs=[0.004] * 10)
    run.min_per_second, run.per_second = 200, 193
    assert run.verdict == "**missed**"
    run.per_second = 231
    assert run.verdict == "met"


def test_a_time_target_is_judged_on_the_median_and_the_query_budget() -> None:
    page = Result("list", "< 150 ms", runs=[0.1, 0.12, 0.4], limit_s=0.15)
    page.query_budget, page.queries = 10, 10
    assert page.verdict == "met"
    page.queries = 11
    assert page.verdict == "**missed**"
