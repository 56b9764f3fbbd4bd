"""The complaint export's rows equal those of the plain way of writing them:
each cell of each complaint, read from the model instance and passed through
safe_cell, masked per institution (issue 19 made the export fast; this pins
that nothing changed). Run on SQLite and PostgreSQL, where the local times
come from the database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import QuerySet
from django.utils import timezone
from guardian.shortcuts import assign_perm

from complaints.exchange import exports
from complaints.exchange.exports import COMPLAINT_HEADERS, safe_cell
from complaints.models import Code, Complaint
from complaints.workbench import selectors
from organisations import permissions as P
from organisations.models import Membership
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_export import xlsx_rows
from tests.complaints.test_export_columns import ended  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
BASE = "/admin/complaints/complaint/"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI))


def reference(user: Any, complaints: QuerySet[Complaint]) -> list[list[Any]]:
    """The header and each complaint's cells, the plain way."""
    rows: list[list[Any]] = [list(COMPLAINT_HEADERS)]
    for c in complaints.select_related(
        "institution", "channel", "product_line", "category", "handler"
    ):
        personal = [c.complainant_name, c.id_number, c.phone, c.email, c.address]
        if not P.has(user, P.PERSONAL_DATA, c.institution):
            personal = [
                selectors.mask_name(c.complainant_name),
                selectors.mask_id_number(c.id_number),
                selectors.mask_phone(c.phone),
                selectors.mask_text(c.email),
                selectors.mask_text(c.address),
            ]
        values = [
            c.number,
            c.channel.label,
            c.received_at,
            c.institution.code,
            c.institution.name,
            c.get_status_display(),
            *personal,
            c.product_line.label,
            c.category.label,
            c.policy_number,
            c.request,
            c.facts,
            c.regulator_reference,
            c.regulator_due,
            c.due_on,
            selectors.person_name(c.handler) if c.handler else "",
            c.get_outcome_display() if c.outcome else "",
            timezone.localdate(c.closed_at) if c.closed_at else None,
            c.redress_amount,
            c.redress_paid_on,
            c.get_redress_method_display() if c.redress_method else "",
            c.get_review_result_display() if c.review_result else "",
            c.reviewed_at,
            c.callback_at,
            c.get_satisfaction_display() if c.satisfaction is not None else "",
        ]
        rows.append([safe_cell(v) for v in values])
    return rows


@pytest.fixture
def cases(
    register: Any,
    tianhe_handler: Any,
    xihu_handler: Any,
    ended: Complaint,  # noqa: F811 (the fixture imported above)
) -> list[Complaint]:
    """Complaints with every kind of cell: formula starts, control characters
    at the start and inside a value, empty optional fields, a case that
    ended (outcome, closure, redress, review, callback), a closure just after
    local midnight and times with microseconds, in two provinces."""
    made = [
        ended,
        register(tianhe_handler, complainant_name="=HYPERLINK(1)", email=""),
        register(xihu_handler, "ZJHZXH", address=""),
        register(tianhe_handler, request="@SUM(A1)", facts="-1+2"),
        register(tianhe_handler, policy_number="", complainant_name="欧阳小雨"),
    ]
    # Values the services refuse today but older rows may hold (an import
    # before the checks): written past them, as such rows were.
    Complaint.objects.filter(pk=made[3].pk).update(
        complainant_name="\x01=1+1",
        address="广州\x07市\t天河区",
        facts="\tTab first",
        received_at=datetime(2026, 3, 6, 10, 30, 15, 987654, tzinfo=SHANGHAI),
        closed_at=datetime(2026, 4, 19, 16, 30, 0, 500000, tzinfo=UTC),
    )
    Complaint.objects.filter(pk=made[2].pk).update(phone="+8613900139000")
    Complaint.objects.filter(pk=made[4].pk).update(
        callback_at=datetime(2026, 4, 19, 23, 59, 59, 999999, tzinfo=SHANGHAI),
        redress_amount=Decimal("0.50"),
        redress_paid_on=date(2026, 4, 19),
    )
    Code.objects.filter(kind="category", code="claims").update(label="=理赔")
    return made


@pytest.fixture
def gd_exporter(make_member: Any, tree: Any) -> Any:
    """EXPORT on 广东分公司 without the personal-data permission."""
    user = make_member("gd_exporter", Membership.Role.SENIOR_MANAGER, "GD")
    assign_perm("organisations.export_complaints", user, tree["GD"])
    P.forget(user)
    return user


@pytest.fixture
def mixed(make_member: Any, tree: Any) -> Any:
    """EXPORT everywhere, personal data only at 天河 (masked elsewhere)."""
    user = make_member("mixed", Membership.Role.SENIOR_MANAGER, "HO")
    assign_perm("organisations.export_complaints", user, tree["HO"])
    assign_perm("organisations.view_personal_data", user, tree["GDGZTH"])
    P.forget(user)
    return user


USERS = ["ho_compliance", "gd_exporter", "mixed"]


def scoped(user: Any) -> QuerySet[Complaint]:
    return P.scope(Complaint.objects.all(), user, P.EXPORT).order_by(
        "-received_at", "-pk"
    )


@pytest.mark.parametrize("who", USERS)
def test_rows_equal_the_plain_way(cases: Any, who: str, persona: Any) -> None:
    user = persona(who)
    complaints = scoped(user)
    rows = list(exports.rows(user=user, kind="complaints", queryset=complaints))
    expected = reference(user, complaints)
    assert len(rows) > 2
    assert rows == expected
    # The types too: a time is a naive datetime, a day a date, money Decimal.
    assert [[type(v) for v in r] for r in rows] == [
        [type(v) for v in r] for r in expected
    ]


def test_the_data_set_has_what_it_is_for(cases: Any, persona: Any) -> None:
    """The rows above hold each kind of cell (masked, neutralised, cleaned,
    ended, empty), so their equality covers them."""
    user = persona("mixed")
    rows = {
        r[0]: dict(zip(COMPLAINT_HEADERS, r, strict=True))
        for r in reference(user, scoped(user))[1:]
    }
    formula, _zj, cleaned, late = (rows[c.number] for c in cases[1:])
    assert formula["投诉人姓名"] == "'=HYPERLINK(1)"
    assert formula["业务类别"] == "'=理赔"
    assert _zj["联系电话"] == "'+86****9000"  # 浙江: masked, then neutralised
    assert cleaned["投诉人姓名"] == "'=1+1"  # the control character went first
    assert cleaned["联系地址"] == "广州市\t天河区"
    assert cleaned["主要事实和理由"] == "'\tTab first"
    assert cleaned["接收时间"] == datetime(2026, 3, 6, 10, 30, 15)  # noqa: DTZ001 (naive: the sheet's)
    assert cleaned["办结日期"] == date(2026, 4, 20)  # 00:30 in Shanghai
    assert late["回访时间"] == datetime(2026, 4, 19, 23, 59, 59)  # noqa: DTZ001
    assert late["补偿金额(元)"] == Decimal("0.50")
    assert late["保单号"] == ""
    assert rows[cases[0].number]["满意度"] != ""


@pytest.mark.parametrize("who", USERS)
def test_csv_and_xlsx_through_the_admin_carry_those_rows(
    client: Any, cases: Any, who: str, persona: Any
) -> None:
    user = persona(who)
    expected = reference(user, scoped(user))
    client.force_login(user)
    response = client.get(f"{BASE}export/complaints.csv")
    content = b"".join(response.streaming_content)
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    # In the list's order (the export keeps the changelist's).
    position = {line[0]: n for n, line in enumerate(lines)}
    expected.sort(key=lambda row: position[row[0]])
    assert len(lines) == len(expected)
    assert content == b"".join(exports.csv_stream(iter(expected)))

    sheet = xlsx_rows(client.get(f"{BASE}export/complaints.xlsx"))

    def as_read(value: Any) -> Any:  # what openpyxl reads back
        if value == "":
            return None
        if type(value) is date:
            return datetime.combine(value, datetime.min.time())
        return value

    assert [list(r) for r in sheet] == [[as_read(v) for v in r] for r in expected]


def test_an_xlsx_row_is_written_as_cell_by_cell() -> None:
    """_row_xml's inline cells equal _cell_xml's, for every kind of value."""
    from django.utils.safestring import mark_safe

    line = [
        "plain",
        "a < b & c > d",
        " leading",
        "trailing\u3000",
        "",
        None,
        0,
        2350,
        Decimal("2350.00"),
        Decimal("0.50"),
        1.25,
        True,
        date(2026, 4, 20),
        datetime(2026, 4, 19, 23, 59, 59),  # noqa: DTZ001 (naive: the sheet's)
        mark_safe("<b>safe</b>"),  # noqa: S308 (a str subclass)
        "林\x07小雨",  # a control character the neutralising would have taken
    ]
    letters = [chr(ord("A") + i) for i in range(len(line))]
    by_cell = "".join(
        exports._cell_xml(f"{letter}7", v, 3, 4)
        for letter, v in zip(letters, line, strict=True)
    )
    assert exports._row_xml(7, line, letters, 3, 4) == f'<row r="7">{by_cell}</row>'
    assert exports._row_xml(7, line[:-1], letters, 3, 4).count("<c ") == len(line) - 1
