"""The case page reads a fixed number of statements, however full its file
(issue 19 point 3: at most 12 with a timeline of 30 events, 10 letters and 10
attachments, and the same count for a case just registered)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services as svc
from complaints.models import Complaint, Letter
from tests.complaints.case_file import at, full_case

pytestmark = pytest.mark.django_db
CASE_PAGE_BUDGET = 12


def _more_letters(c: Complaint, count: int) -> None:
    """Copies of the case's last letter, as if resent: the page lists each."""
    last = Letter.objects.filter(complaint=c).order_by("-sequence").first()
    assert last is not None
    for _ in range(count):
        last.pk = None
        last.sequence += 1
        last.save()


def full_file(register: Any, persona: Any, time_machine: Any) -> Complaint:
    c = full_case(register, persona, time_machine.move_to)
    handler = persona("tianhe_handler")
    time_machine.move_to(at(18, 17))
    for n in range(9):
        svc.attachment_add(
            complaint=c,
            actor=handler,
            upload=SimpleUploadedFile(
                f"证据{n}.pdf", b"%PDF-1.4 test", content_type="application/pdf"
            ),
            kind="evidence",
        )
    have = Letter.objects.filter(complaint=c).count()
    _more_letters(c, max(0, 10 - have))
    return Complaint.objects.get(pk=c.pk)


def page_queries(client: Any, c: Complaint) -> list[str]:
    url = reverse("admin:complaints_complaint_change", args=[c.pk])
    client.get(url)  # a session's first page also runs its once-a-minute checks
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_case_page_keeps_its_budget_however_full_the_file(
    client: Any, register: Any, persona: Any, time_machine: Any
) -> None:
    handler = persona("tianhe_handler")
    full = full_file(register, persona, time_machine)
    small = register(handler)
    assert Letter.objects.filter(complaint=full).count() >= 10
    assert full.attachments.count() >= 10  # type: ignore[attr-defined]
    client.force_login(handler)
    page = client.get(reverse("admin:complaints_complaint_change", args=[full.pk]))
    assert page.content.decode().count('class="cd-event ') >= 30
    full_sql = page_queries(client, full)
    small_sql = page_queries(client, small)
    import os

    if os.environ.get("CASE_PAGE_SQL"):
        with open(os.environ["CASE_PAGE_SQL"], "w") as out:
            out.write("\n".join(q[:300] for q in full_sql + ["----"] + small_sql))
    assert len(full_sql) <= CASE_PAGE_BUDGET, "\n".join(full_sql)
    assert len(full_sql) == len(small_sql), "\n\n".join(full_sql + ["----"] + small_sql)
