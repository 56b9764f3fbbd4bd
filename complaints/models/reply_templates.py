from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organisations.models import Institution
from organisations.text import VisibleText


class ReplyTemplate(VisibleText, models.Model):
    """Text a handler writes again and again, kept by compliance: a decision
    or a reply, for a business category and an outcome, with placeholders from
    a fixed list (complaints.rules.placeholders) filled in on the server."""

    class Use(models.TextChoices):
        DECISION = "decision", _("Decision and reasons")
        REPLY = "reply", _("Reply to the complainant")

    class Outcome(models.TextChoices):
        SUPPORTED = "supported", _("Supported")
        PARTLY = "partly", _("Partly supported")
        NOT_SUPPORTED = "not_supported", _("Not supported")

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Offered for the complaints of this institution and below."),
    )
    name = models.CharField(_("name"), max_length=100)
    use = models.CharField(_("used for"), max_length=12, choices=Use.choices)
    category = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("business category"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "category"},
        null=True,
        blank=True,
        help_text=_("Empty: every category."),
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=Outcome.choices,
        blank=True,
        help_text=_("Empty: every outcome."),
    )
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["use", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"],
                name="complaints_replytemplate_unique_name",
            )
        ]

    def __str__(self) -> str:
        return self.name
