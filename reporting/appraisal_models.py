"""The appraisal scorecard's records (投诉考评, issue 17 point 4).

- AccountableManager: the register of who is accountable for complaint
  handling at an institution, from when to when (periods of one institution
  never overlap: reporting.appraisal refuses it).
- WeightVersion: the weights of the indicators, versioned: a change is a new
  version, a version is never changed, and a scorecard keeps the version it
  was computed with.
- Scorecard and ScorecardRow: a period's published scorecard, frozen: written
  once by reporting.appraisal.scorecard_publish, never changed or deleted.

All four are sealed in hash chains of their own (integrity.audit.RECORD_CHAINS),
which `verify_audit` walks.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models.audit import SealedHistory
from organisations.models import Institution


class FrozenRecordError(Exception):
    """A frozen record (a published scorecard, a weight version) was to be
    changed or deleted; the services refuse earlier with a message."""


class FrozenQuerySet(models.QuerySet[Any]):
    """No bulk update or delete: the admin's bulk actions, a script's
    QuerySet.update() and a cascade all stop here."""

    def update(self, **kwargs: Any) -> int:
        raise FrozenRecordError(f"{self.model._meta.label} rows are never changed.")

    def delete(self) -> Any:
        raise FrozenRecordError(f"{self.model._meta.label} rows are never deleted.")


class Frozen(models.Model):
    """Written once: saving an existing row or deleting one is refused."""

    objects = FrozenQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise FrozenRecordError(f"{self._meta.label} rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise FrozenRecordError(f"{self._meta.label} rows are never deleted.")


class AccountableManager(models.Model):
    """Who is accountable for complaint handling at one institution (and its
    subtree) from `valid_from` to `valid_until` (both days included; empty:
    still accountable)."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="accountable_managers",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accountable manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(
        _("position"),
        max_length=100,
        blank=True,
        help_text=_("e.g. deputy general manager in charge of complaints"),
    )
    valid_from = models.DateField(_("accountable from"))
    valid_until = models.DateField(
        _("accountable until"),
        null=True,
        blank=True,
        help_text=_("The last day; empty while still accountable."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = SealedHistory()

    class Meta:
        verbose_name = _("accountable manager")
        verbose_name_plural = _("accountable-manager register")
        ordering = ["institution__path", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="reporting_manager_period_order",
            ),
        ]

    def __str__(self) -> str:
        until = self.valid_until.isoformat() if self.valid_until else "…"
        return f"{self.institution_id} {self.valid_from}~{until}"


class WeightVersion(Frozen):
    """The weights of the scorecard's indicators (whole numbers adding up to
    100) and the volume indicator's ceiling, as of `effective_from`."""

    version = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    effective_from = models.DateField(
        _("applies to periods starting on or after"),
    )
    w_volume = models.PositiveSmallIntegerField(
        _("weight: complaints per business volume"),
        validators=[MaxValueValidator(100)],
    )
    w_on_time = models.PositiveSmallIntegerField(
        _("weight: on-time rate"), validators=[MaxValueValidator(100)]
    )
    w_review = models.PositiveSmallIntegerField(
        _("weight: decisions changed on review"), validators=[MaxValueValidator(100)]
    )
    w_repeat = models.PositiveSmallIntegerField(
        _("weight: repeat complaints"), validators=[MaxValueValidator(100)]
    )
    w_rectification = models.PositiveSmallIntegerField(
        _("weight: rectification completed"), validators=[MaxValueValidator(100)]
    )
    w_quality = models.PositiveSmallIntegerField(
        _("weight: quality-check scores"), validators=[MaxValueValidator(100)]
    )
    volume_ceiling = models.DecimalField(
        _("complaints per 100 million yuan scoring 0"),
        max_digits=10,
        decimal_places=2,
        help_text=_(
            "The volume indicator scores 100 at no complaints and falls in a "
            "straight line to 0 at this many complaints per 100 million yuan "
            "of premium."
        ),
    )
    note = models.CharField(_("reason for the change"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    history = SealedHistory()

    class Meta:
        verbose_name = _("appraisal weight version")
        verbose_name_plural = _("appraisal weights")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} ({self.effective_from})"

    def weights(self) -> dict[str, int]:
        return {name: getattr(self, f"w_{name}") for name in INDICATORS}


# The indicators in scorecard order: (name, label).
INDICATORS: dict[str, Any] = {
    "volume": _("Complaints per business volume"),
    "on_time": _("On-time rate"),
    "review": _("Decisions changed on review"),
    "repeat": _("Repeat complaints"),
    "rectification": _("Rectification completed"),
    "quality": _("Quality-check scores"),
}


class Scorecard(Frozen):
    """A period's scorecard for an institution's subtree, as published."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="scorecards",
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    weights = models.ForeignKey(
        WeightVersion,
        verbose_name=_("weight version"),
        on_delete=models.PROTECT,
        related_name="scorecards",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    history = SealedHistory()

    class Meta:
        verbose_name = _("appraisal scorecard")
        verbose_name_plural = _("appraisal scorecards")
        ordering = ["-period_start", "institution__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "period_start", "period_end"],
                name="reporting_scorecard_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.period_start}~{self.period_end}"


class ScorecardRow(Frozen):
    """One institution (and its accountable manager) on a published scorecard:
    the indicator figures, the sub-scores (0-100) and the weighted score."""

    scorecard = models.ForeignKey(
        Scorecard,
        verbose_name=_("appraisal scorecard"),
        on_delete=models.PROTECT,
        related_name="rows",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accountable manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    manager_name = models.CharField(_("accountable manager"), max_length=150)
    accountable_from = models.DateField(_("accountable from"), null=True, blank=True)
    accountable_until = models.DateField(_("accountable until"), null=True, blank=True)
    received = models.PositiveIntegerField(_("received"))
    premium = models.DecimalField(
        _("premium (100 million yuan)"),
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
    )
    concluded = models.PositiveIntegerField(_("concluded"))
    on_time = models.PositiveIntegerField(_("concluded on time"))
    reviewed = models.PositiveIntegerField(_("reviews completed"))
    review_changed = models.PositiveIntegerField(_("reviews overturned or varied"))
    repeat = models.PositiveIntegerField(_("repeat complaints"))
    rectifications_due = models.PositiveIntegerField(_("rectifications due"))
    rectifications_done = models.PositiveIntegerField(
        _("rectifications completed by their due day")
    )
    quality_scores = models.PositiveIntegerField(_("checklist items scored"))
    quality_points = models.PositiveIntegerField(_("points given"))
    s_volume = models.DecimalField(
        _("sub-score: volume"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    s_on_time = models.DecimalField(
        _("sub-score: on time"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    s_review = models.DecimalField(
        _("sub-score: review changes"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
    )
    s_repeat = models.DecimalField(
        _("sub-score: repeat"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    s_rectification = models.DecimalField(
        _("sub-score: rectification"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
    )
    s_quality = models.DecimalField(
        _("sub-score: quality"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    score = models.DecimalField(
        _("score"), max_digits=4, decimal_places=1, null=True, blank=True
    )

    history = SealedHistory()

    class Meta:
        verbose_name = _("scorecard row")
        verbose_name_plural = _("scorecard rows")
        ordering = ["scorecard", "institution__path", "accountable_from"]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.manager_name}: {self.score}"
