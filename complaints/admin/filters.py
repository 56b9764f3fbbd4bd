"""Changelist filters of the complaint workbench.

Choices that name institutions or people come from the user's own scope, so a
filter never reveals what the list would hide.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple
from urllib.parse import quote_plus

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from complaints.models import OPEN_STATUSES, Code, Complaint
from complaints.timing import deadline_terms as terms
from complaints.workbench import selectors
from config.html import format_html
from organisations.models import PATH_SEPARATOR

CODE_FILTER_KINDS = ["channel", "category"]
RUNNING = Q(status__in=OPEN_STATUSES, item_type=Complaint.ItemType.COMPLAINT)


class PrerenderedChoices:
    """A filter whose choices come as the HTML the admin's filter.html
    writes for each, byte for byte: the institution filter alone has a
    choice per institution in scope (326 at head office), and a template
    loop per choice was a fifth of the list's rendering (issue 19)."""

    template = "admin/complaints/complaint/filter.html"

    def choices(self, changelist: Any) -> Any:
        for choice in super().choices(QueryStrings(changelist)):  # type: ignore[misc]
            yield choice_html(choice)


class QueryStrings:
    """The changelist, with its query string for a choice composed once per
    filter and each choice's value put in: the stock way copied, sorted and
    encoded every parameter for each of 400 choices a page (issue 19). Only
    a single new value is composed so; anything else asks the changelist.
    The result is the same string (tests/complaints/test_list_rows.py)."""

    VALUE = "cd0choice0"

    def __init__(self, changelist: Any) -> None:
        self._changelist = changelist
        self._patterns: dict[Any, tuple[str, str] | None] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._changelist, name)

    def get_query_string(
        self, new_params: dict[str, Any] | None = None, remove: Any = None
    ) -> str:
        if not new_params or len(new_params) != 1:
            return self._changelist.get_query_string(new_params, remove)  # type: ignore[no-any-return]
        ((key, value),) = new_params.items()
        if not isinstance(value, (int, str)):
            return self._changelist.get_query_string(new_params, remove)  # type: ignore[no-any-return]
        shape = (key, tuple(remove or ()))
        if shape not in self._patterns:
            self._patterns[shape] = self._pattern(key, remove)
        pattern = self._patterns[shape]
        if pattern is None:
            return self._changelist.get_query_string(new_params, remove)  # type: ignore[no-any-return]
        return f"{pattern[0]}{quote_plus(str(value))}{pattern[1]}"

    def _pattern(self, key: str, remove: Any) -> tuple[str, str] | None:
        made: str = self._changelist.get_query_string({key: self.VALUE}, remove)
        head, found, tail = made.partition(f"{quote_plus(key)}={self.VALUE}")
        if not found or made.count(self.VALUE) != 1 or head[-1:] not in "?&":
            return None
        return head + quote_plus(key) + "=", tail


def choice_html(choice: dict[str, Any]) -> SafeString:
    return format_html(
        '\n    <li{}>\n    <a href="{}">{}</a></li>\n  ',
        mark_safe(' class="selected"') if choice["selected"] else "",  # noqa: S308
        iri_to_uri(choice["query_string"]),
        choice["display"],
    )


class MineFilter(PrerenderedChoices, admin.SimpleListFilter):
    title = _("handled by me")
    parameter_name = "mine"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("My complaints")), ("open", _("My open complaints"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        if self.value() == "1":
            return queryset.filter(handler=request.user)
        if self.value() == "open":
            return queryset.filter(handler=request.user, status__in=OPEN_STATUSES)
        return queryset


class DeadlineFilter(PrerenderedChoices, admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("week", _("Due this week")),
            ("overdue", _("Overdue (past the legal deadline)")),
            ("past_internal", terms.PAST_INTERNAL_TARGET),
            ("paused", _("Clock paused")),
            ("provisional", _("Calendar missing")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        # The same conditions as every other page (complaints.timing.deadline_terms):
        # overdue is past the legal deadline; "this week" goes by the earlier
        # of the two dates, the one the handler works to.
        today = timezone.localdate()
        running = queryset.filter(RUNNING)
        if self.value() == "week":
            sunday = today + timedelta(days=6 - today.weekday())
            return queryset.filter(terms.due_between_q(today, sunday))
        if self.value() == "overdue":
            # In the index's terms, most overdue first (ComplaintChangeList).
            return terms.overdue_rows(queryset, today)
        if self.value() == "past_internal":
            return queryset.filter(terms.past_internal_target_q(today))
        if self.value() == "paused":
            return running.filter(paused_since__isnull=False)
        if self.value() == "provisional":
            return running.filter(due_provisional=True)
        return queryset


class InstitutionSubtreeFilter(PrerenderedChoices, admin.SimpleListFilter):
    """An institution and everything below it; only institutions in scope."""

    title = _("institution (with its subtree)")
    parameter_name = "institution"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        institutions = scope_institutions(request)
        top = min((i.depth for i in institutions), default=1)
        return [(str(i.pk), "\u2003" * (i.depth - top) + i.name) for i in institutions]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        if not self.value():
            return queryset
        inst = _chosen_institution(request)
        if inst is None:
            return queryset.none()
        in_scope = scope_institutions(request)
        # The ids, not a join on the path: PostgreSQL then knows how many rows
        # a province holds and walks the list's index instead of joining and
        # sorting the whole subtree (415 ms -> see BENCHMARKS.md at 1M).
        ids = [i.pk for i in in_scope if i.path.startswith(inst.path)]
        return queryset.filter(institution_id__in=ids)


def _chosen_institution(request: HttpRequest) -> Any:
    """The institution of the institution filter, if one in scope is chosen."""
    value = request.GET.get(InstitutionSubtreeFilter.parameter_name)
    if not value:
        return None
    return next((i for i in scope_institutions(request) if str(i.pk) == value), None)


class Node(NamedTuple):
    """An institution as the filters use it. Tuples, not model instances: a
    head office's 326 cost 1.5 ms a page to build as deferred models."""

    pk: int
    name: str
    path: str

    @property
    def depth(self) -> int:
        return self.path.count(PATH_SEPARATOR) - 1


def scope_institutions(request: HttpRequest) -> list[Node]:
    """The institutions in the user's scope (P.VIEW), read once per request:
    the filters' choices, and the list's scope by id."""
    cached = getattr(request, "_filter_institutions", None)
    if cached is None:
        rows = selectors.institution_choices(user=request.user)
        cached = [Node(*row) for row in rows.values_list("pk", "name", "path")]
        request._filter_institutions = cached  # type: ignore[attr-defined]
    return cached


class Person(NamedTuple):
    """What organisations.names needs to show a person by name."""

    pk: int
    first_name: str
    last_name: str
    username: str


HANDLER_CHOICES_MAX = 100


class HandlerFilter(PrerenderedChoices, admin.SimpleListFilter):
    """The handlers of the institution chosen in the institution filter, or of
    the user's whole scope when it holds at most HANDLER_CHOICES_MAX of them.
    A head office's seven hundred names are no use in a sidebar (and were a
    fifth of the list's time to render): it lists them institution by
    institution."""

    title = _("handler")
    parameter_name = "handler"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        chosen = _chosen_institution(request)
        handlers = selectors.handler_choices(user=request.user, within=chosen)
        names = handlers.values_list("pk", "first_name", "last_name", "username")
        found = [Person(*row) for row in names[: HANDLER_CHOICES_MAX + 1]]
        if len(found) > HANDLER_CHOICES_MAX:  # "handled by me" covers oneself
            self.title = _("handler (choose an institution to list its handlers)")
            found = []
        people = [(str(u.pk), selectors.person_name(u)) for u in found]
        return [("none", _("Not assigned")), *people]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        value = self.value()
        if value == "none":
            return queryset.filter(handler__isnull=True)
        if value and value.isdigit():
            return queryset.filter(handler_id=int(value))
        return queryset


class FlagFilter(PrerenderedChoices, admin.SimpleListFilter):
    title = _("flags")
    parameter_name = "flag"
    FLAGS = {
        "regulator": ~Q(regulator_reference=""),
        "group": Q(is_group=True),
        "vulnerable": Q(is_vulnerable=True),
        "media": Q(media_risk=True),
        "repeat": Q(is_repeat=True),
        "major": Q(is_major=True),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("regulator", _("Transferred by the regulator")),
            ("group", _("Group complaint")),
            ("vulnerable", _("Vulnerable consumer")),
            ("media", _("Media / public-opinion risk")),
            ("repeat", _("Repeat complaint")),
            ("major", _("Major complaint")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        condition = self.FLAGS.get(self.value() or "")
        return queryset if condition is None else queryset.filter(condition)


class ActiveCodeFilter(PrerenderedChoices, admin.RelatedFieldListFilter):
    """A code-list filter (channel, category) in the list's own order."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        kind = field.remote_field.limit_choices_to["kind"]
        return [(c.pk, str(c)) for c in _codes(request) if c.kind == kind]


def _codes(request: HttpRequest) -> list[Any]:
    """Every code of the lists the filters offer, read once per request."""
    cached = getattr(request, "_filter_codes", None)
    if cached is None:
        cached = list(Code.objects.filter(kind__in=CODE_FILTER_KINDS))
        request._filter_codes = cached  # type: ignore[attr-defined]
    return cached
