"""Stored alerts, verdicts and trained models of the insight features."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainedModel(models.Model):
    """One trained model, kept with what it learned from and how well it did.

    Trained by a management command from the insurer's own closed cases; the newest
    of a kind is the one used. Older versions stay so that a suggestion can say which
    model made it.
    """

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    trained_at = models.DateTimeField(_("trained at"))
    data_from = models.DateField(_("data from"), null=True, blank=True)
    data_to = models.DateField(_("data to"), null=True, blank=True)
    sample_count = models.PositiveIntegerField(_("cases learned from"), default=0)
    quality = models.JSONField(_("measured quality"), default=dict, blank=True)
    library_versions = models.JSONField(_("library versions"), default=dict, blank=True)
    # The fitted estimator, serialised by insight.store; written and read only by
    # this application on its own database.
    artefact = models.BinaryField(_("artefact"), editable=False)

    class Meta:
        verbose_name = _("trained model")
        verbose_name_plural = _("trained models")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"], name="insight_model_kind_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class RingRun(models.Model):
    """One search for complaint rings (command find_complaint_rings)."""

    found_at = models.DateTimeField(_("searched at"))
    window_from = models.DateField(_("complaints received from"))
    window_to = models.DateField(_("complaints received to"))
    complaint_count = models.PositiveIntegerField(_("complaints compared"), default=0)
    ring_count = models.PositiveIntegerField(_("rings found"), default=0)
    seconds = models.FloatField(_("seconds taken"), default=0)

    class Meta:
        verbose_name = _("ring search")
        verbose_name_plural = _("ring searches")
        ordering = ["-found_at"]

    def __str__(self) -> str:
        return f"{self.found_at:%Y-%m-%d %H:%M}"


class ComplaintRing(models.Model):
    """A group of complaints tied by agent, address or wording (insight.rings)."""

    run = models.ForeignKey(RingRun, on_delete=models.CASCADE, related_name="rings")
    size = models.PositiveIntegerField(_("complaints"))
    institution_count = models.PositiveIntegerField(_("institutions"))
    kinds = models.JSONField(_("tied by"), default=list)
    first_received = models.DateField(_("first received"))
    last_received = models.DateField(_("last received"))

    class Meta:
        verbose_name = _("complaint ring")
        verbose_name_plural = _("complaint rings")
        ordering = ["-size", "pk"]

    def __str__(self) -> str:
        return _("Ring %(pk)s") % {"pk": self.pk}


class RingMember(models.Model):
    ring = models.ForeignKey(
        ComplaintRing, on_delete=models.CASCADE, related_name="members"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+"
    )
    links = models.JSONField(_("tied by"), default=list)

    class Meta:
        verbose_name = _("ring member")
        verbose_name_plural = _("ring members")
        constraints = [
            models.UniqueConstraint(
                fields=["ring", "complaint"], name="insight_ring_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ring} · {self.complaint_id}"


class EscalationScore(models.Model):
    """The latest escalation-risk score of an open complaint (insight.escalation).

    A warning for people only: it never changes a deadline or a field of the case.
    """

    complaint = models.OneToOneField(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("escalation risk"), db_index=True)
    reasons = models.JSONField(_("reasons"), default=list)
    model_version = models.PositiveIntegerField(_("model version"))
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        verbose_name = _("escalation risk")
        verbose_name_plural = _("escalation risks")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.score:.2f}"
