"""A complaint list that stays fast at millions of rows.

The stock changelist counts every matching row to number its pages, and its
only way deeper is OFFSET, which reads and throws away every earlier row. Here
the count stops at COUNT_CAP (the page shows "more than ...") and the pages
beyond it are reached by continuing after the last row shown (keyset on the
default order, received_at then id), which reads only the rows it shows.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property

from complaints.rules import identifiers
from complaints.timing import deadline_terms as terms

COUNT_CAP = 10_000
IDS_FIRST_FROM = 1_000  # rows skipped from which a page reads its ids first
AFTER = "after"  # "<received_at ISO>~<id>" of the last row already seen
DEFAULT_ORDER = ("-received_at", "-pk")


class BoundedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows: enough to number the first pages."""

    @cached_property
    def count(self) -> int:
        # Without the list's order: how many rows, up to the cap, does not
        # depend on it, and ordered PostgreSQL walks the received_at index
        # until it has found the cap's worth of a filter's rows (245 ms for a
        # province at a million complaints, 5 ms by the institution index).
        rows = self.object_list.order_by()  # type: ignore[attr-defined]
        return rows[: COUNT_CAP + 1].count()  # type: ignore[no-any-return]

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    def page(self, number: Any) -> Any:
        """A deep page's ids first, then its rows: OFFSET reads and throws
        away every earlier row, and reading only their ids lets PostgreSQL
        take them from the order's index alone (page 50 at a million: 11 ->
        2 ms, issue 19). The first pages read their rows directly."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < IDS_FIRST_FROM:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        ids = list(rows.values_list("pk", flat=True)[bottom:top])  # type: ignore[attr-defined]
        return self._get_page(rows.filter(pk__in=ids), number, self)  # type: ignore[attr-defined]


def parse_after(value: str | None) -> tuple[datetime, int] | None:
    if not value or "~" not in value:
        return None
    moment, _sep, pk = value.rpartition("~")
    when = parse_datetime(moment.replace(" ", "+"))  # '+' arrives as a space
    if when is None or not pk.isdigit():
        return None
    return when, int(pk)


class ComplaintChangeList(ChangeList):
    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.after = parse_after(request.GET.get(AFTER))
        self._request = request
        super().__init__(request, *args, **kwargs)

    def get_filters_params(self, params: Any = None) -> Any:
        lookup = super().get_filters_params(params)
        lookup.pop(AFTER, None)
        return lookup

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        # The list's own scope (ComplaintAdmin.list_queryset) in place of the
        # one every other page of the admin reads.
        self.root_queryset = self.model_admin.list_queryset(request)  # type: ignore[attr-defined]
        qs = super().get_queryset(request, exclude_parameters)
        if self.after is not None:
            when, pk = self.after
            qs = qs.filter(Q(received_at__lt=when) | Q(received_at=when, pk__lt=pk))
        return qs

    def get_ordering(self, request: HttpRequest, queryset: Any) -> list[Any]:
        # The overdue list goes by how overdue, unless a column is sorted.
        if request.GET.get("due") == "overdue" and ORDER_VAR not in request.GET:
            return list(terms.MOST_OVERDUE_FIRST)
        return super().get_ordering(request, queryset)  # type: ignore[no-any-return]

    @property
    def keyset_order(self) -> bool:
        """Continuing is exact only in the default order."""
        return tuple(self.get_ordering(self._request, self.root_queryset)) in (
            DEFAULT_ORDER,
            ("-received_at", "-id"),
        )

    def continue_url(self) -> str | None:
        """The next rows after the last one on this page, or None at the end."""
        if not (self.capped or self.after) or not self.keyset_order:
            return None
        rows = list(self.result_list)
        if len(rows) < self.list_per_page:
            return None
        last = rows[-1]
        return self.get_query_string(
            {AFTER: f"{last.received_at.isoformat()}~{last.pk}"},
            remove=["p"],
        )

    @property
    def capped(self) -> bool:
        return isinstance(self.paginator, BoundedPaginator) and self.paginator.capped


# --- Search: each kind of term goes to the one index that answers it ---------
NUMBER = re.compile(r"^TS\d{4}-\d{1,7}$")
DIGITS = re.compile(r"^\d{3,20}$")
ID_NUMBER = re.compile(r"^(\d{15}|\d{17}[\dX])$")
CODE_LIKE = re.compile(r"^[A-Z0-9-]{4,40}$")
LANDLINE = re.compile(r"^0\d{2,3}-\d{7,8}(-\d{1,6})?$")
PHONE_STORED = re.compile(r"^(1[3-9]\d{9}|\+[1-9]\d{6,14})$")
NAME_CONTAINS_MIN = 3  # shorter fragments match by prefix (a trigram needs 3)
# The regulator's reference (粤金监转〔2026〕123号), whole or from its bracket
# on; "123号" is the part after 〔year〕.
REGULATOR_BRACKETS = ("〔", "〕")
REGULATOR_SERIAL = re.compile(r"^\d{1,8}号$")
# The start of a plate: province, office letter, then some of the rest.
PLATE_START = re.compile(rf"^[{identifiers.PLATE_PROVINCES}][A-Z][A-Z0-9]{{0,5}}$")


def _phone_q(phone: str, *, exact: bool) -> Q:
    """The complainant's phone or the agent's (either is who calls)."""
    if exact:
        return Q(phone=phone) | Q(agent_phone=phone)
    return Q(phone__startswith=phone) | Q(agent_phone__startswith=phone)


def _reference_q(term: str, upper: str) -> Q:
    """Policy or claim number by its beginning, as typed or in capitals."""
    starts = {term, upper}
    q = Q()
    for value in starts:
        q |= Q(policy_number__startswith=value) | Q(claim_number__startswith=value)
    return q


def _regulator_q(term: str) -> Q | None:
    """The regulator's reference: whole, from a bracket on, or the serial
    after 〔year〕 ("123号", "123"), through the trigram index (PostgreSQL)."""
    if any(mark in term for mark in REGULATOR_BRACKETS):
        return Q(regulator_reference__contains=term)
    if REGULATOR_SERIAL.match(term):
        return Q(regulator_reference__contains=f"〕{term}")
    return None


def search_condition(term: str, *, exact: bool = False) -> Q:
    """Complaint number, phone (complainant's or agent's), ID number, policy or
    claim number, regulator's reference, plate number or complainant name.

    Numbers match exactly or by prefix, a name by prefix or (3+ characters)
    anywhere, a reference anywhere: each branch is answered by an index, never
    a scan. With `exact` (a user who may not see personal data everywhere in
    their scope), a phone or a name matches only in full, so a masked value
    cannot be read back a character at a time.
    """
    upper = term.upper()
    regulator = _regulator_q(term)
    if regulator is not None:
        return regulator
    plate = identifiers.lenient_plate(term)
    if plate:
        return Q(plate_number=plate)
    # Phones are stored in one form (complaints.rules.identifiers): a number typed
    # another way ("02087654321", "+8613800138000") is looked up in that form.
    phone = identifiers.lenient_phone(term)
    if exact and not NUMBER.match(upper) and not ID_NUMBER.match(upper):
        serial = (
            Q(regulator_reference__contains=f"〕{term}号")
            if DIGITS.match(term)
            else Q()
        )
        return (
            _phone_q(phone, exact=True)
            | Q(complainant_name=term)
            | _reference_q(term, upper)
            | serial
        )
    if NUMBER.match(upper):
        return Q(number=upper)
    if ID_NUMBER.match(upper):
        # A first-generation 15-digit number is stored in its 18-digit form.
        ids = {upper, identifiers.lenient_document(upper)}
        condition = Q(id_number__in=ids)
        return condition | _reference_q(term, upper) if upper.isdigit() else condition
    if LANDLINE.match(phone) or (phone != term and PHONE_STORED.match(phone)):
        return _phone_q(phone, exact=False) | _reference_q(term, upper)
    if DIGITS.match(term):
        return (
            _phone_q(term, exact=False)
            | _reference_q(term, upper)
            | Q(regulator_reference__contains=f"〕{term}号")
        )
    if PLATE_START.match(upper):
        return Q(plate_number__startswith=upper)
    if CODE_LIKE.match(upper):
        return _reference_q(term, upper)
    if len(term) >= NAME_CONTAINS_MIN:
        return Q(complainant_name__contains=term)
    return Q(complainant_name__startswith=term)


def search(queryset: QuerySet[Any], text: str, *, exact: bool = False) -> QuerySet[Any]:
    text = unicodedata.normalize("NFKC", text)
    plate = identifiers.lenient_plate(text)
    if plate:  # "粤A 12345" is one plate, not two terms
        return queryset.filter(plate_number=plate)
    for term in text.split():
        queryset = queryset.filter(search_condition(term, exact=exact))
    return queryset
