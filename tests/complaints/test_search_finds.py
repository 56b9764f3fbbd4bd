"""Search finds what staff are asked about: the regulator's reference (whole
or the part after 〔year〕), claim, policy and plate numbers and the agent's
phone, besides numbers, phones, ID numbers and names; each from an index, the
list within its query budget."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.admin.changelist import search_condition
from complaints.exceptions import ComplaintError
from complaints.models import Complaint
from tests.complaints.conftest import code

LIST = reverse("admin:complaints_complaint_changelist")
REFERENCE = "粤金监转〔2026〕123号"
LIST_QUERY_BUDGET = 10


@pytest.fixture
def wanted(register: Any, tianhe_handler: Any) -> Complaint:
    register(  # a neighbour that must not match
        tianhe_handler,
        regulator_reference="粤金监转〔2025〕456号",
        channel=code("channel", "regulator"),
        claim_number="RC202603999",
        plate_number="粤B54321",
        agent_name="周律师",
        representation=Complaint.Representation.AGENT,
        agent_phone="13711112222",
    )
    return register(
        tianhe_handler,
        channel=code("channel", "regulator"),
        regulator_reference=REFERENCE,
        regulator_office="广东监管局",
        claim_number="RC202603001234",
        policy_number="PDAA202644019999",
        plate_number="粤a·123 45",  # stored as 粤A12345
        representation=Complaint.Representation.AGENT,
        agent_name="王律师",
        agent_phone="139-0000-2222",
    )


def _found(client: Any, term: str) -> set[str]:
    response = client.get(LIST, {"q": term})
    assert response.status_code == 200
    return {c.number for c in response.context["cl"].result_list}


@pytest.mark.parametrize(
    "term",
    [
        REFERENCE,  # the whole reference, as the regulator reads it out
        "〔2026〕123号",  # from the bracket on
        "123号",  # the part after 〔year〕
        "RC202603001234",  # claim number
        "RC20260300",  # its beginning
        "PDAA202644019999",  # policy number
        "粤A12345",  # plate number
        "粤a 12345",  # typed another way
        "粤A123",  # its beginning
        "13900002222",  # the agent's phone
    ],
)
def test_search_finds_what_staff_are_asked_about(
    client: Any, wanted: Complaint, tianhe_handler: Any, term: str
) -> None:
    client.force_login(tianhe_handler)
    assert _found(client, term) == {wanted.number}


def test_the_plate_is_stored_in_one_form_and_a_bad_one_refused(
    register: Any, tianhe_handler: Any, wanted: Complaint
) -> None:
    assert wanted.plate_number == "粤A12345"
    with pytest.raises(ComplaintError) as refused:
        register(tianhe_handler, plate_number="ABC123")
    assert "plate_number" in refused.value.message_dict
    assert "粤A12345" in refused.value.message_dict["plate_number"][0]
    assert not Complaint.objects.filter(plate_number="ABC123").exists()


def test_without_personal_data_references_are_found_phones_only_in_full(
    client: Any, register: Any, xihu_handler: Any, zj_viewer: Any
) -> None:
    c = register(
        xihu_handler,
        institution="ZJHZXH",
        channel=code("channel", "regulator"),
        regulator_reference="浙金监转〔2026〕77号",
        claim_number="RC2026ZJ0001",
        plate_number="浙A88888",
        representation=Complaint.Representation.AGENT,
        agent_name="李律师",
        agent_phone="13600001111",
    )
    client.force_login(zj_viewer)
    for term in ("77号", "RC2026ZJ0001", "浙A88888", "13600001111"):
        assert _found(client, term) == {c.number}, term
    assert _found(client, "1360000") == set()  # a masked phone, bit by bit: no


def test_search_stays_within_the_list_query_budget(
    client: Any, wanted: Complaint, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    client.get(LIST)  # the session's first request reads more (its device)
    for term in (REFERENCE, "123号", "RC20260300", "粤A12345", "13900002222"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"q": term}).status_code == 200
        # The list's budget is of reads; the one write is the personal-data
        # access log (as tests/complaints/test_changelist_scale.py counts).
        reads = [q for q in queries if "personaldataaccess" not in q["sql"]]
        assert len(reads) <= LIST_QUERY_BUDGET, term


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes are PostgreSQL's plans"
)
@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("123号", "complaint_regulator_ref_trgm"),
        ("RC20260300", "complaint_claim"),
        ("粤A12345", "complaint_plate"),
        ("13900002222", "complaint_agent_phone"),
    ],
)
def test_each_search_is_answered_by_an_index(
    wanted: Complaint, term: str, index: str
) -> None:
    qs = Complaint.objects.filter(search_condition(term)).order_by()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table: ask for the plan
        plan = qs.explain()
        cursor.execute("RESET enable_seqscan")
    assert index in plan
