"""Stored alerts, verdicts and trained models of the insight features."""

from __future__ import annotations

from django.conf import settings
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
