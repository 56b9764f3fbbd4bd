from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import signals
from django.utils.translation import gettext_lazy as _

from complaints.models.audit import SealedHistory
from organisations.text import VisibleText


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")
    WECHAT = "wechat", _("WeChat")
    OTHER = "other", _("Other")


class Correspondence(VisibleText, models.Model):
    """One contact with the complainant, either way (part of the case file)."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("From the complainant")
        OUTBOUND = "out", _("To the complainant")

    Method = ContactMethod

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="correspondence",
    )
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices
    )
    method = models.CharField(_("method"), max_length=12, choices=ContactMethod.choices)
    occurred_at = models.DateTimeField(_("time"))
    summary = models.TextField(_("summary"))
    is_notice = models.BooleanField(
        _("formal notice"),
        default=False,
        help_text=_(
            "A notice owed to the complainant (acceptance, extension, decision...)."
        ),
    )
    new_facts = models.BooleanField(
        _("brings new facts or grounds"),
        default=False,
        help_text=_(
            "New facts or grounds restart the decision clock (Measures art. 18)."
        ),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = SealedHistory(no_db_index=["recorded_by"])

    class Meta:
        verbose_name = _("correspondence")
        verbose_name_plural = _("correspondence")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class Attachment(VisibleText, models.Model):
    """Evidence and documents; stored privately, downloaded through a checked view."""

    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")
        AUTHORITY = "authority", _("Power of attorney / authority document")
        INHERITANCE = "inheritance", _("Proof of inheritance")
        SUBMISSION = "submission", _("Signed written complaint")
        NOTICE = "notice", _("Notice sent")
        RECORDING = "recording", _("Call recording")
        OTHER = "other", _("Other")

    # Proof that a decision reached the complainant (Complaint.notice_evidence).
    NOTICE_EVIDENCE = (Kind.NOTICE, Kind.RECORDING)

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200, editable=False)
    content_type = models.CharField(_("type"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = SealedHistory(no_db_index=["uploaded_by"])

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        # Not the file name: it often names the complainant, and titles and
        # inline headings are not masked.
        return f"{self.complaint} #{self.pk}"


def sync_notice_evidence(complaint_id: int, using: str = "default") -> None:
    """Set the complaint's notice_evidence as its attachments now say."""
    from complaints.models.complaint import Complaint
    from complaints.models.derived import evidence_on_file

    Complaint.objects.using(using).filter(pk=complaint_id).update(
        notice_evidence=evidence_on_file()
    )


def _attachment_written(
    sender: Any, instance: Attachment, using: str = "default", **kwargs: Any
) -> None:
    if kwargs.get("created") and instance.kind not in Attachment.NOTICE_EVIDENCE:
        return  # a new attachment of another kind changes nothing
    sync_notice_evidence(instance.complaint_id, using)


def connect_notice_evidence() -> None:
    """Every write of an attachment (services, admin, API, mail intake,
    imports, retention) goes through these signals; called from
    ComplaintsConfig.ready."""
    uid = "complaints.notice_evidence"
    signals.post_save.connect(_attachment_written, Attachment, dispatch_uid=uid)
    signals.post_delete.connect(_attachment_written, Attachment, dispatch_uid=uid)


class Extension(VisibleText, models.Model):
    """An approved extension of the decision limit (Measures art. 18)."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="extensions",
    )
    level = models.PositiveSmallIntegerField(_("level"))
    reason = models.TextField(_("reason"))
    previous_due = models.DateField(_("previous deadline"))
    new_due = models.DateField(_("new deadline"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = SealedHistory(no_db_index=["requested_by", "approved_by"])

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "level"],
                name="complaints_extension_once_per_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint} +{self.level}"


class Pause(VisibleText, models.Model):
    """Time spent on outside appraisal, testing or valuation (Measures art. 18):
    not counted, provided the complainant is told."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="pauses",
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    body = models.CharField(_("appraisal / testing body"), max_length=100)
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = SealedHistory(no_db_index=["recorded_by"])

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["started_on"]

    def __str__(self) -> str:
        return f"{self.complaint} {self.started_on}"


class Recusal(VisibleText, models.Model):
    """A person with a direct interest in the case does not handle it (回避)."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="recusals",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("conflicted person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    history = SealedHistory(no_db_index=["user", "declared_by"])

    class Meta:
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "user"], name="complaints_recusal_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.user}"


class Notification(models.Model):
    """Outbox row: written in the transition's transaction, delivered later by
    send_notifications, so a rolled-back transaction never sends anything."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        LETTER = "letter", _("Letter (print)")

    class Audience(models.TextChoices):
        COMPLAINANT = "complainant", _("Complainant")
        STAFF = "staff", _("Staff")

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff recipient"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    # The formal letter of the same step (complaints.services.letters): an
    # e-mail carries its PDF.
    letter = models.ForeignKey(
        "complaints.Letter",
        verbose_name=_("letter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
    )
    dedup_key = models.CharField(max_length=120, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    failed_at = models.DateTimeField(_("given up at"), null=True, blank=True)

    # What was queued, to whom, is part of the sealed case file (C10, C21); the
    # delivery columns change as send_notifications works and are not history.
    history = SealedHistory(
        excluded_fields=[
            "next_attempt_at",
            "claimed_at",
            "sent_at",
            "attempts",
            "last_error",
            "failed_at",
        ],
        no_db_index=["recipient"],
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notification outbox")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_pending",
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
            )
        ]
        constraints = [
            # One reminder per threshold and recipient, however often the sweep runs.
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=~models.Q(dedup_key=""),
                name="complaints_notification_dedup",
            )
        ]

    def __str__(self) -> str:
        # Not the address: titles, breadcrumbs and history pages show this to
        # roles that may not see the complainant's phone or e-mail.
        return f"{self.kind} #{self.pk}"
