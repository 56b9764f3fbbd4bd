"""The statistical tests behind surge alerts, rectification verdicts and branch
outliers (issue 18 points 1, 2, 4). Pure functions on counts; scipy does the
arithmetic.

Comparing two complaint rates: complaints are counted against an exposure (the
business volume of the days counted). Given the total n = k1 + k2, the count of
the first period is Binomial(n, e1 / (e1 + e2)) when both rates are equal: the
conditional exact test of two Poisson rates (Przyborowski & Wilenski 1940). It
needs no normal approximation, so it is valid for the small counts of one
institution × product line × cause in one week.

Multiple testing: Benjamini–Hochberg (false discovery rate). A weekly sweep
tests thousands of cells; Holm (family-wise error) would keep the chance of any
false alert at 5 % by missing most real surges. BH keeps the expected share of
false alerts among the alerts at q; when nothing surges (all cells flat) that is
the same as the chance of any false alert, so a flat week alerts with at most
probability q. BH holds for positively dependent tests (PRDS), which nested
counts (a province and the head office that contains it) are.

SciPy is imported by each test, not with the module: the admin imports this
module, and scipy.stats would add 80 MB and a second to every process's
start-up (issue 19: an export's whole process within 150 MB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy
from django.utils.translation import gettext_noop

# Stored in English with the alert or verdict; shown translated (gettext).
RATE_TEST = gettext_noop("conditional exact binomial test of two Poisson rates")
FISHER = gettext_noop("Fisher's exact test, two-sided")
MANN_WHITNEY = gettext_noop("Mann–Whitney U test, two-sided")


@dataclass(frozen=True)
class RateComparison:
    count: int
    exposure: float
    base_count: int
    base_exposure: float
    p_value: float

    @property
    def rate(self) -> float:
        return self.count / self.exposure if self.exposure else 0.0

    @property
    def base_rate(self) -> float:
        return self.base_count / self.base_exposure if self.base_exposure else 0.0

    @property
    def ratio(self) -> float | None:
        return self.rate / self.base_rate if self.base_rate else None


def compare_rates(
    count: int,
    exposure: float,
    base_count: int,
    base_exposure: float,
    *,
    alternative: str,
) -> RateComparison:
    """p-value that `count` over `exposure` is higher ("greater") or lower
    ("less") than `base_count` over `base_exposure`."""
    n = count + base_count
    if n == 0 or exposure <= 0 or base_exposure <= 0:
        p = 1.0
    else:
        share = exposure / (exposure + base_exposure)
        from scipy import stats

        p = float(stats.binomtest(count, n, share, alternative=alternative).pvalue)
    return RateComparison(count, exposure, base_count, base_exposure, p)


def smallest_p_lower(base_count: int, exposure: float, base_exposure: float) -> float:
    """The smallest p-value a "lower after" test can reach: with no complaint at
    all after. When even that is not small, no verdict can be proved."""
    if base_count == 0 or exposure <= 0 or base_exposure <= 0:
        return 1.0
    share = exposure / (exposure + base_exposure)
    return float((1 - share) ** base_count)


def bh_adjust(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the given order."""
    if not p_values:
        return []
    from scipy import stats

    return [float(q) for q in stats.false_discovery_control(numpy.array(p_values))]


def fisher_2x2(a_yes: int, a_no: int, b_yes: int, b_no: int) -> tuple[float, float]:
    """Odds ratio and two-sided p of a 2×2 table (branch vs the rest)."""
    from scipy import stats

    res = stats.fisher_exact([[a_yes, a_no], [b_yes, b_no]])
    return float(res.statistic), float(res.pvalue)


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p that amounts `a` and `b` come from one distribution."""
    if not a or not b:
        return 1.0
    from scipy import stats

    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
