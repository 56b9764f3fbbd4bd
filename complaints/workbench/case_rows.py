"""The rows of one complaint's file, read once per view of the case page.

The case page shows the file three ways: the timeline, the case-file tables
(the admin's inlines) and the summary (running supervision, open tasks,
internal notes). Each read the same tables again, and the page took 72
statements for a full file (issue 19). A complaint read by the admin for a
page view carries a memo (`remember`); `rows(complaint, Model)` then reads each
table once, with the people and places every part shows, in the model's own
order, and hands all parts the same rows. Without the memo (services, other
callers) it reads afresh each time.
"""

from __future__ import annotations

from typing import Any

from complaints.models import (
    ApprovalRequest,
    Attachment,
    Complaint,
    Correspondence,
    Extension,
    InternalNote,
    InvestigationTask,
    Letter,
    Pause,
    Recusal,
    Routing,
    Supervision,
)

MEMO = "_case_rows"
# What each part of the page shows of a row: the union, read with it.
RELATED: dict[type[Any], tuple[str, ...]] = {
    Correspondence: ("recorded_by",),
    Attachment: ("uploaded_by",),
    Extension: ("requested_by", "approved_by"),
    Pause: ("recorded_by",),
    Recusal: ("user", "declared_by"),
    ApprovalRequest: ("requested_by", "decided_by"),
    InternalNote: ("author",),
    Letter: ("created_by",),
    InvestigationTask: (
        "requested_by",
        "answered_by",
        "withdrawn_by",
        "department__institution",
        "assignee",
    ),
    Supervision: ("started_by", "ended_by"),
    Routing: ("reason", "merged_into"),
}


def remember(complaint: Complaint) -> None:
    """From now on, `rows` reads each table of this complaint's file once."""
    complaint.__dict__.setdefault(MEMO, {})


def rows(complaint: Complaint, model: type[Any]) -> list[Any]:
    """The rows of `model` in `complaint`'s file, in the model's order, each
    knowing its complaint."""
    memo = complaint.__dict__.get(MEMO)
    if memo is not None and model in memo:
        return memo[model]  # type: ignore[no-any-return]
    found = list(
        model._default_manager.filter(complaint=complaint).select_related(
            *RELATED.get(model, ())
        )
    )
    for row in found:
        row.complaint = complaint
    if memo is not None:
        memo[model] = found
    return found


def remembered(complaint: Complaint) -> bool:
    return MEMO in complaint.__dict__
