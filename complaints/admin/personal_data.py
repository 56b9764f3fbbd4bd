"""A complainant's data-access request (PIPL art. 45), from the complaint
changelist: find everything held about one person by ID number or phone and
download it (xlsx, or a zip with the attachments' files).

Only for users who hold P.DATA_PROTECTION (the personal-data and export
permissions, i.e. compliance) somewhere, and only over the institutions where
they hold both; others get 403 as for the other exports, and a person whose
complaints all lie outside the user's scope is simply not found. The search
and the download are POSTs, so no ID number or phone lands in a URL or an
access log; the export is logged masked (ExportRecord) and per complaint
(PersonalDataAccess).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import services
from complaints.exchange import data_access
from complaints.models import Complaint, ExportRecord, PersonalDataAccess
from complaints.workbench import selectors
from organisations import permissions as P

TEMPLATE = "admin/complaints/complaint/data_access.html"
NEED_ONE = _("Enter the person's ID number or phone number.")
NOTHING_FOUND = _("No complaint within your scope has this ID number or phone.")
NOTHING_CHOSEN = _("Select at least one complaint to export.")
CONTENT_TYPES: dict[str, str] = {
    ExportRecord.Format.XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    ExportRecord.Format.ZIP: "application/zip",
}


class DataSubjectForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("id_number") or data.get("phone")):
            raise ValidationError(NEED_ONE, code="need_one")
        return data


def may_request_data_access(user: Any) -> bool:
    return P.has_all_anywhere(user, P.DATA_PROTECTION)


def masked_search(id_number: str, phone: str, complaints: list[Complaint]) -> str:
    """What the export log keeps of the request: the person masked."""
    parts = []
    if id_number:
        parts.append(f"证件号码={selectors.mask_id_number(id_number)}")
    if phone:
        parts.append(f"电话={selectors.mask_phone(phone)}")
    parts.append("投诉=" + ",".join(c.number for c in complaints))
    return "; ".join(parts)


class ComplaintDataAccessViews(admin.ModelAdmin):
    """Mixed into ComplaintAdmin (complaint.py), which wires the URL."""

    def data_access_view(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if not may_request_data_access(user):
            raise PermissionDenied
        form = DataSubjectForm(request.POST if request.method == "POST" else None)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "media": self.media,
            "title": _("Personal information request"),
            "form": form,
            "changelist_url": reverse("admin:complaints_complaint_changelist"),
        }
        if request.method != "POST" or not form.is_valid():
            return TemplateResponse(request, TEMPLATE, context)
        id_number, phone = form.cleaned_data["id_number"], form.cleaned_data["phone"]
        found = list(
            selectors.data_subject_complaints(
                user=user, id_number=id_number, phone=phone
            )
        )
        rows = [
            (c, selectors.is_complainant(c, id_number=id_number, phone=phone))
            for c in found
        ]
        fmt = request.POST.get("export", "")
        if fmt:
            if fmt not in CONTENT_TYPES:
                raise PermissionDenied
            if not found:
                raise Http404(P.NOT_FOUND)  # nothing here for this user
            # Only complaints the search found: a posted id elsewhere is ignored.
            chosen = set(request.POST.getlist("complaint"))
            own = [c for c, mine in rows if mine and str(c.pk) in chosen]
            as_agent = [c for c, mine in rows if not mine and str(c.pk) in chosen]
            if own or as_agent:
                return self._data_access_export(
                    request, fmt, id_number, phone, own, as_agent
                )
            form.add_error(None, NOTHING_CHOSEN)
        else:
            services.personal_data_shown(
                user=user,
                complaints=found,
                surface=PersonalDataAccess.Surface.DATA_ACCESS,
                detail="search",
            )
        context.update(
            searched=True,
            rows=rows,
            nothing_found=NOTHING_FOUND if not found else "",
        )
        return TemplateResponse(request, TEMPLATE, context)

    def _data_access_export(
        self,
        request: HttpRequest,
        fmt: str,
        id_number: str,
        phone: str,
        own: list[Complaint],
        as_agent: list[Complaint],
    ) -> FileResponse:
        subject = data_access.Request(own=own, as_agent=as_agent)
        if fmt == ExportRecord.Format.ZIP:
            handle = data_access.zip_file(subject)
        else:
            handle = data_access.xlsx_file(subject)
        complaints = [*own, *as_agent]
        services.data_access_export_record(
            user=request.user,
            complaints=complaints,
            file_format=fmt,
            search=masked_search(id_number, phone, complaints),
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"data-access-{stamp}.{fmt}",
            content_type=CONTENT_TYPES[fmt],
        )
        response["Cache-Control"] = "private, no-store"
        return response
