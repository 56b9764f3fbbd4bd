"""The intake API never answers with the complainant's personal data: a channel
sends it in, and reads back only numbers, statuses and dates."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, PersonalDataAccess
from intake.models import IntakeSubmission, MailMessage
from tests.factories import UserFactory
from tests.intake.conftest import API, complaint_url, payload

pytestmark = pytest.mark.django_db
SENT = payload()
PERSONAL = [SENT[f] for f in ("complainant_name", "id_number", "phone", "email")]


def assert_no_personal_data(text: str) -> None:
    for value in [*PERSONAL, "13800138000", "138-0013-8000"]:
        assert value not in text, value


def test_no_response_carries_personal_data(
    website: Any, registered: dict[str, Any]
) -> None:
    number = registered["number"]
    assert_no_personal_data(str(registered))
    for url in (f"{API}/complaints/", complaint_url(number)):
        response = website.get(url)
        assert response.status_code == 200
        assert number in response.content.decode()
        assert_no_personal_data(response.content.decode())
    # The stored replay of the registration answer holds none either.
    assert_no_personal_data(str(IntakeSubmission.objects.get().response_body))


# --- The e-mails read, in the admin --------------------------------------------------
def test_mail_senders_are_masked_for_a_mailbox_operator_and_logged(
    client: Any, website: Any, registered: dict[str, Any], tianhe_handler: Any
) -> None:
    complaint = Complaint.objects.get(number=registered["number"])
    mail = MailMessage.objects.create(
        client=website.channel_client,
        message_id="<m1@example.com>",
        complaint=complaint,
        sender="lin@example.com",
        subject="补充材料",
        sent_at=timezone.now(),
    )
    url = reverse("admin:intake_mailmessage_changelist")
    detail = reverse("admin:intake_mailmessage_change", args=[mail.pk])
    operator = UserFactory(username="operator")
    operator.user_permissions.add(Permission.objects.get(codename="view_mailmessage"))
    client.force_login(operator)
    for page in (client.get(url), client.get(detail)):
        assert page.status_code == 200
        assert "lin@example.com" not in page.content.decode()
        assert "l***@example.com" in page.content.decode()
    # Found by the full address only: no reading it back a letter at a time.
    assert [
        m.pk
        for m in client.get(url, {"q": "lin@example.com"}).context["cl"].result_list
    ] == [mail.pk]
    assert list(client.get(url, {"q": "lin@"}).context["cl"].result_list) == []
    assert not PersonalDataAccess.objects.exists()

    # A handler of the branch who may also read the mailbox log sees and is logged.
    tianhe_handler.user_permissions.add(
        Permission.objects.get(codename="view_mailmessage")
    )
    client.force_login(tianhe_handler)
    assert "lin@example.com" in client.get(url).content.decode()
    assert "lin@example.com" in client.get(detail).content.decode()
    surfaces = PersonalDataAccess.objects.filter(
        user=tianhe_handler, complaint=complaint
    )
    assert sorted(surfaces.values_list("surface", flat=True)) == [
        "mail",
        "mail_message",
    ]
