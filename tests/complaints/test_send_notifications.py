"""Delivering the outbox: e-mail, SMS, retries with back-off, claims; and the
outbox in the admin."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.messaging.jobs import (
    BACKOFF_MINUTES,
    MAX_ATTEMPTS,
    claim,
    deliver,
    sweep,
)
from complaints.messaging.notifications import queue_complainant_notice
from complaints.messaging.sms import LoggingSmsBackend, SmsBackend, SmsError
from complaints.models import Complaint, Notification
from complaints.services import complaint_accept, complaint_assign
from organisations.models import Membership
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
N = Notification


class BrokenSms(SmsBackend):
    def send(self, phone: str, text: str) -> str:
        raise SmsError("gateway down")


@pytest.fixture(autouse=True)
def sms_outbox() -> Iterator[list[Any]]:
    LoggingSmsBackend.outbox.clear()
    yield LoggingSmsBackend.outbox
    LoggingSmsBackend.outbox.clear()


@pytest.fixture
def accepted(register: Any, tianhe_handler: Any) -> Complaint:
    """Accepted: the acceptance notice is queued by e-mail and by SMS."""
    return complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)


def rows(c: Complaint) -> dict[str, Notification]:
    return {n.channel: n for n in Notification.objects.filter(complaint=c)}


def test_email_and_sms_are_delivered(accepted: Complaint, settings: Any) -> None:
    settings.DEFAULT_FROM_EMAIL = "complaints@insurer.example"

    result = deliver(now=NOW)

    assert (result.sent, result.retry_later, result.gave_up) == (2, 0, 0)
    (email,) = mail.outbox
    assert email.to == ["lin@example.com"]
    assert email.from_email == "complaints@insurer.example"
    assert email.subject == f"投诉受理通知（{accepted.number}）"
    assert "已由天河支公司受理" in email.body
    (sms,) = LoggingSmsBackend.outbox
    assert sms.phone == "13800138000"
    assert "已由天河支公司受理" in sms.text
    for row in rows(accepted).values():
        assert (row.sent_at, row.attempts, row.last_error) == (NOW, 1, "")


def test_staff_alerts_are_e_mailed(accepted: Complaint, tianhe_handler: Any) -> None:
    complaint_assign(
        complaint=accepted,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    sweep(today=date(2026, 3, 13))
    mail.outbox.clear()

    deliver(now=NOW)

    alert = next(m for m in mail.outbox if m.to == ["tianhe_handler@example.com"])
    assert alert.subject.startswith("投诉即将到期")


def test_a_second_run_sends_nothing(accepted: Complaint) -> None:
    deliver(now=NOW)

    again = deliver(now=NOW + timedelta(hours=1))

    assert (again.sent, again.lost_claims) == (0, 0)
    assert len(mail.outbox) == 1
    assert len(LoggingSmsBackend.outbox) == 1


def test_a_failing_gateway_is_retried_with_back_off_then_given_up(
    accepted: Complaint, settings: Any
) -> None:
    settings.COMPLAINT_SMS_BACKEND = f"{__name__}.BrokenSms"

    first = deliver(now=NOW)

    assert (first.sent, first.retry_later) == (1, 1)  # the e-mail went out
    sms = rows(accepted)[N.Channel.SMS]
    assert (sms.attempts, sms.last_error) == (1, "SmsError: gateway down")
    assert sms.next_attempt_at == NOW + timedelta(minutes=1)
    assert (sms.claimed_at, sms.sent_at, sms.failed_at) == (None, None, None)

    assert deliver(now=NOW + timedelta(seconds=59)).retry_later == 0  # not yet

    at = NOW
    for attempt, wait in enumerate(BACKOFF_MINUTES, start=1):
        at += timedelta(minutes=wait)
        result = deliver(now=at)
        sms.refresh_from_db()
        assert sms.attempts == attempt + 1
        if attempt + 1 < MAX_ATTEMPTS:
            assert result.retry_later == 1
            assert sms.next_attempt_at == at + timedelta(
                minutes=BACKOFF_MINUTES[attempt]
            )
    assert (result.gave_up, sms.failed_at, sms.next_attempt_at) == (1, at, None)

    later = deliver(now=at + timedelta(days=1))
    assert (later.sent, later.retry_later, later.gave_up) == (0, 0, 0)
    assert LoggingSmsBackend.outbox == []


def test_a_notification_rolled_back_with_its_transaction_is_never_sent(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler)

    def transition_that_fails() -> None:
        with transaction.atomic():
            queue_complainant_notice(c, "acceptance")
            raise RuntimeError("the transition failed after queuing")

    with pytest.raises(RuntimeError):
        transition_that_fails()

    result = deliver(now=NOW)

    assert result.sent == 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_row_claimed_by_another_worker_is_not_sent_twice(
    accepted: Complaint,
) -> None:
    email = rows(accepted)[N.Channel.EMAIL]
    Notification.objects.filter(pk=email.pk).update(claimed_at=NOW)

    result = deliver(now=NOW + timedelta(minutes=1))

    assert result.sent == 1  # only the SMS
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.sent_at is None


def test_the_loser_of_a_claim_race_does_not_send(accepted: Complaint) -> None:
    email = rows(accepted)[N.Channel.EMAIL]
    assert claim(email.pk, None, NOW) is True
    # A second worker that read the row before the first claimed it:
    assert claim(email.pk, None, NOW) is False


def test_a_stale_claim_is_taken_over(accepted: Complaint) -> None:
    email = rows(accepted)[N.Channel.EMAIL]
    Notification.objects.filter(pk=email.pk).update(claimed_at=NOW)

    result = deliver(now=NOW + timedelta(minutes=11))  # the first worker died

    assert result.sent == 2
    assert len(mail.outbox) == 1


def test_letters_are_left_for_printing(register: Any, tianhe_handler: Any) -> None:
    c = register(tianhe_handler, email="", phone="", address="广州市天河区体育西路1号")
    complaint_accept(complaint=c, actor=tianhe_handler)

    result = deliver(now=NOW)

    assert result.sent == 0
    letter = Notification.objects.get(complaint=c)
    assert (letter.channel, letter.sent_at) == (N.Channel.LETTER, None)


def test_send_notifications_command(accepted: Complaint) -> None:
    out = io.StringIO()
    call_command("send_notifications", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "Dry run, nothing sent: 2 notifications are due."

    out = io.StringIO()
    call_command("send_notifications", "--limit", "1", stdout=out)
    assert out.getvalue().strip() == (
        "Notifications: 1 sent, 0 to retry, 0 given up, 0 taken by another worker."
    )
    assert Notification.objects.filter(sent_at__isnull=True).count() == 1


# --- The outbox in the admin ---------------------------------------------------------
CHANGELIST = "admin:complaints_notification_changelist"


def test_the_outbox_is_scoped_and_masked(
    client: Any,
    accepted: Complaint,
    tianhe_handler: Any,
    xihu_handler: Any,
    make_member: Any,
) -> None:
    client.force_login(tianhe_handler)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert accepted.number in page
    assert "lin@example.com" in page
    assert "notification/add/" not in page  # read-only

    client.force_login(xihu_handler)
    assert accepted.number not in client.get(reverse(CHANGELIST)).content.decode()

    viewer = make_member("gd_viewer", Membership.Role.VIEWER, "GD")
    client.force_login(viewer)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert accepted.number in page
    assert "l***@example.com" in page
    assert "138****8000" in page
    assert "lin@example.com" not in page


def test_a_staff_alert_is_visible_to_its_recipient(
    client: Any, accepted: Complaint, tianhe_handler: Any, make_member: Any
) -> None:
    # A manager of another province, alerted about this complaint, has no scope on it.
    zj = make_member("zj_manager", Membership.Role.MANAGER, "ZJ")
    Notification.objects.create(
        complaint=accepted,
        kind="overdue",
        audience=N.Audience.STAFF,
        channel=N.Channel.EMAIL,
        recipient=zj,
        address=zj.email,
        subject="投诉已超期",
        body="……",
    )
    client.force_login(zj)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "zj_manager@example.com" in page
    assert "lin@example.com" not in page
    assert "l***@example.com" not in page


def test_retry_now_puts_failed_rows_back(
    client: Any, accepted: Complaint, tianhe_handler: Any, make_member: Any
) -> None:
    Notification.objects.filter(complaint=accepted).update(
        attempts=MAX_ATTEMPTS, failed_at=NOW, last_error="SmsError: gateway down"
    )
    pks = list(Notification.objects.values_list("pk", flat=True))
    viewer = make_member("gd_viewer", Membership.Role.VIEWER, "GD")
    client.force_login(viewer)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "retry_now" not in page  # viewers may not resend

    client.force_login(tianhe_handler)
    response = client.post(
        reverse(CHANGELIST), {"action": "retry_now", "_selected_action": pks}
    )

    assert response.status_code == 302
    assert not Notification.objects.filter(failed_at__isnull=False).exists()
    assert deliver(now=NOW).sent == 2


def test_the_outbox_list_costs_the_same_for_more_rows(
    client: Any, register: Any, tianhe_handler: Any
) -> None:
    def queries() -> int:
        client.get(reverse(CHANGELIST))  # warm the session and permission caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(CHANGELIST)).status_code == 200
        return len(captured.captured_queries)

    client.force_login(tianhe_handler)
    complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)
    few = queries()
    for _ in range(5):
        complaint_accept(complaint=register(tianhe_handler), actor=tianhe_handler)

    assert queries() == few


# --- The letter goes with its e-mail notice ----------------------------------------
def test_an_e_mailed_notice_carries_its_letter_as_pdf(
    accepted: Complaint, tianhe_handler: Any
) -> None:
    by_channel = rows(accepted)
    letter = by_channel[N.Channel.EMAIL].letter
    assert letter is not None
    assert letter.kind == "acceptance"
    assert by_channel[N.Channel.SMS].letter == letter  # the same step's letter
    assert not letter.pdf

    deliver(now=NOW)

    (email,) = mail.outbox
    ((name, data, mimetype),) = email.attachments
    assert (name, mimetype) == (
        f"{accepted.number}-01-投诉受理通知书.pdf",
        "application/pdf",
    )
    assert data.startswith(b"%PDF")
    letter.refresh_from_db()
    assert letter.pdf.read() == data  # stored with the letter as it was sent
    (sms,) = LoggingSmsBackend.outbox
    assert "pdf" not in sms.text.lower()


def test_without_a_pdf_renderer_the_letter_goes_as_html(
    accepted: Complaint, monkeypatch: Any
) -> None:
    from complaints.messaging import letters

    def missing(letter: Any) -> bytes:
        raise letters.PdfUnavailable("cannot load library 'pango'")

    monkeypatch.setattr(letters, "render_pdf", missing)
    result = deliver(now=NOW)
    assert (result.sent, result.retry_later) == (2, 0)
    (email,) = mail.outbox
    ((name, data, mimetype),) = email.attachments
    assert (name, mimetype) == (
        f"{accepted.number}-01-投诉受理通知书.html",
        "text/html",
    )
    html = data.decode() if isinstance(data, bytes) else data  # text is decoded
    letter = rows(accepted)[N.Channel.EMAIL].letter
    assert letter.content in html
    assert "林小雨" in html


def test_staff_alerts_carry_no_letter(accepted: Complaint, tianhe_handler: Any) -> None:
    complaint_assign(
        complaint=accepted,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    sweep(today=date(2026, 3, 13))  # due soon
    deliver(now=NOW)
    alert = next(m for m in mail.outbox if m.to == [tianhe_handler.email])
    assert alert.attachments == []
    notice = next(m for m in mail.outbox if m.to == ["lin@example.com"])
    assert len(notice.attachments) == 1
