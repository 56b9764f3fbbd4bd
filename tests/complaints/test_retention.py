"""Anonymisation after the retention period (integrity.retention, anonymise_expired).

Services stamp closed_at with the real "now"; the command is then run at a
time-travelled "now" more (or less) than COMPLAINT_RETENTION_YEARS later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from complaints import services as svc
from complaints.integrity import retention
from complaints.models import Attachment, Complaint, Correspondence, Notification
from reporting import periods
from reporting.selectors import (
    DIMENSIONS,
    kpi_breakdown,
    kpi_cross,
    kpi_monthly,
    kpi_summary,
)
from tests.complaints.conftest import SHANGHAI
from tests.reporting.conftest import Q3
from tests.reporting.conftest import gd_handler as gd_handler  # noqa: F401
from tests.reporting.conftest import quarter as quarter  # noqa: F401

pytestmark = pytest.mark.django_db
S = Complaint.Status
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
A = retention.ANONYMISED
H_COMPLAINT: Any = Complaint.history.model  # type: ignore[attr-defined]
H_CORRESPONDENCE: Any = Correspondence.history.model  # type: ignore[attr-defined]
H_ATTACHMENT: Any = Attachment.history.model  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def years_later(years: float) -> Any:
    """Travel `years` (of 365 days) past the real now, the services' closing time."""
    return time_machine.travel(timezone.now() + timedelta(days=365 * years), tick=False)


def run(*args: str) -> str:
    out = StringIO()
    call_command("anonymise_expired", *args, stdout=out)
    return out.getvalue()


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.fixture
def case(at: Callable[..., Complaint], tianhe_handler: Any) -> Complaint:
    """A closed complaint with an agent, a letter and an attachment."""
    c = at(
        S.CLOSED,
        representation=Complaint.Representation.AGENT,
        agent_name="林大山",
        agent_id_number="440106196501011238",
        agent_phone="13900139000",
        authority_verified=True,
        address="广州市天河区体育西路1号",
        representatives="",
        claim_number="CL2026-0001",
    )
    svc.correspondence_record(
        complaint=c,
        actor=tianhe_handler,
        direction=Correspondence.Direction.INBOUND,
        method=Correspondence.Method.LETTER,
        occurred_at=datetime(2026, 3, 30, 9, tzinfo=SHANGHAI),
        summary="林小雨（身份证440106199001011235）来信表示接受处理结果",
    )
    svc.attachment_add(
        complaint=c,
        actor=tianhe_handler,
        upload=SimpleUploadedFile("林小雨身份证.pdf", PDF, "application/pdf"),
        kind=Attachment.Kind.EVIDENCE,
        description="林小雨的身份证复印件",
    )
    return Complaint.objects.get(pk=c.pk)


@pytest.fixture
def still_open(at: Callable[..., Complaint]) -> Complaint:
    """Accepted (its acceptance notice waiting in the outbox), not closed."""
    return at(S.ACCEPTED, complainant_name="陈未结")


# --- What is anonymised ---------------------------------------------------------------
def test_dry_run_counts_and_changes_nothing(case: Complaint) -> None:
    with years_later(5.1):
        out = run()
    assert "Dry run, nothing changed: 1 complaints" in out
    assert "1 attachment files" in out
    case.refresh_from_db()
    assert case.complainant_name == "林小雨"
    assert case.anonymised_at is None
    assert Path(Attachment.objects.get(complaint=case).file.path).exists()


def test_apply_replaces_personal_data_everywhere(
    case: Complaint, still_open: Complaint
) -> None:
    before = case.history.count()  # type: ignore[attr-defined]
    with years_later(5.1):
        assert "Anonymised 1 complaints" in run("--apply")
    c = Complaint.objects.get(pk=case.pk)
    assert (c.complainant_name, c.agent_name, c.address) == (A, A, A)
    assert (c.id_number, c.phone, c.agent_id_number, c.agent_phone) == (A, A, A, A)
    assert (c.email, c.representatives) == ("", "")  # an address / nothing there
    assert (c.policy_number, c.claim_number, c.request, c.facts) == (A, A, A, A)
    assert c.decision_text == A
    for row in H_COMPLAINT.objects.filter(id=c.pk):
        assert (row.complainant_name, row.phone, row.email, row.facts) == (A, A, "", A)
    for entry in Correspondence.objects.filter(complaint=c):
        assert entry.summary == A
    assert set(
        H_CORRESPONDENCE.objects.filter(complaint_id=c.pk).values_list(
            "summary", flat=True
        )
    ) == {A}
    assert not Notification.objects.filter(complaint=c).exclude(body=A).exists()
    assert not Notification.objects.filter(complaint=c).exclude(address="").exists()
    waiting = Notification.objects.filter(sent_at=None, failed_at=None)
    assert not waiting.filter(complaint=c).exists()  # never sent with a marker
    assert waiting.filter(complaint=still_open).exists()
    # One audit event: a history row with the reason, nothing else added.
    assert case.history.count() == before + 1  # type: ignore[attr-defined]
    event = case.history.latest()  # type: ignore[attr-defined]
    assert event.history_change_reason.startswith("Personal data anonymised")
    assert event.anonymised_at is not None
    # The other complaint is still open: untouched.
    still_open.refresh_from_db()
    assert still_open.complainant_name == "陈未结"
    assert still_open.anonymised_at is None


def test_statistics_fields_untouched(case: Complaint) -> None:
    keep = [
        "number",
        "status",
        "item_type",
        "received_at",
        "received_on",
        "accepted_at",
        "decided_at",
        "notified_at",
        "closed_at",
        "legal_due",
        "due_on",
        "institution_id",
        "channel_id",
        "category_id",
        "cause_id",
        "product_line_id",
        "handler_id",
        "outcome",
        "redress_amount",
        "amount_in_dispute",
        "is_group",
        "is_repeat",
        "id_type",
    ]
    before = Complaint.objects.filter(pk=case.pk).values(*keep).get()
    with years_later(5.1):
        run("--apply")
    assert Complaint.objects.filter(pk=case.pk).values(*keep).get() == before


def test_attachment_file_deleted_metadata_kept(
    case: Complaint, client: Any, tianhe_handler: Any
) -> None:
    attachment = Attachment.objects.get(complaint=case)
    path, size, digest = Path(attachment.file.path), attachment.size, attachment.sha256
    client.force_login(tianhe_handler)
    url = reverse("complaints:attachment_download", args=[attachment.pk])
    assert client.get(url).status_code == 200
    with years_later(5.1):
        assert "1 attachment files deleted" in run("--apply")
    assert not path.exists()
    attachment.refresh_from_db()
    assert (attachment.file.name, attachment.original_name) == ("", A)
    assert attachment.description == A
    assert (attachment.size, attachment.sha256) == (size, digest)
    assert (attachment.kind, attachment.content_type) == ("evidence", "application/pdf")
    assert attachment.uploaded_by == tianhe_handler
    history = H_ATTACHMENT.objects.get(complaint_id=case.pk)
    assert (history.file, history.original_name, history.size) == ("", A, size)
    assert client.get(url).status_code == 404


def test_within_the_retention_period_nothing_happens(case: Complaint) -> None:
    with years_later(4.9):
        assert "Anonymised 0 complaints" in run("--apply")
    case.refresh_from_db()
    assert case.anonymised_at is None
    assert case.complainant_name == "林小雨"


def test_retention_years_is_a_setting(case: Complaint, settings: Any) -> None:
    settings.COMPLAINT_RETENTION_YEARS = 10
    with years_later(6):
        assert "Dry run, nothing changed: 0 complaints" in run()
        assert "10-year retention" in run()
    settings.COMPLAINT_RETENTION_YEARS = 0
    with pytest.raises(CommandError, match="must be at least 1"):
        run("--apply")
    assert Complaint.objects.get(pk=case.pk).anonymised_at is None


def test_idempotent(case: Complaint, tianhe_handler: Any) -> None:
    with years_later(5.1):
        run("--apply", "--actor", "tianhe_handler")
        rows = case.history.count()  # type: ignore[attr-defined]
        assert "Anonymised 0 complaints" in run("--apply")
        assert "Dry run, nothing changed: 0 complaints" in run()
    assert case.history.count() == rows  # type: ignore[attr-defined]
    assert case.history.latest().history_user == tianhe_handler  # type: ignore[attr-defined]


def test_unknown_actor_refused(case: Complaint) -> None:
    with pytest.raises(CommandError, match="No user named nobody"):
        run("--apply", "--actor", "nobody")


def test_batches_commit_one_by_one(
    at: Callable[..., Complaint], monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [at(S.WITHDRAWN), at(S.DECLINED), at(S.ARCHIVED)]
    calls = {"n": 0}
    real = retention._delete_files

    def fail_second_batch(ids: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("storage unavailable")
        return real(ids)

    monkeypatch.setattr(retention, "_delete_files", fail_second_batch)
    with years_later(5.1), pytest.raises(OSError, match="storage unavailable"):
        run("--apply", "--batch-size", "1")
    done = Complaint.objects.filter(pk__in=[c.pk for c in cases])
    assert done.filter(anonymised_at__isnull=False).count() == 1
    # The failed batch left nothing half-written; the next run finishes the job.
    assert (
        done.filter(anonymised_at__isnull=True, complainant_name="林小雨").count() == 2
    )
    monkeypatch.setattr(retention, "_delete_files", real)
    with years_later(5.1):
        assert "Anonymised 2 complaints" in run("--apply", "--batch-size", "1")
    assert verify().startswith("Audit trail intact")


# --- The audit trail still verifies -----------------------------------------------
def test_anonymisation_is_not_reported_as_tampering(case: Complaint) -> None:
    with years_later(5.1):
        run("--apply")
    assert verify().startswith("Audit trail intact")
    assert (
        not H_COMPLAINT.objects.filter(id=case.pk)
        .exclude(anonymised_at__isnull=False)
        .exclude(personal_salt="")
        .exists()
    )


def test_tampering_after_anonymisation_still_found(case: Complaint) -> None:
    with years_later(5.1):
        run("--apply")
    old = H_COMPLAINT.objects.filter(id=case.pk).earliest("chain_seq")
    event = H_COMPLAINT.objects.filter(id=case.pk).latest("chain_seq")
    table = connection.ops.quote_name(H_COMPLAINT._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = 'accepted' WHERE history_id = %s",
            [old.history_id],
        )
        cursor.execute(
            f"UPDATE {table} SET phone = '13800138000' WHERE history_id = %s",
            [event.history_id],
        )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    text = out.getvalue()
    where = "complaints.historicalcomplaint history_id"
    assert f"{case.number} [content] {where} {old.history_id}," in text
    assert f"{case.number} [personal] {where} {event.history_id}," in text


# --- Statistics stay correct --------------------------------------------------------
def kpis(user: Any, institution: Any) -> dict[str, Any]:
    today = date(2026, 9, 30)
    months = periods.months_ending(today, 3)
    return {
        "summary": kpi_summary(
            user=user, institution=institution, period=Q3, today=today
        ),
        "breakdown": {
            by: kpi_breakdown(
                user=user, institution=institution, period=Q3, by=by, today=today
            )
            for by in DIMENSIONS
        },
        "monthly": kpi_monthly(
            user=user, institution=institution, months=months, today=today
        ),
        "cross": kpi_cross(
            user=user,
            institution=institution,
            period=Q3,
            rows="category",
            cols="product_line",
        ),
        "year": kpi_summary(
            user=user, institution=institution, period=periods.year(2026), today=today
        ),
    }


def test_kpis_identical_before_and_after(
    quarter: dict[str, Complaint],  # noqa: F811
    gd_manager: Any,
) -> None:
    gd = quarter["A"].institution.parent.parent
    before = kpis(gd_manager, gd)
    with time_machine.travel(datetime(2032, 6, 1, 9, tzinfo=SHANGHAI), tick=False):
        out = run("--apply")
    anonymised = set(
        Complaint.objects.filter(anonymised_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    # A, E (closed), F (withdrawn), G (routed), J (declined); B..D, H, I, K remain.
    assert anonymised == {quarter[k].pk for k in "AEFGJ"}
    assert "Anonymised 5 complaints" in out
    assert kpis(gd_manager, gd) == before


def test_letters_and_tasks_are_anonymised_too(
    case: Complaint, tianhe_handler: Any, gz_handler: Any
) -> None:
    """The letters as sent (and their PDFs) and the questions and answers of
    the investigation tasks carry personal data."""
    c = Complaint.objects.get(pk=case.pk)
    letter = c.letters.get(kind="acceptance")
    svc.letter_attach_pdf(letter=letter)
    letter.refresh_from_db()
    pdf_path = Path(letter.pdf.path)
    assert pdf_path.exists()
    task = svc.task_send(
        complaint=c,
        actor=tianhe_handler,
        assignee=gz_handler,
        question="林小雨的保单是否有效？",
        due_on=timezone.localdate(),
    )
    svc.task_answer(task=task, actor=gz_handler, answer="林小雨的保单有效")
    with years_later(5.1):
        run("--apply")
    letter.refresh_from_db()
    assert (letter.recipient, letter.content, letter.pdf.name) == (A, A, "")
    assert not pdf_path.exists()
    task.refresh_from_db()
    assert (task.question, task.answer) == (A, A)
    for row in letter.history.all():
        assert "林小雨" not in row.content
    assert "Audit trail intact" in verify()
