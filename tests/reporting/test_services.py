"""Root causes, rectification items and quality sampling, through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints.models import Complaint
from organisations.models import Membership
from organisations.permissions import NotFound
from reporting import services
from reporting.models import QualityCheck, Rectification, RootCause
from reporting.selectors import (
    kpi_tables,
    quality_summary,
    rectification_summary,
    root_cause_frequency,
)
from tests.reporting.conftest import Q3

pytestmark = pytest.mark.django_db
Res = QualityCheck.Result


def cause(code: str) -> RootCause:
    return RootCause.objects.get(code=code)


def test_root_causes_are_seeded_with_owning_functions() -> None:
    functions = set(RootCause.objects.values_list("function", flat=True))
    assert {
        "product",
        "sales",
        "underwriting",
        "operations",
        "claims",
        "it",
        "partner",
    } <= functions


def test_root_cause_on_a_decided_complaint(
    quarter: dict[str, Complaint], gd_manager: Any, gd_handler: Any, xihu_handler: Any
) -> None:
    a = quarter["A"]
    record = services.complaint_root_cause_set(
        complaint=a, actor=gd_handler, root_cause=cause("claims_standard")
    )
    record = services.complaint_root_cause_set(
        complaint=a,
        actor=gd_manager,
        root_cause=cause("claims_timeliness"),
        note="复核",
    )
    assert record.root_cause.code == "claims_timeliness"
    assert record.history.count() == 2
    assert record.history.first().history_user == gd_manager
    with pytest.raises(ValidationError):  # I is still open
        services.complaint_root_cause_set(
            complaint=quarter["I"], actor=gd_handler, root_cause=cause("other")
        )
    with pytest.raises(NotFound):
        services.complaint_root_cause_set(
            complaint=a, actor=xihu_handler, root_cause=cause("other")
        )


def _rectification(actor: Any, owner: Any, **kwargs: Any) -> Rectification:
    return services.rectification_create(
        actor=actor,
        owner_institution=owner,
        title="统一车损理赔核定标准",
        measure="修订理赔核定细则并培训",
        due_on=date(2026, 10, 31),
        root_cause=cause("claims_standard"),
        owner_department="理赔部",
        **kwargs,
    )


def test_one_rectification_covers_many_complaints(
    quarter: dict[str, Complaint], gd_manager: Any, tree: dict[str, Any]
) -> None:
    item = _rectification(gd_manager, tree["GD"], complaints=[quarter["A"]])
    services.rectification_cover(
        rectification=item, actor=gd_manager, complaints=[quarter["A"], quarter["B"]]
    )
    assert set(item.complaints.values_list("number", flat=True)) == {
        quarter["A"].number,
        quarter["B"].number,
    }
    with pytest.raises(ValidationError):  # D is still being handled
        services.rectification_cover(
            rectification=item, actor=gd_manager, complaints=[quarter["D"]]
        )
    with pytest.raises(NotFound):  # H belongs to 浙江
        services.rectification_cover(
            rectification=item, actor=gd_manager, complaints=[quarter["H"]]
        )
    frequent = root_cause_frequency(user=gd_manager, institution=tree["GD"], period=Q3)
    by_code = {r["code"]: (r["n"], r["covered"]) for r in frequent["causes"]}
    # Concluded in Q3 with a cause: A B (claim_amount), C, E; A and B covered.
    assert by_code == {
        "claim_amount": (2, 2),
        "misleading_sales": (1, 0),
        "claim_delay": (1, 0),
    }
    # The compliance dashboard passes its cause breakdown instead of counting
    # the concluded again: the same list, in the same order, each cause named
    # as the breakdown names it (in the reader's language).
    table = kpi_tables(
        user=gd_manager, institution=tree["GD"], period=Q3, by=("cause",)
    )[1]["cause"]
    reused = root_cause_frequency(
        user=gd_manager, institution=tree["GD"], period=Q3, cause_table=table
    )
    assert [(r["code"], r["n"], r["covered"]) for r in reused["causes"]] == [
        (r["code"], r["n"], r["covered"]) for r in frequent["causes"]
    ]
    labels = {r["key"]: r["label"] for r in table}
    assert [r["label"] for r in reused["causes"]] == [
        labels[r["code"]] for r in frequent["causes"]
    ]
    assert reused["root_causes"] == frequent["root_causes"]


def test_status_moves_with_evidence_and_history(
    quarter: dict[str, Complaint], gd_manager: Any, tree: dict[str, Any]
) -> None:
    item = _rectification(gd_manager, tree["GDGZ"])
    item = services.rectification_set_status(
        rectification=item, actor=gd_manager, status=Rectification.Status.IN_PROGRESS
    )
    with pytest.raises(ValidationError):
        services.rectification_set_status(
            rectification=item, actor=gd_manager, status=Rectification.Status.DONE
        )
    item = services.rectification_set_status(
        rectification=item,
        actor=gd_manager,
        status=Rectification.Status.DONE,
        evidence="细则已印发（粤分发〔2026〕12号），培训记录附后",
        completed_on=date(2026, 10, 20),
    )
    assert (item.status, item.completed_on) == ("done", date(2026, 10, 20))
    reasons = list(item.history.values_list("history_change_reason", flat=True))
    assert len(reasons) == 3
    assert all(reasons)
    assert {h.history_user for h in item.history.all()} == {gd_manager}


def test_managers_see_open_and_overdue_items_of_their_subtree_only(
    quarter: dict[str, Complaint],
    gd_manager: Any,
    zj_manager: Any,
    tree: dict[str, Any],
) -> None:
    _rectification(gd_manager, tree["GDGZ"])
    late = _rectification(gd_manager, tree["GDFS"])
    services.rectification_update(
        rectification=late,
        actor=gd_manager,
        title=late.title,
        measure=late.measure,
        due_on=date(2026, 9, 1),
    )
    gd = rectification_summary(
        user=gd_manager, institution=tree["GD"], today=date(2026, 9, 30)
    )
    assert gd["counts"] == {"open": 2, "in_progress": 0, "done": 0, "overdue": 1}
    assert [i.is_overdue for i in gd["items"]] == [True, False]
    zj = rectification_summary(user=zj_manager, institution=tree["ZJ"])
    assert zj["counts"]["open"] == 0
    assert zj["items"] == []
    with pytest.raises(NotFound):
        rectification_summary(user=zj_manager, institution=tree["GD"])
    with pytest.raises(NotFound):
        _rectification(zj_manager, tree["GD"])


def test_quality_sample_is_reproducible(
    quarter: dict[str, Complaint], ho_compliance: Any, tree: dict[str, Any]
) -> None:
    # Closed in Q3 within GD: A (07-20), F (08-05), J (08-11).
    closed = sorted(quarter[k].pk for k in "AFJ")
    first = services.quality_sample_draw(
        actor=ho_compliance, institution=tree["GD"], period=Q3, size=2, seed=20261124
    )
    again = services.quality_sample_draw(
        actor=ho_compliance, institution=tree["GD"], period=Q3, size=2, seed=20261124
    )
    picked = sorted(first.checks.values_list("complaint_id", flat=True))
    assert picked == sorted(again.checks.values_list("complaint_id", flat=True))
    assert picked == services.draw(closed, 2, 20261124)
    assert (first.population, first.seed, len(picked)) == (3, 20261124, 2)
    everything = services.quality_sample_draw(
        actor=ho_compliance, institution=tree["GD"], period=Q3, size=10
    )
    assert sorted(everything.checks.values_list("complaint_id", flat=True)) == closed
    assert everything.seed is not None


def test_only_compliance_draws_and_records(
    quarter: dict[str, Complaint],
    ho_compliance: Any,
    gd_manager: Any,
    make_member: Any,
    tree: dict[str, Any],
) -> None:
    with pytest.raises(PermissionDenied):
        services.quality_sample_draw(
            actor=gd_manager, institution=tree["GD"], period=Q3, size=2
        )
    gd_compliance = make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")
    with pytest.raises(NotFound):
        services.quality_sample_draw(
            actor=gd_compliance, institution=tree["ZJ"], period=Q3, size=2
        )
    sample = services.quality_sample_draw(
        actor=gd_compliance, institution=tree["GD"], period=Q3, size=3, seed=7
    )
    one, two, three = sample.checks.order_by("complaint__number")
    services.quality_check_record(check=one, actor=gd_compliance, result=Res.COMPLIANT)
    with pytest.raises(ValidationError):
        services.quality_check_record(check=two, actor=gd_compliance, result=Res.ISSUES)
    services.quality_check_record(
        check=two,
        actor=gd_compliance,
        result=Res.ISSUES,
        rule=QualityCheck.Rule.NOTICES,
        note="告知记录缺少告知人",
    )
    with pytest.raises(PermissionDenied):
        services.quality_check_record(
            check=three, actor=gd_manager, result=Res.COMPLIANT
        )
    summary = quality_summary(user=ho_compliance, institution=tree["HO"], period=Q3)
    assert summary["counts"] == {
        "compliant": 1,
        "issues": 1,
        "pending": 1,
        "samples": 1,
        "checked": 2,
        "compliance_rate": pytest.approx(50),
    }
    assert [(r["rule"], r["n"]) for r in summary["by_rule"]] == [("C10", 1)]
    zj = quality_summary(user=ho_compliance, institution=tree["ZJ"], period=Q3)
    assert zj["counts"]["checked"] == 0
