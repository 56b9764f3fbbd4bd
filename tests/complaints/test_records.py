"""The case file: attachments (checked uploads), recusals (回避), correspondence."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import exceptions as E
from complaints import services as svc
from complaints.exceptions import ComplaintError
from complaints.models import Attachment, Complaint, Recusal
from complaints.services.records import FILE_CONTENT, FILE_TOO_LARGE, FILE_TYPE
from complaints.workbench.selectors import person_name
from organisations.permissions import NotFound
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def complaint(register: Any, tianhe_handler: Any) -> Complaint:
    return register(tianhe_handler)


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


def add(c: Complaint, actor: Any, file: Any) -> Attachment:
    return svc.attachment_add(
        complaint=c, actor=actor, upload=file, kind="evidence", description="定损单"
    )


def test_attachment_is_stored_with_its_fingerprint(
    complaint: Any, tianhe_handler: Any, tmp_path: Path
) -> None:
    a = add(complaint, tianhe_handler, upload("定损单 2026-03.pdf", PDF))

    assert a.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (a.size, a.original_name) == (len(PDF), "定损单 2026-03.pdf")
    assert (a.content_type, a.kind, a.uploaded_by) == (
        "application/pdf",
        "evidence",
        tianhe_handler,
    )
    assert (tmp_path / a.file.name).read_bytes() == PDF
    assert a.history.get().history_user == tianhe_handler


def test_the_declared_content_type_is_not_trusted(
    complaint: Any, tianhe_handler: Any
) -> None:
    # A browser (or an attacker) may claim text/html; the stored type follows the
    # checked file name, so a download is never served as a page.
    a = add(complaint, tianhe_handler, upload("报案材料.pdf", PDF, "text/html"))
    assert a.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "message", "params"),
    [
        ("virus.exe", b"MZ\x90\x00", FILE_TYPE, {"ext": ".exe"}),
        ("noextension", PDF, FILE_TYPE, {"ext": "?"}),
        ("invoice.pdf", b"MZ\x90\x00 not a pdf", FILE_CONTENT, {"ext": ".pdf"}),
        ("photo.jpg", PDF, FILE_CONTENT, {"ext": ".jpg"}),
    ],
    ids=["exe", "no_extension", "pdf_name_exe_bytes", "jpg_name_pdf_bytes"],
)
def test_attachment_type_and_content_are_checked(
    complaint: Any,
    tianhe_handler: Any,
    name: str,
    content: bytes,
    message: Any,
    params: dict[str, str],
) -> None:
    with pytest.raises(ValidationError) as exc:
        add(complaint, tianhe_handler, upload(name, content))
    assert exc.value.message == message
    assert params.items() <= exc.value.params.items()
    assert not Attachment.objects.exists()


def test_attachment_size_limit_is_a_setting(
    complaint: Any, tianhe_handler: Any, settings: Any
) -> None:
    settings.COMPLAINT_ATTACHMENT_MAX_MB = 1
    too_big = upload("scan.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        add(complaint, tianhe_handler, too_big)
    assert exc.value.messages == [FILE_TOO_LARGE % {"max": 1}]
    assert exc.value.code == "too_large"
    fits = upload("scan.pdf", PDF + b"0" * (1024 * 1024 - len(PDF)))
    assert add(complaint, tianhe_handler, fits).size == 1024 * 1024


def test_attachment_kind_and_long_names(complaint: Any, tianhe_handler: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        svc.attachment_add(
            complaint=complaint,
            actor=tianhe_handler,
            upload=upload("a.pdf", PDF),
            kind="selfie",
        )
    assert list(exc.value.message_dict) == ["kind"]
    long_name = "医疗费用发票" * 30 + ".pdf"
    a = add(complaint, tianhe_handler, upload(long_name, PDF))
    assert a.original_name == long_name[:200]
    assert len(a.file.name) <= 100


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("xihu_handler", NotFound),
        ("zj_viewer", NotFound),
        ("gd_reviewer", PermissionDenied),
    ],
)
def test_attachment_scope(
    complaint: Any, request: pytest.FixtureRequest, who: str, error: type
) -> None:
    with pytest.raises(error):
        add(complaint, request.getfixturevalue(who), upload("a.pdf", PDF))


# --- recusal (回避) --------------------------------------------------------------


def test_self_declared_recusal(complaint: Any, tianhe_handler: Any) -> None:
    r = svc.recusal_declare(
        complaint=complaint,
        actor=tianhe_handler,
        user=tianhe_handler,
        reason="投诉人系本人表姐",
    )
    assert (r.user, r.declared_by, r.reason) == (
        tianhe_handler,
        tianhe_handler,
        "投诉人系本人表姐",
    )
    assert r.history.get().history_user == tianhe_handler
    # A second declaration keeps the first.
    again = svc.recusal_declare(
        complaint=complaint, actor=tianhe_handler, user=tianhe_handler, reason="同上"
    )
    assert again.pk == r.pk
    assert Recusal.objects.count() == 1


def test_a_manager_recuses_the_current_handler_who_is_taken_off(
    complaint: Any, tianhe_handler: Any, gz_manager: Any
) -> None:
    c = svc.complaint_accept(complaint=complaint, actor=tianhe_handler)
    c = svc.complaint_assign(
        complaint=c,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    before = c.history.count()

    r = svc.recusal_declare(
        complaint=c,
        actor=gz_manager,
        user=tianhe_handler,
        reason="被投诉业务员系其配偶",
    )

    c.refresh_from_db()
    assert (r.declared_by, r.user) == (gz_manager, tianhe_handler)
    assert (c.handler, c.status) == (None, Complaint.Status.INVESTIGATING)
    assert c.history.count() == before + 1
    row = c.history.latest()
    assert row.history_user == gz_manager
    assert "被投诉业务员系其配偶" in row.history_change_reason
    with pytest.raises(ComplaintError) as exc:
        svc.complaint_assign(complaint=c, actor=gz_manager, handler=tianhe_handler)
    assert exc.value.message_dict == {
        "handler": [
            E.HANDLER_RECUSED
            % {"user": person_name(tianhe_handler), "institution": c.institution}
        ]
    }


def test_recusal_of_someone_not_handling_changes_no_case_data(
    complaint: Any, gz_manager: Any, gz_handler: Any
) -> None:
    svc.recusal_declare(
        complaint=complaint, actor=gz_manager, user=gz_handler, reason="利害关系"
    )
    assert complaint.history.count() == 1


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("gz_handler", PermissionDenied),  # a handler declares only for themselves
        ("xihu_handler", NotFound),
        ("outsider", NotFound),
    ],
)
def test_declaring_for_someone_else_needs_the_assign_permission(
    complaint: Any,
    tianhe_handler: Any,
    request: pytest.FixtureRequest,
    who: str,
    error: type,
) -> None:
    with pytest.raises(error):
        svc.recusal_declare(
            complaint=complaint,
            actor=request.getfixturevalue(who),
            user=tianhe_handler,
            reason="利害关系",
        )
    assert not Recusal.objects.exists()


def test_recusal_needs_a_reason(complaint: Any, tianhe_handler: Any) -> None:
    with pytest.raises(ComplaintError) as exc:
        svc.recusal_declare(
            complaint=complaint, actor=tianhe_handler, user=tianhe_handler, reason=""
        )
    assert exc.value.message_dict == {"reason": [str(E.REASON_REQUIRED)]}


# --- correspondence ----------------------------------------------------------------


def correspond(c: Complaint, actor: Any, **fields: Any) -> Any:
    values = {
        "direction": "out",
        "method": "phone",
        "occurred_at": datetime(2026, 3, 9, 14, 0, tzinfo=SHANGHAI),
        "summary": "致电投诉人核实出险经过",
    }
    return svc.correspondence_record(complaint=c, actor=actor, **{**values, **fields})


def test_correspondence_joins_the_case_file(complaint: Any, gz_handler: Any) -> None:
    entry = correspond(complaint, gz_handler)
    assert (entry.complaint, entry.recorded_by, entry.is_notice) == (
        complaint,
        gz_handler,
        False,
    )
    assert entry.history.get().history_user == gz_handler
    assert complaint.history.count() == 1  # no new facts: the case row is untouched


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("xihu_handler", NotFound),
        ("zj_viewer", NotFound),
        ("outsider", NotFound),
        ("gd_reviewer", PermissionDenied),
        ("ho_compliance", PermissionDenied),
    ],
)
def test_correspondence_scope(
    complaint: Any, request: pytest.FixtureRequest, who: str, error: type
) -> None:
    with pytest.raises(error):
        correspond(complaint, request.getfixturevalue(who))
    assert not complaint.correspondence.exists()


def test_correspondence_needs_a_summary_and_a_known_method(
    complaint: Any, tianhe_handler: Any
) -> None:
    with pytest.raises(ComplaintError) as exc:
        correspond(complaint, tianhe_handler, summary="  ")
    assert exc.value.message_dict == {"summary": [str(E.REASON_REQUIRED)]}
    with pytest.raises(ValidationError) as exc:
        correspond(complaint, tianhe_handler, method="telepathy")
    assert list(exc.value.message_dict) == ["method"]
