"""The appraisal scorecard (投诉考评, issue 17 point 4), on the hand-built quarter
of tests/reporting/conftest.py (2026Q3), worked out by hand.

Added here: GD's premium 2026Q3 200,000,000 yuan (2 亿); rectifications due
in Q3: GD one done in time, GDGZ one done in time and one open; a quality
sample of GDGZTH (period starting 07-01) scored 5, 4 and 3 points; weights
v1 = volume 10, on time 30, review 15, repeat 15, rectification 10,
quality 20, ceiling 10 complaints per 亿. Register: 陈 for GD all quarter;
GDGZ 王 until 08-15, then 赵.

GD subtree (A B C D F I J K received; G reclassified; E received in Q2):
  received 8, premium 2 亿 -> 4 per 亿 -> volume 100 x (1 - 4/10) = 60.0
  concluded 6 (A B C E F J), on time 5 (B late) -> 83.3
  reviews 1 (B), overturned 1 -> 0.0
  repeat 1 (K) of 8 -> 87.5
  rectifications 2 done of 3 due -> 66.7
  quality 12 of 15 points -> 80.0
  score (10x60 + 30x83.3 + 15x0 + 15x87.5 + 10x66.7 + 20x80) / 100
        = 6678.5 / 100 = 66.785 -> 66.8
GDGZ subtree (GDGZ, GDGZTH: A B F I K received; concluded A B E F):
  volume: no figure -> no sub-score, its weight left out
  on time 3 of 4 -> 75.0; review 0.0; repeat 1 of 5 -> 80.0;
  rectification 1 of 2 -> 50.0; quality 80.0
  score (30x75 + 15x0 + 15x80 + 10x50 + 20x80) / 90 = 5550 / 90
        = 61.67 -> 61.7
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from openpyxl import load_workbook

from complaints.models import Complaint
from organisations.models import Institution, Membership
from reporting import appraisal
from reporting.appraisal_models import (
    AccountableManager,
    FrozenRecordError,
    Scorecard,
    ScorecardRow,
    WeightVersion,
)
from reporting.appraisal_xlsx import SCORECARD_HEADERS
from reporting.models import (
    BusinessVolume,
    QualityCheck,
    QualitySample,
    QualityScore,
    Rectification,
)
from tests.reporting.conftest import Q3

pytestmark = pytest.mark.django_db
D = Decimal
R = Membership.Role
AFTER = date(2026, 10, 15)
V1 = {
    "volume": 10,
    "on_time": 30,
    "review": 15,
    "repeat": 15,
    "rectification": 10,
    "quality": 20,
}


@pytest.fixture
def gd_compliance(make_member: Callable[..., Any]) -> Any:
    return make_member("gd_compliance", R.COMPLIANCE, "GD")


@pytest.fixture
def people(make_member: Callable[..., Any]) -> dict[str, Any]:
    return {
        name: make_member(name, R.VIEWER, "GD", last_name=last, first_name=first)
        for name, last, first in [
            ("chen", "陈", "志远"),
            ("wang", "王", "芳"),
            ("zhao", "赵", "磊"),
        ]
    }


@pytest.fixture
def v1(ho_compliance: Any) -> WeightVersion:
    return appraisal.weights_create(
        actor=ho_compliance,
        effective_from=date(2026, 1, 1),
        weights=V1,
        volume_ceiling=D("10"),
        note="首版",
    )


@pytest.fixture
def world(
    quarter: dict[str, Complaint],
    tree: dict[str, Institution],
    gd_compliance: Any,
    people: dict[str, Any],
    v1: WeightVersion,
) -> dict[str, Any]:
    gd, gz = tree["GD"], tree["GDGZ"]
    BusinessVolume.objects.create(
        institution=gd,
        period_start=Q3.start,
        period_end=Q3.end,
        premium=D("200000000"),
        policies=1000,
    )
    done = Rectification.Status.DONE
    for owner, status, completed in [
        (gd, done, date(2026, 8, 20)),
        (gz, done, date(2026, 9, 1)),
        (gz, Rectification.Status.OPEN, None),
    ]:
        Rectification.objects.create(
            title="整改",
            owner_institution=owner,
            measure="培训",
            due_on=date(2026, 9, 1),
            status=status,
            completed_on=completed,
            created_by=gd_compliance,
        )
    # Due outside Q3: not counted.
    Rectification.objects.create(
        title="整改",
        owner_institution=gz,
        measure="培训",
        due_on=date(2026, 10, 1),
        created_by=gd_compliance,
    )
    sample = QualitySample.objects.create(
        institution=tree["GDGZTH"],
        period_start=Q3.start,
        period_end=Q3.end,
        seed=1,
        size=3,
        population=3,
        drawn_by=gd_compliance,
    )
    for case, points in [("A", 5), ("B", 4), ("F", 3)]:
        check = QualityCheck.objects.create(sample=sample, complaint=quarter[case])
        QualityScore.objects.create(check_record=check, rule="C7", score=points)
    for who, inst, start, until in [
        ("chen", gd, date(2025, 1, 1), None),
        ("wang", gz, date(2026, 1, 1), date(2026, 8, 15)),
        ("zhao", gz, date(2026, 8, 16), None),
    ]:
        appraisal.register_set(
            actor=gd_compliance,
            entry=None,
            institution=inst,
            manager=people[who],
            valid_from=start,
            valid_until=until,
            title="分管投诉工作负责人",
        )
    return {"gd": gd, "gz": gz, "quarter": quarter}


def publish(world: dict[str, Any], actor: Any) -> Scorecard:
    return appraisal.scorecard_publish(
        actor=actor, institution=world["gd"], period=Q3, today=AFTER
    )


SCORED = [
    "received",
    "concluded",
    "on_time",
    "reviewed",
    "review_changed",
    "repeat",
    "rectifications_due",
    "rectifications_done",
    "quality_scores",
    "quality_points",
    "s_volume",
    "s_on_time",
    "s_review",
    "s_repeat",
    "s_rectification",
    "s_quality",
    "score",
]
GD_ROW = [8, 6, 5, 1, 1, 1, 3, 2, 3, 12]
GD_SCORES = [D("60.0"), D("83.3"), D("0.0"), D("87.5"), D("66.7"), D("80.0"), D("66.8")]
GZ_ROW = [5, 4, 3, 1, 1, 1, 2, 1, 3, 12]
GZ_SCORES = [None, D("75.0"), D("0.0"), D("80.0"), D("50.0"), D("80.0"), D("61.7")]


def test_fixed_data_gives_the_scores_worked_out_by_hand(
    world: dict[str, Any], gd_compliance: Any
) -> None:
    card = publish(world, gd_compliance)
    rows = list(
        card.rows.order_by("institution__path", "accountable_from").values_list(
            "institution__code",
            "manager_name",
            "accountable_from",
            "accountable_until",
            *SCORED,
        )
    )
    assert rows == [
        ("GD", "陈志远", Q3.start, Q3.end, *GD_ROW, *GD_SCORES),
        ("GDGZ", "王芳", Q3.start, date(2026, 8, 15), *GZ_ROW, *GZ_SCORES),
        ("GDGZ", "赵磊", date(2026, 8, 16), Q3.end, *GZ_ROW, *GZ_SCORES),
    ]
    gd_row = card.rows.get(institution__code="GD")
    assert gd_row.premium == D("2")
    assert card.weights.version == 1


def test_an_institution_without_a_registered_manager_still_has_its_row(
    world: dict[str, Any], gd_compliance: Any
) -> None:
    card = appraisal.scorecard_publish(
        actor=gd_compliance,
        institution=world["gz"].children.get(code="GDGZTH"),
        period=Q3,
        today=AFTER,
    )
    (row,) = card.rows.all()
    assert row.manager is None
    assert row.manager_name == str(appraisal.NOT_REGISTERED)
    assert (row.received, row.concluded, row.on_time) == (4, 4, 3)


# --- Frozen once published -----------------------------------------------------
def test_a_published_period_is_refused_by_the_service(
    world: dict[str, Any], gd_compliance: Any
) -> None:
    publish(world, gd_compliance)
    with pytest.raises(ValidationError) as refused:
        publish(world, gd_compliance)
    assert "never changes" in str(refused.value)
    assert Scorecard.objects.count() == 1


def test_a_published_scorecard_refuses_every_write(
    world: dict[str, Any], gd_compliance: Any
) -> None:
    card = publish(world, gd_compliance)
    row = card.rows.first()
    assert row is not None
    row.score = D("99.9")
    with pytest.raises(FrozenRecordError):
        row.save()
    with pytest.raises(FrozenRecordError):
        row.delete()
    with pytest.raises(FrozenRecordError):
        card.delete()
    # The bulk doors: the admin's delete action and a script's update.
    with pytest.raises(FrozenRecordError):
        ScorecardRow.objects.filter(scorecard=card).update(score=D("99.9"))
    with pytest.raises(FrozenRecordError):
        Scorecard.objects.filter(pk=card.pk).delete()
    assert card.rows.get(pk=row.pk).score == D("66.8")


def test_an_import_cannot_change_a_published_row(
    world: dict[str, Any], gd_compliance: Any
) -> None:
    """django-import-export saves each row through the model: refused."""
    from import_export import resources
    from tablib import Dataset

    card = publish(world, gd_compliance)
    row = card.rows.get(institution__code="GD")

    class Rows(resources.ModelResource):
        class Meta:
            model = ScorecardRow
            fields = ("id", "score")

    data = Dataset(headers=["id", "score"])
    data.append([row.pk, "99.9"])
    result = Rows().import_data(data, dry_run=False, raise_errors=False)
    assert result.has_errors()
    assert ScorecardRow.objects.get(pk=row.pk).score == D("66.8")


def test_the_admin_offers_no_change_delete_or_bulk_delete(
    world: dict[str, Any], gd_compliance: Any, client: Any
) -> None:
    card = publish(world, gd_compliance)
    client.force_login(gd_compliance)
    base = "/admin/reporting/scorecard/"
    page = client.get(f"{base}{card.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get(f"{base}{card.pk}/delete/").status_code == 403
    listing = client.get(base)
    assert b"delete_selected" not in listing.content
    posted = client.post(
        base, {"action": "delete_selected", "_selected_action": [card.pk]}
    )
    assert posted.status_code in (200, 302)
    assert Scorecard.objects.filter(pk=card.pk).exists()
    row = card.rows.first()
    assert row is not None
    assert (
        client.get(f"/admin/reporting/scorecardrow/{row.pk}/change/").status_code == 404
    )


def test_the_register_refuses_to_rewrite_a_published_period(
    world: dict[str, Any], gd_compliance: Any, people: dict[str, Any]
) -> None:
    publish(world, gd_compliance)
    wang = AccountableManager.objects.get(manager=people["wang"])
    with pytest.raises(ValidationError) as refused:
        appraisal.register_set(
            actor=gd_compliance,
            entry=wang,
            institution=world["gz"],
            manager=people["wang"],
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 8, 10),
        )
    assert "published" in str(refused.value)
    with pytest.raises(ValidationError):  # another manager for those days
        appraisal.register_set(
            actor=gd_compliance,
            entry=wang,
            institution=world["gz"],
            manager=people["chen"],
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 8, 15),
        )
    # Nor is an entry added inside the published quarter, for an institution
    # of the published subtree that had none.
    with pytest.raises(ValidationError) as refused:
        appraisal.register_set(
            actor=gd_compliance,
            entry=None,
            institution=world["gz"].children.get(code="GDGZTH"),
            manager=people["wang"],
            valid_from=date(2026, 9, 1),
            valid_until=None,
        )
    assert "published" in str(refused.value)
    # Ending 陈's open entry after the published quarter is still allowed.
    chen = AccountableManager.objects.get(manager=people["chen"])
    appraisal.register_set(
        actor=gd_compliance,
        entry=chen,
        institution=world["gd"],
        manager=people["chen"],
        valid_from=date(2025, 1, 1),
        valid_until=date(2026, 11, 30),
    )


def test_verify_audit_covers_the_published_scorecard(
    world: dict[str, Any], gd_compliance: Any
) -> None:
    card = publish(world, gd_compliance)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit trail intact" in out.getvalue()
    row = card.rows.get(institution__code="GD")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ScorecardRow._meta.db_table} SET score = %s WHERE id = %s",
            ["99.9", row.pk],
        )
    text = _verify_fails()
    assert f"scorecard {card.pk} [live_differs]" in text
    assert "score" in text


def test_verify_audit_detects_a_rewritten_scorecard_history(
    world: dict[str, Any], gd_compliance: Any
) -> None:
    card = publish(world, gd_compliance)
    history = ScorecardRow.history.model  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {history._meta.db_table} SET score = %s WHERE scorecard_id = %s",
            ["99.9", card.pk],
        )
        cursor.execute(
            f"UPDATE {ScorecardRow._meta.db_table} SET score = %s "
            "WHERE scorecard_id = %s",
            ["99.9", card.pk],
        )
    text = _verify_fails()
    assert f"scorecard {card.pk} [content]" in text


def test_verify_audit_detects_a_removed_register_entry(
    world: dict[str, Any], people: dict[str, Any]
) -> None:
    wang = AccountableManager.objects.get(manager=people["wang"])
    history = AccountableManager.history.model  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {history._meta.db_table} WHERE id = %s", [wang.pk])
    text = _verify_fails()
    assert "[link]" in text or "[no_history]" in text
    assert f"register of institution {world['gz'].pk}" in text


def _verify_fails() -> str:
    from django.core.management.base import CommandError

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    return out.getvalue()


# --- Weights -----------------------------------------------------------------------
def test_a_weight_change_makes_a_new_version_and_old_periods_keep_theirs(
    world: dict[str, Any],
    gd_compliance: Any,
    ho_compliance: Any,
    v1: WeightVersion,
) -> None:
    card = publish(world, gd_compliance)
    v2 = appraisal.weights_create(
        actor=ho_compliance,
        effective_from=date(2026, 1, 1),
        weights={**V1, "volume": 0, "on_time": 40},
        volume_ceiling=D("10"),
        note="提高时效权重",
    )
    assert (v1.version, v2.version) == (1, 2)
    assert WeightVersion.objects.get(pk=v1.pk).w_on_time == 30  # unchanged
    card.refresh_from_db()
    assert card.weights_id == v1.pk
    assert card.rows.get(institution__code="GD").score == D("66.8")
    # Q3 computed now uses v2 (on time 40, volume 0):
    # (40x83.3 + 0 + 15x87.5 + 10x66.7 + 20x80) / 100 = 6911.5 / 100 -> 69.1
    assert appraisal.weights_for(Q3) == v2
    rows = appraisal.compute(institution=world["gd"], period=Q3, weights=v2)
    assert rows[0]["score"] == D("69.1")
    # A version is never edited in place.
    v1.w_on_time = 50
    with pytest.raises(FrozenRecordError):
        v1.save()


def test_weights_must_add_up_to_100_and_are_the_companys(
    ho_compliance: Any, gd_compliance: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        appraisal.weights_create(
            actor=ho_compliance,
            effective_from=date(2026, 1, 1),
            weights={**V1, "volume": 20},
            volume_ceiling=D("10"),
        )
    assert "110" in str(refused.value)
    with pytest.raises(PermissionDenied):
        appraisal.weights_create(
            actor=gd_compliance,
            effective_from=date(2026, 1, 1),
            weights=V1,
            volume_ceiling=D("10"),
        )


def test_no_weights_for_the_period_is_refused(
    quarter: dict[str, Complaint], tree: dict[str, Institution], gd_compliance: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        appraisal.scorecard_publish(
            actor=gd_compliance, institution=tree["GD"], period=Q3, today=AFTER
        )
    assert "weight version" in str(refused.value)


# --- Register -------------------------------------------------------------------------
def test_overlapping_register_periods_are_refused_with_a_clear_message(
    world: dict[str, Any], gd_compliance: Any, people: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as refused:
        appraisal.register_set(
            actor=gd_compliance,
            entry=None,
            institution=world["gz"],
            manager=people["chen"],
            valid_from=date(2026, 8, 1),
            valid_until=date(2026, 8, 31),
        )
    message = " ".join(refused.value.messages)
    for part in ("王芳", "2026-01-01", "2026-08-15"):
        assert part in message


def test_only_compliance_keeps_the_register(
    world: dict[str, Any], gd_manager: Any, people: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        appraisal.register_set(
            actor=gd_manager,
            entry=None,
            institution=world["gd"],
            manager=people["chen"],
            valid_from=date(2027, 1, 1),
            valid_until=None,
        )


def test_publishing_needs_compliance_and_a_finished_period(
    world: dict[str, Any], gd_manager: Any, gd_compliance: Any
) -> None:
    with pytest.raises(PermissionDenied):
        publish(world, gd_manager)
    with pytest.raises(ValidationError):
        appraisal.scorecard_publish(
            actor=gd_compliance,
            institution=world["gd"],
            period=Q3,
            today=date(2026, 9, 30),
        )


# --- Scope and export ----------------------------------------------------------------
def test_a_branch_manager_sees_only_their_subtrees_scorecards(
    world: dict[str, Any],
    gd_compliance: Any,
    gz_manager: Any,
    gd_manager: Any,
    zj_viewer: Any,
    client: Any,
) -> None:
    card = publish(world, gd_compliance)
    gz_card = appraisal.scorecard_publish(
        actor=gd_compliance, institution=world["gz"], period=Q3, today=AFTER
    )
    assert set(appraisal.scorecards_in(gd_manager)) == {card, gz_card}
    assert set(appraisal.scorecards_in(gz_manager)) == {gz_card}
    assert list(appraisal.scorecards_in(zj_viewer)) == []
    # Within GD's card, the Guangzhou manager reads Guangzhou's rows only.
    codes = {r.institution.code for r in appraisal.rows_for(gz_manager, card)}
    assert codes == {"GDGZ"}
    client.force_login(gz_manager)
    assert client.get(f"/admin/reporting/scorecard/{card.pk}/change/").status_code in (
        302,
        404,
    )
    assert client.get(f"/admin/reporting/scorecard/{card.pk}/xlsx/").status_code == 404
    own = client.get(f"/admin/reporting/scorecard/{gz_card.pk}/xlsx/")
    assert own.status_code == 200


def test_the_xlsx_for_hr_has_the_documented_columns(
    world: dict[str, Any], gd_compliance: Any, gz_manager: Any, client: Any
) -> None:
    card = publish(world, gd_compliance)
    client.force_login(gd_compliance)
    response = client.get(f"/admin/reporting/scorecard/{card.pk}/xlsx/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["投诉考评", "指标说明"]
    sheet = book["投诉考评"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(rows[0]) == SCORECARD_HEADERS
    got = {h: v for h, v in zip(SCORECARD_HEADERS, rows[1], strict=True)}
    assert got["机构代码"] == "GD"
    assert got["投诉工作负责人"] == "陈志远"
    assert got["权重版本"] == "v1"
    assert got["投诉件数"] == 8
    assert got["亿元保费投诉量"] == 4
    assert got["按时办结率(%)"] == 83.3
    assert got["得分:投诉量(权重)"] == "60.0(10)"
    assert got["得分:核查改变(权重)"] == "0.0(15)"
    assert got["综合得分"] == 66.8
    assert [r[3] for r in rows[1:]] == ["GD", "GDGZ", "GDGZ"]
    # The Guangzhou manager's own export of GD's card: not theirs to read.
    client.force_login(gz_manager)
    assert client.get(f"/admin/reporting/scorecard/{card.pk}/xlsx/").status_code == 404


def test_the_xlsx_layout_is_documented_in_the_readme() -> None:
    from tests.complaints.test_headers_documented import documented

    assert documented("Appraisal scorecard export:") == list(SCORECARD_HEADERS)


def test_every_column_is_explained_in_the_file() -> None:
    import re

    from reporting.appraisal_xlsx import EXPLAINED

    named = {part.strip() for r in EXPLAINED for part in re.split(" / ", r[1])}
    assert [h for h in SCORECARD_HEADERS if h not in named] == []


def test_the_admin_publishes_through_the_service_and_shows_refusals(
    world: dict[str, Any], gd_compliance: Any, client: Any
) -> None:
    client.force_login(gd_compliance)
    url = "/admin/reporting/scorecard/add/"
    data = {"institution": world["gd"].pk, "period": "2026Q3"}
    assert client.post(url, data).status_code == 302
    card = Scorecard.objects.get()
    assert card.rows.count() == 3
    again = client.post(url, data)
    assert again.status_code == 200
    assert "never changes" in again.content.decode()
    assert Scorecard.objects.count() == 1


def test_the_register_admin_refuses_an_overlap_on_the_form(
    world: dict[str, Any], gd_compliance: Any, people: dict[str, Any], client: Any
) -> None:
    client.force_login(gd_compliance)
    response = client.post(
        "/admin/reporting/accountablemanager/add/",
        {
            "institution": world["gz"].pk,
            "manager": people["chen"].pk,
            "title": "",
            "valid_from": "2026-09-01",
            "valid_until": "",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "赵磊 is already registered" in response.content.decode()
    assert AccountableManager.objects.filter(manager=people["chen"]).count() == 1
