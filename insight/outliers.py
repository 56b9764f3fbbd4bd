"""Branches that decide differently (issue 18 point 4, second half).

For compliance on an institution: among the complaints of its subtree decided
in a period (default the last INSIGHT_OUTLIER_DAYS, 365), for each product
line × cause, each child branch is compared with the rest of the subtree:

- support rate (supported or partly supported among supported, partly and
  not supported; withdrawn and mediated cases decide nothing): Fisher's exact
  test on the 2×2 table branch/rest × supported/not;
- redress (the amounts of supported cases with redress): Mann–Whitney U,
  which needs no normal amounts (redress is skewed).

A comparison is made only when the branch and the rest each have at least
INSIGHT_OUTLIER_MIN_CASES cases (default 10). All p-values of the page are
corrected together by Benjamini–Hochberg (insight.ratetests: why BH) and a
comparison stands out at an adjusted p-value of at most INSIGHT_OUTLIER_FDR
(default 0.05). Only counts, rates and medians are shown: no case, no person.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Code, Complaint
from insight import ratetests as T
from organisations import permissions as P
from organisations.models import Institution
from reporting.services import is_compliance

OC = Complaint.Outcome
SUPPORTED = {OC.SUPPORTED, OC.PARTLY}
DECIDING = {OC.SUPPORTED, OC.PARTLY, OC.NOT_SUPPORTED}
ONLY_COMPLIANCE = gettext_lazy(
    "Only a compliance officer of this institution or above compares its branches."
)
SUPPORT, REDRESS = "support", "redress"
METRICS = {
    SUPPORT: gettext_lazy("support rate"),
    REDRESS: gettext_lazy("redress"),
}


def min_cases() -> int:
    return int(getattr(settings, "INSIGHT_OUTLIER_MIN_CASES", 10))


def fdr_level() -> float:
    return float(getattr(settings, "INSIGHT_OUTLIER_FDR", 0.05))


def default_days() -> int:
    return int(getattr(settings, "INSIGHT_OUTLIER_DAYS", 365))


@dataclass
class Comparison:
    branch: Institution
    product_line: Code
    cause: Code
    metric: str
    branch_n: int
    rest_n: int
    branch_value: float  # per cent supported, or median redress (yuan)
    rest_value: float
    test: str
    p_value: float
    q_value: float = 1.0

    @property
    def metric_label(self) -> str:
        return str(METRICS[self.metric])

    @property
    def direction(self) -> str:
        return _("higher") if self.branch_value > self.rest_value else _("lower")


@dataclass
class Result:
    root: Institution
    start: date
    end: date
    tested: int
    standing_out: list[Comparison]


def _branch_of(path: str, children: dict[str, Institution], depth: int) -> Any:
    parts = [p for p in path.split("/") if p]
    if len(parts) <= depth:
        return None  # the root's own cases belong to no branch
    return children.get("/" + "/".join(parts[: depth + 1]) + "/")


def compare_branches(
    *,
    user: Any,
    root: Institution,
    start: date | None = None,
    end: date | None = None,
) -> Result:
    """The branches of `root` whose decisions stand out (compliance only)."""
    P.require(user, P.REPORTS, root)  # NotFound outside the scope
    if not is_compliance(user, root):
        raise PermissionDenied(ONLY_COMPLIANCE)
    end = end or timezone.localdate()
    start = start or end - timedelta(days=default_days())
    children = {c.path: c for c in root.children.all()}
    depth = len([p for p in root.path.split("/") if p])
    decided = Complaint.objects.filter(
        item_type=Complaint.ItemType.COMPLAINT,
        institution__path__startswith=root.path,
        decided_at__date__gte=start,
        decided_at__date__lte=end,
        outcome__in=DECIDING,
        cause__isnull=False,
    )
    # cell -> branch path -> [supported, not]; cell -> branch path -> amounts
    support: dict[tuple[int, int], dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    amounts: dict[tuple[int, int], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    rows = decided.values_list(
        "institution__path", "product_line_id", "cause_id", "outcome", "redress_amount"
    )
    for path, pl, cause, outcome, amount in rows.iterator(chunk_size=5000):
        branch = _branch_of(path, children, depth)
        if branch is None:
            continue
        supported = outcome in SUPPORTED
        support[(pl, cause)][branch.path][0 if supported else 1] += 1
        if supported and amount is not None:
            amounts[(pl, cause)][branch.path].append(float(amount))
    least = min_cases()
    found: list[Comparison] = []
    codes = {c.pk: c for c in Code.objects.filter(kind__in=["product_line", "cause"])}
    for (pl, cause), by_branch in support.items():
        total_yes = sum(v[0] for v in by_branch.values())
        total_no = sum(v[1] for v in by_branch.values())
        for path, (yes, no) in by_branch.items():
            rest_yes, rest_no = total_yes - yes, total_no - no
            if yes + no < least or rest_yes + rest_no < least:
                continue
            _odds, p = T.fisher_2x2(yes, no, rest_yes, rest_no)
            found.append(
                Comparison(
                    children[path],
                    codes[pl],
                    codes[cause],
                    SUPPORT,
                    yes + no,
                    rest_yes + rest_no,
                    100.0 * yes / (yes + no),
                    100.0 * rest_yes / (rest_yes + rest_no),
                    T.FISHER,
                    p,
                )
            )
        for path, values in amounts[(pl, cause)].items():
            rest = [
                v
                for other, vs in amounts[(pl, cause)].items()
                if other != path
                for v in vs
            ]
            if len(values) < least or len(rest) < least:
                continue
            found.append(
                Comparison(
                    children[path],
                    codes[pl],
                    codes[cause],
                    REDRESS,
                    len(values),
                    len(rest),
                    statistics.median(values),
                    statistics.median(rest),
                    T.MANN_WHITNEY,
                    T.mann_whitney(values, rest),
                )
            )
    for comparison, q in zip(
        found, T.bh_adjust([c.p_value for c in found]), strict=True
    ):
        comparison.q_value = q
    level = fdr_level()
    standing = sorted(
        (c for c in found if c.q_value <= level),
        key=lambda c: (c.q_value, c.branch.path),
    )
    return Result(root, start, end, len(found), standing)
