"""The single door to django-guardian.

Memberships become object permissions on `Institution`, granted to one group
per (institution, role). A permission on an institution applies to its whole
subtree, so every check compares materialised paths: "may act on X" means
"holds the permission on X or on one of X's ancestors".

Outside one's scope, an object answers exactly like a missing one (`NotFound`);
inside the scope but without the right permission, `PermissionDenied` says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from config import prepared
from organisations.models import (
    PATH_SEPARATOR,
    Institution,
    InstitutionGroupObjectPermission,
    InstitutionUserObjectPermission,
    Membership,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    AnyUser = User | AnonymousUser

M = TypeVar("M", bound=Model)

# Codenames of Institution.Meta.permissions.
VIEW = "view_complaints"
HANDLE = "handle_complaints"
ASSIGN = "assign_complaints"
APPROVE = "approve_decisions"
APPROVE_FURTHER = "approve_further_extension"
REVIEW = "review_complaints"
PERSONAL_DATA = "view_personal_data"
EXPORT = "export_complaints"
IMPORT = "import_complaints"
REPORTS = "view_reports"
TEMPLATES = "manage_templates"

Role = Membership.Role
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.HANDLER: (VIEW, HANDLE, PERSONAL_DATA),
    Role.MANAGER: (VIEW, HANDLE, ASSIGN, APPROVE, PERSONAL_DATA, REPORTS),
    Role.REVIEWER: (VIEW, REVIEW, PERSONAL_DATA),
    Role.SENIOR_MANAGER: (VIEW, ASSIGN, APPROVE, APPROVE_FURTHER, REPORTS),
    # Compliance receives the regulator's transfers in bulk (IMPORT) but does not
    # work complaints (no HANDLE); it keeps the handlers' reply templates.
    Role.COMPLIANCE: (VIEW, EXPORT, IMPORT, REPORTS, PERSONAL_DATA, TEMPLATES),
    Role.VIEWER: (VIEW,),
}

# Compliance's duties toward a data subject (PIPL arts. 44-45: answering an
# access request, reading who saw whose data) need both: the data unmasked, and
# the right to take it out of the system.
DATA_PROTECTION: tuple[str, ...] = (PERSONAL_DATA, EXPORT)

NOT_FOUND = _("Not found.")
NOT_ALLOWED = _("Your role on this institution does not allow this.")


class NotFound(Http404):
    """Raised for objects outside the user's scope: the same answer as missing."""


# --- Grants -----------------------------------------------------------------
def role_group(institution: Institution, role: str) -> Group:
    """The group that carries `role`'s permissions on `institution`."""
    group, created = Group.objects.get_or_create(name=f"org:{institution.pk}:{role}")
    if created:
        for codename in ROLE_PERMISSIONS[role]:
            assign_perm(f"organisations.{codename}", group, institution)
    return group


def sync_role_groups() -> int:
    """Bring every role group's grants in line with ROLE_PERMISSIONS."""
    changed = 0
    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="organisations", codename__in=_all_codenames()
        )
    }
    for membership in Membership.objects.select_related("institution").distinct():
        group = role_group(membership.institution, membership.role)
        wanted = set(ROLE_PERMISSIONS[membership.role])
        held = set(
            InstitutionGroupObjectPermission.objects.filter(
                group=group, content_object=membership.institution
            ).values_list("permission__codename", flat=True)
        )
        for codename in wanted - held:
            InstitutionGroupObjectPermission.objects.create(
                group=group,
                content_object=membership.institution,
                permission=perms[codename],
            )
            changed += 1
        for codename in held - wanted:
            remove_perm(f"organisations.{codename}", group, membership.institution)
            changed += 1
    return changed


def grant(membership: Membership) -> None:
    membership.user.groups.add(role_group(membership.institution, membership.role))
    forget(membership.user)


def revoke(membership: Membership) -> None:
    membership.user.groups.remove(role_group(membership.institution, membership.role))
    forget(membership.user)


def forget(user: Any) -> None:
    """Drop the grants cached on this user object (after a grant or revoke),
    with the model permissions _load_grants read alongside."""
    for name in ("_org_grant_paths", "_perm_cache"):
        user.__dict__.pop(name, None)


def _all_codenames() -> set[str]:
    return {c for codes in ROLE_PERMISSIONS.values() for c in codes}


# --- Questions --------------------------------------------------------------
def _codename(perm: str) -> str:
    return perm.rsplit(".", 1)[-1]


def granted_paths(user: AnyUser, perm: str) -> list[str]:
    """Paths of the institutions on which `user` holds `perm` directly.

    All of the user's grants are read in one query and cached on the user
    object, so a page asks the database once however many checks it makes.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    cache: dict[str, list[str]] | None = user.__dict__.get("_org_grant_paths")
    if cache is None:
        cache = _load_grants(user)
        user.__dict__["_org_grant_paths"] = cache
    return cache.get(_codename(perm), [])


_MODEL = "model"  # marks a row of Django's model permissions in _load_grants


def _load_grants(user: Any) -> dict[str, list[str]]:
    """The user's grants per institution, and (same query) Django's model
    permissions, which every admin page asks for (the navigation): they fill
    the cache organisations.backends.ModelPermissionBackend reads."""
    by_group = InstitutionGroupObjectPermission.objects.filter(
        group__user=user
    ).values_list("permission__codename", "content_object__path", "group__name")
    by_user = InstitutionUserObjectPermission.objects.filter(user=user).values_list(
        "permission__codename", "content_object__path", Value("")
    )
    parts: list[QuerySet[Any]] = [by_group, by_user]
    model_perms = not user.is_superuser and not hasattr(user, "_perm_cache")
    if model_perms:
        parts.append(
            Permission.objects.filter(Q(user=user) | Q(group__user=user))
            .order_by()  # no ORDER BY inside a UNION
            .values_list(
                Concat("content_type__app_label", Value("."), "codename"),
                Value(""),
                Value(_MODEL),
            )
        )
    paths: dict[str, list[str]] = {}
    roles: set[str] = set()
    perms: set[str] = set()
    union = parts[0].union(*parts[1:])
    # At every page of every user: planned once a session (config.prepared),
    # 0.9 of its 1.1 ms at a million complaints (issue 19).
    with prepared.reads(union.db, "grants"):
        rows = list(union)
    for codename, path, group in rows:
        if group == _MODEL:
            perms.add(codename)
            continue
        paths.setdefault(codename, []).append(path)
        if group.startswith("org:"):  # role_group(): "org:<institution>:<role>"
            roles.add(group.rsplit(":", 1)[-1])
    if model_perms:
        user._perm_cache = perms
    grants = {codename: _roots(found) for codename, found in paths.items()}
    grants[_ROLES] = sorted(roles)
    return grants


_ROLES = "__roles__"


def has_role_anywhere(user: AnyUser, role: str) -> bool:
    """Whether `user` holds `role` on some institution (from the cached grants)."""
    if not user.is_authenticated or not user.is_active:
        return False
    granted_paths(user, VIEW)  # loads and caches the grants with the roles
    return role in user.__dict__["_org_grant_paths"].get(_ROLES, [])


def _roots(paths: Iterable[str]) -> list[str]:
    """Drop paths already covered by an ancestor in the list."""
    roots: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def ancestor_paths(path: str) -> list[str]:
    """'/HO/GD/GZ/' -> ['/HO/', '/HO/GD/', '/HO/GD/GZ/']."""
    parts = [p for p in path.split(PATH_SEPARATOR) if p]
    return [
        PATH_SEPARATOR + PATH_SEPARATOR.join(parts[: i + 1]) + PATH_SEPARATOR
        for i in range(len(parts))
    ]


def is_system_admin(user: AnyUser, model: type[Model], action: str = "view") -> bool:
    """Model-level permission: system administrators manage reference data and
    the organisation for everyone (no subtree), through Django's own perms."""
    opts = model._meta
    return bool(user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"))


def is_global(user: AnyUser) -> bool:
    return bool(user.is_active and user.is_superuser)


def sees_every_row(user: AnyUser, model: type[Model]) -> bool:
    """Superusers, and system administrators of `model`: no subtree applies."""
    return is_global(user) or is_system_admin(user, model)


def institutions_for(user: AnyUser, perm: str) -> QuerySet[Institution]:
    """Institutions on which `user` may act with `perm` (subtrees included)."""
    if is_global(user):
        return Institution.objects.all()
    roots = granted_paths(user, perm)
    if not roots:
        return Institution.objects.none()
    return Institution.objects.filter(
        reduce(or_, (Q(path__startswith=root) for root in roots))
    )


def scope(
    queryset: QuerySet[M], user: AnyUser, perm: str, *, via: str = "institution"
) -> QuerySet[M]:
    """Narrow any queryset that reaches an institution through `via`."""
    if is_global(user):
        return queryset
    roots = granted_paths(user, perm)
    if not roots:
        return queryset.none()
    field = "path" if via == "" else f"{via}__path"
    return queryset.filter(
        reduce(or_, (Q(**{f"{field}__startswith": root}) for root in roots))
    )


def has(user: AnyUser, perm: str, institution: Institution | None) -> bool:
    if institution is None:
        return False
    if is_global(user):
        return True
    return any(institution.path.startswith(r) for r in granted_paths(user, perm))


def has_anywhere(user: AnyUser, perm: str) -> bool:
    return is_global(user) or bool(granted_paths(user, perm))


def has_all(
    user: AnyUser, perms: Iterable[str], institution: Institution | None
) -> bool:
    return all(has(user, perm, institution) for perm in perms)


def has_all_anywhere(user: AnyUser, perms: Iterable[str]) -> bool:
    """Whether some institution lies in the subtrees of every one of `perms`
    (two subtrees overlap when one root is an ancestor of the other)."""
    if is_global(user):
        return True
    common: list[str] | None = None
    for perm in perms:
        roots = granted_paths(user, perm)
        if common is None:
            common = roots
            continue
        common = [
            longer
            for a in common
            for b in roots
            for shorter, longer in [sorted((a, b), key=len)]
            if longer.startswith(shorter)
        ]
    return bool(common)


def scope_all(
    queryset: QuerySet[M],
    user: AnyUser,
    perms: Iterable[str],
    *,
    via: str = "institution",
) -> QuerySet[M]:
    """Narrow to the institutions where `user` holds every one of `perms`."""
    for perm in perms:
        queryset = scope(queryset, user, perm, via=via)
    return queryset


def has_wherever(user: AnyUser, perm: str, base: str = VIEW) -> bool:
    """Whether `user` holds `perm` on every institution they hold `base` on."""
    if is_global(user):
        return True
    held = granted_paths(user, perm)
    return all(
        any(root.startswith(p) for p in held) for root in granted_paths(user, base)
    )


def require(user: AnyUser, perm: str, institution: Institution | None) -> None:
    """Raise unless `user` may act with `perm` on `institution`.

    Outside what the user may even see: NotFound, as for a missing object.
    Visible but not permitted: PermissionDenied with a reason.
    """
    if has(user, perm, institution):
        return
    if not has(user, VIEW, institution):
        raise NotFound(NOT_FOUND)
    raise PermissionDenied(NOT_ALLOWED)


def get_in_scope(
    queryset: QuerySet[M], user: AnyUser, perm: str = VIEW, **lookup: Any
) -> M:
    """Fetch one object in scope, or raise NotFound (missing and hidden alike)."""
    try:
        return scope(queryset, user, perm).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise NotFound(NOT_FOUND) from exc


def users_with(perm: str, institution: Institution) -> QuerySet[Any]:
    """Active staff who may act with `perm` on `institution` (via an ancestor too).

    Non-staff holders of a role (the intake API's service accounts) are not
    people: they are never offered as handlers, approvers or alert recipients.
    """
    codename = _codename(perm)
    paths = ancestor_paths(institution.path)
    group_grant = Q(
        groups__institutiongroupobjectpermission__permission__codename=codename,
        groups__institutiongroupobjectpermission__content_object__path__in=paths,
    )
    user_grant = Q(
        institutionuserobjectpermission__permission__codename=codename,
        institutionuserobjectpermission__content_object__path__in=paths,
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(group_grant | user_grant)
        .distinct()
    )


def roles_on(user: AnyUser, institution: Institution) -> set[str]:
    """The roles `user` holds on `institution` or any of its ancestors."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(
            user=user, institution__path__in=ancestor_paths(institution.path)
        ).values_list("role", flat=True)
    )
