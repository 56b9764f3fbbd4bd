"""On what basis a normalised rate is computed, as the settings choose it.

The regulator's notices divide the complaints it received in a quarter by the
insurer's premium, policies and (life and health insurers) insured
person-times of the same quarter (DOMAIN.md §7; domain-notes R50-R52). Which
premium (原保险保费收入 or 规模保费) and which policy count (new in the period or
in force at its end) is not published: each insurer sets it once
(COMPLAINT_PREMIUM_BASIS, COMPLAINT_POLICY_BASIS) and every rate prints it.
万人次 is published for life insurers only: COMPLAINT_INSURER_TYPE says which
kind of insurer this is.

Numerators (issue 17): ``regulator``: complaints the regulator transferred, by
the regulator's own receipt date (its quarter); ``all``: every complaint the
insurer received, by its own receipt date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PROPERTY, LIFE, HEALTH = "property", "life", "health"
INSURER_TYPES = {
    PROPERTY: _("property insurer"),
    LIFE: _("life insurer"),
    HEALTH: _("health insurer"),
}
# Premium basis -> (BusinessVolume column, label printed with the rate).
PREMIUM_BASES = {
    "original": ("premium", _("original premium income (原保险保费收入)")),
    "scale": ("scale_premium", _("scale premium (规模保费)")),
}
# Policy basis -> (BusinessVolume column, label).
POLICY_BASES = {
    "new": ("policies", _("new policies in the period")),
    "in_force": ("policies_in_force", _("policies in force at the period's end")),
}
PERSONS = ("insured_persons", _("insured person-times"))

REGULATOR, ALL = "regulator", "all"
NUMERATORS = {
    REGULATOR: _("regulator transfers, by the regulator's receipt date"),
    ALL: _("all complaints, by the insurer's receipt date"),
}


@dataclass(frozen=True)
class Basis:
    insurer_type: str
    premium: str  # key of PREMIUM_BASES
    policies: str  # key of POLICY_BASES

    @property
    def premium_column(self) -> str:
        return PREMIUM_BASES[self.premium][0]

    @property
    def premium_label(self) -> str:
        return str(PREMIUM_BASES[self.premium][1])

    @property
    def policy_column(self) -> str:
        return POLICY_BASES[self.policies][0]

    @property
    def policy_label(self) -> str:
        return str(POLICY_BASES[self.policies][1])

    @property
    def per_person(self) -> bool:
        """万人次 is published for life and health insurers only (R52)."""
        return self.insurer_type in (LIFE, HEALTH)

    @property
    def insurer_label(self) -> str:
        return str(INSURER_TYPES[self.insurer_type])


def _choice(name: str, default: str, allowed: Mapping[str, object]) -> str:
    value = str(getattr(settings, name, default) or default).strip().lower()
    if value not in allowed:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(allowed)}, not {value!r}."
        )
    return value


def current() -> Basis:
    """The basis the settings choose (read when asked, never at import)."""
    return Basis(
        insurer_type=_choice("COMPLAINT_INSURER_TYPE", PROPERTY, INSURER_TYPES),
        premium=_choice("COMPLAINT_PREMIUM_BASIS", "original", PREMIUM_BASES),
        policies=_choice("COMPLAINT_POLICY_BASIS", "new", POLICY_BASES),
    )
