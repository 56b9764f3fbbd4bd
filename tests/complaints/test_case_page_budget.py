"""The case page's statements do not grow with its file (issue 19 point 3):
a case with a timeline of 30+ events, 10 letters and 10 attachments reads as
many as the same case with more of each. The target of 12 is not reached yet
(see CASE_PAGE_BUDGET): the timeline and each part of the file still read
their table once each."""

from __future__ import annotations

import os
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
# Issue 19 asks for 12; what the page reads today (was 72 with this file,
# before the case file was read once for the whole page; 22 then, 24 once the
# coding-suggestion panel of issue 18 joined the page).
CASE_PAGE_BUDGET = 24


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
