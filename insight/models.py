"""Stored alerts, verdicts and trained models of the insight features."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models.audit import SealedHistory


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


# --- Surge alerts and rectification verdicts (issue 18 points 1-2; h18a) ----------
class SurgeAlert(models.Model):
    """One institution × product line × cause whose complaint rate in a week is
    significantly above its own history (insight.surge)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        RECTIFYING = "rectifying", _("Rectification opened")
        DISMISSED = "dismissed", _("Dismissed")

    institution = models.ForeignKey(
        "organisations.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="surge_alerts",
    )
    product_line = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("product line"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    cause = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("cause"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    week_start = models.DateField(_("week from"))
    week_end = models.DateField(_("week until"))
    count = models.PositiveIntegerField(_("complaints this week"))
    exposure = models.FloatField(_("business volume this week"))
    base_count = models.PositiveIntegerField(_("complaints in the baseline"))
    base_exposure = models.FloatField(_("business volume in the baseline"))
    base_from = models.DateField(_("baseline from"))
    base_to = models.DateField(_("baseline until"))
    rate_label = models.CharField(_("rate"), max_length=120)
    test = models.CharField(_("test"), max_length=120)
    p_value = models.FloatField(_("p-value"))
    q_value = models.FloatField(_("adjusted p-value (Benjamini–Hochberg)"))
    cells_tested = models.PositiveIntegerField(_("series tested that week"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    rectification = models.ForeignKey(
        "reporting.Rectification",
        verbose_name=_("rectification"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surge_alerts",
    )
    # The week's latest case of the series: staff notices hang on a case
    # (complaints.services.notices), and its readers are the branch's.
    example = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        verbose_name = _("surge alert")
        verbose_name_plural = _("surge alerts")
        ordering = ["-week_start", "q_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "product_line", "cause", "week_start"],
                name="insight_surge_once_a_week",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.product_line} {self.cause} {self.week_start}"

    @property
    def rate(self) -> float:
        return self.count / self.exposure if self.exposure else 0.0

    @property
    def base_rate(self) -> float:
        return self.base_count / self.base_exposure if self.base_exposure else 0.0

    @property
    def base_weekly_count(self) -> float:
        """The baseline rate applied to this week's volume: what was expected."""
        return self.base_rate * self.exposure


class RectificationVerdict(models.Model):
    """Whether a rectification's cause became rarer after it was done
    (insight.effectiveness). Written once; sealed in the audit chain."""

    class Verdict(models.TextChoices):
        EFFECTIVE = "effective", _("Effective")
        NOT_EFFECTIVE = "not_effective", _("Not effective")
        INCONCLUSIVE = "inconclusive", _("Too few complaints to tell")

    rectification = models.ForeignKey(
        "reporting.Rectification",
        verbose_name=_("rectification"),
        on_delete=models.PROTECT,
        related_name="verdicts",
    )
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    counted = models.CharField(_("complaints counted"), max_length=300)
    completed_on = models.DateField(_("completed on"))
    window_days = models.PositiveIntegerField(_("window (days)"))
    before_from = models.DateField(_("before: from"))
    before_to = models.DateField(_("before: until"))
    before_count = models.PositiveIntegerField(_("complaints before"))
    before_exposure = models.FloatField(_("business volume before"))
    after_from = models.DateField(_("after: from"))
    after_to = models.DateField(_("after: until"))
    after_count = models.PositiveIntegerField(_("complaints after"))
    after_exposure = models.FloatField(_("business volume after"))
    rate_label = models.CharField(_("rate"), max_length=120)
    test = models.CharField(_("test"), max_length=120)
    p_value = models.FloatField(_("p-value"))
    alpha = models.FloatField(_("significance level"))
    reopened = models.BooleanField(_("reopened"), default=False)
    decided_at = models.DateTimeField(_("decided at"))

    history = SealedHistory()

    class Meta:
        verbose_name = _("rectification verdict")
        verbose_name_plural = _("rectification verdicts")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rectification", "completed_on"],
                name="insight_verdict_once_per_completion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rectification}: {self.get_verdict_display()}"

    @property
    def before_rate(self) -> float:
        return self.before_count / self.before_exposure if self.before_exposure else 0.0

    @property
    def after_rate(self) -> float:
        return self.after_count / self.after_exposure if self.after_exposure else 0.0


class BranchComparison(models.Model):
    """No table: the admin index entry of the branch comparison (insight.outliers)."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("branches that decide differently")
        verbose_name_plural = _("branches that decide differently")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class CodingAcceptance(models.Model):
    """A coding suggestion a person accepted (issue 18 point 3).

    The change itself is in the complaint's sealed history, with this model's
    version in its reason; this row says which suggestion was taken, with what
    confidence, by whom: the measure of how often suggestions are right.
    """

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    field = models.CharField(_("code list"), max_length=20)
    previous = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("previous code"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    accepted = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("accepted code"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    confidence = models.FloatField(_("confidence"))
    model = models.ForeignKey(
        TrainedModel,
        verbose_name=_("trained model"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"))

    class Meta:
        verbose_name = _("accepted coding suggestion")
        verbose_name_plural = _("accepted coding suggestions")
        ordering = ["-accepted_at"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.field} → {self.accepted_id}"
