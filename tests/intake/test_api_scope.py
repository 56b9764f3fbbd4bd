"""Tokens and scope: a client sees and changes only its own complaints."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Attachment, Complaint, Correspondence
from intake.services import client_revoke, client_rotate_token
from organisations import permissions
from tests.intake.conftest import API, api_for, codes, complaint_url

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str = "定损单.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_another_clients_complaint_answers_like_a_missing_one(
    wechat: Any, registered: dict[str, Any]
) -> None:
    number = registered["number"]
    missing = wechat.get(complaint_url("TS2026-999999"))
    foreign = wechat.get(complaint_url(number))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    for tail, body, fmt in [
        ("correspondence/", {"summary": "补充说明"}, "json"),
        ("attachments/", {"file": _pdf()}, "multipart"),
    ]:
        response = wechat.post(complaint_url(number, tail), body, format=fmt)
        assert response.status_code == 404
        assert response.json() == missing.json()
    assert wechat.get(f"{API}/complaints/").json()["count"] == 0
    complaint = Complaint.objects.get(number=number)
    assert not complaint.correspondence.exists()
    assert not complaint.attachments.exists()


def test_a_complaint_registered_in_the_admin_is_not_the_clients(
    website: Any, register: Any, tianhe_handler: Any
) -> None:
    # Same institution, same handler permission: still not the client's own.
    complaint = register(tianhe_handler)
    response = website.get(complaint_url(complaint.number))
    assert response.status_code == 404


def test_a_revoked_token_stops_at_once(
    website: Any, registered: dict[str, Any]
) -> None:
    client = website.channel_client
    assert website.get(complaint_url(registered["number"])).status_code == 200
    client_revoke(client=client)
    response = website.get(complaint_url(registered["number"]))
    assert response.status_code == 401
    assert codes(response) == [(None, "authentication_failed")]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    client.service_user.refresh_from_db()
    assert not client.service_user.is_active


def test_a_new_token_replaces_the_old_one(website: Any) -> None:
    _client, secret = client_rotate_token(client=website.channel_client)
    assert website.get(f"{API}/complaints/").status_code == 401
    assert api_for(secret).get(f"{API}/complaints/").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer cdk_nope",
        "Bearer a b",
        "Token cdk_x",
        "Bearer " + "x" * 300,
    ],
)
def test_no_valid_token_is_a_401(db: Any, header: str | None) -> None:
    api = api_for(None)
    if header:
        api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(f"{API}/complaints/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] in {
        "not_authenticated",
        "authentication_failed",
    }


def test_the_service_user_cannot_log_in_and_is_not_staff(website: Any) -> None:
    user = website.channel_client.service_user
    assert not user.has_usable_password()
    assert not user.is_staff
    assert user.is_active
    assert permissions.has(user, permissions.HANDLE, website.channel_client.institution)


def test_correspondence_is_recorded_inbound(
    website: Any, registered: dict[str, Any]
) -> None:
    response = website.post(
        complaint_url(registered["number"], "correspondence/"),
        {"summary": "客户补充：定损员未到场。"},
        format="json",
    )
    assert response.status_code == 201, response.content
    entry = Correspondence.objects.get(pk=response.json()["id"])
    assert entry.direction == Correspondence.Direction.INBOUND
    assert entry.method == Correspondence.Method.OTHER  # the website's default
    assert entry.recorded_by == website.channel_client.service_user
    assert not entry.new_facts  # the handler judges that, not the channel
    assert response.json()["complaint"] == registered["number"]


def test_correspondence_needs_a_summary(
    website: Any, registered: dict[str, Any]
) -> None:
    url = complaint_url(registered["number"], "correspondence/")
    blank = website.post(url, {"summary": "   "}, format="json")
    assert codes(blank) == [("summary", "blank")]
    bad = website.post(url, {"summary": "x", "method": "pigeon"}, format="json")
    assert codes(bad) == [("method", "invalid_choice")]


def test_attachment_is_stored_through_the_service(
    website: Any, registered: dict[str, Any]
) -> None:
    response = website.post(
        complaint_url(registered["number"], "attachments/"),
        {"file": _pdf(), "kind": "evidence", "description": "定损单"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert attachment.original_name == "定损单.pdf"
    assert attachment.size == len(PDF)
    assert attachment.uploaded_by == website.channel_client.service_user
    assert response.json()["sha256"] == attachment.sha256


def test_attachment_rules_are_the_admins(
    website: Any, registered: dict[str, Any], settings: Any
) -> None:
    url = complaint_url(registered["number"], "attachments/")
    renamed = website.post(
        url, {"file": _pdf("x.pdf", b"MZ\x90\x00")}, format="multipart"
    )
    assert codes(renamed) == [("file", "content")]
    exe = website.post(url, {"file": _pdf("x.exe", b"MZ")}, format="multipart")
    assert codes(exe) == [("file", "type")]
    notice = website.post(url, {"file": _pdf(), "kind": "notice"}, format="multipart")
    assert codes(notice) == [("kind", "invalid_choice")]
    missing = website.post(url, {"kind": "evidence"}, format="multipart")
    assert codes(missing) == [("file", "required")]
    as_json = website.post(url, {"file": "JVBERi0x"}, format="json")
    assert as_json.status_code == 415
    settings.COMPLAINT_ATTACHMENT_MAX_MB = 1
    big = _pdf(content=PDF + b"0" * (1024 * 1024))
    too_large = website.post(url, {"file": big}, format="multipart")
    assert too_large.status_code == 413
    assert codes(too_large) == [(None, "too_large")]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    huge = _pdf(content=PDF + b"0" * (2 * 1024 * 1024))
    assert website.post(url, {"file": huge}, format="multipart").status_code == 413
    assert not Attachment.objects.exists()


def test_a_complaint_moved_out_of_the_clients_institution_disappears(
    website: Any, registered: dict[str, Any], tree: Any
) -> None:
    # Defence in depth: ownership and the service user's scope must both hold.
    complaint = Complaint.objects.get(number=registered["number"])
    Complaint.objects.filter(pk=complaint.pk).update(institution=tree["ZJHZXH"])
    assert website.get(complaint_url(registered["number"])).status_code == 404
    assert website.get(f"{API}/complaints/").json()["count"] == 0
