"""The verdicts `make bench` writes into BENCHMARKS.md."""

from __future__ import annotations

import pytest

from tests.bench.harness import (
    REFERENCE_CALIBRATION_MS,
    Result,
    calibrate,
    calibrating,
    calibration_line,
    measure,
    table,
)


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


def test_a_slow_machine_is_judged_on_the_normalised_time() -> None:
    # 200 ms on a machine whose calibration loop ran twice as slow as the
    # reference machine's is 100 ms there: met against 150 ms.
    page = Result("list", "< 150 ms", runs=[0.2, 0.2, 0.2], limit_s=0.15)
    page.calibration_ms = 2 * REFERENCE_CALIBRATION_MS
    assert page.normalised_median_ms == pytest.approx(100)
    assert page.verdict == "met"
    # The same 200 ms on a machine as fast as the reference misses.
    page.calibration_ms = REFERENCE_CALIBRATION_MS
    assert page.verdict == "**missed**"


def test_a_throughput_is_normalised_the_other_way() -> None:
    run = Result("registration", "≥ 200 per second", runs=[0.006] * 10)
    run.min_per_second, run.per_second = 200, 150
    run.calibration_ms = 1.5 * REFERENCE_CALIBRATION_MS  # a slow hour
    assert run.normalised_per_second == pytest.approx(225)
    assert run.verdict == "met"
    run.calibration_ms = REFERENCE_CALIBRATION_MS
    assert run.verdict == "**missed**"


def test_the_table_keeps_absolute_and_normalised_figures() -> None:
    page = Result("list", "< 150 ms", runs=[0.2], limit_s=0.15)
    page.calibration_ms = 2 * REFERENCE_CALIBRATION_MS
    row = table([page]).splitlines()[-1]
    assert "| 200 ms |" in row  # as measured
    assert "| 100 ms |" in row  # normalised
    assert "| 6.7 |" in row  # 200 ms is 6.7 calibration loops of 30 ms
    assert row.endswith("| met |")
    assert "30.0–30.0 ms" in calibration_line([page])


def test_a_measurement_is_calibrated_before_and_after() -> None:
    result = Result("noop", "< 1 s", limit_s=1.0)
    with calibrating(result):
        assert result.calibration_ms is None
    assert result.calibration_ms is not None
    assert result.calibration_ms > 0
    assert calibrate() > 0


@pytest.mark.django_db
def test_measure_records_its_calibration() -> None:
    result = measure("noop", lambda: None, target="< 1 s", limit_s=1.0, repeat=2)
    assert result.calibration_ms is not None


def test_a_memory_target_is_judged_as_measured() -> None:
    # Memory does not scale with the CPU: a slow machine gets no allowance.
    export = Result("csv", "≤ 5 s, ≤ 150 MB", runs=[4.0], limit_s=5.0, max_mb=150)
    export.calibration_ms = 2 * REFERENCE_CALIBRATION_MS
    export.peak_mb = 149
    assert export.verdict == "met"
    export.peak_mb = 151
    assert export.verdict == "**missed**"
    export.peak_mb = None  # a memory target with no measurement is not met
    assert export.verdict == "**missed**"


def test_an_export_target_is_judged_on_the_normalised_time() -> None:
    # 8 s for the CSV in an hour when the loop took 30 ms is 4 s on the
    # reference machine: met against 5 s.
    export = Result("csv", "≤ 5 s", runs=[8.0, 8.0, 8.0], limit_s=5.0, max_mb=150)
    export.peak_mb = 100
    export.calibration_ms = 2 * REFERENCE_CALIBRATION_MS
    assert export.verdict == "met"
    export.calibration_ms = REFERENCE_CALIBRATION_MS
    assert export.verdict == "**missed**"
