"""Work that finds the person, in the admin: the notices list, following a
case, internal notes, saved views of the list. Every write is a service in
complaints.services.notices; these views hand it the user's input."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from complaints.admin.complaint_actions import TEMPLATE_DIR
from complaints.models import Complaint, InternalNote, SavedView, StaffNotice
from complaints.services import notices as N
from complaints.services import saved_views as SV
from complaints.templatetags.workbench import forget_unread
from complaints.workbench import case_rows, selectors
from complaints.workbench.forms import InternalNoteForm, attach_service_error
from organisations import permissions as P

NOTICES_SHOWN = 200


class ComplaintDeskViews(admin.ModelAdmin):
    """Mixed into ComplaintAdmin (complaint.py)."""

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "saved-views/",
                wrap(require_POST(self.saved_view_view)),
                name="{}_{}_saved_view".format(*info),
            ),
            path(
                "<path:object_id>/watch/",
                wrap(require_POST(self.watch_view)),
                name="{}_{}_watch".format(*info),
            ),
            path(
                "<path:object_id>/note/",
                wrap(self.note_view),
                name="{}_{}_note".format(*info),
            ),
            *super().get_urls(),
        ]

    def _desk_complaint(self, request: HttpRequest, object_id: str) -> Complaint:
        complaint = self.get_object(request, unquote(object_id))
        if complaint is None:
            raise Http404(P.NOT_FOUND)
        return complaint

    # --- The case page: notes, following; its notices are read ---------------
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        complaint = self.get_object(request, unquote(object_id))
        extra: dict[str, Any] = {}
        if complaint is not None and request.method in ("GET", "HEAD"):
            user = request.user
            # Read with the case (ComplaintAdmin.get_object): no statement
            # when the case has no unread notice for the user.
            unread = getattr(complaint, "has_unread", True)
            if unread and N.notices_mark_read(user=user, complaint=complaint):
                forget_unread(request)
            watching = getattr(complaint, "watching", None)
            if watching is None:
                watching = N.is_watching(complaint=complaint, user=user)
            info = self.opts.app_label, self.opts.model_name
            extra = {
                "internal_notes": case_rows.rows(complaint, InternalNote)[:100],
                "watching": watching,
                "watch_url": reverse(
                    "admin:{}_{}_watch".format(*info), args=[complaint.pk]
                ),
                "note_url": reverse(
                    "admin:{}_{}_note".format(*info), args=[complaint.pk]
                )
                if N.may_write_note(user, complaint)
                else "",
            }
        return super().change_view(
            request, object_id, form_url, {**extra, **(extra_context or {})}
        )

    def watch_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        complaint = self._desk_complaint(request, object_id)
        on = request.POST.get("on") == "1"
        try:
            N.complaint_watch(complaint=complaint, user=request.user, on=on)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                (FOLLOWING if on else NOT_FOLLOWING) % {"number": complaint.number},
            )
        return redirect("admin:complaints_complaint_change", complaint.pk)

    def note_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        complaint = self._desk_complaint(request, object_id)
        data = request.POST if request.method == "POST" else None
        form = InternalNoteForm(data, complaint=complaint, user=request.user)
        if data is not None and form.is_valid():
            try:
                note = N.note_add(
                    complaint=complaint,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                )
            except (ValidationError, PermissionDenied) as exc:
                attach_service_error(form, exc)
            else:
                messages.success(request, NOTE_ADDED)
                url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
                return HttpResponseRedirect(f"{url}#note-{note.pk}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Add internal note"),
            "subtitle": None,
            "complaint": complaint,
            "deadline": self._deadline(complaint),  # type: ignore[attr-defined]
            "form": form,
            "action": "note",
            "offered": N.may_write_note(request.user, complaint),
            "change_url": reverse(
                "admin:complaints_complaint_change", args=[complaint.pk]
            ),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, f"{TEMPLATE_DIR}/action_form.html", context)

    # --- Saved views of the list -----------------------------------------------------
    def saved_view_view(self, request: HttpRequest) -> HttpResponse:
        """Save the list's current filters under a name, or delete a view."""
        changelist = reverse("admin:complaints_complaint_changelist")
        delete = request.POST.get("delete", "")
        cache.delete(_views_key(request.user))
        try:
            if delete.isdigit():
                SV.saved_view_delete(user=request.user, pk=int(delete))
                messages.success(request, VIEW_DELETED)
                return redirect(changelist)
            view = SV.saved_view_save(
                user=request.user,
                name=request.POST.get("name", ""),
                query=request.POST.get("query", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(changelist + "?" + request.POST.get("query", ""))
        messages.success(request, VIEW_SAVED % {"name": view.name})
        return redirect(SV.saved_view_url(view))


@admin.register(StaffNotice)
class StaffNoticeAdmin(admin.ModelAdmin):
    """A person's own notices: the list (read/unread), opening one (marks it
    read and goes to the action), marking read. Nothing else: notices are
    written by complaints.services.notices only."""

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.notices_view), name="{}_{}_changelist".format(*info)),
            path(
                "<int:pk>/open/",
                wrap(self.notice_open_view),
                name="{}_{}_open".format(*info),
            ),
            path(
                "read/",
                wrap(require_POST(self.notices_read_view)),
                name="{}_{}_read".format(*info),
            ),
        ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False  # reached from the header, not the application list

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # --- Notices ------------------------------------------------------------------
    def notices_view(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        unread_only = request.GET.get("unread") == "1"
        qs = StaffNotice.objects.filter(recipient=user).select_related(
            "complaint", "actor"
        )
        if unread_only:
            qs = qs.filter(read_at__isnull=True)
        rows = [
            {
                "notice": n,
                "label": StaffNotice.Kind(n.kind).label,
                "actor": selectors.person_name(n.actor) if n.actor else "",
                "open_url": reverse("admin:complaints_staffnotice_open", args=[n.pk]),
            }
            for n in qs[:NOTICES_SHOWN]
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Notifications"),
            "rows": rows,
            "unread_only": unread_only,
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/complaints/staffnotice/notices.html", context
        )

    def notice_open_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Mark one's notice read and go to the action it names."""
        user: Any = request.user
        notice = StaffNotice.objects.filter(pk=pk, recipient=user).first()
        if notice is None:
            raise Http404(P.NOT_FOUND)
        N.notices_mark_read(user=request.user, pks=[notice.pk])
        forget_unread(request)
        url = notice.url
        if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
            url = reverse("admin:complaints_staffnotice_changelist")
        return HttpResponseRedirect(url)

    def notices_read_view(self, request: HttpRequest) -> HttpResponse:
        pks = [int(v) for v in request.POST.getlist("notice") if v.isdigit()]
        every = request.POST.get("all") == "1"
        n = N.notices_mark_read(user=request.user, pks=None if every else pks)
        forget_unread(request)
        messages.success(request, MARKED_READ % {"n": n})
        return redirect("admin:complaints_staffnotice_changelist")


VIEWS_KEY = "cd_saved_views"
VIEWS_FRESH_SECONDS = 60


def saved_views_cached(request: HttpRequest) -> list[dict[str, Any]]:
    """The person's saved views for the list's bar, read at most once a
    minute per session (the list keeps its query budget); saving or deleting
    one here forgets the copy at once."""
    user: Any = request.user
    cached = cache.get(_views_key(user))
    if cached is not None:
        return list(cached)
    rows = [
        {"pk": v.pk, "name": v.name, "url": SV.saved_view_url(v)}
        for v in SavedView.objects.filter(user=user)
    ]
    cache.set(_views_key(user), rows, VIEWS_FRESH_SECONDS)
    return rows


def _views_key(user: Any) -> str:
    # In the cache, not the session: a session write adds queries (issue 19).
    return f"{VIEWS_KEY}:{user.pk}"


FOLLOWING = _("You follow %(number)s: you will hear of its events.")
NOT_FOLLOWING = _("You no longer follow %(number)s.")
NOTE_ADDED = _("Internal note added; the colleagues it mentions are told.")
MARKED_READ = _("%(n)s notifications marked read.")
VIEW_SAVED = _("View “%(name)s” saved.")
VIEW_DELETED = _("Saved view deleted.")
