"""The regulator's own receipt date of a transfer, at every door: the service,
the admin's registration form, the spreadsheet import and the intake API.
Each refuses a date after the insurer's receipt, a day to come, or a date
without a regulator's reference, and then writes nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from complaints import exceptions as E
from complaints.exceptions import ComplaintError
from complaints.exchange import imports
from complaints.models import Complaint, RegulatorTransfer
from organisations.models import Membership
from tests.complaints.conftest import SHANGHAI, code
from tests.complaints.test_import_regulator import line, xlsx
from tests.complaints.test_views import ADD, registration
from tests.intake.conftest import API, codes, payload
from tests.intake.conftest import make_client as make_client  # noqa: F401
from tests.intake.conftest import website as website  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(TODAY)


def nothing_written() -> bool:
    return not Complaint.objects.exists() and not RegulatorTransfer.objects.exists()


def transfer(**over: Any) -> dict[str, Any]:
    values = {
        "channel": "regulator",
        "regulator_reference": "YJ2026-0100",
        "regulator_office": "广东监管局",
        "received_at": datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI),
        "regulator_received_on": date(2026, 3, 6),
    }
    values.update(over)
    values["channel"] = code("channel", values["channel"])
    return values


def test_the_service_records_the_regulators_receipt(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler, **transfer())
    assert c.regulator_transfer.regulator_received_on == date(2026, 3, 6)
    row = c.regulator_transfer.history.get()
    assert (row.history_user, row.history_change_reason) == (
        tianhe_handler,
        "Registered",
    )
    assert row.row_hash  # sealed into the case file's chain


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"regulator_received_on": date(2026, 3, 11)}, E.REGULATOR_RECEIPT_AFTER_OURS),
        ({"regulator_received_on": date(2026, 3, 18)}, E.REGULATOR_RECEIPT_IN_FUTURE),
        (
            {"regulator_reference": "", "channel": "hotline"},
            E.REGULATOR_RECEIPT_WITHOUT_REFERENCE,
        ),
    ],
)
def test_the_service_refuses_and_writes_nothing(
    register: Any, tianhe_handler: Any, over: dict[str, Any], message: Any
) -> None:
    with pytest.raises(ComplaintError) as refused:
        register(tianhe_handler, **transfer(**over))
    assert "regulator_received_on" in refused.value.message_dict
    text = refused.value.message_dict["regulator_received_on"][0]
    assert text.startswith(str(message).split("%")[0].split(":")[0])
    assert nothing_written()


def test_the_admin_form_takes_it_and_refuses_a_late_one(
    client: Any, tree: Any, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    data = registration(
        tree,
        channel=code("channel", "regulator").pk,
        regulator_reference="YJ2026-0101",
        regulator_office="广东监管局",
    )
    refused = client.post(ADD, {**data, "regulator_received_on": "2026-03-18"})
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert "has not come yet" in errors["regulator_received_on"][0]
    assert nothing_written()
    response = client.post(ADD, {**data, "regulator_received_on": "2026-03-15"})
    assert response.status_code == 302
    stored = RegulatorTransfer.objects.get()
    assert stored.regulator_received_on == date(2026, 3, 15)


def test_the_import_takes_the_column_and_refuses_a_bad_date(
    make_member: Any, tree: Any
) -> None:
    importer = make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")
    bad = xlsx([line("YJ2026-0200", 监管接收日期="2026-03-09", 转送日期="2026-03-06")])
    with pytest.raises(imports.ImportFileError):
        imports.regulator_transfers_import(
            actor=importer, filename="t.xlsx", content=bad
        )
    assert nothing_written()
    future = xlsx([line("YJ2026-0201", 监管接收日期="2026-03-20")])
    preview, record = imports.regulator_transfers_import(
        actor=importer, filename="t.xlsx", content=future
    )
    assert not record.committed
    assert [(p.column, p.line) for p in preview.problems] == [("监管接收日期", 2)]
    assert nothing_written()
    good = xlsx([line("YJ2026-0202", 监管接收日期="2026-03-05")])
    preview, record = imports.regulator_transfers_import(
        actor=importer, filename="t.xlsx", content=good
    )
    assert record.committed
    assert RegulatorTransfer.objects.get().regulator_received_on == date(2026, 3, 5)


def test_the_api_takes_it_and_refuses_a_late_one(website: Any) -> None:
    body = payload(
        regulator_reference="YJ2026-0300", regulator_received_on="2026-03-18"
    )
    response = website.post(f"{API}/complaints/", body, format="json")
    assert response.status_code == 400
    assert ("regulator_received_on", "invalid") in codes(response)
    assert nothing_written()
    body["regulator_received_on"] = "2026-03-16"
    response = website.post(f"{API}/complaints/", body, format="json")
    assert response.status_code == 201, response.content
    assert RegulatorTransfer.objects.get().regulator_received_on == date(2026, 3, 16)
