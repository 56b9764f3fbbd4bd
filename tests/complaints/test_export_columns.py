"""The complaint export's columns for how a case ended and what followed:
outcome, closure day, redress as paid, review and callback, added at the end."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from complaints.exchange.exports import COMPLAINT_HEADERS
from complaints.models import Complaint
from complaints.services import (
    complaint_notify_review,
    complaint_record_callback,
    complaint_record_redress,
)
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_export import xlsx_rows

pytestmark = pytest.mark.django_db
S = Complaint.Status
BASE = "/admin/complaints/complaint/"
ADDED = (
    "处理结果",
    "办结日期",
    "补偿金额(元)",
    "补偿支付日期",
    "补偿支付方式",
    "核查结果",
    "核查时间",
    "回访时间",
    "满意度",
)


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def ended(
    at: Any, tianhe_handler: Any, gd_reviewer: Any, time_machine: Any
) -> Complaint:
    """Decided, and reviewed (upheld) on 04-08 by the walk; the review's notice
    sent 04-21, redress paid 04-22, the callback made 04-24."""
    c = at(S.REVIEWED)
    time_machine.move_to(datetime(2026, 4, 28, 10, 0, tzinfo=SHANGHAI))
    c = complaint_notify_review(
        complaint=c,
        actor=gd_reviewer,
        method="letter",
        occurred_at=datetime(2026, 4, 21, 10, 0, tzinfo=SHANGHAI),
        summary="邮寄核查决定书",
    )
    c = complaint_record_redress(
        complaint=c,
        actor=tianhe_handler,
        amount=Decimal("2350.00"),
        paid_on=date(2026, 4, 22),
        method=Complaint.RedressMethod.ORIGINAL_ROUTE,
    )
    return complaint_record_callback(
        complaint=c,
        actor=tianhe_handler,
        satisfaction=4,
        occurred_at=datetime(2026, 4, 24, 15, 30, tzinfo=SHANGHAI),
        note="款项收到了。",
    )


def test_the_new_columns_are_at_the_end() -> None:
    assert COMPLAINT_HEADERS[-len(ADDED) :] == ADDED
    assert COMPLAINT_HEADERS[: -len(ADDED)][-1] == "经办人"  # the old ones first


def test_xlsx_carries_outcome_closure_redress_review_and_callback(
    client: Any,
    ended: Complaint,
    register: Any,
    tianhe_handler: Any,
    ho_compliance: Any,
) -> None:
    open_case = register(tianhe_handler)
    client.force_login(ho_compliance)
    rows = xlsx_rows(client.get(f"{BASE}export/complaints.xlsx"))
    by_number = {r[0]: dict(zip(COMPLAINT_HEADERS, r, strict=True)) for r in rows[1:]}
    row = by_number[ended.number]
    # Dates and times as the spreadsheet holds them: local, without a zone.
    values = [str(row[h]) for h in ADDED]
    values[6] = values[6][:16]  # the walk's clock ran on by a second or two
    assert values == [
        "Partly supported",
        "2026-04-21 00:00:00",
        "2350",
        "2026-04-22 00:00:00",
        "Refund to the original payment",
        "Decision upheld",
        "2026-04-08 09:00",
        "2026-04-24 15:30:00",
        "Satisfied",
    ]
    # Nothing yet on an open case: empty cells, not zeros.
    assert all(by_number[open_case.number][h] in (None, "") for h in ADDED)


def test_csv_carries_them_in_chinese(
    client: Any, ended: Complaint, ho_compliance: Any
) -> None:
    client.force_login(ho_compliance)
    response = client.get(
        f"{BASE}export/complaints.csv", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, line = list(csv.reader(io.StringIO(text)))[:2]
    row = dict(zip(header, line, strict=True))
    values = [row[h] for h in ADDED]
    values[6] = values[6][:16]
    assert values == [
        "部分支持",
        "2026-04-21",
        "2350.00",
        "2026-04-22",
        "原路退回",
        "维持原处理决定",
        "2026-04-08 09:00",
        "2026-04-24 15:30:00",
        "满意",
    ]
