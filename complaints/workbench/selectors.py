"""Reads for the workbench, each scoped through organisations.permissions.

Writes live in complaints.services; nothing here changes a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, DateField, F, Q, QuerySet, Value, When
from django.db.models.functions import Replace
from django.utils import timezone

from complaints.models import OPEN_STATUSES, Complaint
from complaints.rules import identifiers
from complaints.timing import deadline_terms, deadlines
from organisations import permissions as P
from organisations.models import Institution, Membership
from organisations.names import display_name as person_name  # noqa: F401 (re-exported)

S = Complaint.Status
# A deadline this close (in working days) or closer is shown amber: the first
# due-soon reminder goes out at the same threshold (deadlines.REMINDER_WORKING_DAYS).
DUE_SOON_WORKING_DAYS = max(deadlines.REMINDER_WORKING_DAYS)
DUPLICATES_SHOWN = 20
DESK_STATUSES = [*OPEN_STATUSES, S.UNDER_REVIEW]


# --- Complaints -------------------------------------------------------------
def complaint_possible_duplicates(
    *,
    user: Any,
    id_number: str = "",
    phone: str = "",
    policy_number: str = "",
    exclude_pk: int | None = None,
    today: date | None = None,
) -> QuerySet[Complaint]:
    """Complaints the user may see, received within the look-back window, with
    the same ID number, phone or policy number (any one of them)."""
    match = Q()
    id_number, phone, policy_number = (
        identifiers.lenient_document(id_number),
        identifiers.lenient_phone(phone),
        (policy_number or "").strip(),
    )
    if id_number:
        # Exact matches keep the index usable; the check letter may be x or X.
        match |= Q(id_number__in={id_number, id_number.upper(), id_number.lower()})
    if phone:
        match |= Q(phone=phone)
    if policy_number:
        match |= Q(policy_number=policy_number)
    if not match:
        return Complaint.objects.none()
    lookback = timedelta(days=settings.COMPLAINT_DUPLICATE_LOOKBACK_DAYS)
    since = (today or timezone.localdate()) - lookback
    qs = Complaint.objects.filter(match, received_on__gte=since)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return (
        P.scope(qs, user, P.VIEW)
        .select_related("institution", "handler")
        .order_by("-received_at")
    )


def complaint_my_work(*, user: Any, limit: int | None = None) -> QuerySet[Complaint]:
    """What is on the user's desk, the most urgent first.

    Open complaints the user handles; open complaints nobody has taken yet in
    the branches the user handles (a new registration has no handler until it
    is assigned); decisions awaiting the user's approval (never one the user
    drafted: four-eyes); reviews (核查) at an institution where the user
    reviews. `work` says which, `work_due` is the date that binds.
    """
    if not user.is_authenticated:
        return Complaint.objects.none()
    handling = P.scope(
        Complaint.objects.filter(handler=user, status__in=OPEN_STATUSES),
        user,
        P.VIEW,
    )
    unassigned = P.scope(
        Complaint.objects.filter(handler__isnull=True, status__in=OPEN_STATUSES),
        user,
        P.HANDLE,
    )
    approving = P.scope(
        Complaint.objects.filter(status=S.AWAITING_APPROVAL).exclude(drafted_by=user),
        user,
        P.APPROVE,
    )
    reviewing = P.scope(
        Complaint.objects.filter(status=S.UNDER_REVIEW),
        user,
        P.REVIEW,
        via="review_institution",
    )
    mine = Q(handler=user, status__in=OPEN_STATUSES)
    work_due = Case(
        When(status=S.UNDER_REVIEW, then=F("review_due")),
        default=F("due_on"),
        output_field=DateField(),
    )
    order = (F("work_due").asc(nulls_last=True), "received_at")
    desk = (
        (handling | unassigned | approving | reviewing)
        # Implied by each part; said once more so PostgreSQL reads the desk
        # through the (institution, status) index instead of every complaint
        # of the subtree (issue 15: 53 ms for a provincial manager at 1M).
        .filter(status__in=DESK_STATUSES)
    )
    if limit is not None:
        # The first `limit` are picked by their ids alone, and only those are
        # joined for display: PostgreSQL, expecting 4 rows where a province's
        # desk has 2,800, joined the categories to all of them in a nested
        # loop (60 of a 77 ms query at a million).
        picked = desk.annotate(work_due=work_due).order_by(*order).values("pk")
        desk = Complaint.objects.filter(pk__in=picked[:limit])
    return (
        desk.annotate(
            work=Case(
                When(mine, then=Value("handle")),
                When(status=S.AWAITING_APPROVAL, then=Value("approve")),
                When(status=S.UNDER_REVIEW, then=Value("review")),
                default=Value("unassigned"),
                output_field=CharField(),
            ),
            work_due=work_due,
        )
        .select_related("institution", "handler", "category")
        .order_by(*order)
    )


def complaint_by_number(
    *, user: Any, number: str, perm: str = P.VIEW
) -> Complaint | None:
    """The complaint with this number if the user holds `perm` on it, else None
    (a hidden complaint answers like a missing one)."""
    number = (number or "").strip().upper()
    if not number:
        return None
    return P.scope(Complaint.objects.filter(number=number), user, perm).first()


# --- Choices for filters and forms -----------------------------------------
def institution_choices(*, user: Any, perm: str = P.VIEW) -> QuerySet[Institution]:
    """Institutions the user may act on with `perm`, in tree order."""
    return P.institutions_for(user, perm).order_by("path")


def handler_choices(*, user: Any, within: Institution | None = None) -> QuerySet[Any]:
    """People who handle complaints inside the user's scope (handlers and
    managers holding a role on an institution the user may see); with
    `within`, only those holding it in that institution's subtree."""
    roles = [Membership.Role.HANDLER, Membership.Role.MANAGER]
    members = Membership.objects.filter(role__in=roles)
    if not P.is_global(user):
        members = members.filter(institution__in=P.institutions_for(user, P.VIEW))
    if within is not None:
        members = members.filter(institution__path__startswith=within.path)
    return _users(Q(pk__in=members.values("user_id")))


def eligible_handlers(*, complaint: Complaint) -> QuerySet[Any]:
    """Who may be given the case (the service still checks recusal and subject)."""
    return _users(Q(pk__in=P.users_with(P.HANDLE, complaint.institution).values("pk")))


def staff_in_scope_of(*, complaint: Complaint) -> QuerySet[Any]:
    """People who can see the complaint (who may have to recuse themselves)."""
    return _users(Q(pk__in=P.users_with(P.VIEW, complaint.institution).values("pk")))


def _users(condition: Q) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(condition, is_active=True, is_staff=True)
        .order_by("last_name", "first_name", "username")
    )


# --- How a complaint reads for a user ----------------------------------------
def can_see_personal_data(user: Any, complaint: Complaint) -> bool:
    return P.has(user, P.PERSONAL_DATA, complaint.institution)


def mask_phone(value: str) -> str:
    """13800138000 -> 138****8000; short values keep only their last two digits."""
    if not value:
        return ""
    if len(value) >= 7:
        return f"{value[:3]}****{value[-4:]}"
    return "*" * max(len(value) - 2, 0) + value[-2:]


def mask_id_number(value: str) -> str:
    """440106199001011235 -> 4401**********1235."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_name(value: str) -> str:
    """林小雨 -> 林*雨; 林雨 -> 林*; names of organisations keep their first two."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    if len(value) <= 4:
        return value[0] + "*" * (len(value) - 2) + value[-1]
    return value[:2] + "*" * (len(value) - 2)


def mask_text(value: str) -> str:
    return "***" if value else ""


def mask_names(value: str) -> str:
    """One name per line (joint complainants' representatives), each masked."""
    return "\n".join(mask_name(line.strip()) for line in value.splitlines())


# The complaint's fields that identify or reach a natural person, each with the
# mask shown to a role without the personal-data permission (PIPL art. 51:
# access on need). The change form, history, lists and exports all use these.
PERSONAL_FIELD_MASKS: dict[str, Callable[[str], str]] = {
    "complainant_name": mask_name,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "email": mask_text,
    "address": mask_text,
    "legal_representative": mask_name,
    "agent_name": mask_name,
    "agent_id_number": mask_id_number,
    "agent_phone": mask_phone,
    "representatives": mask_names,
}


def masked(field: str, value: Any) -> Any:
    """`value` of the complaint's `field` as shown without the permission."""
    mask = PERSONAL_FIELD_MASKS.get(field)
    if mask is None or value in (None, ""):
        return value
    return mask(str(value))


def complainant_shown(
    user: Any, complaint: Complaint, *, allowed: bool | None = None
) -> tuple[str, str]:
    """(name, phone) of the complainant as `user` may see them; `allowed`, when
    given, is can_see_personal_data(user, complaint) already asked."""
    name, phone = complaint.complainant_name, complaint.phone
    if allowed is None:
        allowed = can_see_personal_data(user, complaint)
    if allowed:
        return name, phone
    return mask_name(name), mask_phone(phone)


# --- A data subject's complaints (PIPL art. 45) --------------------------------
def data_subject_complaints(
    *, user: Any, id_number: str = "", phone: str = ""
) -> QuerySet[Complaint]:
    """Complaints in which the person with this ID number or phone is the
    complainant or the agent, where `user` may answer for the person's data
    (P.DATA_PROTECTION). Whole values only: a request names one person.

    Phones are stored as they were given ("138-0013-8000", "+86 138..."), so
    they are compared by their digits; that reads every row in scope, which a
    request made now and then can afford."""
    id_number, phone = (id_number or "").strip(), phone_digits(phone)
    match = Q()
    if id_number:
        ids = {id_number, id_number.upper(), id_number.lower()}
        match |= Q(id_number__in=ids) | Q(agent_id_number__in=ids)
    if phone:
        numbers = _phone_forms(phone)
        match |= Q(phone_digits__in=numbers) | Q(agent_phone_digits__in=numbers)
    if not match:
        return Complaint.objects.none()
    complaints = Complaint.objects.annotate(
        phone_digits=_digits_of("phone"), agent_phone_digits=_digits_of("agent_phone")
    )
    return (
        P.scope_all(complaints.filter(match), user, P.DATA_PROTECTION)
        .select_related("institution", "channel", "product_line", "category")
        .order_by("received_at", "pk")
    )


def is_complainant(complaint: Complaint, *, id_number: str, phone: str) -> bool:
    """Whether the person searched for is the complaint's complainant (else
    the agent)."""
    id_number, phone = (id_number or "").strip().upper(), phone_digits(phone)
    return bool(
        (id_number and complaint.id_number.upper() == id_number)
        or (phone and phone_digits(complaint.phone) == phone)
    )


_PHONE_PUNCTUATION = ("-", " ", "(", ")", "+")
COUNTRY_PREFIXES = ("0086", "86")
MOBILE_DIGITS = 11


def phone_digits(value: str) -> str:
    """'+86 138-0013-8000' -> '13800138000': punctuation and the country code
    dropped."""
    value = (value or "").strip()
    for mark in _PHONE_PUNCTUATION:
        value = value.replace(mark, "")
    for prefix in COUNTRY_PREFIXES:
        if value.startswith(prefix) and len(value) - len(prefix) == MOBILE_DIGITS:
            return value[len(prefix) :]
    return value


def _phone_forms(digits: str) -> set[str]:
    return {digits, *(prefix + digits for prefix in COUNTRY_PREFIXES)}


def _digits_of(field: str) -> Any:
    expression: Any = F(field)
    for mark in _PHONE_PUNCTUATION:
        expression = Replace(expression, Value(mark), Value(""))
    return expression


# --- Deadlines as shown -------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    """The dates of a complaint as the workbench shows them
    (complaints.timing.deadline_terms says what each means).

    legal: the legal deadline (法定期限); internal: the internal target (内部时限);
    due: the earlier of the two, the date the handler works to, to which
    working_days_left and calendar_days_left count. state: "red" (overdue:
    past the legal deadline), "amber" (past the internal target, or
    DUE_SOON_WORKING_DAYS working days or fewer left), "green", "grey" (the
    clock is not running).
    """

    due: date | None
    state: str
    working_days_left: int | None
    calendar_days_left: int | None
    provisional: bool
    paused: bool
    legal: date | None = None
    internal: date | None = None
    legal_days_left: int | None = None
    regulator_binds: bool = False

    @property
    def overdue_days(self) -> int:
        """Calendar days past the legal deadline."""
        if self.state != "red":
            return 0
        left = self.legal_days_left
        if left is None:
            left = self.calendar_days_left
        return max(-(left or 0), 0)

    @property
    def past_internal(self) -> bool:
        return self.state == "amber" and (self.calendar_days_left or 0) < 0

    @property
    def internal_overdue_days(self) -> int:
        return max(-(self.calendar_days_left or 0), 0) if self.past_internal else 0


def complaint_deadline(
    complaint: Complaint, *, today: date, calendar: deadlines.WorkdayCalendar
) -> Deadline:
    """The dates of `complaint` on `today` (the decision clock, or the review's
    once under review); `calendar` is one per request (it caches what it reads)."""
    legal = deadline_terms.legal_deadline(complaint)
    internal = deadline_terms.internal_target(complaint)
    running = complaint.item_type == Complaint.ItemType.COMPLAINT and (
        complaint.status in OPEN_STATUSES
    )
    due = complaint.due_on
    if complaint.status == S.UNDER_REVIEW and complaint.review_due:
        due, running = complaint.review_due, True
    paused = bool(complaint.paused_since) and complaint.status in OPEN_STATUSES
    binds = deadline_terms.regulator_date_binds(complaint)
    if due is None or not running or paused:
        return Deadline(
            due,
            "grey",
            None,
            None,
            complaint.due_provisional,
            paused,
            legal=legal,
            internal=internal,
            regulator_binds=binds,
        )
    working = deadlines.working_days_left(today, due, calendar)
    calendar_days = (due - today).days
    legal_left = (legal - today).days if legal else None
    if legal_left is not None and legal_left < 0:
        state = "red"
    elif today > due or working <= DUE_SOON_WORKING_DAYS:
        state = "amber"
    else:
        state = "green"
    return Deadline(
        due,
        state,
        working,
        calendar_days,
        complaint.due_provisional,
        paused,
        legal=legal,
        internal=internal,
        legal_days_left=legal_left,
        regulator_binds=binds,
    )
