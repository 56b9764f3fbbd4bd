"""The regulator's normalised complaint rates (DOMAIN.md §7; domain-notes R50-R53).

Pure arithmetic on Decimals, so the printed figure is exactly the regulator's:
the rate is complaints divided by the denominator expressed in its unit, kept
unrounded, and printed with two decimals rounded half-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

# 亿元保费投诉量: complaints per 100 million yuan (1 亿元) of premium income (R50).
PREMIUM_UNIT = Decimal(100_000_000)
# 万张保单投诉量: complaints per 10,000 policies (R51).
POLICY_UNIT = Decimal(10_000)
# 万人次投诉量: complaints per 10,000 insured persons, life insurers (R52).
PERSON_UNIT = Decimal(10_000)
# Published with two decimals, half-up (R53).
PRINTED = Decimal("0.01")


@dataclass(frozen=True)
class Rate:
    """One normalised rate with the inputs printed beside it."""

    key: str
    label: str
    unit_label: str
    complaints: int
    denominator: Decimal | None  # premium in yuan, policies or persons
    unit: Decimal
    basis: str = ""  # which premium, which policy count (reporting.basis)

    @property
    def denominator_in_units(self) -> Decimal | None:
        """The denominator in the rate's unit (亿元, 万张, 万人次)."""
        if not self.denominator:
            return None
        return self.denominator / self.unit

    @property
    def value(self) -> Decimal | None:
        """Unrounded rate; None when there is no denominator."""
        units = self.denominator_in_units
        if units is None:
            return None
        return Decimal(self.complaints) / units

    @property
    def printed(self) -> str:
        value = self.value
        if value is None:
            return "—"
        return str(value.quantize(PRINTED, rounding=ROUND_HALF_UP))

    @property
    def inputs(self) -> str:
        """The arithmetic, e.g. "1234 件 ÷ 567.0000 亿元"."""
        units = self.denominator_in_units
        if units is None:
            return f"{self.complaints} ÷ —"
        return f"{self.complaints} ÷ {_plain(units)} {self.unit_label}"


def _plain(number: Decimal) -> str:
    """A Decimal without exponent or trailing zeros beyond four places."""
    text = f"{number.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def normalised_rates(
    *,
    complaints: int,
    premium: Decimal | None,
    policies: int | None,
    insured_persons: int | None,
) -> list[Rate]:
    """The three published rates for `complaints` received in a period and the
    same period's premium income (yuan), policy count and insured persons."""
    return [
        Rate(
            "per_premium",
            str(_("Complaints per 100 million yuan of premium")),
            "亿元",
            complaints,
            premium,
            PREMIUM_UNIT,
        ),
        Rate(
            "per_policies",
            str(_("Complaints per 10,000 policies")),
            "万张",
            complaints,
            Decimal(policies) if policies else None,
            POLICY_UNIT,
        ),
        Rate(
            "per_persons",
            str(_("Complaints per 10,000 insured persons")),
            "万人次",
            complaints,
            Decimal(insured_persons) if insured_persons else None,
            PERSON_UNIT,
        ),
    ]


def percent(numerator: int | None, denominator: int | None) -> Decimal | None:
    """A share in per cent, two decimals half-up; None for an empty base."""
    if not denominator:
        return None
    value = Decimal(numerator or 0) * 100 / Decimal(denominator)
    return value.quantize(PRINTED, rounding=ROUND_HALF_UP)
