from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import (
    ConcurrentTransitionMixin,
    FSMField,
    FSMFieldMixin,
    transition,
)

from complaints.models import derived
from complaints.models.audit import SealedHistory
from complaints.rules import identifiers, redress
from complaints.rules.constraints import validate_constraints
from organisations.models import Institution
from organisations.text import VisibleText


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    INVESTIGATING = "investigating", _("Investigating")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    DECIDED = "decided", _("Decided")
    NOTIFIED = "notified", _("Decision notified")
    UNDER_REVIEW = "under_review", _("Under review (核查)")
    REVIEWED = "reviewed", _("Reviewed")
    IN_MEDIATION = "in_mediation", _("In mediation")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined (standing)")
    ROUTED = "routed", _("Routed elsewhere")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ARCHIVED = "archived", _("Archived")


S = Status
PATTERN_OPS = "varchar_pattern_ops"
# The decision clock runs until the decision is notified (Measures art. 18).
OPEN_STATUSES = [
    S.REGISTERED,
    S.ACCEPTED,
    S.INVESTIGATING,
    S.AWAITING_APPROVAL,
    S.DECIDED,
]
# Withdrawal ends handling wherever the case stands (Measures art. 15).
WITHDRAWABLE = [*OPEN_STATUSES, S.NOTIFIED, S.UNDER_REVIEW, S.REVIEWED, S.IN_MEDIATION]
# Routing is decided before the merits are: reclassify, forward, link, merge.
ROUTABLE = [S.REGISTERED, S.ACCEPTED, S.INVESTIGATING]
ENDED = [S.CLOSED, S.DECLINED, S.ROUTED, S.WITHDRAWN]
# The overdue list (issue 19): the date a case's legal clock binds to while it
# runs (complaints.timing.deadline_terms.overdue_rows), the review's limit under
# review. Indexed with the id over the rows whose clock runs, so the list reads
# the most overdue first straight from the index.
OVERDUE_SINCE = models.Case(
    models.When(status=S.UNDER_REVIEW, then=models.F("review_due")),
    default=models.F("statutory_due"),
    output_field=models.DateField(),
)
LEGAL_CLOCK_RUNS = models.Q(
    status__in=OPEN_STATUSES, item_type="complaint", paused_since__isnull=True
) | models.Q(status=S.UNDER_REVIEW)
# Redress is paid once the merits are decided, until the case file is archived.
REDRESS_PAYABLE = [
    S.DECIDED,
    S.NOTIFIED,
    S.UNDER_REVIEW,
    S.REVIEWED,
    S.IN_MEDIATION,
    S.CLOSED,
]


HISTORY_UNINDEXED = [
    "number",
    "channel",
    "institution",
    "handler",
    "registered_by",
    "subject_institution",
    "subject_staff_user",
    "product_line",
    "category",
    "cause",
    "route_reason",
    "merged_into",
    "drafted_by",
    "approved_by",
    "review_institution",
    "reviewer",
]


# One answer for any conflict, wherever the other complaint is: it names neither
# the complaint nor its branch (no existence oracle across branches).
REGULATOR_REFERENCE_TAKEN = _(
    "This regulator reference is already registered: a transfer is registered "
    "once. Search the complaint list for it, or ask a compliance officer, who "
    "receives the regulator's transfers, to check it."
)


class Complaint(VisibleText, ConcurrentTransitionMixin, models.Model):
    """A consumer complaint (or an item reclassified out of the complaint clock).

    Status moves only through the transitions below, each driven by one service
    in complaints.services; the transition bodies only set fields on self.
    """

    Status = Status

    class ItemType(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        ENQUIRY = "enquiry", _("Enquiry")
        SUGGESTION = "suggestion", _("Suggestion")
        REPORT = "report", _("Report of a violation")

    class ComplainantType(models.TextChoices):
        PERSON = "person", _("Natural person")
        ORGANISATION = "organisation", _("Organisation")

    class Representation(models.TextChoices):
        SELF = "self", _("In person")
        GUARDIAN = "guardian", _("Legal guardian / statutory agent")
        AGENT = "agent", _("Authorised agent")
        HEIR = "heir", _("Heir")

    class IdType(models.TextChoices):
        # Each type has its own format check (complaints.rules.identifiers).
        RESIDENT_ID = identifiers.RESIDENT_ID, _("Resident identity card")
        HK_MACAO_PERMIT = (
            identifiers.HK_MACAO_PERMIT,
            _("Mainland travel permit for Hong Kong and Macao residents"),
        )
        TAIWAN_PERMIT = (
            identifiers.TAIWAN_PERMIT,
            _("Mainland travel permit for Taiwan residents"),
        )
        HMT_RESIDENCE_PERMIT = (
            identifiers.HMT_RESIDENCE_PERMIT,
            _("Residence permit for Hong Kong, Macao and Taiwan residents"),
        )
        PASSPORT = identifiers.PASSPORT, _("Passport")
        OTHER = identifiers.OTHER, _("Other")

    class RouteKind(models.TextChoices):
        RECLASSIFIED = "reclassified", _("Reclassified (not a complaint)")
        FORWARDED = "forwarded", _("Forwarded to the responsible institution")
        PROCEEDING = "proceeding", _("Linked to court or arbitration")
        MERGED = "merged", _("Merged into an open case")
        ALREADY_DECIDED = "already_decided", _("Same matter already decided")

    class Outcome(models.TextChoices):
        SUPPORTED = "supported", _("Supported")
        PARTLY = "partly", _("Partly supported")
        NOT_SUPPORTED = "not_supported", _("Not supported")
        MEDIATED = "mediated", _("Settled by mediation")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class ReviewResult(models.TextChoices):
        UPHELD = "upheld", _("Decision upheld")
        VARIED = "varied", _("Decision varied")
        OVERTURNED = "overturned", _("Decision overturned")

    class Satisfaction(models.IntegerChoices):
        VERY_SATISFIED = 5, _("Very satisfied")
        SATISFIED = 4, _("Satisfied")
        NEUTRAL = 3, _("Neutral")
        DISSATISFIED = 2, _("Dissatisfied")
        VERY_DISSATISFIED = 1, _("Very dissatisfied")
        UNREACHABLE = 0, _("Could not be reached")

    class RedressMethod(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        ORIGINAL_ROUTE = "original_route", _("Refund to the original payment")
        PREMIUM_OFFSET = "premium_offset", _("Set off against premium")
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        OTHER = "other", _("Other")

    class MediationOutcome(models.TextChoices):
        AGREED = "agreed", _("Agreement reached")
        FAILED = "failed", _("No agreement")
        DECLINED = "declined", _("Insurer declined to take part")

    # --- Identity and intake ------------------------------------------------
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    item_type = models.CharField(
        _("item type"),
        max_length=12,
        choices=ItemType.choices,
        default=ItemType.COMPLAINT,
    )
    channel = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "channel"},
    )
    received_at = models.DateTimeField(_("received at"))
    received_on = models.DateField(_("received on"), editable=False)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("responsible institution"),
        on_delete=models.PROTECT,
        related_name="complaints",
        db_index=False,  # complaint_inst_received and _inst_status lead with it
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_handled",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    # --- Complainant (Measures arts. 13-14) ---------------------------------
    complainant_type = models.CharField(
        _("complainant type"),
        max_length=12,
        choices=ComplainantType.choices,
        default=ComplainantType.PERSON,
    )
    complainant_name = models.CharField(_("complainant name"), max_length=100)
    id_type = models.CharField(
        _("ID type"), max_length=12, choices=IdType.choices, blank=True
    )
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True
    )
    legal_representative = models.CharField(
        _("legal representative / principal"), max_length=100, blank=True
    )
    representation = models.CharField(
        _("lodged by"),
        max_length=12,
        choices=Representation.choices,
        default=Representation.SELF,
    )
    agent_name = models.CharField(_("agent / heir name"), max_length=100, blank=True)
    agent_id_type = models.CharField(
        _("agent / heir ID type"), max_length=12, choices=IdType.choices, blank=True
    )
    agent_id_number = models.CharField(
        _("agent / heir ID number"), max_length=40, blank=True
    )
    agent_phone = models.CharField(_("agent / heir phone"), max_length=30, blank=True)
    authority_verified = models.BooleanField(
        _("authority document seen"),
        default=False,
        help_text=_("Original power of attorney, guardianship or inheritance proof."),
    )
    complainant_count = models.PositiveIntegerField(
        _("number of complainants"), default=1, validators=[MinValueValidator(1)]
    )
    representatives = models.TextField(
        _("representatives"),
        blank=True,
        help_text=_("Joint complaints in person: one name per line, at most 5."),
    )

    # --- What is complained about --------------------------------------------
    subject_institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution complained about"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_staff = models.CharField(
        _("staff complained about"), max_length=100, blank=True
    )
    subject_staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff account complained about"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    policy_number = models.CharField(_("policy number"), max_length=40, blank=True)
    claim_number = models.CharField(_("claim number"), max_length=40, blank=True)
    # Motor complaints are asked about by plate (complaints.rules.identifiers). A
    # lookup key beside the facts (which state the vehicle), set at
    # registration: kept out of the sealed history, whose columns are fixed
    # per SEAL_VERSION (complaints.integrity.audit.ADDED_FIELDS); sealing it needs a
    # new version.
    plate_number = models.CharField(_("plate number"), max_length=12, blank=True)
    product_line = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("product line"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "product_line"},
    )
    category = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("business category"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "category"},
    )
    cause = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("cause"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "cause"},
        null=True,
        blank=True,
    )
    request = models.TextField(_("request"))
    facts = models.TextField(_("main facts and grounds"))
    amount_in_dispute = models.DecimalField(
        _("amount in dispute (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    # --- Flags ----------------------------------------------------------------
    regulator_reference = models.CharField(
        _("regulator's reference"), max_length=60, blank=True
    )
    regulator_office = models.CharField(
        _("transferring office"), max_length=100, blank=True
    )
    regulator_due = models.DateField(
        _("regulator's feedback date"), null=True, blank=True
    )
    is_group = models.BooleanField(_("group complaint"), default=False)
    is_vulnerable = models.BooleanField(_("vulnerable consumer"), default=False)
    media_risk = models.BooleanField(_("media / public-opinion risk"), default=False)
    is_repeat = models.BooleanField(_("repeat complaint"), default=False)
    is_major = models.BooleanField(_("major complaint"), default=False)

    # --- Lifecycle ------------------------------------------------------------
    status = FSMField(
        _("status"), default=Status.REGISTERED, choices=Status.choices, protected=True
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    # --- Deadlines (computed by complaints.timing.deadlines, stored) ---------------
    clock_start = models.DateField(_("clock starts"), editable=False)
    extension_level = models.PositiveSmallIntegerField(_("extensions"), default=0)
    paused_days = models.PositiveIntegerField(_("paused days"), default=0)
    paused_since = models.DateField(_("paused since"), null=True, blank=True)
    legal_due = models.DateField(_("legal deadline"), null=True, blank=True)
    internal_due = models.DateField(_("internal target"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    due_provisional = models.BooleanField(
        _("calendar missing"),
        default=False,
        help_text=_("The due date crosses a year whose calendar is not loaded."),
    )
    reminder_level = models.PositiveSmallIntegerField(default=0, editable=False)
    escalation_level = models.PositiveSmallIntegerField(default=0, editable=False)

    # --- Routing and refusal -------------------------------------------------
    route_kind = models.CharField(
        _("routing"), max_length=20, choices=RouteKind.choices, blank=True
    )
    route_reason = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("reason"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "route_reason"},
        null=True,
        blank=True,
    )
    route_note = models.TextField(_("routing note"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
    )

    # --- Decision (Measures art. 19) ---------------------------------------
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    decision_text = models.TextField(_("decision and reasons"), blank=True)
    redress_amount = models.DecimalField(
        _("redress (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    redress_paid_on = models.DateField(_("redress paid on"), null=True, blank=True)
    redress_method = models.CharField(
        _("paid by"), max_length=16, choices=RedressMethod.choices, blank=True
    )
    redress_reference = models.CharField(
        _("payment reference"), max_length=60, blank=True
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("decision notified at"), null=True, blank=True)
    decision_received_on = models.DateField(
        _("complainant received the decision on"), null=True, blank=True
    )

    # --- Review (核查, Measures art. 20) -------------------------------------
    review_institution = models.ForeignKey(
        Institution,
        verbose_name=_("reviewing institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_applied_on = models.DateField(_("review applied on"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_result = models.CharField(
        _("review result"), max_length=12, choices=ReviewResult.choices, blank=True
    )
    review_text = models.TextField(_("review decision"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    # --- Mediation (2022 consumer-protection Measures art. 16) ------------
    mediation_body = models.CharField(_("mediation body"), max_length=100, blank=True)
    mediation_referred_on = models.DateField(_("referred on"), null=True, blank=True)
    mediation_outcome = models.CharField(
        _("mediation outcome"),
        max_length=12,
        choices=MediationOutcome.choices,
        blank=True,
    )
    mediation_note = models.TextField(_("mediation note"), blank=True)

    # --- Satisfaction callback (回访, DOMAIN.md §5) --------------------------
    # Set when the case closes (COMPLAINT_CALLBACK_WORKING_DAYS later); the
    # sweep reminds the handler from that day until the callback is recorded.
    callback_due = models.DateField(_("callback due"), null=True, blank=True)
    callback_at = models.DateTimeField(_("callback at"), null=True, blank=True)
    callback_by = models.CharField(_("called back by"), max_length=100, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    callback_note = models.TextField(_("complainant's words"), blank=True)

    # --- Ending -------------------------------------------------------------
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    # Personal data replaced after the retention period (integrity.retention).
    anonymised_at = models.DateTimeField(
        _("anonymised at"), null=True, blank=True, editable=False
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # --- Derived by the database, for statistics (complaints.models.derived) --
    ended_on = models.GeneratedField(
        expression=derived.ended_on(),
        output_field=models.DateField(_("handling ended on")),
        db_persist=True,
    )
    statutory_due = models.GeneratedField(
        expression=derived.statutory_due(),
        output_field=models.DateField(_("statutory deadline")),
        db_persist=True,
    )
    handling_days = models.GeneratedField(
        expression=derived.handling_days(),
        output_field=models.IntegerField(_("handling days")),
        db_persist=True,
    )
    active_until = models.GeneratedField(
        expression=derived.active_until(),
        output_field=models.DateField(_("counts in reports until")),
        db_persist=True,
    )
    notice_evidence = derived.NoticeEvidence(_("notice evidence on file"))

    history = SealedHistory(
        # Derived columns are not history: they follow from the hashed ones.
        excluded_fields=[
            "reminder_level",
            "escalation_level",
            "ended_on",
            "statutory_due",
            "handling_days",
            "active_until",
            "notice_evidence",
            "plate_number",
        ],
        # History is read per complaint (by id) and per actor (history_user),
        # never by these columns: an index on each would cost every write.
        no_db_index=HISTORY_UNINDEXED,
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        indexes = [
            models.Index(
                fields=["due_on"],
                name="complaint_open_due",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # "Overdue" on every page is past the legal deadline
            # (complaints.timing.deadline_terms.overdue_q): the open cases' one, and
            # the reviews' limit.
            models.Index(
                fields=["statutory_due"],
                name="complaint_open_legal_due",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["review_due"],
                name="complaint_review_due",
                condition=models.Q(status=S.UNDER_REVIEW),
            ),
            models.Index(
                OVERDUE_SINCE,
                models.F("id"),
                name="complaint_overdue_since",
                condition=LEGAL_CLOCK_RUNS,
            ),
            models.Index(
                fields=["institution", "status"], name="complaint_inst_status"
            ),
            # The monthly trend counts a year by these two dates: with the
            # scope's and the statistics' columns in the key, from the index
            # alone (reporting.selectors.kpis.kpi_monthly).
            models.Index(
                fields=["received_on", "institution", "item_type"],
                name="complaint_received_month",
            ),
            models.Index(
                fields=["ended_on", "institution", "item_type", "statutory_due"],
                name="complaint_ended_month",
            ),
            # Reports bound their rows by this (reporting.selectors.kpis._relevant),
            # a subtree's institution by institution.
            models.Index(
                fields=["institution", "active_until"],
                name="complaint_inst_active",
                condition=models.Q(item_type="complaint"),
            ),
            models.Index(fields=["closed_at"], name="complaint_closed_at"),
            models.Index(fields=["callback_at"], name="complaint_callback_at"),
            # Callbacks due lately (the sweep's reminders, the call centres'
            # list) are read by a short range of this date.
            models.Index(fields=["callback_due"], name="complaint_callback_due"),
            models.Index(fields=["redress_paid_on"], name="complaint_redress_paid"),
            # The drill-downs behind the figures dated by these (accepted;
            # notified, with evidence, review requested, mediated; reviews;
            # withdrawn) read a period of them (reporting.selectors.tables.page_behind).
            # Set later in a case's life: registration writes none of them.
            *[
                models.Index(
                    fields=[field],
                    name=f"complaint_{field}",
                    condition=models.Q(**{f"{field}__isnull": False}),
                )
                for field in (
                    "accepted_at",
                    "notified_at",
                    "reviewed_at",
                    "withdrawn_on",
                )
            ],
            models.Index(fields=["handler", "status"], name="complaint_handler_status"),
            # The list's default order, and the key it continues from.
            models.Index(fields=["-received_at", "-id"], name="complaint_received_at"),
            # The same order within one institution: a sub-branch handler's
            # list (its scope by institution ids, ComplaintChangeList) reads its
            # hundred rows here instead of walking the whole company's order
            # past 30,000 others' (26 ms at a million complaints, issue 19).
            models.Index(
                fields=["institution", "-received_at", "-id"],
                name="complaint_inst_received",
            ),
            # The list filtered by status, company-wide: its bounded count from
            # the index alone and its page in the list's order (count 10 ->
            # 1 ms at a million, issue 19).
            models.Index(
                fields=["status", "-received_at", "-id"],
                name="complaint_status_received",
            ),
            # Search: pattern_ops so that prefix LIKE uses the index whatever
            # the database's collation (PostgreSQL; ignored elsewhere). The
            # trigram index for names matched anywhere is in migration 0007.
            models.Index(
                fields=["phone"], name="complaint_phone", opclasses=[PATTERN_OPS]
            ),
            models.Index(fields=["id_number"], name="complaint_id_number"),
            models.Index(
                fields=["policy_number"],
                name="complaint_policy",
                opclasses=[PATTERN_OPS],
            ),
            models.Index(
                fields=["complainant_name"],
                name="complaint_name_prefix",
                opclasses=[PATTERN_OPS],
            ),
            models.Index(
                fields=["claim_number"],
                name="complaint_claim",
                opclasses=[PATTERN_OPS],
            ),
            models.Index(
                fields=["plate_number"],
                name="complaint_plate",
                opclasses=[PATTERN_OPS],
            ),
            models.Index(
                fields=["agent_phone"],
                name="complaint_agent_phone",
                opclasses=[PATTERN_OPS],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["regulator_reference"],
                condition=~models.Q(regulator_reference=""),
                name="complaints_complaint_unique_regulator_reference",
                violation_error_code="unique",
                violation_error_message=REGULATOR_REFERENCE_TAKEN,
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["decided", "notified", "closed"])
                | ~models.Q(outcome="")
                | ~models.Q(route_kind="")
                | ~models.Q(mediation_outcome=""),
                name="complaints_complaint_decided_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def state_fields(self) -> tuple[Any, ...]:
        # django-fsm-2's ConcurrentTransitionMixin filters all ~100 fields for
        # the FSM ones on every instance it builds (to remember the state it
        # was read in): 1 ms of the 7 ms it takes to build the 200 complaints
        # of a desk page. They are the class's, found once.
        return _state_fields(type(self))

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:  # type: ignore[override]
        """Remember the values read, so a write validates only what changed."""
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))  # type: ignore[attr-defined]
        return instance

    def validate_constraints(self, exclude: Any = None) -> None:
        # Django binds every column into a query per constraint; most saves
        # need none (complaints.rules.constraints).
        validate_constraints(self, exclude)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    # --- Transitions: set fields on self only (no save, query or send) -----
    @transition(field=status, source=S.REGISTERED, target=S.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=S.REGISTERED, target=S.DECLINED)
    def decline(self) -> None:
        self.route_kind = ""

    @transition(field=status, source=ROUTABLE, target=S.ROUTED)
    def route(self) -> None:
        pass

    @transition(
        field=status, source=[S.ACCEPTED, S.INVESTIGATING], target=S.INVESTIGATING
    )
    def assign(self) -> None:
        pass

    @transition(field=status, source=S.INVESTIGATING, target=S.AWAITING_APPROVAL)
    def propose_decision(self) -> None:
        pass

    @transition(field=status, source=S.AWAITING_APPROVAL, target=S.INVESTIGATING)
    def return_for_rework(self) -> None:
        self.approved_by = None

    @transition(field=status, source=S.AWAITING_APPROVAL, target=S.DECIDED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=S.DECIDED, target=S.NOTIFIED)
    def notify(self) -> None:
        pass

    @transition(field=status, source=S.NOTIFIED, target=S.UNDER_REVIEW)
    def request_review(self) -> None:
        pass

    @transition(field=status, source=S.UNDER_REVIEW, target=S.REVIEWED)
    def complete_review(self) -> None:
        pass

    @transition(field=status, source=S.REVIEWED, target=S.CLOSED)
    def notify_review(self) -> None:
        pass

    def mediation_offered(self) -> bool:
        """Whether a mediation can be recorded now: after the decision is
        notified or reviewed, and after the review decision's notice closed the
        case, since that letter offers mediation (complaints.rules.redress), once."""
        if self.status != S.CLOSED:
            return True
        return (
            self.reviewed_at is not None
            and self.mediation_referred_on is None
            and redress.review_decision_offers(redress.MEDIATION)
        )

    @transition(
        field=status,
        source=[S.NOTIFIED, S.REVIEWED, S.CLOSED],
        target=S.IN_MEDIATION,
        conditions=[mediation_offered],  # type: ignore[list-item]
    )
    def refer_to_mediation(self) -> None:
        # A case reopened for mediation is no longer closed; the outcome
        # closes it again.
        self.closed_at = None

    @transition(field=status, source=S.IN_MEDIATION, target=S.CLOSED)
    def record_mediation_outcome(self) -> None:
        pass

    @transition(field=status, source=S.NOTIFIED, target=S.CLOSED)
    def close(self) -> None:
        pass

    @transition(field=status, source=WITHDRAWABLE, target=S.WITHDRAWN)
    def withdraw(self) -> None:
        self.outcome = self.Outcome.WITHDRAWN

    @transition(field=status, source=ENDED, target=S.ARCHIVED)
    def archive(self) -> None:
        pass


@functools.cache
def _state_fields(model: type[models.Model]) -> tuple[Any, ...]:
    return tuple(f for f in model._meta.fields if isinstance(f, FSMFieldMixin))
