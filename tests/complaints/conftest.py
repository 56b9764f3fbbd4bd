from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from complaints.models import Code, Complaint
from complaints.services import complaint_register
from organisations.models import Institution

SHANGHAI = ZoneInfo("Asia/Shanghai")


def code(kind: str, value: str) -> Code:
    return Code.objects.get(kind=kind, code=value)


@pytest.fixture
def register(tree: dict[str, Institution]) -> Callable[..., Complaint]:
    """Register a complaint through the service (the only way one is made)."""

    def make(actor: Any, institution: str = "GDGZTH", **fields: Any) -> Complaint:
        values: dict[str, Any] = {
            "channel": code("channel", "hotline"),
            "complainant_name": "林小雨",
            "id_type": Complaint.IdType.RESIDENT_ID,
            "id_number": "440106199001011235",
            "phone": "13800138000",
            "email": "lin@example.com",
            "product_line": code("product_line", "motor"),
            "category": code("category", "claims"),
            "request": "要求按合同足额赔付车损",
            "facts": "2026年3月车辆被追尾，理赔金额低于定损金额。",
            "policy_number": "PDAA202644010000001234",
            "received_at": datetime(2026, 3, 6, 10, 30, tzinfo=SHANGHAI),
        }
        values.update(fields)
        return complaint_register(actor=actor, institution=tree[institution], **values)

    return make


@pytest.fixture
def persona(request: pytest.FixtureRequest) -> Callable[[str], Any]:
    """A persona fixture by name, for tables of (action, who)."""
    return request.getfixturevalue


@pytest.fixture
def at(register: Callable[..., Complaint], persona: Any) -> Callable[..., Complaint]:
    """A GDGZTH complaint walked through the services to a given status."""
    from tests.complaints.test_services_transitions import walker

    return walker(register, persona)
