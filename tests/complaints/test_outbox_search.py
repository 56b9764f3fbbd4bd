"""The outbox's search box, as a reader without the personal-data permission
(issue 20 point 1: searching is filtering; organisations.admin_lookups)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from organisations.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_member: Any) -> Any:
    user = make_member("auditor", Membership.Role.VIEWER, "HO")
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


def test_the_outbox_search_does_not_read_a_subject_back(
    client: Any, auditor: Any, tianhe_handler: Any, register: Any
) -> None:
    from complaints.models import Notification

    complaint = register(tianhe_handler)
    Notification.objects.create(
        complaint=complaint,
        kind="acknowledgement",
        channel="sms",
        audience="complainant",
        address="13800138000",
        subject="林小雨 13800138000",
        body="",
    )
    url = reverse("admin:complaints_notification_changelist")
    client.force_login(auditor)
    found = client.get(url, {"q": "1380013"})
    assert found.status_code == 200
    everything = client.get(url)
    assert found.context["cl"].result_count in (
        0,
        everything.context["cl"].result_count,
    )
    assert "13800138000" not in found.content.decode()
