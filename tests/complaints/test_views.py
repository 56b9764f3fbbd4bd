"""Pages beside the transitions: registration (the admin add view), the case file
(correspondence, recusals, attachments: upload through the service, download
through a checked view) and the printable notices."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Attachment, Complaint, Correspondence, Recusal
from complaints.services import (
    attachment_add,
    complaint_accept,
    complaint_assign,
)
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db
ADD = "/admin/complaints/complaint/add/"
NOW = "2026-03-17T08:00"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_and_today(settings: Any, tmp_path: Path, time_machine: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


def change_url(pk: Any) -> str:
    return f"/admin/complaints/complaint/{pk}/change/"


def act(client: Any, c: Complaint, action: str, **data: Any) -> Any:
    url = f"/admin/complaints/complaint/{c.pk}/act/{action}/"
    version = client.get(url).context["form"]["version"].value()
    return client.post(url, {"version": version, **data})


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client: Any, c: Complaint, name: str, content: bytes, **extra: Any) -> Any:
    url = f"/admin/complaints/complaint/{c.pk}/act/attachment/"
    version = client.get(url).context["form"]["version"].value()
    data = {"version": version, "kind": "evidence", **extra}
    data["upload"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(url, data)


# --- Registration ---------------------------------------------------------------------
def registration(tree: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "institution": tree["GDGZTH"].pk,
        "channel": code("channel", "hotline").pk,
        "received_at": "2026-03-17T08:30",
        "complainant_type": "person",
        "complainant_name": "赵六",
        "id_type": "resident_id",
        "id_number": "440106198502023459",
        "phone": "13700137000",
        "representation": "self",
        "complainant_count": 1,
        "product_line": code("product_line", "motor").pk,
        "category": code("category", "claims").pk,
        "request": "要求赔付",
        "facts": "理赔被拒。",
        "_register": "Register",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_registration_calls_the_service(
    client: Any, tree: Any, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    form = client.get(ADD).context["adminform"].form
    assert {i.code for i in form.fields["institution"].queryset} == {
        "GDGZTH",
        "GDGZTH01",
    }
    response = client.post(ADD, registration(tree))
    c = Complaint.objects.get()
    assert response.status_code == 302
    assert response.url == change_url(c.pk)
    assert c.number == "TS2026-000001"
    assert c.status == Complaint.Status.REGISTERED
    assert c.due_on is not None
    assert c.legal_due is not None
    assert c.received_on.isoformat() == "2026-03-17"
    assert c.history.get().history_user == tianhe_handler


@pytest.mark.parametrize("received_at", ["2026-06-25T08:30", "2026-03-17T11:00"])
def test_registration_refuses_a_receipt_in_the_future(
    client: Any, tree: Any, tianhe_handler: Any, received_at: str
) -> None:
    """Issue 14 point 5 at the admin door: 100 days ahead, or later today
    (it is 09:00), is refused on the field in Chinese; nothing is registered."""
    client.force_login(tianhe_handler)
    response = client.post(
        ADD,
        registration(tree, received_at=received_at),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "received_at" in errors
    assert "不能是将来的时间" in " ".join(errors["received_at"])
    assert not Complaint.objects.exists()


def test_registration_shows_scoped_duplicates_first(
    client: Any, tree: Any, register: Any, tianhe_handler: Any, xihu_handler: Any
) -> None:
    earlier = register(tianhe_handler, phone="13700137000")
    hidden = register(xihu_handler, institution="ZJHZXH", phone="13700137000")
    client.force_login(tianhe_handler)
    response = client.post(ADD, registration(tree))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="possible-duplicates"' in page
    assert earlier.number in page
    assert hidden.number not in page
    assert Complaint.objects.count() == 2

    checked = client.post(ADD, registration(tree, _register=None, _check="1"))
    assert earlier.number in checked.content.decode()
    assert Complaint.objects.count() == 2

    response = client.post(
        ADD, registration(tree, _register=None, _register_anyway="1")
    )
    assert response.status_code == 302
    assert Complaint.objects.count() == 3


def test_registration_refusal_becomes_a_form_error(
    client: Any, tree: Any, tianhe_handler: Any
) -> None:
    client.force_login(tianhe_handler)
    response = client.post(ADD, registration(tree, representation="agent"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "agent_name" in form.errors
    out_of_scope = client.post(ADD, registration(tree, institution=tree["GD"].pk))
    assert "institution" in out_of_scope.context["adminform"].form.errors
    assert not Complaint.objects.exists()


def test_registration_needs_the_handle_permission(
    client: Any, tree: Any, senior: Any
) -> None:
    client.force_login(senior)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, registration(tree)).status_code == 403
    assert not Complaint.objects.exists()


# --- The case file ---------------------------------------------------------------
def test_case_file_actions(client: Any, register: Any, tianhe_handler: Any) -> None:
    c = complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    c = complaint_assign(
        complaint=c,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    client.force_login(tianhe_handler)
    data = {
        "direction": "in",
        "method": "phone",
        "occurred_at": NOW,
        "summary": "来电补充",
    }
    assert act(client, c, "correspondence", **data).status_code == 302
    entry = Correspondence.objects.get(complaint=c)
    assert entry.recorded_by == tianhe_handler
    assert entry.history.get().history_user == tianhe_handler

    data = {"user": tianhe_handler.pk, "reason": "与投诉人系亲属"}
    assert act(client, c, "recuse", **data).status_code == 302
    assert Recusal.objects.filter(complaint=c, user=tianhe_handler).exists()
    c.refresh_from_db()
    assert c.handler is None  # a recused handler is taken off the case

    page = client.get(f"/admin/complaints/complaint/{c.pk}/change/").content.decode()
    assert "来电补充" in page
    assert "与投诉人系亲属" in page


# --- Attachments ------------------------------------------------------------------
def test_upload_and_download(
    client: Any, register: Any, tianhe_handler: Any, settings: Any
) -> None:
    c = register(tianhe_handler)
    client.force_login(tianhe_handler)
    response = upload(client, c, "定损单.pdf", PDF, description="定损单")
    assert response.status_code == 302
    attachment = Attachment.objects.get(complaint=c)
    assert attachment.uploaded_by == tianhe_handler
    assert attachment.history.get().history_user == tianhe_handler
    assert (attachment.size, attachment.original_name) == (len(PDF), "定损单.pdf")

    page = client.get(f"/admin/complaints/complaint/{c.pk}/change/").content.decode()
    url = f"/complaints/attachments/{attachment.pk}/download/"
    assert url in page
    assert "/media/" not in page

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content", "code_"),
    [
        ("big.pdf", PDF + b"0" * (1024 * 1024 + 1), "too_large"),
        ("tool.exe", b"MZ\x90\x00", "type"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "content"),
    ],
)
def test_upload_validation_stores_nothing(
    client: Any,
    register: Any,
    tianhe_handler: Any,
    settings: Any,
    name: str,
    content: bytes,
    code_: str,
) -> None:
    settings.COMPLAINT_ATTACHMENT_MAX_MB = 1
    c = register(tianhe_handler)
    client.force_login(tianhe_handler)
    response = upload(client, c, name, content)
    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["upload"]] == [code_]
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_upload_needs_the_handle_permission(
    client: Any, register: Any, tianhe_handler: Any, gd_reviewer: Any
) -> None:
    c = register(tianhe_handler)
    client.force_login(gd_reviewer)  # sees the complaint, does not handle it
    response = upload(client, c, "a.pdf", PDF)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Attachment.objects.exists()


def test_download_out_of_scope_answers_like_missing(
    client: Any, register: Any, tianhe_handler: Any, xihu_handler: Any, gz_manager: Any
) -> None:
    c = register(tianhe_handler)
    attachment = attachment_add(
        complaint=c,
        actor=tianhe_handler,
        upload=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
        kind="evidence",
    )
    url = f"/complaints/attachments/{attachment.pk}/download/"
    client.force_login(xihu_handler)
    hidden = client.get(url)
    missing = client.get("/complaints/attachments/999999/download/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    client.force_login(gz_manager)
    assert client.get(url).status_code == 200
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/admin/login/" in anonymous.url
