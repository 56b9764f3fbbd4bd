"""The case page's statements do not grow with its file (issue 19 point 3):
a case with a timeline of 30+ events, 10 letters and 10 attachments reads at
most 12, and as many as the same case with more of each. The file is read in
one statement (complaints.workbench.case_rows); these tests also hold that
statement to what the tables give, table by table."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services as svc
from complaints.models import Code, Complaint, InvestigationTask, Letter, Routing
from complaints.services import notices
from complaints.workbench import case_rows
from tests.complaints.case_file import at, full_case

pytestmark = pytest.mark.django_db
# Issue 19's budget. The page read 72 with this file, 24 once each table was
# read once; 7 now: session, user, permission grants, the case (with its
# first links, following and unread notices), the coding model, the file
# (with the case's other links), and the personal-data access log.
CASE_PAGE_BUDGET = 12


def _attach(c: Complaint, actor: Any, count: int) -> None:
    for n in range(count):
        svc.attachment_add(
            complaint=c,
            actor=actor,
            upload=SimpleUploadedFile(
                f"证据{n}.pdf", b"%PDF-1.4 test", content_type="application/pdf"
            ),
            kind="evidence",
        )


def _more_letters(c: Complaint, count: int) -> None:
    """Copies of the case's last letter, as if resent: the page lists each."""
    last = Letter.objects.filter(complaint=c).order_by("-sequence").first()
    assert last is not None
    for _ in range(count):
        last.pk = None
        last.sequence += 1
        last.save()


def page_queries(client: Any, c: Complaint) -> list[str]:
    url = reverse("admin:complaints_complaint_change", args=[c.pk])
    client.get(url)  # a session's first page also runs its once-a-minute checks
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_case_page_reads_the_same_however_full_the_file(
    client: Any, register: Any, persona: Any, time_machine: Any
) -> None:
    handler = persona("tianhe_handler")
    c = full_case(register, persona, time_machine.move_to)
    time_machine.move_to(at(18, 17))
    _attach(c, handler, 9)
    _more_letters(c, max(0, 10 - Letter.objects.filter(complaint=c).count()))
    client.force_login(handler)
    url = reverse("admin:complaints_complaint_change", args=[c.pk])
    page = client.get(url).content.decode()
    assert page.count('class="cd-event ') >= 30
    assert Letter.objects.filter(complaint=c).count() >= 10
    full = page_queries(client, c)

    _attach(c, handler, 5)
    _more_letters(c, 5)
    for n in range(5):
        svc.correspondence_record(
            complaint=c,
            actor=handler,
            direction="in",
            method="phone",
            occurred_at=at(18, 9, n),
            summary=f"投诉人来电{n}",
        )
    fuller = page_queries(client, c)
    if os.environ.get("CASE_PAGE_SQL"):
        with open(os.environ["CASE_PAGE_SQL"], "w") as out:
            out.write("\n".join(q[:200] for q in full))
    assert len(fuller) == len(full), "\n".join(fuller)
    assert len(full) <= CASE_PAGE_BUDGET, "\n".join(full)
    # Nothing unread: the notices are not marked read again on every view.
    assert not [q for q in full if q.startswith("UPDATE")], full


def _shown(row: Any) -> dict[str, Any]:
    """A row's stored values and those of the rows it links to, as the page
    uses them."""
    values = {f.attname: getattr(row, f.attname) for f in case_rows._fields(type(row))}
    for field in type(row)._meta.concrete_fields:
        # (not the row's complaint: the page's own, set on each row)
        if field.is_relation and field.name != "complaint" and field.is_cached(row):
            linked = field.get_cached_value(row)
            values[field.name] = None if linked is None else _shown(linked)
    return values


def test_the_file_read_at_once_is_the_file_read_table_by_table(
    register: Any, persona: Any, time_machine: Any
) -> None:
    c = full_case(register, persona, time_machine.move_to)
    handler = persona("tianhe_handler")
    other = register(handler)
    # A wide linked row (a whole complaint) and a money amount in it.
    Complaint.objects.filter(pk=other.pk).update(amount_in_dispute=Decimal("1234.50"))
    Routing.objects.create(
        complaint=c,
        kind=Routing.Kind.MERGED,
        reason=Code.objects.first(),
        note="同一事项",
        merged_into=other,
        proposed_by=handler,
        proposed_at=at(18, 9),
    )
    page = Complaint.objects.get(pk=c.pk)
    case_rows.remember(page)
    with CaptureQueriesContext(connection) as captured:
        at_once = {m: case_rows.rows(page, m) for m in case_rows.RELATED}
        again = {m: case_rows.rows(page, m) for m in case_rows.RELATED}
    assert len(captured.captured_queries) == 1
    assert again == at_once
    for model, read in at_once.items():
        alone = case_rows.rows(Complaint.objects.get(pk=c.pk), model)
        assert [r.pk for r in read] == [r.pk for r in alone], model
        assert [_shown(r) for r in read] == [_shown(r) for r in alone], model
    assert at_once[case_rows.History], "the case has a history"
    assert at_once[InvestigationTask][0].assignee.username
    merged = at_once[Routing][0].merged_into
    assert merged.number == other.number
    assert str(merged.amount_in_dispute) == "1234.50"


def test_the_page_shows_following_read_with_the_case(
    client: Any, register: Any, persona: Any
) -> None:
    handler = persona("tianhe_handler")
    c = register(handler)
    client.force_login(handler)
    url = reverse("admin:complaints_complaint_change", args=[c.pk])
    assert 'name="on" value="1"' in client.get(url).content.decode()
    notices.complaint_watch(complaint=c, user=handler)
    assert 'name="on" value="0"' in client.get(url).content.decode()
