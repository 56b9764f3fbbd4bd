"""Registration (Measures arts. 12-14): numbering, the art. 13 information, flags,
regulator transfers, scope and the audit row."""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from complaints import exceptions as E
from complaints.exceptions import ComplaintError
from complaints.models import Complaint, NumberCounter
from complaints.services import complaint_register
from organisations.permissions import NotFound
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db


def test_numbers_run_per_year_of_local_receipt(
    register: Any, tianhe_handler: Any
) -> None:
    first = register(tianhe_handler)
    second = register(tianhe_handler)
    # 2025-12-31 17:30 UTC is already 2026-01-01 in Shanghai: a 2026 number.
    new_year = register(
        tianhe_handler, received_at=datetime.fromisoformat("2025-12-31T17:30:00+00:00")
    )
    old_year = register(
        tianhe_handler, received_at=datetime(2025, 12, 31, 9, 0, tzinfo=SHANGHAI)
    )

    assert [first.number, second.number, new_year.number, old_year.number] == [
        "TS2026-000001",
        "TS2026-000002",
        "TS2026-000003",
        "TS2025-000001",
    ]
    assert (new_year.received_on, old_year.received_on) == (
        date(2026, 1, 1),
        date(2025, 12, 31),
    )
    assert dict(NumberCounter.objects.values_list("year", "last")) == {2025: 1, 2026: 3}


def test_registration_stores_deadlines_and_one_history_row(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler)

    assert (c.status, c.item_type, c.registered_by) == (
        "registered",
        "complaint",
        tianhe_handler,
    )
    assert (c.received_on, c.clock_start) == (date(2026, 3, 6), date(2026, 3, 6))
    # DOMAIN.md §4: received 2026-03-06 -> day 15 is Saturday 03-21 -> Monday 03-23;
    # the internal target counts the day of receipt and does not roll forward.
    assert (c.legal_due, c.internal_due, c.due_on) == (
        date(2026, 3, 23),
        date(2026, 3, 20),
        date(2026, 3, 20),
    )
    assert c.due_provisional is False
    assert c.subject_institution == c.institution
    (row,) = c.history.all()
    assert (row.history_type, row.history_user) == ("+", tianhe_handler)
    assert row.history_change_reason == gettext("Registered")


def test_an_enquiry_runs_no_clock(register: Any, tianhe_handler: Any) -> None:
    c = register(tianhe_handler, item_type=Complaint.ItemType.ENQUIRY)
    assert (c.legal_due, c.internal_due, c.due_on) == (None, None, None)


REGULATOR = {
    "regulator_reference": "GDJG-2026-03-0117",
    "regulator_office": "广东监管局",
}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"representation": "agent", "agent_name": ""},
            {"agent_name": E.AGENT_NAME_REQUIRED},
        ),
        (
            {"representation": "heir"},
            {"agent_name": E.AGENT_NAME_REQUIRED},
        ),
        (
            {"channel": "regulator"},
            {"regulator_reference": E.REGULATOR_REFERENCE_REQUIRED},
        ),
        (
            {"representatives": "\n".join("甲乙丙丁戊己"), "complainant_count": 30},
            {"representatives": (E.TOO_MANY_REPRESENTATIVES, {"max": 5})},
        ),
        (
            {"complainant_type": "organisation", "legal_representative": "王建华"},
            {"credit_code": E.ORGANISATION_FIELDS},
        ),
        (
            {"complainant_type": "organisation", "credit_code": "91440101MA59XXXX1K"},
            {"credit_code": E.ORGANISATION_FIELDS},
        ),
    ],
    ids=[
        "agent",
        "heir",
        "regulator",
        "six_representatives",
        "org_code",
        "org_principal",
    ],
)
def test_missing_or_inconsistent_information_is_refused(
    register: Any, tianhe_handler: Any, fields: dict[str, Any], errors: dict[str, Any]
) -> None:
    if "channel" in fields:
        fields = {**fields, "channel": code("channel", fields["channel"])}
    with pytest.raises(ComplaintError) as exc:
        register(tianhe_handler, **fields)
    # Messages are rendered here, in the test's language, not at collection time.
    expected = {
        field: [str(m[0]) % m[1] if isinstance(m, tuple) else str(m)]
        for field, m in errors.items()
    }
    assert exc.value.message_dict == expected
    assert not Complaint.objects.exists()
    assert not NumberCounter.objects.exists()  # no number is spent on a refusal


def test_complete_joint_organisation_and_agent_complaints_register(
    register: Any, tianhe_handler: Any
) -> None:
    joint = register(
        tianhe_handler,
        channel=code("channel", "visit"),
        complainant_count=12,
        representatives="王芳\n李强\n赵磊\n陈静\n刘洋\n",
    )
    org = register(
        tianhe_handler,
        complainant_type="organisation",
        complainant_name="广州市穗丰物流有限公司",
        credit_code="91440101MA59ABCD1D",
        legal_representative="王建华",
        representation="agent",
        agent_name="周律师",
        authority_verified=True,
    )
    assert joint.is_group
    assert not joint.is_major
    assert org.number == "TS2026-000002"


@pytest.mark.parametrize(
    ("channel", "count", "flags"),
    [
        ("visit", 4, {"is_group": False, "is_major": False}),
        ("visit", 5, {"is_group": True, "is_major": False}),
        ("visit", 20, {"is_group": True, "is_major": True}),
        ("hotline", 20, {"is_group": True, "is_major": False}),  # not in person
    ],
)
def test_group_and_major_flags(
    register: Any, tianhe_handler: Any, channel: str, count: int, flags: dict[str, bool]
) -> None:
    c = register(
        tianhe_handler, channel=code("channel", channel), complainant_count=count
    )
    assert {"is_group": c.is_group, "is_major": c.is_major} == flags


def test_major_flag_given_for_a_disaster_is_kept(
    register: Any, tianhe_handler: Any
) -> None:
    # A complaint arising from a major disaster is major whatever the head count.
    assert register(tianhe_handler, is_major=True).is_major


def test_regulator_date_earlier_than_the_limits_binds(
    register: Any, tianhe_handler: Any
) -> None:
    regulator = code("channel", "regulator")
    early = register(
        tianhe_handler, channel=regulator, regulator_due=date(2026, 3, 13), **REGULATOR
    )
    assert (early.legal_due, early.due_on) == (date(2026, 3, 23), date(2026, 3, 13))
    assert (early.regulator_reference, early.regulator_office) == (
        "GDJG-2026-03-0117",
        "广东监管局",
    )
    late = register(
        tianhe_handler,
        channel=regulator,
        regulator_due=date(2026, 4, 1),
        regulator_reference="GDJG-2026-03-0118",
    )
    assert late.due_on == date(2026, 3, 20)  # the internal target is earlier
    with pytest.raises(ValidationError):  # one case per regulator reference
        register(tianhe_handler, channel=regulator, **REGULATOR)


@pytest.mark.parametrize(
    ("who", "institution", "error"),
    [
        ("xihu_handler", "GDGZTH", NotFound),  # another province: as if missing
        ("outsider", "GDGZTH", NotFound),
        ("zj_viewer", "ZJ", PermissionDenied),  # sees ZJ, may not register there
        ("senior", "GDGZTH", PermissionDenied),  # approves, does not handle
        ("tianhe_handler", "GDGZ", NotFound),  # the upper level is outside its subtree
    ],
)
def test_registration_is_scoped(
    register: Any,
    request: pytest.FixtureRequest,
    who: str,
    institution: str,
    error: type,
) -> None:
    with pytest.raises(error):
        register(request.getfixturevalue(who), institution=institution)
    assert not Complaint.objects.exists()


def test_upper_level_handler_registers_for_a_lower_branch(
    register: Any, gz_handler: Any
) -> None:
    c = register(gz_handler, institution="GDGZTH01")
    assert (c.institution.code, c.registered_by) == ("GDGZTH01", gz_handler)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite serialises writers (BEGIN IMMEDIATE), "
    "so there is no concurrent registration to race",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_numbers(
    tree: dict[str, Any], tianhe_handler: Any
) -> None:
    threads_per_round, rounds = 8, 2  # round 1 races to create the year's counter
    values = {
        "institution": tree["GDGZTH"],
        "channel": code("channel", "hotline"),
        "product_line": code("product_line", "motor"),
        "category": code("category", "claims"),
        "complainant_name": "林小雨",
        "request": "要求足额赔付",
        "facts": "理赔金额低于定损金额",
        "received_at": datetime(2026, 3, 6, 10, 30, tzinfo=SHANGHAI),
    }
    numbers: list[str] = []
    errors: list[BaseException] = []

    def work(barrier: threading.Barrier) -> None:
        try:
            actor = get_user_model().objects.get(pk=tianhe_handler.pk)
            barrier.wait(timeout=30)
            numbers.append(complaint_register(actor=actor, **values).number)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    for _ in range(rounds):
        barrier = threading.Barrier(threads_per_round)
        threads = [
            threading.Thread(target=work, args=(barrier,))
            for _ in range(threads_per_round)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

    total = threads_per_round * rounds
    assert errors == []
    assert sorted(numbers) == [f"TS2026-{i:06d}" for i in range(1, total + 1)]
    assert Complaint.objects.count() == total
    assert NumberCounter.objects.get(year=2026).last == total


def test_a_code_from_the_wrong_list_is_still_refused(
    register: Any, tianhe_handler: Any
) -> None:
    """Saves skip the per-field foreign-key query for objects read from the
    database, but only when the object belongs to the list the field allows."""
    before = Complaint.objects.count()
    with pytest.raises(ValidationError) as exc:
        register(tianhe_handler, channel=code("category", "claims"))
    assert "channel" in exc.value.message_dict
    assert Complaint.objects.count() == before


def test_a_later_change_to_a_wrong_code_is_refused(
    register: Any, tianhe_handler: Any
) -> None:
    from complaints.services._common import save

    c = Complaint.objects.get(pk=register(tianhe_handler).pk)
    c.category = code("channel", "hotline")
    with pytest.raises(ValidationError) as exc:
        save(c, tianhe_handler, "test")
    assert "category" in exc.value.message_dict


# The statements of one registration once the year's counter exists: (savepoint),
# the calendar's version, the number, the complaint, its chain head, its
# history row, its row of the KPI rollup (reporting.rollup, in the same
# transaction), (release). The target is 200 registrations per second
# in one process; each statement added costs a round trip on every one.
REGISTRATION_QUERIES = 8


def test_one_registration_stays_within_its_query_budget(
    register: Any, tianhe_handler: Any, tree: dict[str, Any]
) -> None:
    register(tianhe_handler)  # creates the year's number counter
    values = {
        "institution": tree["GDGZTH"],
        "channel": code("channel", "hotline"),
        "product_line": code("product_line", "motor"),
        "category": code("category", "claims"),
        "complainant_name": "林小雨",
        "request": "要求足额赔付",
        "facts": "理赔金额低于定损金额",
        "received_at": datetime(2026, 3, 6, 10, 30, tzinfo=SHANGHAI),
    }
    with CaptureQueriesContext(connection) as ctx:
        c = complaint_register(actor=tianhe_handler, **values)
    statements = "\n".join(q["sql"][:120] for q in ctx.captured_queries)
    assert len(ctx.captured_queries) <= REGISTRATION_QUERIES, statements
    # Still every effect: the row, its deadline, its sealed history row.
    c = Complaint.objects.get(pk=c.pk)
    assert (c.number, c.legal_due) == ("TS2026-000002", date(2026, 3, 23))
    assert c.history.get().row_hash


def test_a_duplicate_regulator_reference_is_a_validation_error(
    register: Any, tianhe_handler: Any
) -> None:
    """The unique constraint is checked before the insert (a form shows the
    message), not left to the database's IntegrityError."""
    register(tianhe_handler, regulator_reference="GDJG-2026-03-0200")
    with pytest.raises(ValidationError) as exc:
        register(tianhe_handler, regulator_reference="GDJG-2026-03-0200")
    assert "regulator_reference" in str(exc.value)
    same = Complaint.objects.filter(regulator_reference="GDJG-2026-03-0200")
    assert same.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="psycopg is PostgreSQL's driver"
)
def test_psycopg_reuses_its_parse_of_the_registration_statements(
    register: Any, tianhe_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """complaints.apps.cache_wide_statements: no statement of a registration
    is split again at its placeholders (the wide INSERTs were, every time)."""
    from psycopg import _queries

    register(tianhe_handler)
    parsed: list[bytes] = []
    uncached = _queries._query2pg_client_nocache

    def counting(query: bytes, encoding: str) -> Any:
        parsed.append(query)
        return uncached(query, encoding)

    monkeypatch.setattr(_queries, "_query2pg_client_nocache", counting)
    register(tianhe_handler)
    assert parsed == []
