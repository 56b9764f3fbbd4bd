"""The rates the regulator would compute, on a fixed quarter worked by hand
(tests/reporting/regulator_world.py), for a property and a life insurer, on
both numerator bases."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from reporting import basis as B
from reporting import periods
from reporting.selectors.regulator import regulator_rates
from tests.reporting.regulator_world import World
from tests.reporting.regulator_world import frozen as frozen  # noqa: F401
from tests.reporting.regulator_world import world as world  # noqa: F401

Q3 = periods.quarter(2026, 3)
PROPERTY = B.Basis(insurer_type="property", premium="original", policies="new")
LIFE = B.Basis(insurer_type="life", premium="scale", policies="in_force")


def printed(report: Any) -> dict[str, tuple[str, str, str]]:
    return {r.key: (r.printed, r.inputs, r.basis) for r in report.rates}


@pytest.mark.parametrize(
    ("basis", "numerator", "expected"),
    [
        # 3 ÷ 3.5 = 0.857 -> 0.86; 3 ÷ 6 = 0.50; no 万人次 for a property insurer.
        (
            PROPERTY,
            B.REGULATOR,
            {
                "per_premium": (
                    "0.86",
                    "3 ÷ 3.5 亿元",
                    "original premium income (原保险保费收入)",
                ),
                "per_policies": ("0.50", "3 ÷ 6 万张", "new policies in the period"),
            },
        ),
        # 7 ÷ 3.5 = 2.00; 7 ÷ 6 = 1.1667 -> 1.17.
        (
            PROPERTY,
            B.ALL,
            {
                "per_premium": (
                    "2.00",
                    "7 ÷ 3.5 亿元",
                    "original premium income (原保险保费收入)",
                ),
                "per_policies": ("1.17", "7 ÷ 6 万张", "new policies in the period"),
            },
        ),
        # 3 ÷ 5 = 0.60; 3 ÷ 25 = 0.12; 3 ÷ 120 = 0.025 -> 0.03 (half-up).
        (
            LIFE,
            B.REGULATOR,
            {
                "per_premium": ("0.60", "3 ÷ 5 亿元", "scale premium (规模保费)"),
                "per_policies": (
                    "0.12",
                    "3 ÷ 25 万张",
                    "policies in force at the period's end",
                ),
                "per_persons": ("0.03", "3 ÷ 120 万人次", "insured person-times"),
            },
        ),
        # 7 ÷ 5 = 1.40; 7 ÷ 25 = 0.28; 7 ÷ 120 = 0.0583 -> 0.06.
        (
            LIFE,
            B.ALL,
            {
                "per_premium": ("1.40", "7 ÷ 5 亿元", "scale premium (规模保费)"),
                "per_policies": (
                    "0.28",
                    "7 ÷ 25 万张",
                    "policies in force at the period's end",
                ),
                "per_persons": ("0.06", "7 ÷ 120 万人次", "insured person-times"),
            },
        ),
    ],
)
def test_rates_against_hand_worked_figures(
    world: World, tree: Any, basis: B.Basis, numerator: str, expected: Any
) -> None:
    report = regulator_rates(
        user=None, institution=tree["HO"], period=Q3, numerator=numerator, basis=basis
    )
    assert printed(report) == expected


def test_regulator_basis_counts_by_the_regulators_quarter(
    world: World, tree: Any
) -> None:
    report = regulator_rates(
        user=None,
        institution=tree["HO"],
        period=Q3,
        numerator=B.REGULATOR,
        basis=PROPERTY,
    )
    # T1 (regulator Q2) is out, T3 (insurer Q4) is in; T4 has no regulator date.
    assert (report.complaints, report.total, report.undated) == (3, 3, 1)
    q2 = regulator_rates(
        user=None,
        institution=tree["HO"],
        period=periods.quarter(2026, 2),
        numerator=B.REGULATOR,
        basis=PROPERTY,
    )
    assert q2.total == 1


def test_shares_by_regulator_line_and_sector(world: World, tree: Any) -> None:
    report = regulator_rates(
        user=None, institution=tree["HO"], period=Q3, numerator=B.ALL, basis=PROPERTY
    )
    lines = {r.label: (r.complaints, r.share) for r in report.lines if r.complaints}
    # 保证保险 and 信用保险 apart (D4's old combined line counts as 保证保险),
    # 疾病保险 its own line; 4/7 = 57.14%, 1/7 = 14.29%.
    assert lines == {
        "Motor": (4, Decimal("57.14")),
        "Surety": (1, Decimal("14.29")),
        "Credit": (1, Decimal("14.29")),
        "Critical illness": (1, Decimal("14.29")),
    }
    sectors = {r.key: (r.complaints, r.share) for r in report.sectors}
    assert sectors == {
        "property": (6, Decimal("85.71")),
        "life": (1, Decimal("14.29")),
    }


def test_remapping_a_line_moves_its_complaints(world: World, tree: Any) -> None:
    from reporting.models import ProductLineMapping, RegulatorLine

    mapping = ProductLineMapping.objects.get(product_line__code="credit_surety")
    mapping.regulator_line = RegulatorLine.objects.get(code="credit")
    mapping.save()
    report = regulator_rates(
        user=None, institution=tree["HO"], period=Q3, numerator=B.ALL, basis=PROPERTY
    )
    lines = {r.key: r.complaints for r in report.lines}
    assert (lines["surety"], lines["credit"]) == (0, 2)


def test_missing_denominator_on_the_chosen_basis_prints_a_dash(
    world: World, tree: Any
) -> None:
    from reporting.models import BusinessVolume

    BusinessVolume.objects.update(scale_premium=None)
    report = regulator_rates(
        user=None, institution=tree["HO"], period=Q3, numerator=B.ALL, basis=LIFE
    )
    assert printed(report)["per_premium"][0] == "—"


def test_basis_comes_from_the_settings(settings: Any) -> None:
    settings.COMPLAINT_INSURER_TYPE = "life"
    settings.COMPLAINT_PREMIUM_BASIS = "scale"
    settings.COMPLAINT_POLICY_BASIS = "in_force"
    assert B.current() == LIFE
    assert B.current().per_person
    settings.COMPLAINT_INSURER_TYPE = "property"
    assert not B.current().per_person
