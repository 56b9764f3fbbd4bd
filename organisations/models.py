from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from organisations.text import VisibleText

PATH_SEPARATOR = "/"


def level_error(*, parent: Institution | None, level: int) -> str:
    """Why `level` may not hang under `parent`, or "" when it may.

    The tree goes head office -> provincial branch -> central sub-branch ->
    sub-branch -> business office. A business office may sit under any higher
    level (common practice); other levels skip a level only where the insurer
    has configured INSTITUTION_ALLOW_LEVEL_SKIP.
    """
    if parent is None:
        if level != Institution.Level.HEAD_OFFICE:
            return str(_("Only the head office has no parent institution."))
        return ""
    if level == Institution.Level.HEAD_OFFICE:
        return str(_("The head office cannot have a parent institution."))
    if level <= parent.level:
        return str(_("An institution must be at a lower level than its parent."))
    skips = level - parent.level > 1
    if skips and level != Institution.Level.OFFICE:
        if settings.INSTITUTION_ALLOW_LEVEL_SKIP:
            return ""
        return str(
            _("A %(child)s cannot hang directly under a %(parent)s.")
            % {
                "child": Institution.Level(level).label,
                "parent": Institution.Level(parent.level).label,
            }
        )
    return ""


class Institution(VisibleText, models.Model):
    """A node of the insurer's organisation tree.

    `path` is a materialised path of codes ("/HO/GD/GZ/"), so "this node and
    everything below it" is one indexed prefix query.
    """

    class Level(models.IntegerChoices):
        HEAD_OFFICE = 1, _("Head office")
        PROVINCIAL = 2, _("Provincial branch")
        CENTRAL_SUB_BRANCH = 3, _("Central sub-branch")
        SUB_BRANCH = 4, _("Sub-branch")
        OFFICE = 5, _("Business office")

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z0-9]+$", _("Use capital letters and digits only."))
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    region = models.CharField(_("region"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("complaint phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%'
            # whatever the database collation; other backends ignore opclasses.
            models.Index(
                fields=["path"],
                name="org_institution_path_like",
                opclasses=["varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5),
                name="organisations_institution_level_range",
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True, level=1)
                | models.Q(parent__isnull=False, level__gt=1),
                name="organisations_institution_root_is_head_office",
            ),
        ]
        permissions = [
            ("view_complaints", _("View the complaints of this subtree")),
            ("handle_complaints", _("Register and handle complaints")),
            ("assign_complaints", _("Assign complaints to handlers")),
            ("approve_decisions", _("Approve decisions and first extensions")),
            ("approve_further_extension", _("Approve a further extension")),
            ("review_complaints", _("Review (核查) lower-level decisions")),
            ("view_personal_data", _("See complainants' personal data unmasked")),
            ("export_complaints", _("Export complaints to spreadsheets")),
            ("import_complaints", _("Import complaints from spreadsheets")),
            ("view_reports", _("Read KPIs and statistics")),
            ("manage_templates", _("Manage reply and decision templates")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        message = level_error(parent=self.parent, level=self.level)
        if message:
            raise ValidationError({"parent": message})
        # The stored path is still the old one here: the move service rewrites it.
        if self.pk and self.parent and self.parent.path.startswith(self.path or "-"):
            raise ValidationError(
                {"parent": _("An institution cannot move under its own subtree.")}
            )

    @property
    def depth(self) -> int:
        return self.path.count(PATH_SEPARATOR) - 1

    def is_ancestor_of(self, other: Institution) -> bool:
        return other.path.startswith(self.path) and other.pk != self.pk


class Membership(models.Model):
    """A role held by a user on an institution and its whole subtree."""

    class Role(models.TextChoices):
        HANDLER = "handler", _("Complaint handler")
        MANAGER = "manager", _("Branch manager")
        REVIEWER = "reviewer", _("Reviewer (核查)")
        SENIOR_MANAGER = "senior_manager", _("Senior manager")
        COMPLIANCE = "compliance", _("Compliance officer")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["institution__path", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution", "role"],
                name="organisations_membership_unique_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.institution.name}"


class Department(VisibleText, models.Model):
    """A department or team of an institution that answers handlers' questions
    during an investigation (claims, underwriting, an agent's team). Its members
    receive the investigation tasks sent to it."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(
        _("shared mailbox"),
        blank=True,
        help_text=_("Tasks are e-mailed here as well as to each member."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        related_name="departments",
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["institution__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"],
                name="organisations_department_unique_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution.name} {self.name}"


# Direct-FK object-permission tables: guardian's generic tables cast the primary
# key to text and cannot use an index (reference/stack-notes.md §5e).
class InstitutionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Institution, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("user permission on an institution")
        verbose_name_plural = _("user permissions on institutions")


class InstitutionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Institution, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("group permission on an institution")
        verbose_name_plural = _("group permissions on institutions")


class TwoFactorDevice(TOTPDevice):
    """A staff member's authenticator app (django-otp's TOTP device), under a
    translated name in the organisation's admin; system administrators reset
    it here when a phone is lost."""

    class Meta:
        proxy = True
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")
