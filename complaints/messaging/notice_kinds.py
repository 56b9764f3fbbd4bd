"""What each kind of notice in the outbox is called, in the user's language.

The outbox stores a kind as a stable code (the notice template's name); pages
show these labels, never the code. A kind added elsewhere (staff notices)
adds its label here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KIND_LABELS = {
    "acceptance": _("Acceptance notice"),
    "extension": _("Extension notice"),
    "pause": _("Pause notice"),
    "resume": _("Resumption notice"),
    "decision": _("Decision notice"),
    "review_received": _("Review application acknowledged"),
    "review_decision": _("Review decision notice"),
    "mediation": _("Mediation referral notice"),
    "decline": _("Decline notice"),
    "routed": _("Routing notice"),
    "withdrawal": _("Withdrawal confirmation"),
    "due_soon": _("Deadline reminder"),
    "past_target": _("Internal target passed"),
    "overdue": _("Overdue alert"),
    "callback_due": _("Satisfaction callback due"),
    "callback_overdue": _("Satisfaction callback late"),
    "supervised": _("Supervision (督办) instruction"),
    "task_sent": _("Investigation task sent"),
    "task_answered": _("Investigation task answered"),
    "task_overdue": _("Investigation task overdue"),
    "approval_requested": _("Approval requested"),
    "approval_decided": _("Approval decided"),
}
# Staff notices go out by e-mail as "staff_<StaffNotice.Kind>".
STAFF_PREFIX = "staff_"
OTHER = _("Other notice")


def kind_label(kind: str) -> str:
    """The label of a notice kind ("Other notice" for one not listed)."""
    if kind in KIND_LABELS:
        return str(KIND_LABELS[kind])
    if kind.startswith(STAFF_PREFIX):
        from complaints.models import StaffNotice

        staff = dict(StaffNotice.Kind.choices).get(kind[len(STAFF_PREFIX) :])
        if staff is not None:
            return str(staff)
    return str(OTHER)


def kind_choices() -> list[tuple[str, str]]:
    from complaints.models import StaffNotice

    staff = [
        (f"{STAFF_PREFIX}{k}", str(label)) for k, label in StaffNotice.Kind.choices
    ]
    return [(kind, str(label)) for kind, label in KIND_LABELS.items()] + staff
