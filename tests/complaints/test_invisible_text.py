"""Bidirectional controls and zero-width characters are stripped from names
and texts at every door: the service (which every door calls), the API, the
regulator-transfer import (organisations.text)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest

from complaints.exchange import imports
from complaints.models import Complaint
from organisations.models import Membership
from organisations.text import visible
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_import_regulator import line
from tests.intake.conftest import API, payload
from tests.intake.conftest import make_client as make_client  # noqa: F401
from tests.intake.conftest import website as website  # noqa: F401

pytestmark = pytest.mark.django_db
SPOOFED = "林\u202e小雨\u200b"  # a right-to-left override and a zero-width space
FACTS = "车辆\u2066被追尾\u2069，\ufeff理赔金额低于定损金额。"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (SPOOFED, "林小雨"),
        ("a\u200db\u200cc\u00add", "abcd"),
        ("第一行\n第二行\t完", "第一行\n第二行\t完"),  # line breaks and tabs stay
        ("plain ascii", "plain ascii"),
    ],
)
def test_visible(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_the_service_strips_them(register: Any, tianhe_handler: Any) -> None:
    c = register(tianhe_handler, complainant_name=SPOOFED, facts=FACTS)
    c.refresh_from_db()
    assert c.complainant_name == "林小雨"
    assert c.facts == "车辆被追尾，理赔金额低于定损金额。"


def test_the_api_strips_them(website: Any) -> None:
    response = website.post(
        f"{API}/complaints/",
        payload(complainant_name=SPOOFED, facts=FACTS),
        format="json",
    )
    assert response.status_code == 201, response.content
    c = Complaint.objects.get(number=response.json()["number"])
    assert (c.complainant_name, c.facts) == (
        "林小雨",
        "车辆被追尾，理赔金额低于定损金额。",
    )


def test_the_import_strips_them(make_member: Any, tree: Any) -> None:
    importer = make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")
    out = io.StringIO()
    csv.writer(out).writerows(
        [list(imports.REGULATOR_COLUMNS), line("YJ2026-0100", 投诉人姓名=SPOOFED)]
    )
    _preview, record = imports.regulator_transfers_import(
        actor=importer, filename="t.csv", content=out.getvalue().encode("utf-8")
    )
    assert record.committed
    (c,) = Complaint.objects.filter(regulator_reference="YJ2026-0100")
    assert c.complainant_name == "林小雨"


# --- Identifiers: cleaned, not refused, at every door (issue 20 point 4) --------
# A zero-width space, a Hangul filler (not in category Cf, but invisible) and
# a variation selector inside the phone and the ID number.
PHONE = "138\u200b0013\u31648000\ufe0f"
ID_NUMBER = "4401061985\u200d02023459"
HIDDEN = "\u200b\u2800" * 20  # padding past the API's 30 characters


@pytest.mark.parametrize(
    "text", ["\u3164", "\u115f", "\u1160", "\uffa0", "\u034f", "\ufe0f", "\u2800"]
)
def test_default_ignorable_characters_are_invisible_too(text: str) -> None:
    assert visible(f"林{text}小雨") == "林小雨"


def test_the_admin_form_cleans_phone_and_id(
    client: Any, tree: Any, tianhe_handler: Any
) -> None:
    from tests.complaints.test_views import ADD, registration

    client.force_login(tianhe_handler)
    response = client.post(
        ADD,
        registration(
            tree, phone=PHONE, id_number=ID_NUMBER, complainant_name="赵\u3164六"
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    c = Complaint.objects.get()
    assert (c.phone, c.id_number, c.complainant_name) == (
        "13800138000",
        "440106198502023459",
        "赵六",
    )


def test_the_api_cleans_phone_and_id(website: Any) -> None:
    response = website.post(
        f"{API}/complaints/",
        payload(phone=PHONE + HIDDEN, id_number=ID_NUMBER, id_type="resident_id"),
        format="json",
    )
    assert response.status_code == 201, response.content
    c = Complaint.objects.get(number=response.json()["number"])
    assert (c.phone, c.id_number) == ("13800138000", "440106198502023459")
    lookup = website.post(
        f"{API}/status-lookup/",
        {"number": c.number, "phone_last4": "8\u200b0\u3164" + "00"},
        format="json",
    )
    assert lookup.status_code == 200, lookup.content


def test_the_import_cleans_phone(make_member: Any, tree: Any) -> None:
    importer = make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")
    out = io.StringIO()
    csv.writer(out).writerows(
        [list(imports.REGULATOR_COLUMNS), line("YJ2026-0101", 联系电话=PHONE)]
    )
    preview, record = imports.regulator_transfers_import(
        actor=importer, filename="t.csv", content=out.getvalue().encode("utf-8")
    )
    assert preview.problems == []
    assert record.committed
    (c,) = Complaint.objects.filter(regulator_reference="YJ2026-0101")
    assert c.phone == "13800138000"
