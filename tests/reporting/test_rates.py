"""Normalised rates: the regulator's arithmetic, subtree volumes, the import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting import periods
from reporting.models import BusinessVolume
from reporting.rates import normalised_rates, percent
from reporting.resources import BusinessVolumeResource
from reporting.selectors import business_volume

Q3 = periods.quarter(2026, 3)
YI = Decimal(100_000_000)


@pytest.mark.parametrize(
    ("complaints", "premium_yi", "printed", "inputs"),
    [
        (1234, Decimal("567"), "2.18", "1234 ÷ 567 亿元"),  # 56.7 billion yuan
        (683, Decimal("1004.4"), "0.68", "683 ÷ 1004.4 亿元"),  # domain-notes §3.5(c)
        (449, Decimal("488"), "0.92", "449 ÷ 488 亿元"),
        (6, Decimal("1.68"), "3.57", "6 ÷ 1.68 亿元"),
        (1, Decimal("8"), "0.13", "1 ÷ 8 亿元"),  # 0.125: half-up, not to even
    ],
)
def test_complaints_per_100_million_yuan(
    complaints: int, premium_yi: Decimal, printed: str, inputs: str
) -> None:
    rate = normalised_rates(
        complaints=complaints,
        premium=premium_yi * YI,
        policies=None,
        insured_persons=None,
    )[0]
    assert (rate.printed, rate.inputs, rate.unit_label) == (printed, inputs, "亿元")


def test_per_policies_and_persons() -> None:
    premium, policies, persons = normalised_rates(
        complaints=71, premium=None, policies=1_000_000, insured_persons=1_510_638
    )
    assert (policies.printed, policies.inputs) == ("0.71", "71 ÷ 100 万张")
    assert (persons.printed, persons.inputs) == ("0.47", "71 ÷ 151.0638 万人次")
    assert (premium.printed, premium.value) == ("—", None)
    assert policies.value == Decimal("0.71")  # stored unrounded


def test_percent_is_half_up() -> None:
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 6) == Decimal("16.67")
    assert percent(0, 0) is None


def _volume(tree: dict[str, Any], code: str, premium: str, policies: int) -> None:
    BusinessVolume.objects.create(
        institution=tree[code],
        period_start=Q3.start,
        period_end=Q3.end,
        premium=Decimal(premium),
        policies=policies,
    )


@pytest.mark.django_db
def test_subtree_volume_uses_the_highest_rows(tree: dict[str, Any]) -> None:
    _volume(tree, "GDGZ", "30000000000", 600_000)  # consolidated for 广州
    _volume(tree, "GDGZTH", "10000000000", 200_000)  # inside 广州: not added again
    _volume(tree, "GDFSCC", "20000000000", 300_000)  # 佛山 reports only at the leaf
    _volume(tree, "ZJ", "99000000000", 1)  # another province
    gd = business_volume(institution=tree["GD"], period=Q3)
    assert (gd.premium, gd.policies) == (Decimal("50000000000"), 900_000)
    assert [r.institution.code for r in gd.rows] == ["GDFSCC", "GDGZ"]
    _volume(tree, "GD", "56700000000", 1_000_000)  # now GD reports its total
    volume = business_volume(institution=tree["GD"], period=Q3)
    assert [r.institution.code for r in volume.rows] == ["GD"]
    rates = normalised_rates(
        complaints=1234,
        premium=volume.premium,
        policies=volume.policies,
        insured_persons=volume.insured_persons,
    )
    assert [r.printed for r in rates] == ["2.18", "12.34", "—"]
    assert (
        business_volume(institution=tree["GD"], period=periods.month(2026, 7)).rows
        == []
    )


def _dataset(*rows: tuple[Any, ...]) -> tablib.Dataset:
    return tablib.Dataset(
        *rows,
        headers=["机构代码", "期间", "保费收入（元）", "保单件数", "承保人次", "备注"],
    )


@pytest.mark.django_db
def test_import_reports_every_bad_row_and_imports_nothing(tree: dict[str, Any]) -> None:
    data = _dataset(
        ("GD", "2026Q3", "56700000000", "1000000", "", ""),
        ("XX", "2026Q3", "1", "1", "", ""),  # unknown institution
        ("ZJ", "2026Q5", "1", "1", "", ""),  # no such quarter
        ("ZJ", "2026Q3", "", "1", "", ""),  # premium missing
    )
    result = BusinessVolumeResource().import_data(data, dry_run=True)
    errors: dict[int, Any] = {
        n: [e.error for e in errs] for n, errs in result.row_errors()
    }
    errors.update({row.number: row.error_dict for row in result.invalid_rows})
    assert sorted(errors) == [2, 3, 4]
    assert "XX" in str(errors[2])
    assert "2026Q3" in str(errors[3])
    assert "保费收入（元）" in str(errors[4])
    result = BusinessVolumeResource().import_data(
        data, dry_run=False, rollback_on_validation_errors=True
    )
    assert BusinessVolume.objects.count() == 0


@pytest.mark.django_db
def test_import_creates_and_then_updates(tree: dict[str, Any]) -> None:
    BusinessVolumeResource().import_data(
        _dataset(("gd", "2026Q3", "56700000000", "1000000", "", "")), dry_run=False
    )
    BusinessVolumeResource().import_data(
        _dataset(("GD", "2026Q3", "100440000000", "1000000", "1510638", "更正")),
        dry_run=False,
    )
    row = BusinessVolume.objects.get()
    assert (row.period_start, row.period_end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert (row.premium, row.insured_persons, row.note) == (
        Decimal("100440000000.00"),
        1_510_638,
        "更正",
    )
    assert row.history.count() == 2
    exported = BusinessVolumeResource().export()
    assert exported.headers[:2] == ["机构代码", "期间"]
    assert exported[0][:2] == ("GD", "2026Q3")


@pytest.mark.django_db
def test_admin_import_previews_errors_without_a_confirm_step(
    admin_client: Any, tree: dict[str, Any]
) -> None:
    data = _dataset(
        ("GD", "2026Q3", "56700000000", "1000000", "", ""),
        ("XX", "2026Q3", "1", "1", "", ""),
    )
    upload = SimpleUploadedFile("volumes.csv", data.export("csv").encode("utf-8"))
    response = admin_client.post(
        "/admin/reporting/businessvolume/import/",
        {"import_file": upload, "format": "0"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "XX" in body
    assert 'name="import_file_name"' not in body  # no confirm form
    assert BusinessVolume.objects.count() == 0
