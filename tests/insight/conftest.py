"""Fixtures of h18a's insight tests: a registered template complaint, the
business volumes of both provinces, and people around them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from complaints.models import Complaint
from organisations.models import Institution, Membership
from tests.complaints.conftest import code as code  # noqa: F401
from tests.complaints.conftest import persona as persona  # noqa: F401
from tests.complaints.conftest import register as register  # noqa: F401
from tests.insight.surge_world import quarterly_volumes

R = Membership.Role
WEEK = date(2026, 11, 16)  # a Monday


@pytest.fixture
def template(register: Callable[..., Complaint], tianhe_handler: Any) -> Complaint:
    return register(tianhe_handler)


@pytest.fixture
def volumes(tree: dict[str, Institution]) -> None:
    for inst in ("GD", "ZJ"):
        quarterly_volumes(tree[inst], date(2025, 10, 1), date(2027, 3, 31))


@pytest.fixture
def gd_compliance(make_member: Callable[..., Any]) -> Any:
    return make_member("gd_compliance", R.COMPLIANCE, "GD", email="gdc@example.com")


@pytest.fixture
def zj_compliance(make_member: Callable[..., Any]) -> Any:
    return make_member("zj_compliance", R.COMPLIANCE, "ZJ", email="zjc@example.com")


@pytest.fixture
def zj_manager(make_member: Callable[..., Any]) -> Any:
    return make_member("zj_manager", R.MANAGER, "ZJ")
