from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Code(models.Model):
    """An entry of one of the editable code lists of DOMAIN.md §8.

    Codes are stable identifiers (reports and imports key on them); labels and
    order may be edited. Logic refers to a few codes by value, e.g. the
    channel "regulator".
    """

    class Kind(models.TextChoices):
        CHANNEL = "channel", _("Channel")
        PRODUCT_LINE = "product_line", _("Product line")
        CATEGORY = "category", _("Business category")
        CAUSE = "cause", _("Cause")
        ROUTE_REASON = "route_reason", _("Routing / not-handled reason")

    kind = models.CharField(_("list"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=40)
    label = models.CharField(_("label (Chinese)"), max_length=60)
    label_en = models.CharField(_("label (English)"), max_length=80, blank=True)
    group = models.CharField(
        _("group"), max_length=20, blank=True, help_text=_("e.g. property / life")
    )
    synonyms = models.TextField(
        _("synonyms"),
        blank=True,
        help_text=_(
            "Other names a spreadsheet may use for this entry, one per line "
            "(e.g. 车险 for 机动车辆保险)."
        ),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("code lists")
        ordering = ["kind", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"], name="complaints_code_unique_per_list"
            )
        ]

    def __str__(self) -> str:
        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label

    def synonym_list(self) -> list[str]:
        return [line.strip() for line in self.synonyms.splitlines() if line.strip()]
