"""Channel intake: the clients that submit complaints, what they submitted,
their request counters and the e-mails already read."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organisations.models import Institution


class ChannelClient(models.Model):
    """A system that submits complaints for one channel of one institution
    (the website, the WeChat account, the call centre, a mailbox).

    The client acts through its own service user, which holds the handler role
    on `institution`, so every complaint service checks it like a person.
    The token is shown once when issued; only its SHA-256 digest is stored.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    channel = models.ForeignKey(
        "complaints.Code",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "channel"},
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service user"),
        on_delete=models.PROTECT,
        related_name="channel_client",
        editable=False,
    )
    token_prefix = models.CharField(
        _("token starts with"), max_length=16, editable=False
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True, editable=False)
    # A call centre that makes the satisfaction callbacks (回访) reads the
    # callbacks due in its institution's subtree and records their results,
    # also on complaints that came in through another channel.
    records_callbacks = models.BooleanField(
        _("records satisfaction callbacks"),
        default=False,
        help_text=_(
            "Lets the client list the callbacks due in its institution and below "
            "(with the complainant's name and phone) and record their results."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(
        _("revoked at"), null=True, blank=True, editable=False
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        verbose_name = _("channel client")
        verbose_name_plural = _("channel clients")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | models.Q(is_active=False),
                name="intake_channelclient_revoked_is_inactive",
            )
        ]

    def __str__(self) -> str:
        return self.name


class IntakeSubmission(models.Model):
    """One successful write by a channel client, with the answer it was given.

    A registration row makes the complaint the client's own: the API shows a
    client only the complaints it registered. The idempotency key, unique per
    client, lets a retry get the stored answer instead of a second write.
    """

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        CORRESPONDENCE = "correspondence", _("Correspondence")
        ATTACHMENT = "attachment", _("Attachment")
        CALLBACK = "callback", _("Satisfaction callback")

    client = models.ForeignKey(
        ChannelClient,
        verbose_name=_("channel client"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Empty only inside the transaction that claims the idempotency key and
    # then does the work: nobody else ever sees the row without it.
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        null=True,
        related_name="intake_submissions",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, blank=True)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("intake submission")
        verbose_name_plural = _("intake submissions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="intake_submission_unique_key",
            ),
            models.UniqueConstraint(
                fields=["complaint"],
                condition=models.Q(kind="registration"),
                name="intake_submission_one_registration",
            ),
        ]
        indexes = [
            models.Index(
                fields=["client", "kind", "-created_at"], name="intake_sub_client_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.get_kind_display()} · {self.created_at:%Y-%m-%d}"


class RateCounter(models.Model):
    """Requests counted per key ("client:7", "lookup-ip:10.0.0.1") and minute.

    Kept in the database so every app server counts against the same limit.
    """

    key = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="intake_ratecounter_unique"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="intake_rate_window")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%H:%M}: {self.hits}"


class MailMessage(models.Model):
    """An e-mail read from a client's mailbox, by its Message-ID: read once,
    never registered twice; replies thread through it."""

    client = models.ForeignKey(
        ChannelClient,
        verbose_name=_("mailbox"),
        on_delete=models.PROTECT,
        related_name="mail_messages",
    )
    message_id = models.CharField(_("Message-ID"), max_length=500)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    correspondence = models.ForeignKey(
        "complaints.Correspondence",
        verbose_name=_("correspondence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    created_at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail read")
        verbose_name_plural = _("e-mails read")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "message_id"], name="intake_mail_unique_message"
            )
        ]

    def __str__(self) -> str:
        return self.message_id


class LookupGuard(models.Model):
    """Failed public status lookups of one complaint number, and the one-time
    code that lets the complainant past a lockout (intake.lookup_guard).

    Kept for any well-formed number, known or not, so a locked number answers
    the same whether the complaint exists."""

    number = models.CharField(_("complaint number"), max_length=20, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    code_digest = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    codes_sent_on = models.DateField(null=True, blank=True)
    codes_sent = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return self.number
