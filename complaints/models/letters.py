from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models.audit import SealedHistory
from organisations.text import VisibleText


class Letter(VisibleText, models.Model):
    """A letter to the complainant as it was sent (Measures art. 21, C10, C21).

    Written once, when its step happens (complaints.services.letters), from the
    same point that queues the notice in the outbox; a reprint shows this copy,
    never a new rendering. Its PDF is rendered from `content` and attached once.
    """

    class Kind(models.TextChoices):
        ACCEPTANCE = "acceptance", _("Acceptance notice")
        EXTENSION = "extension", _("Extension notice")
        PAUSE = "pause", _("Pause notice")
        RESUME = "resume", _("Resumption notice")
        DECISION = "decision", _("Decision letter")
        REVIEW_RECEIVED = "review_received", _("Review application acknowledged")
        REVIEW_DECISION = "review_decision", _("Review decision letter")
        MEDIATION = "mediation", _("Mediation referral notice")
        DECLINE = "decline", _("Decline notice")
        ROUTED = "routed", _("Routing notice")
        WITHDRAWAL = "withdrawal", _("Withdrawal confirmation")

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="letters",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Its place among the complaint's letters (1, 2, ...): the case file's order.
    sequence = models.PositiveSmallIntegerField(_("no."))
    extension = models.ForeignKey(
        "complaints.Extension",
        verbose_name=_("extension"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
    )
    title = models.CharField(_("title"), max_length=100)
    recipient = models.CharField(_("addressed to"), max_length=100)
    delivery = models.CharField(
        _("sent by"),
        max_length=60,
        help_text=_("The outbox channels it went out through."),
    )
    address = models.CharField(_("sent to"), max_length=300, blank=True)
    dated_on = models.DateField(_("dated"))
    sent_at = models.DateTimeField(_("sent at"))
    content = models.TextField(_("content"))
    content_sha256 = models.CharField(max_length=64, editable=False)
    pdf = models.FileField(_("PDF"), upload_to="letters/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by (staff)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = SealedHistory(no_db_index=["created_by", "extension"])

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "sequence"], name="complaints_letter_sequence"
            ),
            # Each extension is told once, in its own letter.
            models.UniqueConstraint(
                fields=["extension"],
                condition=models.Q(extension__isnull=False),
                name="complaints_letter_once_per_extension",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.dated_on:%Y-%m-%d}）"
