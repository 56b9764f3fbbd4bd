"""Columns the database derives from a complaint's own dates, for statistics.

Every KPI compares these (reporting.selectors.kpis). Computed per row in each
of some thirty conditional counts they made a quarter's company statistics
take seconds at a million complaints; stored (GENERATED ALWAYS ... STORED) they
are plain columns, and no code path (save, QuerySet.update, a bulk load) can
leave them stale.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate


class DaysBetween(Func):
    """Whole days from the second date to the first, as an integer."""

    arity = 2
    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "  # PostgreSQL: date - date is an integer

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def ended_on() -> Coalesce:
    """The day the decision clock stopped: the decision was notified, else the
    withdrawal was received (Measures art. 15), else the case was declined or
    routed (closed_at). Empty while open. Dates in the project time zone."""
    return Coalesce(
        TruncDate("notified_at"),
        F("withdrawn_on"),
        TruncDate("closed_at"),
        output_field=DateField(),
    )


# active_until of a complaint not yet closed: later than any period.
STILL_ACTIVE = date(9999, 12, 31)


def active_until() -> Case:
    """The last day a complaint can count in a period's figures: its latest
    event (closure, callback, redress paid; never before receipt), or
    STILL_ACTIVE while it is not closed. The reports' bound on their rows
    (reporting.selectors.kpis._relevant) is then one range on one column,
    read per institution from one index, instead of five conditions that
    sent PostgreSQL through a province's complaints of all time (35,000 rows
    on 33,700 pages to keep 3,800 at a million). Each date is coalesced to
    the receipt because SQLite's MAX() of a NULL is NULL."""
    received = F("received_on")
    return Case(
        When(closed_at__isnull=True, then=Value(STILL_ACTIVE)),
        default=Greatest(
            TruncDate("closed_at"),
            Coalesce(TruncDate("callback_at"), received),
            Coalesce("redress_paid_on", received),
            received,
            output_field=DateField(),
        ),
        output_field=DateField(),
    )


def statutory_due() -> Coalesce:
    """The legal deadline, or the regulator's feedback date when that is earlier
    (DOMAIN.md §4: the earlier binds); the internal target is not a KPI's.
    LEAST skips NULLs on PostgreSQL but not SQLite's MIN: the Coalesce makes
    both give the one date that is set."""
    return Coalesce(
        Least("legal_due", "regulator_due", output_field=DateField()),
        "legal_due",
        "regulator_due",
        output_field=DateField(),
    )


def handling_days() -> DaysBetween:
    """Calendar days from receipt to ended_on (a generated column cannot read
    another, so the expression is repeated)."""
    return DaysBetween(ended_on(), F("received_on"))


class NoticeEvidence(BooleanField):
    """Whether the case file holds proof that the decision reached the
    complainant: an attachment of kind notice (as delivered) or call recording.

    "Notified with evidence" (reporting.selectors.kpis) read it per complaint
    from the attachments: a probe per complaint of the period, 145 ms of the
    compliance dashboard's 340 ms figures query at a million complaints with
    notices on file for 70 % of decisions (BENCHMARKS.md, 2026-12-04). Kept
    here instead, on both sides of every write: an attachment written or
    deleted sets it (complaints.models.records.sync_notice_evidence), and a
    complaint saved whole writes it as the attachments say at that moment, not
    as the instance read it, so a complaint read before its notice was filed
    and saved after cannot put it back to False.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", False)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        if add:  # no attachment can point at a row not yet written
            return super().pre_save(model_instance, add)
        return evidence_on_file()


def evidence_on_file() -> Exists:
    from complaints.models.records import Attachment

    return Exists(
        Attachment.objects.filter(
            complaint=OuterRef("pk"), kind__in=Attachment.NOTICE_EVIDENCE
        )
    )
