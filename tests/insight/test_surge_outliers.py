"""Branches that decide differently: the planted branch is flagged, a clean set
gives none, and only compliance within its scope compares."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import numpy
import pytest
from django.core.exceptions import PermissionDenied

from complaints.models import Complaint
from insight.outliers import REDRESS, SUPPORT, compare_branches
from organisations import permissions as P
from organisations.models import Institution
from tests.complaints.conftest import SHANGHAI
from tests.insight.surge_world import copies

pytestmark = pytest.mark.django_db
OC = Complaint.Outcome
DECIDED = datetime.combine(date(2026, 9, 1), time(10), tzinfo=SHANGHAI)
START, END = date(2026, 1, 1), date(2026, 12, 31)


def decided(
    template: Complaint,
    institution: Institution,
    supported: int,
    not_supported: int,
    redress: tuple[int, int],
    seed: int,
) -> None:
    rng = numpy.random.default_rng(seed)
    for _i in range(supported):
        amount = Decimal(int(rng.uniform(*redress)))
        copies(
            template,
            1,
            institution=institution,
            day=date(2026, 8, 1),
            outcome=OC.SUPPORTED,
            decided_at=DECIDED,
            redress_amount=amount,
        )
    copies(
        template,
        not_supported,
        institution=institution,
        day=date(2026, 8, 1),
        outcome=OC.NOT_SUPPORTED,
        decided_at=DECIDED,
    )


def test_the_planted_branch_is_flagged(
    template: Complaint, tree: dict[str, Institution], gd_compliance: Any
) -> None:
    # 广州 supports 90 % and pays five times more; 佛山 and the office 45 %.
    decided(template, tree["GDGZTH"], 36, 4, (4000, 6000), 1)
    decided(template, tree["GDFSCC"], 90, 110, (500, 2000), 2)
    decided(template, tree["GD01"], 90, 110, (500, 2000), 3)
    result = compare_branches(user=gd_compliance, root=tree["GD"], start=START, end=END)
    flagged = {(c.branch.code, c.metric, c.direction) for c in result.standing_out}
    assert ("GDGZ", SUPPORT, "higher") in flagged
    assert ("GDGZ", REDRESS, "higher") in flagged
    # Nobody else is flagged as deciding more generously.
    assert {b for b, _m, d in flagged if d == "higher"} == {"GDGZ"}
    top = result.standing_out[0]
    assert top.branch.code == "GDGZ"
    assert top.q_value < 1e-4
    assert result.tested == 6


def test_a_clean_set_gives_none(
    template: Complaint, tree: dict[str, Institution], gd_compliance: Any
) -> None:
    decided(template, tree["GDGZTH"], 20, 20, (500, 2000), 1)
    decided(template, tree["GDFSCC"], 45, 55, (500, 2000), 2)
    decided(template, tree["GD01"], 50, 50, (500, 2000), 3)
    result = compare_branches(user=gd_compliance, root=tree["GD"], start=START, end=END)
    assert result.tested == 6
    assert result.standing_out == []


def test_only_compliance_in_its_scope(
    template: Complaint,
    tree: dict[str, Institution],
    gd_manager: Any,
    zj_compliance: Any,
) -> None:
    with pytest.raises(PermissionDenied):
        compare_branches(user=gd_manager, root=tree["GD"])
    with pytest.raises(P.NotFound):
        compare_branches(user=zj_compliance, root=tree["GD"])
