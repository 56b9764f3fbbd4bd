from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarDay(models.Model):
    """One day of the statutory working-day calendar (data, not code).

    Seeded from chinese-calendar for the years it covers; the State Council
    publishes each new year's schedule late in the year, so administrators load
    it here without a release. A year counts as loaded when it has rows.
    """

    day = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday / note"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering = ["day"]

    def __str__(self) -> str:
        return self.day.isoformat()


class CalendarVersion(models.Model):
    """One row whose value changes with every write to CalendarDay.

    Database triggers (migration 0012) change it, so raw SQL, QuerySet.update
    and bulk_create are seen too. Processes keep the calendar in memory
    (complaints.timing.workdays) and compare this value before each use. A value is
    never reused (a sequence on PostgreSQL, random() on SQLite): a change that
    was rolled back cannot make a stale copy look current again.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("calendar version")
        verbose_name_plural = _("calendar versions")

    def __str__(self) -> str:
        return str(self.version)


class NumberCounter(models.Model):
    """Last complaint number issued per year; locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("complaint number counter")
        verbose_name_plural = _("complaint number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
