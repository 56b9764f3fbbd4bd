"""Reporting data: business volumes, root causes, rectification, quality checks.

Complaints themselves are read, never written, here; the records below point at
them. Every write goes through reporting.services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organisations.models import Institution
from organisations.text import VisibleText


class Dashboard(models.Model):
    """No table: the admin index entry that leads to the dashboards."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class BusinessVolume(models.Model):
    """Premium income, policies and insured persons of one institution in one
    period: the denominators of the regulator's normalised rates (DOMAIN.md §7).

    A row is the institution's consolidated figure for its whole subtree; see
    reporting.selectors.volumes for how a subtree's volume is added up.
    """

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="business_volumes",
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    # The rates' denominators on each basis the settings may choose
    # (COMPLAINT_PREMIUM_BASIS, COMPLAINT_POLICY_BASIS; reporting.basis).
    premium = models.DecimalField(
        _("original premium income (yuan)"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("原保险保费收入 of the period."),
    )
    scale_premium = models.DecimalField(
        _("scale premium (yuan)"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        null=True,
        blank=True,
        help_text=_(
            "规模保费 of the period (life insurers: with investment-type inflows)."
        ),
    )
    policies = models.PositiveBigIntegerField(
        _("new policies"), help_text=_("Policies written in the period.")
    )
    policies_in_force = models.PositiveBigIntegerField(
        _("policies in force"),
        null=True,
        blank=True,
        help_text=_("Policies in force at the end of the period."),
    )
    insured_persons = models.PositiveBigIntegerField(
        _("insured persons"), null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business volume")
        verbose_name_plural = _("business volumes")
        ordering = ["-period_start", "institution__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "period_start", "period_end"],
                name="reporting_volume_once_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="reporting_volume_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution.code} {self.period_start}~{self.period_end}"


class RootCause(models.Model):
    """Root-cause code list for 溯源整改 (domain-notes R60), with the function
    that owns the fix. Codes are stable; labels are editable."""

    class Function(models.TextChoices):
        PRODUCT = "product", _("Product design")
        SALES = "sales", _("Sales management")
        UNDERWRITING = "underwriting", _("Underwriting")
        OPERATIONS = "operations", _("Service operations")
        CLAIMS = "claims", _("Claims")
        IT = "it", _("IT systems")
        PARTNER = "partner", _("Partner / intermediary")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label (Chinese)"), max_length=60)
    label_en = models.CharField(_("label (English)"), max_length=80, blank=True)
    function = models.CharField(
        _("owning function"), max_length=20, choices=Function.choices
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label


class ComplaintRootCause(VisibleText, models.Model):
    """The root cause found for one decided complaint."""

    complaint = models.OneToOneField(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="root_cause_record",
    )
    root_cause = models.ForeignKey(
        RootCause,
        verbose_name=_("root cause"),
        on_delete=models.PROTECT,
        related_name="findings",
    )
    note = models.TextField(_("description"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint root cause")
        verbose_name_plural = _("complaint root causes")

    def __str__(self) -> str:
        return f"{self.complaint}: {self.root_cause}"


class Rectification(VisibleText, models.Model):
    """A rectification item (整改) that may cover many complaints (R61)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    title = models.CharField(_("title"), max_length=200)
    root_cause = models.ForeignKey(
        RootCause,
        verbose_name=_("root cause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
    )
    owner_institution = models.ForeignKey(
        Institution,
        verbose_name=_("owner institution"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    owner_department = models.CharField(
        _("owner department"), max_length=100, blank=True
    )
    measure = models.TextField(_("measure"))
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    evidence = models.TextField(_("evidence of completion"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    complaints = models.ManyToManyField(
        "complaints.Complaint",
        verbose_name=_("complaints covered"),
        related_name="rectifications",
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[complaints])

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["status", "due_on"]
        indexes = [models.Index(fields=["status", "due_on"], name="rectif_status_due")]

    def __str__(self) -> str:
        return self.title


class QualitySample(models.Model):
    """A reproducible random sample of closed complaints for a quality check (R70).

    Drawn from the complaints of `institution`'s subtree closed in the period,
    ordered by primary key, with random.Random(seed): the same seed over the same
    population always gives the same cases.
    """

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="quality_samples",
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    seed = models.BigIntegerField(_("seed"))
    size = models.PositiveIntegerField(_("sample size"))
    population = models.PositiveIntegerField(_("closed complaints in period"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quality sample")
        verbose_name_plural = _("quality samples")
        ordering = ["-drawn_at"]

    def __str__(self) -> str:
        return f"{self.institution.code} {self.period_start}~{self.period_end}"


class QualityCheck(VisibleText, models.Model):
    """The finding on one sampled complaint."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Not yet checked")
        COMPLIANT = "compliant", _("Compliant")
        ISSUES = "issues", _("Issues found")

    class Rule(models.TextChoices):
        # The DOMAIN.md §10 checklist items a case file can be checked against.
        REGISTRATION = "C3", _("C3 registration complete")
        WITHDRAWAL = "C5", _("C5 withdrawal ends handling")
        REFUSAL = "C6", _("C6 no unlawful refusal; routing reasoned")
        TIME_LIMITS = "C7", _("C7 time limits and extensions")
        DECISION = "C9", _("C9 decision content and routes")
        NOTICES = "C10", _("C10 notices recorded")
        REVIEW = "C11", _("C11 review by the upper level")
        RECUSAL = "C12", _("C12 recusal")
        FOUR_EYES = "C13", _("C13 four-eyes approval")
        MEDIATION = "C14", _("C14 mediation recorded")
        REDRESS = "C15", _("C15 redress recorded")
        CAUSE = "C16", _("C16 cause and rectification")
        PERSONAL_DATA = "C20", _("C20 personal data")
        CASE_FILE = "C21", _("C21 case file complete")

    sample = models.ForeignKey(
        QualitySample,
        verbose_name=_("sample"),
        on_delete=models.CASCADE,
        related_name="checks",
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.CharField(
        _("result"), max_length=12, choices=Result.choices, default=Result.PENDING
    )
    rule = models.CharField(_("rule"), max_length=4, choices=Rule.choices, blank=True)
    note = models.TextField(_("finding"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")
        ordering = ["sample", "complaint__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "complaint"], name="reporting_check_once_per_case"
            ),
            models.CheckConstraint(
                condition=~models.Q(result="issues") | ~models.Q(rule=""),
                name="reporting_check_issue_names_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.get_result_display()}"


# A checklist item is scored from 0 (not met at all) to this (fully met); an
# item that does not apply to the case is left unscored. The scale is the
# product's, not a regulation's.
QUALITY_SCORE_MAX = 5


class QualityScore(models.Model):
    """The score of one checklist item (DOMAIN.md §10) on one sampled case:
    what the dashboards average per item."""

    check_record = models.ForeignKey(
        QualityCheck,
        verbose_name=_("quality check"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    rule = models.CharField(
        _("checklist item"), max_length=4, choices=QualityCheck.Rule.choices
    )
    score = models.PositiveSmallIntegerField(
        _("points"),
        validators=[MinValueValidator(0), MaxValueValidator(QUALITY_SCORE_MAX)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quality score")
        verbose_name_plural = _("quality scores")
        ordering = ["check_record", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_record", "rule"], name="reporting_score_once_per_item"
            ),
            models.CheckConstraint(
                condition=models.Q(score__lte=QUALITY_SCORE_MAX),
                name="reporting_score_in_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.score}/{QUALITY_SCORE_MAX}"


class RegulatorLine(models.Model):
    """A product line of the regulator's quarterly notices (保险消费投诉情况通报).

    The notices keep 保证保险 and 信用保险 apart and list 疾病保险 (domain-notes
    §3.3); the insurer's own lines (complaints.Code, product_line) are mapped
    onto these through ProductLineMapping, which compliance maintains.
    """

    class Sector(models.TextChoices):
        PROPERTY = "property", _("Property insurance")
        LIFE = "life", _("Life and health insurance")

    code = models.CharField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label (Chinese)"), max_length=60)
    label_en = models.CharField(_("label (English)"), max_length=80, blank=True)
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("regulator's product line")
        verbose_name_plural = _("regulator's product lines")
        ordering = ["sector", "sort_order", "code"]

    def __str__(self) -> str:
        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label


class ProductLineMapping(models.Model):
    """Which of the regulator's lines one of the insurer's own lines counts in."""

    product_line = models.OneToOneField(
        "complaints.Code",
        verbose_name=_("insurer's product line"),
        on_delete=models.PROTECT,
        related_name="regulator_mapping",
        limit_choices_to={"kind": "product_line"},
    )
    regulator_line = models.ForeignKey(
        RegulatorLine,
        verbose_name=_("regulator's product line"),
        on_delete=models.PROTECT,
        related_name="mappings",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product-line mapping")
        verbose_name_plural = _("product-line mappings")
        ordering = ["regulator_line__sector", "regulator_line__sort_order"]

    def __str__(self) -> str:
        return f"{self.product_line} → {self.regulator_line}"


class RegulatorFigure(models.Model):
    """The regulator's published count of the insurer's complaints for one
    quarter (domain-notes R54), as published, with its notice.

    A restatement is a new row (a later notice), never an edit: the page
    compares with the latest and lists the earlier ones. `references` is the
    regulator's list of its transfers for the quarter when it gives one (one
    reference per line): with it, the difference is explained case by case.
    """

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="regulator_figures",
        help_text=_("The company (head office), or a branch for a local notice."),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    published_count = models.PositiveIntegerField(_("complaints published"))
    notice = models.CharField(_("notice"), max_length=200)
    published_on = models.DateField(_("published on"))
    references = models.TextField(
        _("regulator's references"),
        blank=True,
        help_text=_("The regulator's list of its transfers, one reference per line."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("regulator's published figure")
        verbose_name_plural = _("regulator's published figures")
        ordering = ["-period_start", "-published_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_on__gte=models.F("period_end")),
                name="reporting_figure_published_after_quarter",
            ),
        ]

    def __str__(self) -> str:
        if self.period_start is None:  # an unsaved form's instance
            return str(self.notice)
        quarter = (self.period_start.month - 1) // 3 + 1
        return f"{self.notice} ({self.period_start:%Y}Q{quarter})"

    def reference_list(self) -> list[str]:
        seen: list[str] = []
        for line in self.references.replace(",", "\n").splitlines():
            ref = line.strip()
            if ref and ref not in seen:
                seen.append(ref)
        return seen


class KpiCell(models.Model):
    """Counts of the complaint KPIs per day x institution x product line x
    category x cause x channel (reporting.rollup), kept as a ledger: every
    write of a complaint adds the rows that take out its old figures and put
    in its new ones, in the write's transaction; `rollup_kpis` rebuilds or
    compacts it. Derived data, not part of any case file: not audited.

    The codes and the institution are foreign keys without a database
    constraint, so the dashboards' queries can name them (``institution__path``)
    and a rebuild never waits on them. Without an index of their own either:
    every read goes by institution and day, and each index was written at
    every complaint write and rebuilt over millions of cells.
    """

    day = models.DateField()
    institution = models.ForeignKey(
        Institution,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,  # kpicell_inst_day leads with it
    )
    product_line = models.ForeignKey(
        "complaints.Code",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=True,
        db_index=False,
    )
    category = models.ForeignKey(
        "complaints.Code",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=True,
        db_index=False,
    )
    cause = models.ForeignKey(
        "complaints.Code",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=True,
        db_index=False,
    )
    channel = models.ForeignKey(
        "complaints.Code",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=True,
        db_index=False,
    )
    # One column per additive metric of reporting.selectors.kpis.METRICS
    # (reporting.rollup.ROLLED names them; a test keeps the two in step).
    received = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    declined = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    routed = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    concluded = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    within_15 = models.IntegerField(default=0)
    within_30 = models.IntegerField(default=0)
    within_60 = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    extended_twice = models.IntegerField(default=0)
    notified = models.IntegerField(default=0)
    notified_evidence = models.IntegerField(default=0)
    review_requested = models.IntegerField(default=0)
    reviewed = models.IntegerField(default=0)
    review_on_time = models.IntegerField(default=0)
    review_changed = models.IntegerField(default=0)
    mediated = models.IntegerField(default=0)
    redress_paid = models.IntegerField(default=0)
    repeat = models.IntegerField(default=0)
    group = models.IntegerField(default=0)
    regulator = models.IntegerField(default=0)
    not_transferred = models.IntegerField(default=0)
    callbacks = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    # Sums for the averages and the redress total.
    redress_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    handling_days_sum = models.BigIntegerField(default=0)
    satisfaction_sum = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["institution", "day"], name="kpicell_inst_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.institution_id}"


# The appraisal scorecard (issue 17 point 4) lives in its own module.
from reporting.appraisal_models import (  # noqa: E402
    AccountableManager as AccountableManager,
)
from reporting.appraisal_models import (  # noqa: E402
    Scorecard as Scorecard,
)
from reporting.appraisal_models import (  # noqa: E402
    ScorecardRow as ScorecardRow,
)
from reporting.appraisal_models import (  # noqa: E402
    WeightVersion as WeightVersion,
)
