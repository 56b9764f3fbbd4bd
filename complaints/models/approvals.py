"""Approval requests and routing records: the acts behind the steps the rules put
under approval (DOMAIN.md §5a) and behind every refusal or routing (§5, C6).

An approval request is filed by the requester with its reason and takes effect
only through the decision of an eligible approver (complaints.rules.approvals says
who); a routing record holds what a refusal or a routing needs to be lawful
(the standing ground and what was checked; the institution it was forwarded
to; the forum, case number and date of a proceeding).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models.audit import SealedHistory


class Routing(models.Model):
    """How a case left the complaint process other than by a decision: the one
    refusal (standing) or a routing, with its target."""

    class Kind(models.TextChoices):
        DECLINED = "declined", _("Declined on standing")
        RECLASSIFIED = "reclassified", _("Reclassified (not a complaint)")
        FORWARDED = "forwarded", _("Forwarded to the responsible institution")
        PROCEEDING = "proceeding", _("Linked to court or arbitration")
        MERGED = "merged", _("Merged into an open case")
        ALREADY_DECIDED = "already_decided", _("Same matter already decided")

    class StandingGround(models.TextChoices):
        # Measures arts. 14, 18: the only ground on which a complaint is declined
        # is standing; each choice names which link to the consumer is missing.
        NOT_THE_CONSUMER = (
            "not_the_consumer",
            _("The person who lodged it is not the consumer"),
        )
        NO_AGENCY = (
            "no_agency",
            _("Lodged as agent without statutory agency or a power of attorney"),
        )
        NOT_AN_HEIR = (
            "not_an_heir",
            _("Lodged as heir without proof of inheritance"),
        )

    class Forum(models.TextChoices):
        COURT = "court", _("Court")
        ARBITRATION = "arbitration", _("Arbitration body")

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="routings",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("reason"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "route_reason"},
    )
    note = models.TextField(_("note"))
    standing_ground = models.CharField(
        _("standing ground"), max_length=20, choices=StandingGround.choices, blank=True
    )
    checked = models.TextField(_("what was checked"), blank=True)
    item_type = models.CharField(_("new item type"), max_length=12, blank=True)
    merged_into = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    forwarded_to = models.CharField(_("forwarded to"), max_length=100, blank=True)
    forum = models.CharField(
        _("forum"), max_length=12, choices=Forum.choices, blank=True
    )
    forum_name = models.CharField(
        _("court / arbitration body"), max_length=100, blank=True
    )
    case_number = models.CharField(_("case number"), max_length=60, blank=True)
    proceeding_on = models.DateField(_("proceeding date"), null=True, blank=True)
    proceeding_outcome = models.TextField(_("proceeding outcome"), blank=True)
    outcome_recorded_on = models.DateField(
        _("outcome recorded on"), null=True, blank=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    applied_at = models.DateTimeField(_("took effect at"), null=True, blank=True)

    history = SealedHistory(no_db_index=["reason", "merged_into", "proposed_by"])

    class Meta:
        verbose_name = _("routing record")
        verbose_name_plural = _("routing records")
        ordering = ["-proposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="declined")
                | (~models.Q(standing_ground="") & ~models.Q(checked="")),
                name="complaints_routing_decline_has_ground",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="forwarded") | ~models.Q(forwarded_to=""),
                name="complaints_routing_forward_has_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="proceeding")
                | (
                    ~models.Q(forum="")
                    & ~models.Q(forum_name="")
                    & ~models.Q(case_number="")
                    & models.Q(proceeding_on__isnull=False)
                ),
                name="complaints_routing_proceeding_has_forum",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="reclassified") | ~models.Q(item_type=""),
                name="complaints_routing_reclassified_has_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.get_kind_display()}"


class ApprovalRequest(models.Model):
    """A step waiting for an eligible approver's own act (DOMAIN.md §5a)."""

    class Kind(models.TextChoices):
        EXTENSION_1 = "extension_1", _("First extension (to 30 days)")
        EXTENSION_2 = "extension_2", _("Second extension (a further 30 days)")
        DECLINE = "decline", _("Decline on standing")
        ALREADY_DECIDED = "already_decided", _("Answer by an earlier decision")
        ROUTE_OTHER = "route_other", _("Routing for another reason")
        REFUSE_MEDIATION = "refuse_mediation", _("Refuse to take part in mediation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    routing = models.ForeignKey(
        Routing,
        verbose_name=_("routing proposed"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("approver's note"), blank=True)

    history = SealedHistory(no_db_index=["routing", "requested_by", "decided_by"])

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["requested_at"]
        indexes = [
            models.Index(
                fields=["kind", "requested_at"],
                name="approval_pending",
                condition=models.Q(status="pending"),
            )
        ]
        constraints = [
            # One open request per step: a second one would be approved twice.
            models.UniqueConstraint(
                fields=["complaint", "kind"],
                condition=models.Q(status="pending"),
                name="complaints_approval_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending")
                | (
                    models.Q(decided_by__isnull=False, decided_at__isnull=False)
                    & ~models.Q(decision_note="")
                ),
                name="complaints_approval_decided_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.get_kind_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
