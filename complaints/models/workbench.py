"""What the workbench keeps per person: notices in the application, the
cases a person follows, internal notes, and saved views of the list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models.audit import SealedHistory


class StaffNotice(models.Model):
    """Work that found a person: shown in the application (a count in the
    header, a list with read/unread) and sent by e-mail through the outbox.
    `dedup_key` makes one event reach one person once."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Case assigned to you")
        APPROVAL = "approval", _("Waiting for your approval")
        RETURNED = "returned", _("Draft returned for rework")
        REVIEW = "review", _("Review (核查) to decide")
        DUE_SOON = "due_soon", _("Case about to be overdue")
        PAST_TARGET = "past_target", _("Case past the internal target")
        OVERDUE = "overdue", _("Case overdue")
        MENTION = "mention", _("Mentioned in an internal note")
        WATCHED = "watched", _("News on a case you follow")
        # Insight (issue 18): a surge of one cause at a branch, on a case of it.
        SURGE = "surge", _("Surge alert (异动预警)")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="staff_notices",
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="staff_notices",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300)
    dedup_key = models.CharField(max_length=160, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff notice")
        verbose_name_plural = _("staff notices")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The header's unread count on every page.
            models.Index(
                fields=["recipient"],
                name="staffnotice_unread",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="staffnotice_list"),
        ]

    def __str__(self) -> str:
        return self.text


class CaseWatch(models.Model):
    """A person follows a case and hears of its events."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="watches",
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("followed case")
        verbose_name_plural = _("followed cases")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "complaint"], name="complaints_casewatch_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.complaint}"


class InternalNote(models.Model):
    """A note for colleagues on the case file, never shown to the complainant;
    @姓名 or @username in it tells that colleague."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="internal_notes",
    )
    text = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    history = SealedHistory(no_db_index=["author"])

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        # Not the text: it may carry personal data, and titles are not masked.
        return f"{self.complaint} #{self.pk}"


class SavedView(models.Model):
    """A person's named filter set of the complaint list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], name="complaints_savedview_name_once"
            )
        ]

    def __str__(self) -> str:
        return self.name
