"""The two dates of a complaint, and what "overdue" means, in one place.

Every page that shows a deadline (the list, the case page, my work, the
landing page, dashboards and their drill-downs, notices to staff) uses these
words and these conditions, so the same case reads the same everywhere:

- 法定期限 / legal deadline: the decision limit of the Measures (15 days, 30 and
  60 with approved extensions, pauses added; Civil Code counting), or the
  regulator's feedback date on a transferred complaint when that is earlier
  (DOMAIN.md §4: the earlier binds). Under review (核查) it is the review's
  limit. Stored as the generated column ``statutory_due`` (review: review_due).
- 内部时限 / internal target: the insurer's stricter target (receipt day counted
  as day 1, no roll-forward; COMPLAINT_INTERNAL_TARGET), ``internal_due``.
- 超期 / overdue: the legal deadline has passed while the decision clock runs
  and is not paused (or, under review, the review's limit has passed). The
  statistics' "overdue open" (reporting's ``overdue_open``) counts the
  decision clock the same way. Passing the internal target only is "past the internal
  target" (超内部时限), a warning, never "overdue".
- "Due today", "due this week": by the earlier of the two dates (``due_on``),
  the date the handler works to.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from complaints.models import OPEN_STATUSES, Complaint
from complaints.models.complaint import LEGAL_CLOCK_RUNS, OVERDUE_SINCE

LEGAL_DEADLINE = _("legal deadline")  # 法定期限
INTERNAL_TARGET = _("internal target")  # 内部时限
OVERDUE = _("Overdue")  # 超期: past the legal deadline
PAST_INTERNAL_TARGET = _("Past the internal target")  # 超内部时限
LEGAL_DEADLINE_HELP = _(
    "The decision limit of the Measures (with approved extensions and pauses), "
    "or the regulator's feedback date when that is earlier. Overdue means past "
    "this date."
)
INTERNAL_TARGET_HELP = _(
    "The insurer's stricter internal target (the day of receipt counted as day 1)."
)
BY_LEGAL_DEADLINE = _("by the legal deadline")
BY_EARLIER_DATE = _("by the earlier of the legal deadline and the internal target")

# The decision clock runs for a complaint (not an enquiry, suggestion or
# report) until the decision is notified (Measures art. 18).
RUNNING = Q(status__in=OPEN_STATUSES, item_type=Complaint.ItemType.COMPLAINT)
NOT_PAUSED = Q(paused_since__isnull=True)


def overdue_q(today: date) -> Q:
    """Complaints overdue on `today`: past the legal deadline with the decision
    clock running and not paused, or under review past the review's limit."""
    decision = RUNNING & NOT_PAUSED & Q(statutory_due__lt=today)
    return decision | Q(status=Complaint.Status.UNDER_REVIEW, review_due__lt=today)


# The overdue list's order: the most overdue (the earliest legal deadline) first.
MOST_OVERDUE_FIRST = ("overdue_since", "pk")


def overdue_rows(queryset: QuerySet[Any], today: date) -> QuerySet[Any]:
    """`queryset` filtered by overdue_q(today), written as the index
    complaint_overdue_since reads it: the clock runs (the index's condition)
    and the date it binds to, `overdue_since`, has passed. The same rows as
    overdue_q; ordered by MOST_OVERDUE_FIRST they come from the index in its
    own order instead of a walk of the received_at index."""
    return (
        queryset.filter(LEGAL_CLOCK_RUNS)
        .alias(overdue_since=OVERDUE_SINCE)
        .filter(overdue_since__lt=today)
    )


def past_internal_target_q(today: date) -> Q:
    """Past the internal target but not (yet) the legal deadline."""
    return (
        RUNNING & NOT_PAUSED & Q(internal_due__lt=today) & ~Q(statutory_due__lt=today)
    )


def due_between_q(first: date, last: date) -> Q:
    """Clock running, the earlier date (due_on) between first and last."""
    return RUNNING & NOT_PAUSED & Q(due_on__gte=first, due_on__lte=last)


def legal_deadline(complaint: Any) -> date | None:
    """The legal deadline of one complaint as shown (the statutory_due column's
    rule, computed here so an unsaved or just-saved object needs no query)."""
    if complaint.status == Complaint.Status.UNDER_REVIEW and complaint.review_due:
        return complaint.review_due  # type: ignore[no-any-return]
    dates = [d for d in (complaint.legal_due, complaint.regulator_due) if d]
    return min(dates) if dates else None


def regulator_date_binds(complaint: Any) -> bool:
    """Whether the regulator's feedback date is the legal deadline shown."""
    regulator, legal = complaint.regulator_due, complaint.legal_due
    if not regulator or complaint.status == Complaint.Status.UNDER_REVIEW:
        return False
    return legal is None or regulator < legal


def internal_target(complaint: Any) -> date | None:
    """The internal target (none under review: the review has only its limit)."""
    if complaint.status == Complaint.Status.UNDER_REVIEW:
        return None
    return complaint.internal_due  # type: ignore[no-any-return]
