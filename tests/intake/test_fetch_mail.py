"""fetch_mail against the IMAP double: register, thread, never twice."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from complaints.models import Attachment, Complaint, Correspondence
from intake import mail as mail_module
from intake.models import IntakeSubmission, MailMessage
from tests.intake.imap_double import ImapDouble

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SENT = datetime(2026, 3, 6, 9, 30, tzinfo=SHANGHAI)
FIRST_ID = "<first-complaint.20260306@mail.example.com>"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def message(
    *,
    subject: str,
    body: str,
    message_id: str,
    sender: Address | None = None,
    in_reply_to: str = "",
    attachments: list[tuple[str, bytes, str, str]] = (),  # type: ignore[assignment]
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender or Address("林小雨", addr_spec="lin.xiaoyu@example.com")
    msg["To"] = "complaints@insurer.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(SENT)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    for filename, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def first_complaint() -> bytes:
    return message(
        subject="投诉：车险理赔金额明显低于定损金额",
        body="您好：\n我的车辆被追尾，理赔金额低于定损金额，要求按合同足额赔付。\n林小雨",
        message_id=FIRST_ID,
        attachments=[
            ("定损单.pdf", PDF, "application", "pdf"),
            ("setup.exe", b"MZ\x90\x00", "application", "octet-stream"),
        ],
    )


@pytest.fixture
def mailbox(make_client: Any) -> Any:
    client, _token = make_client(name="投诉邮箱", channel="email")
    with ImapDouble() as double:
        double.channel_client = client  # type: ignore[attr-defined]
        yield double


def fetch(double: ImapDouble, *args: str) -> str:
    out = StringIO()
    call_command("fetch_mail", "--url", double.url, *args, stdout=out)
    return out.getvalue().strip()


def test_a_new_message_becomes_a_registered_complaint(mailbox: Any) -> None:
    uid = mailbox.deliver(first_complaint())
    assert fetch(mailbox) == (
        "fetch_mail: 1 registered, 0 threaded, 0 already read, 0 failed"
    )
    complaint = Complaint.objects.get()
    client = mailbox.channel_client
    assert complaint.status == Complaint.Status.REGISTERED
    assert complaint.channel.code == "email"
    assert complaint.institution == client.institution
    assert complaint.registered_by == client.service_user
    assert complaint.complainant_name == "林小雨"
    assert complaint.email == "lin.xiaoyu@example.com"
    assert complaint.request == "投诉：车险理赔金额明显低于定损金额"
    assert "要求按合同足额赔付" in complaint.facts
    assert complaint.received_at == SENT
    assert complaint.due_on is not None
    files = {a.original_name: a for a in complaint.attachments.all()}
    assert set(files) == {"定损单.pdf", "message.eml"}
    assert files["定损单.pdf"].kind == Attachment.Kind.EVIDENCE
    assert files["定损单.pdf"].size == len(PDF)
    assert files["message.eml"].kind == Attachment.Kind.SUBMISSION
    note = complaint.correspondence.get()
    assert "setup.exe" in note.summary
    assert note.direction == Correspondence.Direction.INBOUND
    assert "\\Seen" in mailbox.flags(uid)
    assert any(c.startswith("UID FETCH") and "PEEK" in c for c in mailbox.commands)
    assert IntakeSubmission.objects.get(complaint=complaint).client == client
    assert MailMessage.objects.get().message_id == FIRST_ID


def test_replies_thread_onto_the_complaint_and_nothing_is_read_twice(
    mailbox: Any,
) -> None:
    mailbox.deliver(first_complaint())
    fetch(mailbox)
    complaint = Complaint.objects.get()
    mailbox.deliver(
        message(
            subject="Re: 投诉：车险理赔金额明显低于定损金额",
            body="补充：附上维修发票。",
            message_id="<reply-1@mail.example.com>",
            in_reply_to=FIRST_ID,
            attachments=[("维修发票.pdf", PDF, "application", "pdf")],
        )
    )
    mailbox.deliver(
        message(
            subject=f"补充材料 {complaint.number}",
            body="再补充一点说明。",
            message_id="<by-number@mail.example.com>",
        )
    )
    # A stranger quoting the number does not write into the case file.
    mailbox.deliver(
        message(
            subject=f"关于 {complaint.number}",
            body="我也要投诉。",
            message_id="<stranger@mail.example.com>",
            sender=Address("王五", addr_spec="wang@example.com"),
        )
    )
    assert fetch(mailbox) == (
        "fetch_mail: 1 registered, 2 threaded, 0 already read, 0 failed"
    )
    inbound = complaint.correspondence.exclude(summary__contains="setup.exe")
    summaries = sorted(c.summary for c in inbound)
    assert len(summaries) == 2
    assert "补充：附上维修发票。" in summaries[0] + summaries[1]
    assert all(c.method == Correspondence.Method.EMAIL for c in inbound)
    assert complaint.attachments.filter(original_name="维修发票.pdf").exists()
    assert Complaint.objects.count() == 2
    counts = (
        Complaint.objects.count(),
        Correspondence.objects.count(),
        Attachment.objects.count(),
    )
    # Run again, even over messages flagged unseen again: nothing new.
    mailbox.mark_all_unseen()
    assert fetch(mailbox) == (
        "fetch_mail: 0 registered, 0 threaded, 4 already read, 0 failed"
    )
    assert fetch(mailbox, "--all") == (
        "fetch_mail: 0 registered, 0 threaded, 4 already read, 0 failed"
    )
    assert counts == (
        Complaint.objects.count(),
        Correspondence.objects.count(),
        Attachment.objects.count(),
    )


def test_dry_run_writes_nothing_and_leaves_messages_unseen(mailbox: Any) -> None:
    uid = mailbox.deliver(first_complaint())
    assert fetch(mailbox, "--dry-run").endswith(
        "1 registered, 0 threaded, 0 already read, 0 failed (dry run)"
    )
    assert not Complaint.objects.exists()
    assert mailbox.flags(uid) == set()


def test_a_failing_message_stays_unseen_and_the_rest_go_on(
    mailbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = mailbox.deliver(message(subject="坏", body="x", message_id="<bad@x>"))
    good = mailbox.deliver(first_complaint())
    real = mail_module.mail_ingest

    def flaky(*, client: Any, mail: Any) -> Any:
        if mail.message_id == "<bad@x>":
            raise RuntimeError("storage unavailable")
        return real(client=client, mail=mail)

    monkeypatch.setattr(mail_module, "mail_ingest", flaky)
    with pytest.raises(CommandError, match="1 message"):
        fetch(mailbox)
    assert mailbox.flags(bad) == set()
    assert "\\Seen" in mailbox.flags(good)
    assert Complaint.objects.count() == 1


def test_a_message_without_message_id_is_still_read_once(mailbox: Any) -> None:
    raw = b"From: a@example.com\r\nSubject: =?utf-8?b?5oqV6K+J?=\r\n\r\nbody\r\n"
    mailbox.deliver(raw)
    mailbox.deliver(raw)
    assert fetch(mailbox).startswith("fetch_mail: 1 registered, 0 threaded, 1 already")
    assert Complaint.objects.get().request == "投诉"


def test_configuration_errors_are_reported(
    mailbox: Any, settings: Any, make_client: Any
) -> None:
    settings.INTAKE_IMAP_URL = ""
    with pytest.raises(CommandError, match="INTAKE_IMAP_URL"):
        call_command("fetch_mail", stdout=StringIO())
    for wrong in (
        mailbox.url.replace("s3cret", "wrong"),
        mailbox.url.replace("/INBOX", "/Archive"),
        mailbox.url.replace("imap://", "pop3://"),
    ):
        with pytest.raises(CommandError, match="cannot be read"):
            call_command("fetch_mail", "--url", wrong, stdout=StringIO())
    make_client(name="第二邮箱", channel="email")
    with pytest.raises(CommandError, match="--client"):
        fetch(mailbox)
    assert fetch(mailbox, "--client", "投诉邮箱").startswith("fetch_mail: 0 registered")


def test_parsing_is_forgiving_and_safe() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI)
    html = EmailMessage()
    html["From"] = f"{'a' * 250}@example.com"
    html["Date"] = "Thu, 01 Jan 2099 00:00:00 +0000"  # in the future
    html.set_content("<p>理赔<b>太慢</b></p>", subtype="html")
    parsed = mail_module.mail_parse(html.as_bytes(), now=now)
    assert parsed.body == "理赔太慢"
    assert parsed.sender == ""  # too long to store: not trusted as an address
    assert parsed.sent_at == now
    assert parsed.message_id.startswith("<sha256-")
    broken = mail_module.mail_parse(b"Date: yesterday\r\n\r\n\x00body", now=now)
    assert (broken.sent_at, broken.subject, broken.body) == (now, "", "body")


def test_invisible_characters_are_stripped_from_mail(mailbox: Any) -> None:
    """The mail door stores names and texts as they read (organisations.text)."""
    mailbox.deliver(
        message(
            subject="投诉：理赔\u200b金额\u202e偏低",
            body="车辆被追尾\u2066，要求赔付。\ufeff",
            message_id="<spoofed.20260306@mail.example.com>",
            sender=Address("林\u202e小雨", addr_spec="lin.xiaoyu@example.com"),
        )
    )
    assert fetch(mailbox).startswith("fetch_mail: 1 registered")
    complaint = Complaint.objects.get()
    assert complaint.complainant_name == "林小雨"
    assert complaint.request == "投诉：理赔金额偏低"
    assert "\u2066" not in complaint.facts
    assert "\ufeff" not in complaint.facts
