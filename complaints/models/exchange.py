"""The log of spreadsheet imports and exports (who moved which data, when)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRecord(models.Model):
    """One confirmed import attempt: committed in full, or refused in full."""

    class Kind(models.TextChoices):
        REGULATOR_TRANSFERS = "regulator", _("Regulator transfers")
        BUSINESS_VOLUMES = "volumes", _("Business volumes")
        ORGANISATION = "organisation", _("Organisation and memberships")
        CALENDAR = "calendar", _("Working-day calendar")

    # Empty for a command-line import (load_calendar --file).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    new = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    invalid = models.PositiveIntegerField(_("invalid"), default=0)
    committed = models.BooleanField(_("committed"), default=False)
    # What a committed regulator-transfer import registered, for its result
    # page (the complaint numbers, linked) and the log.
    complaints = models.ManyToManyField(
        "complaints.Complaint",
        verbose_name=_("complaints registered"),
        related_name="+",
        blank=True,
    )

    class Meta:
        verbose_name = _("import record")
        verbose_name_plural = _("import records")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


class ExportRecord(models.Model):
    """One export download: who, what (the filter), how many rows, which format."""

    class Kind(models.TextChoices):
        COMPLAINTS = "complaints", _("Complaints")
        CORRESPONDENCE = "correspondence", _("Correspondence")
        DATA_ACCESS = "data_access", _("Data-access request")
        REGULATOR_FEEDBACK = "regulator_feedback", _("Feedback to the regulator")

    class Format(models.TextChoices):
        XLSX = "xlsx", "xlsx"
        CSV = "csv", "CSV"
        ZIP = "zip", "zip"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    filters = models.TextField(_("filters"), blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """A large import read, checked and registered by the task worker
    (complaints.exchange.import_jobs), never inside a request; its page shows how far
    it got. Only its importer sees it."""

    class Kind(models.TextChoices):
        REGULATOR_TRANSFERS = "regulator", _("Regulator transfers")
        INSTITUTIONS = "institutions", _("Institutions")
        MEMBERSHIPS = "memberships", _("Memberships")

    class Stage(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        CHECKING = "checking", _("reading and checking the rows")
        CHECKED = "checked", _("checked: waiting for confirmation")
        CONFIRMED = "confirmed", _("confirmed: waiting for the worker")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        REFUSED = "refused", _("refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=200)
    # The upload, in the media storage until the job ends (personal data).
    spool = models.CharField(max_length=200, blank=True)
    # The language the importer used: messages are written in it.
    language = models.CharField(max_length=10, blank=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    invalid = models.PositiveIntegerField(_("invalid"), default=0)
    # [[line, column, message], ...], the first PROBLEMS_SHOWN of them.
    problems = models.JSONField(default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    record = models.ForeignKey(
        ImportRecord,
        verbose_name=_("import record"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def running(self) -> bool:
        S = self.Stage
        return self.stage in (S.QUEUED, S.CHECKING, S.CONFIRMED, S.IMPORTING)
