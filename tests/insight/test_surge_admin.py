"""The admin pages of surge alerts, verdicts and the branch comparison: scope,
masking (figures only, never a person), the one-step rectification, Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from complaints.models import Complaint
from insight import surge
from insight.models import RectificationVerdict, SurgeAlert
from organisations.models import Institution
from reporting.models import Rectification
from tests.insight.conftest import WEEK
from tests.insight.surge_world import insight_objects, weekly

pytestmark = pytest.mark.django_db
PERSONAL = ("林小雨", "13800138000", "440106199001011235")


@pytest.fixture(autouse=True)
def _short_history(settings: Any) -> None:
    settings.INSIGHT_SURGE_HISTORY_WEEKS = 8


@pytest.fixture
def alert(template: Complaint, tree: dict[str, Institution], volumes: None) -> Any:
    weekly(template, tree["GDGZTH"], WEEK, lambda b: 25 if b == 0 else 4, 8)
    return surge.sweep(week_start=WEEK, notify=False).alerts[0]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_alert_pages_in_scope_only_and_without_persons(
    alert: SurgeAlert, gd_manager: Any, zj_manager: Any
) -> None:
    listing = reverse("admin:insight_surgealert_changelist")
    page = reverse("admin:insight_surgealert_change", args=[alert.pk])
    gd = client_for(gd_manager)
    body = gd.get(listing).content.decode()
    assert "广东分公司" in body
    body = gd.get(page).content.decode()
    assert "2026-11-16" in body
    assert "Benjamini" in body
    for value in PERSONAL:
        assert value not in body
    zj = client_for(zj_manager)
    assert "广东分公司" not in zj.get(listing).content.decode()
    assert zj.get(page).status_code in (302, 404)


def test_a_handler_has_no_alert_pages(alert: SurgeAlert, tianhe_handler: Any) -> None:
    client = client_for(tianhe_handler)
    assert client.get(reverse("admin:insight_surgealert_changelist")).status_code == 403


def test_one_click_opens_the_rectification(
    alert: SurgeAlert, gd_compliance: Any, zj_compliance: Any
) -> None:
    url = reverse("admin:insight_surgealert_rectify", args=[alert.pk])
    assert client_for(zj_compliance).post(url).status_code == 404
    assert not Rectification.objects.exists()
    response = client_for(gd_compliance).post(url)
    item = Rectification.objects.get()
    assert response.url == reverse(
        "admin:reporting_rectification_change", args=[item.pk]
    )
    assert client_for(gd_compliance).get(url).status_code == 405


def test_run_now_is_for_compliance(
    alert: SurgeAlert, gd_compliance: Any, gd_manager: Any
) -> None:
    url = reverse("admin:insight_surgealert_run")
    SurgeAlert.objects.all().delete()
    client_for(gd_manager).post(url)
    assert not SurgeAlert.objects.exists()
    # On demand tests the last complete week; the planted one is older here.
    client_for(gd_compliance).post(url)


def test_branch_comparison_page(
    template: Complaint,
    tree: dict[str, Institution],
    gd_compliance: Any,
    zj_compliance: Any,
    gd_manager: Any,
    settings: Any,
) -> None:
    url = reverse("admin:insight_branchcomparison_changelist")
    assert client_for(gd_manager).get(url).status_code == 403
    gd = client_for(gd_compliance).get(url, {"institution": tree["GD"].pk})
    assert gd.status_code == 200
    assert "comparisons made" in gd.content.decode()
    zj = client_for(zj_compliance).get(url, {"institution": tree["GD"].pk})
    assert "comparisons made" not in zj.content.decode()


def test_pages_in_chinese(
    alert: SurgeAlert, gd_compliance: Any, tree: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    client = client_for(gd_compliance)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("admin:insight_surgealert_change", args=[alert.pk]))
    body = page.content.decode()
    assert "异动预警" in body
    assert "开立整改" in body
    assert "本周" in body
    comparison = client.get(
        reverse("admin:insight_branchcomparison_changelist"),
        {"institution": tree["GD"].pk},
    ).content.decode()
    assert "裁决差异" in comparison


def test_verdict_pages_scoped(
    template: Complaint, tree: Any, gd_compliance: Any, zj_compliance: Any
) -> None:
    from reporting import services as reporting

    item = reporting.rectification_create(
        actor=gd_compliance,
        owner_institution=tree["GD"],
        title="车险定损整改",
        measure="统一定损标准",
        due_on=WEEK,
    )
    verdict = insight_objects(tree["GD"], template, item)[RectificationVerdict]
    url = reverse("admin:insight_rectificationverdict_changelist")
    page = reverse("admin:insight_rectificationverdict_change", args=[verdict.pk])
    gd = client_for(gd_compliance)
    assert "车险定损整改" in gd.get(url).content.decode()
    body = gd.get(page).content.decode()
    assert "40" in body
    for value in PERSONAL:
        assert value not in body
    zj = client_for(zj_compliance)
    assert "车险定损整改" not in zj.get(url).content.decode()
    assert zj.get(page).status_code in (302, 404)
