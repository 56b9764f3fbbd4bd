"""Saved views: a person's named filter sets of the complaint list."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from complaints.exceptions import ComplaintError
from complaints.models import SavedView

MAX_VIEWS = 20
# Positions in the list, not filters: a saved view starts at the top.
NOT_SAVED = {"after", "p", "_changelist_filters"}
NAME_REQUIRED = _("Give the view a name.")
TOO_MANY = _("You have %(n)s saved views: delete one before saving another.")


def clean_query(query: str) -> str:
    params = QueryDict(query.lstrip("?"), mutable=True)
    for key in NOT_SAVED:
        params.pop(key, None)
    return params.urlencode()[:1000]


def saved_view_save(*, user: Any, name: str, query: str) -> SavedView:
    """Save (or replace) the user's view of that name."""
    name = (name or "").strip()[:60]
    if not name:
        raise ComplaintError({"name": NAME_REQUIRED})
    existing = SavedView.objects.filter(user=user, name=name).first()
    if existing is None and SavedView.objects.filter(user=user).count() >= MAX_VIEWS:
        raise ComplaintError(TOO_MANY, params={"n": MAX_VIEWS})
    view = existing or SavedView(user=user, name=name)
    view.query = clean_query(query)
    view.full_clean()
    view.save()
    return view


def saved_view_delete(*, user: Any, pk: int) -> int:
    deleted, _rows = SavedView.objects.filter(user=user, pk=pk).delete()
    return deleted


def saved_view_url(view: SavedView) -> str:
    base = reverse("admin:complaints_complaint_changelist")
    return f"{base}?{view.query}" if view.query else base
