"""Surge alerts end to end on the database: the planted surge gives one alert
with its figures, it reaches compliance and the institution's managers only,
and it opens a rectification in one step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command

from complaints.models import Complaint, StaffNotice
from insight import surge
from insight.models import SurgeAlert
from organisations import permissions as P
from organisations.models import Institution
from reporting.models import Rectification
from tests.insight.conftest import WEEK
from tests.insight.surge_world import weekly

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_history(settings: Any) -> None:
    settings.INSIGHT_SURGE_HISTORY_WEEKS = 8


@pytest.fixture
def planted(template: Complaint, tree: dict[str, Institution], volumes: None) -> None:
    # 广州 (in 广东): motor × claim amount, 4 a week, then 25 in the week.
    weekly(template, tree["GDGZTH"], WEEK, lambda b: 25 if b == 0 else 4, 8)
    # Flat series beside it: 广东 claim delay, 浙江 claim amount.
    weekly(template, tree["GDFSCC"], WEEK, lambda b: 3, 8, cause="claim_delay")
    weekly(template, tree["ZJHZXH"], WEEK, lambda b: 4, 8)


def test_the_planted_surge_gives_one_alert_with_its_figures(planted: None) -> None:
    result = surge.sweep(week_start=WEEK, notify=False)
    assert result.tested == 3
    assert len(result.alerts) == 1
    alert = result.alerts[0]
    assert alert.institution.code == "GD"
    assert (alert.product_line.code, alert.cause.code) == ("motor", "claim_amount")
    assert alert.count == 25
    assert alert.base_count == 32
    assert alert.week_end == WEEK + timedelta(days=6)
    assert alert.base_from == WEEK - timedelta(weeks=8)
    assert alert.p_value < 1e-6
    assert alert.q_value < 0.05
    # 1,300,000 policies a quarter of 92 days: about 9.9万张 a week.
    assert 9 < alert.exposure < 11
    text = surge.summary(alert)
    for part in ("广东分公司", "25", "2026-11-16", "2026-11-22", "Benjamini"):
        assert part in text


def test_a_second_sweep_adds_nothing(planted: None) -> None:
    surge.sweep(week_start=WEEK, notify=False)
    again = surge.sweep(week_start=WEEK, notify=False)
    assert again.new == 0
    assert SurgeAlert.objects.count() == 1


def test_the_alert_reaches_compliance_and_the_managers_only(
    planted: None,
    gd_compliance: Any,
    ho_compliance: Any,
    gd_manager: Any,
    gz_manager: Any,
    zj_compliance: Any,
    zj_manager: Any,
) -> None:
    surge.sweep(week_start=WEEK)
    told = set(
        StaffNotice.objects.filter(kind=StaffNotice.Kind.SURGE).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"gd_compliance", "ho_compliance", "gd_manager"}
    notice = StaffNotice.objects.filter(recipient=gd_compliance).get()
    assert notice.url.endswith(
        f"/insight/surgealert/{SurgeAlert.objects.get().pk}/change/"
    )
    assert "25" in notice.text


def test_one_step_to_a_rectification(planted: None, gd_compliance: Any) -> None:
    alert = surge.sweep(week_start=WEEK, notify=False).alerts[0]
    item = surge.open_rectification(alert=alert, actor=gd_compliance)
    assert item.owner_institution.code == "GD"
    assert "25" in item.measure
    alert.refresh_from_db()
    assert alert.status == SurgeAlert.Status.RECTIFYING
    assert alert.rectification == item
    # A second click returns the same item.
    assert surge.open_rectification(alert=alert, actor=gd_compliance) == item
    assert Rectification.objects.count() == 1


def test_outside_the_scope_no_rectification(planted: None, zj_compliance: Any) -> None:
    alert = surge.sweep(week_start=WEEK, notify=False).alerts[0]
    with pytest.raises(P.NotFound):
        surge.open_rectification(alert=alert, actor=zj_compliance)
    assert not Rectification.objects.exists()


def test_the_weekly_command(planted: None) -> None:
    from io import StringIO

    out = StringIO()
    call_command("surge_alerts", "--week", WEEK.isoformat(), stdout=out)
    assert SurgeAlert.objects.count() == 1
    assert "1" in out.getvalue()
