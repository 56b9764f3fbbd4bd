"""The verdicts of `make load LOAD_ARGS="--capacity"` (issue 19 point 6)."""

from __future__ import annotations

from tests.bench.load.capacity import (
    MIX,
    P95_LIMIT_MS,
    Step,
    capacity,
    markdown,
    step_of,
)
from tests.bench.load.client import OK, REFUSED, SERVER_ERROR, Sample


def _samples(ms: list[float], outcome: str = OK) -> list[Sample]:
    return [Sample("list.all", 0.0, m, 200, outcome) for m in ms]


def _step(rate: float, served: float, p95: float, errors: int = 0) -> Step:
    return Step(rate, 30, 100, errors, 0, p95 / 2, p95, served, {})


def test_a_step_passes_on_p95_within_the_limit_and_no_error() -> None:
    ms = [100.0] * 95 + [P95_LIMIT_MS + 1] * 5
    step = step_of(4, 10, _samples(ms), late=0)
    assert step.p95_ms == 100
    assert step.served_per_second == 10
    assert step.passed
    # One more slow request puts the 95th percentile past the limit.
    slow = step_of(4, 10, _samples([100.0] * 94 + [P95_LIMIT_MS + 1] * 6), late=0)
    assert not slow.passed


def test_one_server_error_fails_a_step_but_a_refusal_does_not() -> None:
    fine = _samples([50.0] * 20) + _samples([60.0], REFUSED)
    assert step_of(4, 10, fine, late=0).passed
    broken = _samples([50.0] * 20) + _samples([60.0], SERVER_ERROR)
    step = step_of(4, 10, broken, late=0)
    assert not step.passed
    assert step.error_kinds == {"list.all server_error 200": 1}


def test_a_step_the_driver_could_not_keep_up_with_does_not_count() -> None:
    assert not step_of(40, 10, _samples([50.0] * 20), late=3).passed


def test_the_capacity_is_the_best_step_before_the_first_failure() -> None:
    steps = [
        _step(2, 3.1, 120),
        _step(2.8, 4.4, 180),
        _step(3.9, 6.0, 420),
        _step(5.5, 7.2, 900),  # fails
        _step(7.7, 9.0, 300),  # a lucky step after the failure does not count
    ]
    best = capacity(steps)
    assert best is not None
    assert best.served_per_second == 6.0
    assert "**Capacity: 6.0 requests a second**" in markdown(steps, {})


def test_no_capacity_when_the_first_step_fails() -> None:
    assert capacity([_step(2, 3, 800)]) is None
    assert "below the first step" in markdown([_step(2, 3, 800)], {})


def test_the_mix_is_a_day_of_handlers() -> None:
    names = {name for name, _weight in MIX}
    assert names == {"list", "case", "search", "transition", "register", "dashboard"}
    assert sum(weight for _name, weight in MIX) == 100
