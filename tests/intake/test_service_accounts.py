"""A channel's service account registers complaints but is not a person: it is
never offered or accepted as a handler, approver or alert recipient."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.exceptions import ComplaintError
from complaints.models import Complaint
from complaints.services import complaint_accept, complaint_assign
from complaints.workbench.selectors import eligible_handlers, handler_choices
from organisations import permissions

pytestmark = pytest.mark.django_db


def test_service_account_is_not_a_handler(
    website: Any, registered: dict[str, Any], gz_manager: Any, tianhe_handler: Any
) -> None:
    service_user = website.channel_client.service_user
    complaint = Complaint.objects.get(number=registered["number"])
    complaint = complaint_accept(complaint=complaint, actor=tianhe_handler)

    assert service_user not in eligible_handlers(complaint=complaint)
    assert service_user not in handler_choices(user=gz_manager)
    assert service_user not in permissions.users_with(
        permissions.HANDLE, complaint.institution
    )
    with pytest.raises(ComplaintError):
        complaint_assign(complaint=complaint, actor=gz_manager, handler=service_user)
