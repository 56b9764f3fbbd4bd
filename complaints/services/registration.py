"""Registering a complaint from any channel (Measures arts. 12-14)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from complaints import exceptions as E
from complaints.exceptions import ComplaintError
from complaints.models import Code, Complaint, NumberCounter, RegulatorTransfer
from complaints.models.complaint import REGULATOR_REFERENCE_TAKEN
from complaints.rules import identifiers
from complaints.services._common import refresh_deadlines, save
from complaints.timing import evidence
from organisations import permissions
from organisations.models import Institution

REFERENCE_CONSTRAINT = "complaints_complaint_unique_regulator_reference"
# Measures art. 12: joint complainants in person choose at most 5 representatives.
MAX_REPRESENTATIVES = 5
# DOMAIN.md §8: a group complaint has 5 or more complainants.
GROUP_COMPLAINANTS = 5
# DOMAIN.md §3 (?): 20 or more complaining in person together make a major complaint.
MAJOR_COMPLAINANTS = 20
REGULATOR_CHANNEL = "regulator"
VISIT_CHANNEL = "visit"


def _take(year: int) -> int | None:
    """Increment and read the counter in one statement (one round trip)."""
    table = NumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE year = %s RETURNING last",  # noqa: S608
            [year],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def next_number(year: int) -> str:
    """Take the next number of `year` ("TS2026-000123").

    The counter row stays locked until the registering transaction ends, so two
    registrations never get the same number; a rolled-back registration gives
    its number back. Numbers need not be gap-free.
    """
    last = _take(year)
    if last is None:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(year=year, last=1)
                last = 1
        except IntegrityError:  # another registration created the year's row first
            last = _take(year)
    assert last is not None
    return f"TS{year}-{last:06d}"


def identifier_labels() -> dict[str, str]:
    """Each identifier field's name as the messages say it (its verbose name)."""
    return {
        name: str(capfirst(Complaint._meta.get_field(name).verbose_name))
        for name in identifiers.IDENTIFIER_FIELDS
    }


def _normalise_identifiers(c: Complaint) -> dict[str, Any]:
    """Put every phone, document number and credit code in its stored form
    (complaints.rules.identifiers); return the errors by field."""
    names = (*identifiers.IDENTIFIER_FIELDS, *identifiers.DOCUMENT_FIELDS.values())
    clean, errors = identifiers.normalise_fields(
        {name: getattr(c, name) for name in names},
        labels=identifier_labels(),
        today=timezone.localdate(),
    )
    for name, value in clean.items():
        setattr(c, name, value)
    return dict(errors)


def _validate(c: Complaint) -> None:
    errors: dict[str, Any] = _normalise_identifiers(c)
    R = Complaint.Representation
    if c.representation != R.SELF and not c.agent_name:
        errors["agent_name"] = E.AGENT_NAME_REQUIRED
    if c.channel.code == REGULATOR_CHANNEL and not c.regulator_reference:
        errors["regulator_reference"] = E.REGULATOR_REFERENCE_REQUIRED
    names = [n for n in c.representatives.splitlines() if n.strip()]
    if len(names) > MAX_REPRESENTATIVES:
        errors["representatives"] = ComplaintError(
            E.TOO_MANY_REPRESENTATIVES, params={"max": MAX_REPRESENTATIVES}
        )
    is_org = c.complainant_type == Complaint.ComplainantType.ORGANISATION
    if is_org and not (c.credit_code and c.legal_representative):
        errors.setdefault("credit_code", E.ORGANISATION_FIELDS)
    if errors:
        raise ComplaintError(errors)


@transaction.atomic
def complaint_register(
    *,
    actor: Any,
    institution: Institution,
    channel: Code,
    complainant_name: str,
    product_line: Code,
    category: Code,
    request: str,
    facts: str,
    received_at: datetime | None = None,
    subject_institution: Institution | None = None,
    permission: str = permissions.HANDLE,
    regulator_received_on: date | None = None,
    **fields: Any,
) -> Complaint:
    """Register a complaint in its initial state; every channel comes through here.

    Raises NotFound/PermissionDenied when the actor may not register complaints of
    `institution` (HANDLE; a spreadsheet import registers under IMPORT),
    ComplaintError for missing or inconsistent information.
    """
    permissions.require(actor, permission, institution)
    received_at = received_at or timezone.now()
    evidence.not_in_future(received_at, "received_at", _("The receipt"))
    complaint = Complaint(
        institution=institution,
        channel=channel,
        complainant_name=complainant_name,
        product_line=product_line,
        category=category,
        request=request,
        facts=facts,
        received_at=received_at,
        subject_institution=subject_institution or institution,
        registered_by=actor,
        **fields,
    )
    complaint.received_on = timezone.localdate(received_at)
    complaint.clock_start = complaint.received_on
    complaint.is_group = (
        complaint.is_group or complaint.complainant_count >= GROUP_COMPLAINANTS
    )
    in_person = channel.code == VISIT_CHANNEL
    if in_person and complaint.complainant_count >= MAJOR_COMPLAINANTS:
        complaint.is_major = True
    _validate(complaint)
    _validate_regulator_receipt(complaint, regulator_received_on)
    refresh_deadlines(complaint)
    complaint.number = next_number(complaint.received_on.year)
    saved = _save_registered(complaint, actor)
    if regulator_received_on is not None:
        transfer = RegulatorTransfer(
            complaint=saved,
            regulator_received_on=regulator_received_on,
            recorded_by=actor,
        )
        transfer._history_user = actor  # type: ignore[attr-defined]
        transfer._change_reason = _("Registered")  # type: ignore[attr-defined]
        transfer.full_clean()
        transfer.save()
    return saved


def _save_registered(complaint: Complaint, actor: Any) -> Complaint:
    if not complaint.regulator_reference:
        return save(complaint, actor, _("Registered"))
    try:
        # Two registrations of one transfer at the same moment: the loser gets
        # the validation's message, never the constraint's name. (A savepoint
        # only where the constraint applies: it costs two statements.)
        with transaction.atomic():
            return save(complaint, actor, _("Registered"))
    except IntegrityError as exc:
        if REFERENCE_CONSTRAINT not in str(exc):
            raise
        raise ComplaintError(
            {"regulator_reference": REGULATOR_REFERENCE_TAKEN}
        ) from exc


def _validate_regulator_receipt(c: Complaint, day: date | None) -> None:
    """The regulator received a transfer before the insurer did, and never on a
    day to come (dates of real events are evidence)."""
    if day is None:
        return
    if not c.regulator_reference:
        raise ComplaintError(
            {"regulator_received_on": E.REGULATOR_RECEIPT_WITHOUT_REFERENCE}
        )
    if day > timezone.localdate():
        raise ComplaintError({"regulator_received_on": E.REGULATOR_RECEIPT_IN_FUTURE})
    if day > c.received_on:
        raise ComplaintError(
            {
                "regulator_received_on": ComplaintError(
                    E.REGULATOR_RECEIPT_AFTER_OURS,
                    params={"received": c.received_on.isoformat()},
                )
            }
        )
