"""One rule for what a changelist's URL may filter and order on.

Django's admin accepts a lookup on any local field in the query string
(`?phone__startswith=138`), which reads a masked value back one character at a
time. Here a changelist accepts only the parameters its own filter sidebar and
date hierarchy offer, and never a lookup or an ordering that reaches a personal
field for a user without the personal-data permission everywhere in their
scope (PIPL art. 51: access on need). The search box is each admin's own
`get_search_results`.

The site applies `LookupRule` to every ModelAdmin it registers
(organisations.admin_site), so a new admin is covered without opting in.
Apps name their personal fields with `register_personal` (organisations does
not import the apps above it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.filters import FieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from organisations import permissions

# "app_label.model_name" -> the fields that identify or reach a natural person.
PERSONAL: dict[str, frozenset[str]] = {}

LOOKUP_REFUSED = _(
    "This list cannot be filtered or sorted that way: only the filters in its "
    "sidebar, its search box and its sortable columns are offered. Personal data "
    "can be searched or sorted on only with the personal-data permission on every "
    "institution you see; a compliance officer can answer a request about a person."
)

DATE_HIERARCHY_SUFFIXES = ("year", "month", "day")


def register_personal(model: type[Model], fields: Any) -> None:
    PERSONAL[model._meta.label_lower] = frozenset(fields)


def touches_personal(model: type[Model], lookup: str) -> bool:
    """Whether `lookup` (a filter or ordering path) reaches a personal field."""
    for part in lookup.lstrip("-").split(LOOKUP_SEP):
        if part in PERSONAL.get(model._meta.label_lower, ()):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        related = getattr(field, "related_model", None)
        if not field.is_relation or related is None:
            return False
        model = related
    return False


def may_use_personal(user: Any) -> bool:
    """The personal-data permission wherever the user sees complaints: a filter
    or an ordering acts on the whole list, not on one branch's rows."""
    if permissions.is_global(user):
        return True
    return permissions.has_anywhere(
        user, permissions.PERSONAL_DATA
    ) and permissions.has_wherever(user, permissions.PERSONAL_DATA)


def offered_parameters(model_admin: Any, request: HttpRequest) -> frozenset[str]:
    """The query parameters the changelist's filter sidebar and date hierarchy
    use: each filter's own `expected_parameters()`, so a boolean filter offers
    `__exact` and `__isnull`, not `__gt`. Read once per request and admin."""
    cache = request.__dict__.setdefault("_offered_lookups", {})
    key = id(model_admin)
    if key in cache:
        return cache[key]  # type: ignore[no-any-return]
    model = model_admin.model
    names: set[str] = set()
    if model_admin.date_hierarchy:
        names |= {
            f"{model_admin.date_hierarchy}{LOOKUP_SEP}{part}"
            for part in DATE_HIERARCHY_SUFFIXES
        }
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
            names.add(str(item.parameter_name))
            continue
        path, make = (
            item if isinstance(item, list | tuple) else (item, FieldListFilter.create)
        )
        if not isinstance(path, str):
            continue
        field = get_fields_from_path(model, path)[-1]
        spec = make(field, request, {}, model, model_admin, field_path=path)
        names |= set(spec.expected_parameters())
    cache[key] = frozenset(names)
    return cache[key]  # type: ignore[no-any-return]


class LookupRule(admin.ModelAdmin):  # type: ignore[type-arg]
    """Mixed into every registered ModelAdmin by the site."""

    def lookup_allowed(
        self, lookup: str, value: Any, request: HttpRequest | None = None
    ) -> bool:
        if request is None:  # Django always passes it since 5.0
            return False
        if touches_personal(self.model, lookup) and not may_use_personal(request.user):
            return False
        return lookup in offered_parameters(self, request) or _popup_choice(
            self.model, lookup, value
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except DisallowedModelAdminLookup:
            return lookup_refused(self, request)

    def get_search_fields(self, request: HttpRequest) -> Any:
        """The search box is a filter too: without the personal-data
        permission, a personal field is matched only whole ("=" fields), never
        by a part ("?q=1380013" would read a phone back digit by digit, as the
        complaint search's exact rule says: complaints.admin.changelist)."""
        fields = super().get_search_fields(request)
        if may_use_personal(request.user):
            return fields
        return [
            name
            for name in fields
            if name.startswith("=")
            or not touches_personal(self.model, name.lstrip("^=@"))
        ]

    def get_sortable_by(self, request: HttpRequest) -> Any:
        shown = super().get_sortable_by(request)
        if may_use_personal(request.user):
            return shown
        return [name for name in shown if not personal_ordering(self, request, name)]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[Any]:
        return strict(super().get_changelist(request, **kwargs))


def _popup_choice(model: type[Model], lookup: str, value: Any) -> bool:
    """A raw-id popup's fixed `limit_choices_to` condition (Django allows it
    for the same reason): an exact value set by the code, not a search."""
    for condition in model._meta.related_fkey_lookups:  # type: ignore[attr-defined]
        fixed = condition() if callable(condition) else condition
        if (lookup, value) in widgets.url_params_from_lookup_dict(fixed).items():
            return True
    return False


def _order_path(model_admin: Any, name: Any) -> str | None:
    """The ordering path of a list_display column, if it is a plain one."""
    if callable(name):
        order = getattr(name, "admin_order_field", None)
    elif isinstance(name, str) and hasattr(model_admin, name):
        order = getattr(getattr(model_admin, name), "admin_order_field", None)
    elif isinstance(name, str):
        order = name
    else:
        order = None
    if order is None:
        return None
    return order if isinstance(order, str) else getattr(order, "name", str(order))


def personal_ordering(model_admin: Any, request: HttpRequest, name: Any) -> bool:
    path = _order_path(model_admin, name)
    return path is not None and touches_personal(model_admin.model, path)


_STRICT: dict[type[ChangeList], type[ChangeList]] = {}


def strict(changelist: type[ChangeList]) -> type[ChangeList]:
    """`changelist` that orders only by the columns the page offers to sort:
    the stock one orders by any column's index in `?o=`, sortable or not."""
    if issubclass(changelist, StrictOrdering):
        return changelist
    if changelist not in _STRICT:
        _STRICT[changelist] = type(
            changelist.__name__, (StrictOrdering, changelist), {}
        )
    return _STRICT[changelist]


class StrictOrdering(ChangeList):
    def get_ordering_field(self, field_name: Any) -> Any:
        if field_name not in (self.sortable_by or ()):
            return None
        return super().get_ordering_field(field_name)


def lookup_refused(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """A translated 400 that names the rule; the refused value is not logged."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": model_admin.opts.verbose_name_plural,
        "opts": model_admin.opts,
        "message": LOOKUP_REFUSED,
        "list_url": request.path,
    }
    return TemplateResponse(request, "admin/lookup_refused.html", context, status=400)
