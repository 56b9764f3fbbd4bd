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
