"""The log of complainants' personal data shown unmasked (PIPL arts. 51 and 54:
access on need, and an audit of who processed whose data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalDataAccess(models.Model):
    """One complaint's personal data shown unmasked to one user, on one surface.

    One row per complaint (not one per request with a list of ids), so "who has
    seen this person's data" is an indexed lookup on both databases and the log
    is scoped like the complaint itself. Lists (the changelist, my work, the
    duplicate check, the outbox, the e-mails read) write a complaint at most
    once per user, surface and day: a handler reloads the same page all day, and
    the first showing of the day answers the question as well as fifty would.
    Pages about one complaint, exports and data-access requests write every time.

    Append-only: written by complaints.services.privacy, never changed.
    """

    class Surface(models.TextChoices):
        CHANGELIST = "changelist", _("Complaint list")
        MY_WORK = "my_work", _("My work")
        DUPLICATES = "duplicates", _("Duplicate check at registration")
        OUTBOX = "outbox", _("Notification outbox")
        MAIL = "mail", _("E-mails read")
        CHANGE = "change", _("Complaint page")
        HISTORY = "history", _("History")
        HISTORY_VERSION = "history_version", _("Old version")
        LETTER = "letter", _("Printable notice")
        NOTIFICATION = "notification", _("Notification")
        MAIL_MESSAGE = "mail_message", _("E-mail read")
        EXPORT = "export", _("Export")
        DATA_ACCESS = "data_access", _("Data-access request")
        CALLBACKS_API = "callbacks_api", _("Callbacks due (API)")

    # No index of their own: pd_access_user and pd_access_complaint start with
    # them. Two fewer indexes to update is a quarter of the time an export of
    # 100,000 complaints spends writing this log (issue 19).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    surface = models.CharField(_("where"), max_length=20, choices=Surface.choices)
    accessed_at = models.DateTimeField(_("time"), auto_now_add=True)
    day = models.DateField(_("day"), editable=False)
    export = models.ForeignKey(
        "complaints.ExportRecord",
        verbose_name=_("export"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accesses",
    )
    detail = models.CharField(_("detail"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-accessed_at", "-pk"]
        indexes = [
            models.Index(
                fields=["complaint", "accessed_at"], name="pd_access_complaint"
            ),
            models.Index(fields=["user", "accessed_at"], name="pd_access_user"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "complaint", "surface", "day"],
                condition=models.Q(
                    surface__in=[
                        "changelist",
                        "my_work",
                        "duplicates",
                        "outbox",
                        "mail",
                    ]
                ),
                name="complaints_pd_access_lists_once_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.get_surface_display()}"


LIST_SURFACES = frozenset(
    {
        PersonalDataAccess.Surface.CHANGELIST,
        PersonalDataAccess.Surface.MY_WORK,
        PersonalDataAccess.Surface.DUPLICATES,
        PersonalDataAccess.Surface.OUTBOX,
        PersonalDataAccess.Surface.MAIL,
    }
)
