"""Surge statistics without the database: the planted surge is the one alert;
flat series stay within the false-alarm rate (Benjamini–Hochberg at 5 %)."""

from __future__ import annotations

import numpy

from insight.ratetests import bh_adjust, compare_rates
from insight.surge import Series, find_surges

HISTORY = 26


def flat_week(rng: numpy.random.Generator, n: int = 200) -> list[Series]:
    """n series of constant rates (0.5 to 10 complaints a week), volume varying."""
    out = []
    for i in range(n):
        rate = rng.uniform(0.5, 10)
        exposure = rng.uniform(5, 15, HISTORY + 1)  # 万张 a week
        counts = rng.poisson(rate * exposure / 10)
        out.append(
            Series(
                key=i,
                count=int(counts[0]),
                exposure=float(exposure[0]),
                base_count=int(counts[1:].sum()),
                base_exposure=float(exposure[1:].sum()),
            )
        )
    return out


def test_flat_series_stay_within_the_false_alarm_rate() -> None:
    rng = numpy.random.default_rng(18)
    weeks = 100
    weeks_with_alarm = 0
    series_alarms = 0
    for _week in range(weeks):
        found, tested = find_surges(flat_week(rng), fdr=0.05, least=3)
        assert tested <= 200
        weeks_with_alarm += bool(found)
        series_alarms += len(found)
    # BH at 5 %: with every series flat, P(any alert in a week) <= 5 %.
    assert weeks_with_alarm / weeks <= 0.05
    assert series_alarms / (weeks * 200) <= 0.001


def test_the_planted_surge_is_the_one_alert() -> None:
    rng = numpy.random.default_rng(7)
    series = flat_week(rng)
    # Planted: about 4 a week for half a year, then 20 in one week.
    series.append(Series("planted", 20, 10.0, 104, 260.0))
    found, tested = find_surges(series, fdr=0.05, least=3)
    assert [f.series.key for f in found] == ["planted"]
    assert found[0].q_value <= 0.05
    assert tested >= 150


def test_a_small_rise_is_no_surge() -> None:
    found, _tested = find_surges([Series("x", 6, 10.0, 104, 260.0)], fdr=0.05)
    assert found == []


def test_rate_comparison_is_exact_and_one_sided() -> None:
    up = compare_rates(20, 10.0, 104, 260.0, alternative="greater")
    assert up.p_value < 1e-6
    assert round(up.base_rate, 2) == 0.4
    assert up.rate == 2.0
    down = compare_rates(20, 10.0, 104, 260.0, alternative="less")
    assert down.p_value > 0.99
    assert compare_rates(0, 10.0, 0, 260.0, alternative="greater").p_value == 1.0


def test_benjamini_hochberg() -> None:
    q = bh_adjust([0.01, 0.04, 0.03, 0.5])
    assert [round(v, 3) for v in q] == [0.04, 0.053, 0.053, 0.5]
