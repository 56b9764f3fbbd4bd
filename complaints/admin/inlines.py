"""The parts of the complaint's forms: the field layouts and the case file.

The change form is read-only: fields in sections (personal data masked where the
role does not need it) and the case file listed in inlines. New entries go
through the action pages (services.correspondence_record, attachment_add, ...),
never through an inline formset, so every row carries its actor in the history
and passes the services' checks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Exists, OuterRef, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from complaints.messaging import letters
from complaints.models import (
    ApprovalRequest,
    Attachment,
    Complaint,
    Correspondence,
    Extension,
    InvestigationTask,
    Letter,
    Pause,
    Recusal,
    Routing,
    Supervision,
)
from complaints.workbench import badges, case_rows, selectors


# --- Field layouts --------------------------------------------------------------
def _rows(layout: str) -> list[tuple[str, ...]]:
    """ "a b | c" -> [("a", "b"), ("c",)]: fields side by side, rows by "|"."""
    return [tuple(row.split()) for row in layout.split("|")]


def _fieldsets(*sections: tuple[Any, str]) -> list[tuple[Any, dict[str, Any]]]:
    return [
        (title, {"fields": [r if len(r) > 1 else r[0] for r in _rows(layout)]})
        for title, layout in sections
    ]


COMPLAINANT = (
    "complainant_type complainant_name | id_type id_number | phone email | address"
    " | representation authority_verified"
    " | agent_name agent_id_type agent_id_number agent_phone"
    " | complainant_count representatives | credit_code legal_representative"
)
REGISTRATION_FIELDSETS = _fieldsets(
    (None, "institution | channel received_at"),
    (_("Complainant"), COMPLAINANT),
    (
        _("What is complained about"),
        "subject_institution subject_staff | policy_number claim_number plate_number"
        " | product_line category cause | request | facts | amount_in_dispute",
    ),
    (
        _("Flags"),
        "regulator_reference regulator_office | regulator_received_on regulator_due"
        " | is_group is_vulnerable media_risk is_repeat is_major",
    ),
)
# Sections of the read-only change form; a row shows only its non-empty fields
# (ALWAYS_SHOWN excepted) and an empty section is left out.
SECTIONS: list[tuple[Any, list[tuple[str, ...]]]] = [
    (
        _("Complaint"),
        _rows(
            "number status item_type | channel received_at | institution handler"
            " | registered_by"
        ),
    ),
    (_("Complainant"), _rows(COMPLAINANT)),
    (
        _("What is complained about"),
        _rows(
            "subject_institution subject_staff subject_staff_user"
            " | policy_number claim_number plate_number | product_line category cause"
            " | request"
            " | facts | amount_in_dispute"
        ),
    ),
    (
        _("Flags"),
        _rows(
            "regulator_reference regulator_office regulator_due"
            " | is_group is_vulnerable media_risk is_repeat is_major"
        ),
    ),
    (
        _("Deadlines"),
        _rows(
            "clock_start accepted_at | legal_due internal_due"
            " | due_provisional extension_level | paused_since paused_days"
        ),
    ),
    (_("Routing"), _rows("route_kind route_reason | route_note | merged_into")),
    (
        _("Decision"),
        _rows(
            "outcome redress_amount"
            " | redress_paid_on redress_method redress_reference | decision_text"
            " | drafted_by approved_by decided_at | notified_at decision_received_on"
        ),
    ),
    (
        _("Review (核查)"),
        _rows(
            "review_institution review_applied_on review_due"
            " | reviewer review_result reviewed_at | review_text"
        ),
    ),
    (
        _("Mediation"),
        _rows(
            "mediation_body mediation_referred_on mediation_outcome | mediation_note"
        ),
    ),
    (
        _("Satisfaction callback (回访)"),
        _rows("callback_due callback_at callback_by satisfaction | callback_note"),
    ),
    (_("End"), _rows("withdrawn_on closed_at archived_at anonymised_at")),
]
# Fields drawn by a method of ComplaintFormLayout rather than as stored.
SHOWN_AS = {"due_provisional": "calendar_missing"}
ALWAYS_SHOWN = {
    field
    for row in _rows(
        "number status channel received_at institution handler complainant_name"
        " phone product_line category request facts legal_due"
    )
    for field in row
}
# Shown masked to roles without the personal-data permission.
MASKS = selectors.PERSONAL_FIELD_MASKS
PERSONAL_FIELDS = {field: f"masked_{field}" for field in MASKS}


def _masked(field: str, model: Any = Complaint, mask: Any = None) -> Any:
    mask = mask or MASKS[field]

    @admin.display(description=model._meta.get_field(field).verbose_name)
    def show(self: Any, obj: Any) -> str:
        return str(mask(getattr(obj, field)))

    return show


def _filled(obj: Complaint, field: str) -> bool:
    value = getattr(obj, f"{field}_id", None) if _is_fk(field) else getattr(obj, field)
    return value not in (None, "", False)


def _is_fk(field: str) -> bool:
    return Complaint._meta.get_field(field).many_to_one is True


class CaseFileFormSet(BaseInlineFormSet):
    """Each row knows its complaint: the inline's heading (a row's __str__
    names the complaint) read it once per row otherwise, so the case page's
    statements grew with its file (issue 19)."""

    def get_queryset(self) -> Any:
        # On the case page, the rows the timeline read (complaints.workbench.case_rows).
        if case_rows.remembered(self.instance):
            return case_rows.rows(self.instance, self.model)  # type: ignore[arg-type]
        return super().get_queryset()

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        setattr(form.instance, self.fk.name, self.instance)
        return form


class ReadOnlyInline(admin.TabularInline):
    """Visible to whoever may view the complaint (the parent view is scoped)."""

    formset = CaseFileFormSet
    extra = 0
    can_delete = False
    show_change_link = False
    select_related: tuple[str, ...] = ()
    always_shown = False

    # Fields that carry the complainant's personal data, each shown through
    # the named method (a mask) to a user without the permission on `obj`.
    personal_fields: dict[str, str] = {}

    @classmethod
    def has_rows(cls, parent: Any) -> bool:
        return bool(cls.model._default_manager.filter(complaint=parent).exists())

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [str(f) for f in self.fields or []]
        if obj is not None and not selectors.can_see_personal_data(request.user, obj):
            fields = [self.personal_fields.get(f, f) for f in fields]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related(*self.select_related)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CorrespondenceInline(ReadOnlyInline):
    model = Correspondence
    always_shown = True
    fields = [
        "occurred_at",
        "direction",
        "method",
        "summary",
        "is_notice",
        "new_facts",
        "recorded_by",
    ]
    select_related = ("recorded_by",)
    # The summary retells what the complainant said: masked like the export's.
    personal_fields = {"summary": "masked_summary"}
    masked_summary = _masked("summary", Correspondence, selectors.mask_text)


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    always_shown = True
    fields = [
        "download",
        "kind",
        "description",
        "human_size",
        "content_type",
        "uploaded_by",
        "uploaded_at",
    ]
    select_related = ("uploaded_by",)

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        if not obj.pk:
            return ""
        if not obj.file:  # deleted after the retention period
            return obj.original_name
        url = reverse("complaints:attachment_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=_("size"))
    def human_size(self, obj: Attachment) -> str:
        return filesizeformat(obj.size)


class ExtensionInline(ReadOnlyInline):
    model = Extension
    fields = [
        "level",
        "previous_due",
        "new_due",
        "reason",
        "requester",
        "approver",
        "created_at",
    ]
    select_related = ("requested_by", "approved_by")

    @admin.display(description=_("requested by"))
    def requester(self, obj: Extension) -> str:
        return selectors.person_name(obj.requested_by)

    @admin.display(description=_("approved by"))
    def approver(self, obj: Extension) -> str:
        return selectors.person_name(obj.approved_by)


class PauseInline(ReadOnlyInline):
    model = Pause
    fields = ["started_on", "ended_on", "body", "reason", "recorded_by"]
    select_related = ("recorded_by",)


class RecusalInline(ReadOnlyInline):
    model = Recusal
    fields = ["user", "reason", "declared_by", "created_at"]
    select_related = ("user", "declared_by")


class LetterInline(ReadOnlyInline):
    """The letters as sent, each opened as its stored copy (complaints.views)."""

    model = Letter
    fields = [
        "sequence",
        "open_letter",
        "dated_on",
        "sent_by",
        "recipient",
        "address",
        "pdf_link",
    ]
    select_related = ("complaint",)
    personal_fields = {
        "recipient": "masked_recipient",
        "address": "masked_address",
        # The PDF is the copy as sent, name and all: not for a masked reader.
        "pdf_link": "pdf_withheld",
    }
    masked_recipient = _masked("recipient", Letter, selectors.mask_name)
    masked_address = _masked("address", Letter, selectors.mask_text)

    @admin.display(description=_("letter"))
    def open_letter(self, obj: Letter) -> str:
        url = reverse("complaints:letter", args=[obj.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener" class="cd-letter-link" '
            'id="letter-{}">{}</a>',
            url,
            obj.pk,
            obj.title,
        )

    @admin.display(description=_("sent by"))
    def sent_by(self, obj: Letter) -> str:
        return letters.delivery_label(obj)

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj: Letter) -> str:
        url = reverse("complaints:letter_pdf", args=[obj.pk])
        return format_html('<a href="{}" class="cd-letter-pdf">PDF</a>', url)

    @admin.display(description=_("PDF"))
    def pdf_withheld(self, obj: Letter) -> str:
        return "—"


class TaskInline(ReadOnlyInline):
    """Questions sent to other departments and the answers that came back."""

    model = InvestigationTask
    fields = [
        "open_task",
        "receiver",
        "question",
        "due_on",
        "status",
        "answer",
        "answered",
    ]
    select_related = ("department__institution", "assignee", "answered_by")
    personal_fields = {"question": "masked_question", "answer": "masked_answer"}
    masked_question = _masked("question", InvestigationTask, selectors.mask_text)
    masked_answer = _masked("answer", InvestigationTask, selectors.mask_text)

    @admin.display(description=_("sent"))
    def open_task(self, obj: InvestigationTask) -> str:
        url = reverse("admin:complaints_investigationtask_change", args=[obj.pk])
        sent = f"{timezone.localtime(obj.requested_at):%Y-%m-%d}"
        return format_html('<a href="{}" id="task-{}">{}</a>', url, obj.pk, sent)

    @admin.display(description=_("to"))
    def receiver(self, obj: InvestigationTask) -> str:
        if obj.department_id:
            return str(obj.department)
        return selectors.person_name(obj.assignee)

    @admin.display(description=_("answered by"))
    def answered(self, obj: InvestigationTask) -> str:
        if obj.answered_at is None:
            return ""
        day = timezone.localtime(obj.answered_at)
        return f"{selectors.person_name(obj.answered_by)} {day:%Y-%m-%d}"


class SupervisionInline(ReadOnlyInline):
    model = Supervision
    fields = ["started_at", "supervisor", "instruction", "due_on", "ended"]
    select_related = ("started_by", "ended_by")
    personal_fields = {"instruction": "masked_instruction"}
    masked_instruction = _masked("instruction", Supervision, selectors.mask_text)

    @admin.display(description=_("supervised by"))
    def supervisor(self, obj: Supervision) -> str:
        return selectors.person_name(obj.started_by)

    @admin.display(description=_("ended"))
    def ended(self, obj: Supervision) -> str:
        if obj.ended_at is None:
            return ""
        day = timezone.localtime(obj.ended_at)
        return f"{selectors.person_name(obj.ended_by)} {day:%Y-%m-%d}"


class ApprovalInline(ReadOnlyInline):
    """The steps under approval (DOMAIN.md §5a): who asked, who decided, why."""

    model = ApprovalRequest
    fields = [
        "open_request",
        "status",
        "reason",
        "requester",
        "decider",
        "decision_note",
    ]
    select_related = ("requested_by", "decided_by")
    personal_fields = {"reason": "masked_reason", "decision_note": "masked_note"}
    masked_reason = _masked("reason", ApprovalRequest, selectors.mask_text)
    masked_note = _masked("decision_note", ApprovalRequest, selectors.mask_text)

    @admin.display(description=_("approval"))
    def open_request(self, obj: ApprovalRequest) -> str:
        if not obj.pk:
            return ""
        url = reverse("admin:complaints_approvalrequest_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.get_kind_display())

    @admin.display(description=_("requested by"))
    def requester(self, obj: ApprovalRequest) -> str:
        day = timezone.localtime(obj.requested_at)
        return f"{selectors.person_name(obj.requested_by)} {day:%Y-%m-%d %H:%M}"

    @admin.display(description=_("decided by"))
    def decider(self, obj: ApprovalRequest) -> str:
        if obj.decided_at is None:
            return ""
        day = timezone.localtime(obj.decided_at)
        return f"{selectors.person_name(obj.decided_by)} {day:%Y-%m-%d %H:%M}"


class RoutingInline(ReadOnlyInline):
    """A refusal or routing with what it rests on and where the case went."""

    model = Routing
    fk_name = "complaint"
    fields = ["kind", "target", "note", "applied_at", "proceeding_outcome"]
    select_related = ("reason", "merged_into")
    personal_fields = {"note": "masked_note"}
    masked_note = _masked("note", Routing, selectors.mask_text)

    @admin.display(description=_("ground / target"))
    def target(self, obj: Routing) -> str:
        if obj.kind == Routing.Kind.DECLINED:
            return str(obj.get_standing_ground_display())
        if obj.kind == Routing.Kind.PROCEEDING:
            day = obj.proceeding_on.isoformat() if obj.proceeding_on else ""
            return f"{obj.get_forum_display()} {obj.forum_name} {obj.case_number} {day}"
        if obj.kind == Routing.Kind.RECLASSIFIED:
            return str(dict(Complaint.ItemType.choices).get(obj.item_type, ""))
        if obj.merged_into_id:
            return obj.merged_into.number  # type: ignore[union-attr]
        return obj.forwarded_to


CASE_FILE_INLINES = [
    ApprovalInline,
    RoutingInline,
    CorrespondenceInline,
    AttachmentInline,
    ExtensionInline,
    PauseInline,
    RecusalInline,
    LetterInline,
    TaskInline,
    SupervisionInline,
]


def _present(complaint: Complaint) -> dict[str, bool]:
    """Which of the case file's optional parts hold a row, in one statement."""
    optional: list[Any] = [i for i in CASE_FILE_INLINES if not i.always_shown]
    if case_rows.remembered(complaint):  # the case page reads them anyway
        return {i.__name__: bool(case_rows.rows(complaint, i.model)) for i in optional}
    asked = {
        i.__name__: Exists(
            i.model._default_manager.filter(
                **{i.fk_name or "complaint": OuterRef("pk")}
            )
        )
        for i in optional
    }
    row = Complaint.objects.filter(pk=complaint.pk).values(**asked).first()
    return {name: bool(row and row[name]) for name in asked}


class ComplaintFormLayout(admin.ModelAdmin):
    """Mixed into ComplaintAdmin: the add form's fieldsets, the read-only change
    form's sections and the case file inlines."""

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return REGISTRATION_FIELDSETS
        masked = not selectors.can_see_personal_data(request.user, obj)
        fieldsets = []
        for title, rows in SECTIONS:
            shown = []
            for row in rows:
                fields = [f for f in row if f in ALWAYS_SHOWN or _filled(obj, f)]
                if masked:
                    fields = [PERSONAL_FIELDS.get(f, f) for f in fields]
                fields = [SHOWN_AS.get(f, f) for f in fields]
                if fields:
                    shown.append(tuple(fields) if len(fields) > 1 else fields[0])
            if shown:
                fieldsets.append((title, {"fields": shown}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    @admin.display(description=_("calendar missing"))
    def calendar_missing(self, obj: Complaint) -> str:
        """A problem, drawn as one (not the boolean's green tick)."""
        return badges.provisional_badge() if obj.due_provisional else "—"

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        if obj is None:
            return []
        # Correspondence and attachments always; the rest once there is any,
        # asked of the database in one statement, once per request.
        cached = getattr(request, "_case_file_present", None)
        if cached is None or cached[0] != obj.pk:
            cached = (obj.pk, _present(obj))
            request._case_file_present = cached  # type: ignore[attr-defined]
        present = cached[1]
        return [i for i in CASE_FILE_INLINES if i.always_shown or present[i.__name__]]

    masked_complainant_name = _masked("complainant_name")
    masked_id_number = _masked("id_number")
    masked_phone = _masked("phone")
    masked_email = _masked("email")
    masked_address = _masked("address")
    masked_agent_name = _masked("agent_name")
    masked_agent_id_number = _masked("agent_id_number")
    masked_agent_phone = _masked("agent_phone")
    masked_legal_representative = _masked("legal_representative")
    masked_representatives = _masked("representatives")
