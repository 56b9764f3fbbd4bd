"""The landing page (the admin index): what waits for the person, as counts
that link to their lists. Approvals and returned drafts come first; managers
see the same for their subtree; then the casework (tasks, supervision) and
the person's saved views of the list, each with its count."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, QueryDict

from complaints.models import Complaint, SavedView
from complaints.services.saved_views import saved_view_url
from complaints.workbench import desk, worklists
from organisations import permissions as P


def saved_view_counts(request: HttpRequest) -> list[dict[str, Any]]:
    """Each saved view with the count its list shows (the same ChangeList)."""
    model_admin = admin.site._registry.get(Complaint)
    user: Any = request.user
    views = list(SavedView.objects.filter(user=user))
    if model_admin is None or not views or not model_admin.has_view_permission(request):
        return []
    rows = []
    for view in views:
        fake = copy.copy(request)
        fake.GET = QueryDict(view.query)
        try:
            changelist = model_admin.get_changelist_instance(fake)
            count: int | None = changelist.result_count
        except Exception:  # noqa: BLE001 - a filter that no longer exists
            count = None
        rows.append({"view": view, "count": count, "url": saved_view_url(view)})
    return rows


def landing_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    counts = desk.desk_counts(user=user)
    has_desk = P.has_anywhere(user, P.VIEW) or worklists.receives_tasks(user=user)
    return {
        "mine": [c for c in counts if not c.team],
        "team": [c for c in counts if c.team],
        "casework": worklists.casework_counts(user=user) if has_desk else [],
        "saved_views": saved_view_counts(request),
        "has_desk": has_desk,
    }
