"""Export and regulator-transfer import pages of the complaint changelist.

Exports need the EXPORT permission, imports the IMPORT permission (both held by
compliance officers by default; complaints.exchange.imports checks IMPORT on every row's
institution). The export applies the changelist's current filters and search,
narrowed to the user's EXPORT scope. Without the permission every URL answers 403.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import services
from complaints.exchange import exports, import_jobs, imports, spreadsheets
from complaints.models import Complaint, ExportRecord, ImportJob, ImportRecord
from organisations import org_import
from organisations import permissions as P

TEMPLATE = "admin/complaints/complaint/import_regulator.html"
DONE_TEMPLATE = "admin/complaints/complaint/import_regulator_done.html"
JOB_TEMPLATE = "admin/complaints/complaint/import_job.html"
TEMPLATE_FILE_NAME = "监管转送投诉导入模板.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "complaints_regulator_import"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
ORG_TEMPLATE = "admin/complaints/complaint/import_organisation.html"
ORG_SESSION_KEY = "complaints_organisation_import"
ORG_TITLES = {
    org_import.INSTITUTIONS: _("Import institutions"),
    org_import.MEMBERSHIPS: _("Import memberships"),
}
UPLOAD_AGAIN = _("The uploaded file has expired: upload it again.")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("xlsx, or CSV in UTF-8 or GBK/GB18030.")
    )


# A valid upload waits here between the preview and the confirmation. In the
# media storage, not the local /tmp: with several app servers the confirmation
# may reach another one (the media storage is shared, README "Production layout").
SPOOL_DIR = "import-spool"
# A preview not confirmed within this time is abandoned; its file (personal
# data) is deleted by the next upload.
SPOOL_MAX_AGE = timedelta(days=1)


def _spool_name(token: str) -> str:
    return f"{SPOOL_DIR}/complaint-import-{token}"


def _spool_save(content: bytes) -> str:
    _spool_sweep()
    token = uuid.uuid4().hex
    default_storage.save(_spool_name(token), ContentFile(content))
    return token


def _spool_take(token: str) -> bytes | None:
    """The spooled file's content, deleted as it is read (None: none such)."""
    if not _TOKEN.match(token):
        return None
    name = _spool_name(token)
    try:
        with default_storage.open(name, "rb") as spool:
            content: bytes = spool.read()
    except FileNotFoundError:
        return None
    default_storage.delete(name)
    return content


def _spool_sweep() -> None:
    try:
        _dirs, files = default_storage.listdir(SPOOL_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - SPOOL_MAX_AGE
    for file in files:
        name = f"{SPOOL_DIR}/{file}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
        except FileNotFoundError:
            pass  # taken or swept meanwhile by another request


class ComplaintExchangeViews(admin.ModelAdmin):
    """Mixed into ComplaintAdmin (complaint.py), which wires the URLs."""

    def _require_export(self, request: HttpRequest) -> None:
        if not P.has_anywhere(request.user, P.EXPORT):
            raise PermissionDenied

    # --- Export -------------------------------------------------------------
    def export_view(
        self, request: HttpRequest, kind: str, fmt: str
    ) -> HttpResponseBase:
        self._require_export(request)
        formats = (ExportRecord.Format.XLSX, ExportRecord.Format.CSV)
        if kind not in exports.KINDS or fmt not in formats:
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except (IncorrectLookupParameters, DisallowedModelAdminLookup) as exc:
            raise PermissionDenied from exc  # a hand-made query string
        complaints = P.scope(changelist.get_queryset(request), request.user, P.EXPORT)
        filters = exports.logged_filters(request.GET)
        return self.export_response(request, complaints, kind, fmt, filters)

    def export_response(
        self,
        request: HttpRequest,
        complaints: QuerySet[Complaint],
        kind: str,
        fmt: str,
        filters: Any,
    ) -> HttpResponseBase:
        """The file of `complaints` (already scoped for export), logged; the
        list's export and the bulk action "export the selection" share it."""
        if kind == ExportRecord.Kind.COMPLAINTS:
            queryset: Any = exports.complaints_for_export(complaints)
            carried = complaints
        else:
            queryset = exports.correspondence_for_export(complaints)
            carried = complaints.filter(correspondence__isnull=False)
        user = request.user
        lines = exports.rows(user=user, kind=kind, queryset=queryset)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{kind}-{stamp}.{fmt}"
        if fmt == ExportRecord.Format.CSV:
            record = exports.export_record(
                user=user,
                kind=kind,
                file_format=fmt,
                filters=filters,
                row_count=queryset.count(),
            )
            services.personal_data_exported(
                user=user, complaints=carried, export=record
            )
            response = StreamingHttpResponse(
                exports.csv_stream(lines), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        handle, count = exports.xlsx_file(lines, title=kind)
        record = exports.export_record(
            user=user, kind=kind, file_format=fmt, filters=filters, row_count=count
        )
        services.personal_data_exported(user=user, complaints=carried, export=record)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=filename,
            content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        )

    # --- Imports: upload -> preview -> confirm -------------------------------
    def import_regulator_view(self, request: HttpRequest) -> HttpResponse:
        if not P.has_anywhere(request.user, P.IMPORT):
            raise PermissionDenied
        context = self._import_context(
            request,
            title=_("Import regulator transfers"),
            columns=imports.REGULATOR_COLUMNS,
            required=imports.REQUIRED_COLUMNS,
            template_url=reverse(
                "admin:complaints_complaint_import_regulator_template"
            ),
        )
        return self._import_flow(
            request,
            context,
            template=TEMPLATE,
            session_key=SESSION_KEY,
            preview=lambda rows: imports.regulator_transfers_preview(
                actor=request.user, rows=rows
            ),
            commit=lambda name, content: imports.regulator_transfers_import(
                actor=request.user, filename=name, content=content
            ),
            done_url=lambda record: reverse(
                "admin:complaints_complaint_import_regulator_done", args=[record.pk]
            ),
            job_kind=ImportJob.Kind.REGULATOR_TRANSFERS,
        )

    def import_regulator_template_view(self, request: HttpRequest) -> HttpResponse:
        """The xlsx template: the header row, and the valid values of every
        code column on its second sheet."""
        if not P.has_anywhere(request.user, P.IMPORT):
            raise PermissionDenied
        response = HttpResponse(
            imports.template(actor=request.user), content_type=XLSX_TYPE
        )
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(TEMPLATE_FILE_NAME)}"
        )
        return response

    def import_regulator_done_view(
        self, request: HttpRequest, record_id: str
    ) -> HttpResponse:
        """What a committed import registered: the complaint numbers, linked.
        Only its importer sees it; anyone else gets what a missing one gives."""
        record = None
        if record_id.isdigit():
            record = ImportRecord.objects.filter(
                pk=int(record_id),
                user_id=request.user.pk or 0,
                kind=ImportRecord.Kind.REGULATOR_TRANSFERS,
                committed=True,
            ).first()
        if record is None:
            raise Http404(P.NOT_FOUND)
        created = record.complaints.order_by("number")
        visible = set(
            P.scope(created, request.user, P.VIEW).values_list("pk", flat=True)
        )
        rows = [
            (c, self._change_url_of(c) if c.pk in visible else None)
            for c in created.only("pk", "number", "regulator_reference")
        ]
        context = self._import_context(
            request,
            title=_("Regulator transfers imported"),
            record=record,
            created=rows,
        )
        return TemplateResponse(request, DONE_TEMPLATE, context)

    def _change_url_of(self, complaint: Any) -> str:
        return reverse("admin:complaints_complaint_change", args=[complaint.pk])

    # Registered here (organisations must not import complaints, where the
    # import log lives); linked from the Institution and Membership changelists.
    def import_organisation_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        if kind not in org_import.KINDS or not org_import.may_import(request.user):
            raise PermissionDenied
        model = "institution" if kind == org_import.INSTITUTIONS else "membership"
        changelist_url = reverse(f"admin:organisations_{model}_changelist")
        context = self._import_context(
            request,
            title=ORG_TITLES[kind],
            columns=org_import.COLUMNS[kind],
            required=org_import.REQUIRED_COLUMNS[kind],
            kind=kind,
            changelist_url=changelist_url,
        )
        return self._import_flow(
            request,
            context,
            template=ORG_TEMPLATE,
            session_key=f"{ORG_SESSION_KEY}_{kind}",
            preview=lambda rows: org_import.organisation_preview(kind=kind, rows=rows),
            commit=lambda name, content: org_import.organisation_import(
                actor=request.user, kind=kind, filename=name, content=content
            ),
            done_url=changelist_url,
            job_kind=kind,
        )

    def import_job_view(self, request: HttpRequest, job_id: str) -> HttpResponse:
        """A background import's progress, its check's result and its
        confirmation. Only its importer sees it; anyone else gets what a
        missing one gives."""
        job = None
        if job_id.isdigit():
            job = ImportJob.objects.filter(
                pk=int(job_id), user_id=request.user.pk or 0
            ).first()
        if job is None:
            raise Http404(P.NOT_FOUND)
        if request.method == "POST" and "confirm" in request.POST:
            try:
                import_jobs.import_job_confirm(actor=request.user, job=job)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            return redirect(request.path)
        if job.kind == ImportJob.Kind.REGULATOR_TRANSFERS:
            back = reverse("admin:complaints_complaint_import_regulator")
            done = job.record and reverse(
                "admin:complaints_complaint_import_regulator_done",
                args=[job.record.pk],
            )
        else:
            back = reverse(
                "admin:complaints_complaint_import_organisation", args=[job.kind]
            )
            model = {org_import.INSTITUTIONS: "institution"}.get(job.kind, "membership")
            done = reverse(f"admin:organisations_{model}_changelist")
        context = self._import_context(
            request,
            title=_("Import in the background"),
            job=job,
            back_url=back,
            done_url=done if job.stage == ImportJob.Stage.DONE else None,
        )
        return TemplateResponse(request, JOB_TEMPLATE, context)

    def _import_context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "media": self.media,
            **extra,
        }

    def _import_flow(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        *,
        template: str,
        session_key: str,
        preview: Callable[[Any], Any],
        commit: Callable[[str, bytes], tuple[Any, Any]],
        done_url: str | Callable[[Any], str],
        job_kind: str,
    ) -> HttpResponse:
        """Upload shows the preview; only a fully valid file is kept (spooled for
        this session) and offered for confirmation, which re-validates and commits.
        A file of more rows than a request may read goes to the task worker
        (complaints.exchange.import_jobs) once its first rows passed the header
        check."""
        if request.method == "POST" and "confirm" in request.POST:
            return self._import_confirm(
                request, context, template, session_key, commit, done_url
            )
        form = UploadForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > imports.max_bytes():
                form.add_error(
                    "file",
                    str(imports.FILE_TOO_LARGE) % {"max": imports.max_bytes() >> 20},
                )
                return TemplateResponse(request, template, context)
            content = upload.read()
            try:
                rows, more = spreadsheets.head_rows(
                    filename=upload.name,
                    content=content,
                    rows=import_jobs.inline_rows(),
                )
                # The header and the first rows, checked here when read.
                result = preview(rows) if rows else None
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
                return TemplateResponse(request, template, context)
            if more:
                job = import_jobs.import_job_start(
                    actor=request.user,
                    kind=job_kind,
                    filename=upload.name,
                    content=content,
                )
                return redirect(
                    reverse("admin:complaints_complaint_import_job", args=[job.pk])
                )
            assert result is not None
            if result.is_valid:
                token = _spool_save(content)
                request.session[session_key] = {"token": token, "name": upload.name}
            context.update(preview=result, summary=imports.summary(result))
        return TemplateResponse(request, template, context)

    def _import_confirm(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        template: str,
        session_key: str,
        commit: Callable[[str, bytes], tuple[Any, Any]],
        done_url: str | Callable[[Any], str],
    ) -> HttpResponse:
        pending = request.session.pop(session_key, None) or {}
        content = _spool_take(str(pending.get("token", "")))
        if content is None:
            messages.error(request, UPLOAD_AGAIN)
            return redirect(request.path)
        try:
            result, record = commit(str(pending.get("name", "")), content)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(request.path)
        if not record.committed:
            context.update(
                form=UploadForm(),
                preview=result,
                summary=imports.summary(result),
                refused=imports.NOT_VALID,
            )
            return TemplateResponse(request, template, context)
        messages.success(request, imports.summary(result))
        return redirect(done_url(record) if callable(done_url) else done_url)
