"""Complaint rings in the admin (代理维权识别): for compliance and managers with the
reports permission, each reader seeing only the members in their own subtree, with
personal data masked where they lack the permission for it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from complaints.workbench import selectors
from insight.models import ComplaintRing
from insight.ring_store import KIND_LABELS, latest_run
from organisations import permissions as P
from organisations.names import display_name
from reporting.templatetags.reporting_tags import complaint_url


def _members_in_scope(request: HttpRequest, ring: ComplaintRing) -> QuerySet[Any]:
    return P.scope(
        ring.members.select_related("complaint__institution"),
        request.user,
        P.REPORTS,
        via="complaint__institution",
    ).order_by("complaint__received_at")


@admin.register(ComplaintRing)
class ComplaintRingAdmin(admin.ModelAdmin):
    list_display = ["ring", "members_shown", "tied_by", "institution_count", "span"]
    list_display_links = ["ring"]
    fields = ["tied_by", "span"]
    readonly_fields = ["tied_by", "span"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        run = latest_run()
        qs = super().get_queryset(request)
        qs = qs.filter(run=run) if run else qs.none()
        if P.sees_every_row(request.user, ComplaintRing):
            return qs.annotate(shown=Count("members"))
        scoped = P.scope(
            qs, request.user, P.REPORTS, via="members__complaint__institution"
        ).values("pk")
        visible = P.scope(Complaint.objects.all(), request.user, P.REPORTS).values("pk")
        # Counted within the reader's subtree: a ring's members elsewhere are not
        # theirs to know of, not even as a number.
        return qs.filter(pk__in=scoped).annotate(
            shown=Count("members", filter=Q(members__complaint__in=visible))
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return P.sees_every_row(request.user, ComplaintRing) or P.has_anywhere(
            request.user, P.REPORTS
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("ring"), ordering="pk")
    def ring(self, obj: ComplaintRing) -> str:
        return str(obj)

    @admin.display(description=_("complaints"), ordering="size")
    def members_shown(self, obj: ComplaintRing) -> int:
        return getattr(obj, "shown", obj.size)

    @admin.display(description=_("tied by"))
    def tied_by(self, obj: ComplaintRing) -> str:
        return "、".join(str(KIND_LABELS[k]) for k in obj.kinds if k in KIND_LABELS)

    @admin.display(description=_("received"))
    def span(self, obj: ComplaintRing) -> str:
        return f"{obj.first_received:%Y-%m-%d} — {obj.last_received:%Y-%m-%d}"

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: Any = None,
    ) -> Any:
        ring = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "ring_members": self._rows(request, ring),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _rows(
        self, request: HttpRequest, ring: ComplaintRing | None
    ) -> list[dict[str, Any]]:
        if ring is None:
            return []
        rows = []
        for member in _members_in_scope(request, ring):
            c = member.complaint
            show = selectors.can_see_personal_data(request.user, c)

            def value(field: str, c: Complaint = c, show: bool = show) -> str:
                raw = getattr(c, field) or ""
                return raw if show else selectors.masked(field, raw) or ""

            rows.append(
                {
                    "url": complaint_url(c.pk),
                    "number": c.number,
                    "institution": c.institution.name,
                    "received_on": c.received_on,
                    "agent_name": value("agent_name"),
                    "agent_phone": value("agent_phone"),
                    "address": value("address"),
                    "tied_by": "、".join(str(KIND_LABELS[k]) for k in member.links),
                    "handler": display_name(c.handler) if c.handler_id else "",
                }
            )
        return rows
