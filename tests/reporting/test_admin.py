"""The reporting admin: scoped lists, and forms that write through the services."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.models import Complaint
from reporting.models import ComplaintRootCause, QualitySample, Rectification, RootCause

pytestmark = pytest.mark.django_db
ADMIN = "/admin/reporting"


@pytest.mark.parametrize(
    "model",
    [
        "rectification",
        "qualitysample",
        "rootcause",
        "businessvolume",
        "complaintrootcause",
    ],
)
def test_changelists_open_for_a_manager(
    client: Any, gd_manager: Any, model: str
) -> None:
    client.force_login(gd_manager)
    assert client.get(f"{ADMIN}/{model}/").status_code == 200


def test_handler_sees_no_reporting_lists(client: Any, gd_handler: Any) -> None:
    client.force_login(gd_handler)
    assert client.get(f"{ADMIN}/rectification/").status_code == 403
    assert client.get(f"{ADMIN}/businessvolume/import/").status_code == 403


def test_rectification_form_writes_through_the_service(
    client: Any,
    quarter: dict[str, Complaint],
    gd_manager: Any,
    zj_manager: Any,
    tree: dict[str, Any],
) -> None:
    client.force_login(gd_manager)
    data = {
        "title": "规范销售话术",
        "root_cause": RootCause.objects.get(code="sales_misconduct").pk,
        "owner_institution": tree["GDFS"].pk,
        "owner_department": "个险部",
        "measure": "统一话术并抽检录音",
        "due_on": "2026-12-31",
        "status": "open",
        "evidence": "",
        "add_complaints": f"{quarter['C'].number}",
    }
    response = client.post(f"{ADMIN}/rectification/add/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    item = Rectification.objects.get()
    assert list(item.complaints.values_list("number", flat=True)) == [
        quarter["C"].number
    ]
    assert item.history.first().history_user == gd_manager
    bad = {**data, "add_complaints": quarter["H"].number}  # 浙江: not found
    assert client.post(f"{ADMIN}/rectification/add/", bad).status_code == 200
    assert Rectification.objects.count() == 1
    client.force_login(zj_manager)
    assert client.get(f"{ADMIN}/rectification/{item.pk}/change/").status_code in (
        302,
        404,
    )


def test_root_cause_form(
    client: Any, quarter: dict[str, Complaint], gd_handler: Any
) -> None:
    client.force_login(gd_handler)
    response = client.post(
        f"{ADMIN}/complaintrootcause/add/",
        {
            "number": quarter["A"].number,
            "root_cause": RootCause.objects.get(code="claims_standard").pk,
            "note": "定损标准不一",
        },
    )
    assert response.status_code == 302
    assert ComplaintRootCause.objects.get().complaint == quarter["A"]


def test_compliance_draws_a_sample_in_the_admin(
    client: Any,
    quarter: dict[str, Complaint],
    ho_compliance: Any,
    gd_manager: Any,
    tree: dict[str, Any],
) -> None:
    form = {"institution": tree["GD"].pk, "period": "2026Q3", "size": 2, "seed": 99}
    client.force_login(gd_manager)
    assert client.post(f"{ADMIN}/qualitysample/add/", form).status_code == 403
    client.force_login(ho_compliance)
    response = client.post(f"{ADMIN}/qualitysample/add/", form)
    assert response.status_code == 302
    sample = QualitySample.objects.get()
    assert (sample.seed, sample.size, sample.checks.count()) == (99, 2, 2)
    page = client.get(f"{ADMIN}/qualitysample/{sample.pk}/change/")
    assert page.status_code == 200
    assert "/admin/complaints/complaint/" in page.content.decode()


def test_a_rectification_names_only_the_complaints_the_reader_may_see(
    client: Any,
    quarter: dict[str, Complaint],
    gd_manager: Any,
    senior: Any,
    tree: dict[str, Any],
) -> None:
    """A head office's item owned by 广东 that also covers a 浙江 complaint: a
    广东 manager reads the item without learning the 浙江 number."""
    from datetime import date

    from reporting.services import rectification_create

    gd_case, zj_case = quarter["C"], quarter["H"]
    item = rectification_create(
        actor=senior,
        owner_institution=tree["GD"],
        title="规范销售话术",
        measure="统一话术",
        due_on=date(2026, 12, 31),
        complaints=[gd_case],
    )
    # Linked as a head office's item may (the 浙江 case need not be decided for
    # what the page shows).
    item.complaints.add(zj_case)
    client.force_login(gd_manager)
    page = client.get(f"{ADMIN}/rectification/{item.pk}/change/").content.decode()
    assert gd_case.number in page
    assert zj_case.number not in page
    history = client.get(f"{ADMIN}/rectification/{item.pk}/history/")
    assert history.status_code == 200
    assert gd_case.number in history.content.decode()
    assert zj_case.number not in history.content.decode()
    listing = client.get(f"{ADMIN}/rectification/")
    (row,) = listing.context["cl"].result_list
    covered = listing.context["cl"].list_display[-1]
    assert covered(row) == 1
    client.force_login(senior)
    page = client.get(f"{ADMIN}/rectification/{item.pk}/change/").content.decode()
    assert zj_case.number in page
    history = client.get(f"{ADMIN}/rectification/{item.pk}/history/")
    assert zj_case.number in history.content.decode()
