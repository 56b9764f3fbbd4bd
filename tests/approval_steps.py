"""Steps under approval, walked the lawful way in tests: the requester files
the request, an eligible approver decides it (complaints.services.approvals)."""

from __future__ import annotations

from typing import Any

from complaints import services as svc
from complaints.models import ApprovalRequest, Complaint, Extension

EXTENSION_REASON = "需调取交警事故认定书并委托第三方重新定损"
CHECKED = "核对来电人身份证件，与保单投保人、被保险人及受益人均不一致"


def approve(req: Any, approver: Any, note: str = "同意") -> Complaint:
    assert isinstance(req, ApprovalRequest), req
    svc.approval_decide(request=req, actor=approver, approve=True, note=note)
    return Complaint.objects.get(pk=req.complaint_id)


def extend(
    c: Complaint,
    requester: Any,
    level: int,
    approver: Any,
    reason: str = EXTENSION_REASON,
) -> Extension:
    req = svc.complaint_extend(complaint=c, actor=requester, level=level, reason=reason)
    approve(req, approver)
    return Extension.objects.get(complaint_id=c.pk, level=level)


def decline(
    c: Complaint,
    requester: Any,
    approver: Any,
    note: str = "来电人并非投保人本人，亦无授权",
    ground: str = "not_the_consumer",
) -> Complaint:
    req = svc.complaint_decline(
        complaint=c,
        actor=requester,
        standing_ground=ground,
        checked=CHECKED,
        note=note,
    )
    return approve(req, approver)
