from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models.audit import SealedHistory


class RegulatorTransfer(models.Model):
    """The regulator's own receipt of a transferred complaint (监管转送).

    The regulator's quarterly notices count the complaints it received, by its
    own receipt date (DOMAIN.md §7; domain-notes R54), not by the day the
    insurer received the transfer (Complaint.received_at). Kept beside the
    complaint rather than on it: the complaint's history layout is sealed
    (complaints.integrity.audit), this one is sealed from its first row.
    """

    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="regulator_transfer",
    )
    regulator_received_on = models.DateField(_("received by the regulator on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    history = SealedHistory(no_db_index=["recorded_by"])

    class Meta:
        verbose_name = _("regulator's receipt")
        verbose_name_plural = _("regulator's receipts")
        indexes = [
            # The regulator basis counts a quarter by this date.
            models.Index(
                fields=["regulator_received_on"], name="transfer_reg_received"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} {self.regulator_received_on}"
