"""No lookup that spans branches tells a user whether another branch's record
exists: a regulator reference registered elsewhere answers exactly like one
registered in the user's own branch (a translated message naming neither the
complaint nor the branch, never the constraint's name), and the transfer
import says "unchanged" only for references in the importer's scope.
(The rectification's covered complaints: tests/reporting/test_admin.py.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from complaints.exchange import imports
from complaints.models import Complaint
from complaints.models.complaint import REGULATOR_REFERENCE_TAKEN
from organisations.models import Membership
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_import_regulator import line

pytestmark = pytest.mark.django_db
REFERENCE = "GDJG-2026-03-0300"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


def refusal(register: Any, actor: Any, institution: str) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        register(actor, institution, regulator_reference=REFERENCE)
    return exc.value.messages


@pytest.mark.parametrize("elsewhere", ["ZJHZXH", "GDGZTH"])
def test_a_taken_reference_answers_the_same_wherever_it_is(
    register: Any, tianhe_handler: Any, xihu_handler: Any, elsewhere: str
) -> None:
    owner = xihu_handler if elsewhere == "ZJHZXH" else tianhe_handler
    other = register(owner, elsewhere, regulator_reference=REFERENCE)
    messages = refusal(register, tianhe_handler, "GDGZTH")
    assert messages == [str(REGULATOR_REFERENCE_TAKEN)]
    text = " ".join(messages)
    for leak in ("complaints_complaint", "Constraint", other.number, "浙江", "西湖"):
        assert leak not in text
    assert Complaint.objects.filter(regulator_reference=REFERENCE).count() == 1


def test_the_message_is_translated(
    register: Any, tianhe_handler: Any, xihu_handler: Any
) -> None:
    from django.utils import translation

    register(xihu_handler, "ZJHZXH", regulator_reference=REFERENCE)
    with translation.override("zh-hans"):
        messages = refusal(register, tianhe_handler, "GDGZTH")
    assert messages == [
        "该监管转送编号已登记：一次转送只登记一次。请在投诉列表中搜索该编号，或请负责接收监管转送的合规人员核实。"
    ]


@pytest.fixture
def importer(make_member: Any) -> Any:
    return make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")


def preview(importer: Any, *rows: list[str]) -> Any:
    header = list(imports.REGULATOR_COLUMNS)
    return imports.regulator_transfers_preview(actor=importer, rows=[header, *rows])


def test_import_says_unchanged_only_inside_the_importers_scope(
    register: Any, tianhe_handler: Any, xihu_handler: Any, importer: Any
) -> None:
    mine = register(tianhe_handler, "GDGZTH", regulator_reference="GD-0001")
    register(xihu_handler, "ZJHZXH", regulator_reference="ZJ-0001")
    result = preview(
        importer,
        line(mine.regulator_reference),
        line("ZJ-0001"),
        line("GD-0002"),
    )
    statuses = {row.reference: row.status for row in result.rows}
    assert statuses == {"GD-0001": "unchanged", "GD-0002": "new"}
    # Another branch's reference: the registration form's message, not
    # "unchanged" (which said it exists there) nor a silent skip.
    (problem,) = result.problems
    assert (problem.line, problem.column) == (3, "监管转送编号")
    assert problem.message == str(REGULATOR_REFERENCE_TAKEN)
