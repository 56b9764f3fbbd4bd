"""Complaint.notice_evidence says whether the case file holds the notice as
delivered or a call recording, after every write of an attachment or of the
complaint: what "notified with evidence" counts (reporting.selectors.kpis)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from complaints.models import Attachment, Complaint
from complaints.services import attachment_add, complaint_accept

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _add(complaint: Complaint, actor: Any, kind: str) -> Attachment:
    return attachment_add(
        complaint=complaint,
        actor=actor,
        upload=SimpleUploadedFile("回执.pdf", PDF, content_type="application/pdf"),
        kind=kind,
    )


def _flag(complaint: Complaint) -> bool:
    return Complaint.objects.values_list("notice_evidence", flat=True).get(
        pk=complaint.pk
    )


@pytest.fixture
def case(register: Any, tianhe_handler: Any) -> Complaint:
    return complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)


def test_a_notice_or_recording_sets_it_other_kinds_do_not(
    case: Complaint, register: Any, tianhe_handler: Any
) -> None:
    assert _flag(case) is False
    _add(case, tianhe_handler, Attachment.Kind.EVIDENCE)
    assert _flag(case) is False
    _add(case, tianhe_handler, Attachment.Kind.NOTICE)
    assert _flag(case) is True
    other = complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    _add(other, tianhe_handler, Attachment.Kind.RECORDING)
    assert _flag(other) is True


def test_removing_or_reclassing_the_last_proof_clears_it(
    case: Complaint, tianhe_handler: Any
) -> None:
    first = _add(case, tianhe_handler, Attachment.Kind.NOTICE)
    second = _add(case, tianhe_handler, Attachment.Kind.RECORDING)
    first.delete()
    assert _flag(case) is True  # the recording is still proof
    second.kind = Attachment.Kind.OTHER
    second.save()
    assert _flag(case) is False


def test_a_complaint_read_before_the_notice_and_saved_after_keeps_it(
    case: Complaint, tianhe_handler: Any
) -> None:
    stale = Complaint.objects.get(pk=case.pk)
    assert stale.notice_evidence is False
    _add(case, tianhe_handler, Attachment.Kind.NOTICE)
    stale.decision_text = "支持投诉请求。"
    stale.save()
    assert _flag(case) is True
    # And the other way: proof removed after the complaint was read.
    stale = Complaint.objects.get(pk=case.pk)
    Attachment.objects.filter(complaint=case).delete()
    stale.save()
    assert _flag(case) is False


def test_the_migration_fills_it_for_the_case_files_that_hold_proof(
    case: Complaint, register: Any, tianhe_handler: Any
) -> None:
    _add(case, tianhe_handler, Attachment.Kind.NOTICE)
    plain = complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    _add(plain, tianhe_handler, Attachment.Kind.EVIDENCE)
    Complaint.objects.update(notice_evidence=False)  # as before the column
    migration = importlib.import_module("complaints.migrations.0042_notice_evidence")

    class Editor:
        connection = connection

    migration.fill(apps, Editor())
    assert _flag(case) is True
    assert _flag(plain) is False
