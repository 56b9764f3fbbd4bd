from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models.audit import SealedHistory
from organisations.text import VisibleText


class InvestigationTask(VisibleText, models.Model):
    """A question the handler sends to a department or a person (claims,
    underwriting, the agent's team) with a date for the answer; the answer
    comes back into the case file (Measures art. 10; R23)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting answer")
        ANSWERED = "answered", _("Answered")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    department = models.ForeignKey(
        "organisations.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="investigation_tasks",
    )
    question = models.TextField(_("question"))
    due_on = models.DateField(_("answer by"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("sent at"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawing"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    history = SealedHistory(
        no_db_index=[
            "department",
            "assignee",
            "requested_by",
            "answered_by",
            "withdrawn_by",
        ]
    )

    class Meta:
        verbose_name = _("investigation task")
        verbose_name_plural = _("investigation tasks")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(
                fields=["assignee", "due_on"],
                name="task_open_person",
                condition=models.Q(status="open"),
            ),
            models.Index(
                fields=["department", "due_on"],
                name="task_open_department",
                condition=models.Q(status="open"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=False, assignee__isnull=True)
                | models.Q(department__isnull=True, assignee__isnull=False),
                name="complaints_task_one_receiver",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="answered") | ~models.Q(answer=""),
                name="complaints_task_answered_has_answer",
            ),
        ]

    def __str__(self) -> str:
        # Not the question: it may carry personal data, and titles are not masked.
        return f"{self.complaint} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Supervision(VisibleText, models.Model):
    """A manager's supervision (督办) of a case: an instruction and the date by
    which it is to be acted on; shown to the handler until it is ended."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    instruction = models.TextField(_("instruction"))
    due_on = models.DateField(_("act by"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("supervised since"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_note = models.TextField(_("result"), blank=True)

    history = SealedHistory(no_db_index=["started_by", "ended_by"])

    class Meta:
        verbose_name = _("supervision (督办)")
        verbose_name_plural = _("supervisions (督办)")
        ordering = ["-started_at"]
        constraints = [
            # One running supervision per case: a new instruction ends the old.
            models.UniqueConstraint(
                fields=["complaint"],
                condition=models.Q(ended_at__isnull=True),
                name="complaints_supervision_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
