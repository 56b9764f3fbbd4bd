"""Admin surfaces of coding suggestions, coding checks and similar cases.

- On the case page: the model's suggested codes where they differ from the
  case's, each with the words that drove it and an “accept” button (a POST to
  insight.suggestions.coding_suggestion_accept; nothing changes otherwise).
- On the decision drafting page: the five most similar decided cases in the
  drafter's scope (insight.similar).
- The trained models' page, with their quality, and the coding check before the
  quarterly return (cases whose codes their text contradicts).

ComplaintCodingViews is mixed into the complaint admin by insight.admin.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from complaints.exceptions import STALE
from complaints.models import Code, Complaint
from insight import classifier, similar, store, text
from insight.models import TrainedModel
from insight.suggestions import coding_suggestion_accept
from organisations import permissions as P

TEMPLATES = "insight/coding"
ACCEPTED = _("%(list)s of %(number)s set to “%(code)s” as suggested.")


class ComplaintCodingViews(admin.ModelAdmin):
    """Mixed into the complaint admin (insight.admin)."""

    change_form_template = f"{TEMPLATES}/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "coding-suggestion/new/",
                self.admin_site.admin_view(self.coding_suggest_new_view),
                name="{}_{}_coding_suggest_new".format(*info),
            ),
            path(
                "<path:object_id>/coding-suggestion/",
                self.admin_site.admin_view(self.coding_accept_view),
                name="{}_{}_coding_accept".format(*info),
            ),
            *super().get_urls(),
        ]

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
            extra = coding_context(request.user, complaint)
        return super().change_view(
            request, object_id, form_url, {**extra, **(extra_context or {})}
        )

    def coding_suggest_new_view(self, request: HttpRequest) -> HttpResponse:
        """The registration form's suggestions (JSON): from the text typed so
        far, never stored. The form's own code lists stay what the person
        picks; the page's script only offers to set them."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied(P.NOT_ALLOWED)
        return JsonResponse(registration_suggestions(request.POST))

    def coding_accept_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        complaint = self.get_object(request, unquote(object_id))
        if complaint is None:
            raise Http404(P.NOT_FOUND)
        change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
        field, _sep, code_id = request.POST.get("accept", "").partition(":")
        code = None
        if code_id.isdigit():
            code = Code.objects.filter(pk=int(code_id)).first()
        try:
            version = datetime.fromisoformat(request.POST.get("version", ""))
        except ValueError:
            version = None
        if code is None or version is None:
            messages.error(request, _("Nothing was accepted: reload the case page."))
            return redirect(change_url)
        try:
            coding_suggestion_accept(
                complaint=complaint,
                actor=request.user,
                field=field,
                code=code,
                expected_version=version,
            )
        except (ValidationError, PermissionDenied, store.NoModel) as exc:
            messages.error(request, _message(exc))
        except ConcurrentTransition:
            messages.error(request, STALE)
        else:
            messages.success(
                request,
                ACCEPTED
                % {
                    "list": classifier.FIELD_LABELS[field],
                    "number": complaint.number,
                    "code": code,
                },
            )
        return redirect(change_url)

    def action_view(
        self, request: HttpRequest, object_id: str, action: str
    ) -> HttpResponse:
        response = super().action_view(request, object_id, action)  # type: ignore[misc]
        if action != "propose_decision" or not isinstance(response, TemplateResponse):
            return response
        context = response.context_data or {}
        complaint = context.get("complaint")
        if complaint is None:
            return response
        cases = similar.similar_decided(user=request.user, complaint=complaint)
        context["similar_cases"] = cases
        response.context_data = context
        response.template_name = f"{TEMPLATES}/propose_decision.html"
        if request.method in ("GET", "HEAD"):
            from complaints import services
            from complaints.models import PersonalDataAccess

            services.personal_data_shown(
                user=request.user,
                complaints=[c.complaint for c in cases if c.personal_data],
                surface=PersonalDataAccess.Surface.CHANGE,
                detail=f"similar:{complaint.number}"[:100],
            )
        return response


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def coding_context(user: Any, complaint: Complaint) -> dict[str, Any]:
    """The case page's suggestion panel: shown to those who may handle the case."""
    if complaint.status == Complaint.Status.ARCHIVED:
        return {}  # the case file is frozen (C21): nothing to accept
    if not P.has(user, P.HANDLE, complaint.institution):
        return {}
    try:
        record, suggestions = classifier.coding_suggest(complaint=complaint)
    except store.NoModel as exc:
        return {"coding_no_model": str(exc)}
    codes = Code.objects.in_bulk([s.code_id for s in suggestions.values()])
    rows = []
    for name in classifier.FIELDS:
        s = suggestions.get(name)
        if s is None or s.code_id == getattr(complaint, f"{name}_id"):
            continue
        rows.append(
            {
                "field": name,
                "label": classifier.FIELD_LABELS[name],
                "current": getattr(complaint, name) or "—",
                "code": codes.get(s.code_id),
                "value": f"{name}:{s.code_id}",
                "confidence": round(s.confidence * 100),
                "words": s.words,
            }
        )
    return {
        "coding_model": record,
        "coding_suggestions": rows,
        "coding_accept_url": reverse(
            "admin:complaints_complaint_coding_accept", args=[complaint.pk]
        ),
        "coding_version": complaint.updated_at.isoformat(),
    }


# Text longer than this is not read for a suggestion (a request and facts are
# a few hundred characters; the form's own limits apply when it is saved).
SUGGEST_TEXT_LIMIT = 20_000
MIN_SUGGEST_TEXT = 6
TOO_LITTLE_TEXT = _(
    "Type the request and facts first: the suggestion is read from them."
)


def registration_suggestions(data: Any) -> dict[str, Any]:
    """What the registration form shows: each code list's suggestion with its
    confidence and the words that drove it; only active codes, which the
    form's lists offer."""
    values = {f: str(data.get(f, ""))[:SUGGEST_TEXT_LIMIT] for f in text.INPUT_FIELDS}
    if len(text.case_text(values)) < MIN_SUGGEST_TEXT:
        return {"message": str(TOO_LITTLE_TEXT), "suggestions": []}
    try:
        record, suggestions = classifier.coding_suggest_text(values)
    except store.NoModel as exc:
        return {"message": str(exc), "suggestions": []}
    codes = Code.objects.filter(is_active=True).in_bulk(
        [s.code_id for s in suggestions.values()]
    )
    rows = []
    for name in classifier.FIELDS:
        s = suggestions.get(name)
        code = codes.get(s.code_id) if s else None
        if s is None or code is None:
            continue
        rows.append(
            {
                "field": name,
                "label": str(classifier.FIELD_LABELS[name]),
                "code_id": code.pk,
                "code": str(code),
                "confidence": round(s.confidence * 100),
                "words": list(s.words),
            }
        )
    message = _(
        "Suggested by the coding model (version %(v)s) from the request and facts. "
        "Nothing is set unless you press “Use”."
    ) % {"v": record.version}
    if not rows:
        message = _(
            "The coding model (version %(v)s) is not confident of any code "
            "for this text."
        ) % {"v": record.version}
    return {"message": str(message), "suggestions": rows}


# --- Trained models and the coding check ------------------------------------------
def _may_check(user: Any) -> bool:
    return P.has_anywhere(user, P.REPORTS)


class CheckForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("quarter"), coerce=int, choices=[(q, f"Q{q}") for q in (1, 2, 3, 4)]
    )
    confidence = forms.IntegerField(
        label=_("minimum confidence (%)"),
        min_value=50,
        max_value=99,
        initial=round(classifier.FLAG_CONFIDENCE * 100),
    )

    def period(self) -> tuple[date, date]:
        year, q = self.cleaned_data["year"], self.cleaned_data["quarter"]
        start = date(year, 3 * q - 2, 1)
        end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
        return start, date.fromordinal(end.toordinal() - 1)


def current_quarter(today: date) -> dict[str, int]:
    return {"year": today.year, "quarter": (today.month - 1) // 3 + 1}


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "version",
        "trained_at_shown",
        "data_range",
        "sample_count",
        "quality_shown",
    ]
    list_filter = ["kind"]
    exclude = ["artefact"]
    readonly_fields = [
        "kind",
        "version",
        "trained_at",
        "data_from",
        "data_to",
        "sample_count",
        "quality",
        "library_versions",
    ]
    change_list_template = f"{TEMPLATES}/trainedmodel_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "coding-check/",
                self.admin_site.admin_view(self.coding_check_view),
                name="insight_coding_check",
            ),
            *super().get_urls(),
        ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_check(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_check(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # trained by the command only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a suggestion names the model that made it

    @admin.display(description=_("trained at"), ordering="trained_at")
    def trained_at_shown(self, obj: TrainedModel) -> str:
        return timezone.localtime(obj.trained_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("data range"))
    def data_range(self, obj: TrainedModel) -> str:
        start = obj.data_from.isoformat() if obj.data_from else "—"
        end = obj.data_to.isoformat() if obj.data_to else "—"
        return f"{start} – {end}"

    @admin.display(description=_("measured quality (held-out part)"))
    def quality_shown(self, obj: TrainedModel) -> str:
        return quality_line(obj)

    def coding_check_view(self, request: HttpRequest) -> HttpResponse:
        if not _may_check(request.user):
            raise PermissionDenied
        today = timezone.localdate()
        data = request.GET if "year" in request.GET else None
        form = CheckForm(
            data,
            initial={
                **current_quarter(today),
                "confidence": round(classifier.FLAG_CONFIDENCE * 100),
            },
        )
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Coding check before the quarterly return"),
            "form": form,
            "limit": classifier.CHECK_LIMIT,
        }
        if form.is_valid():
            since, until = form.period()
            try:
                record, found, read = classifier.coding_doubts(
                    user=request.user,
                    since=since,
                    until=until,
                    threshold=form.cleaned_data["confidence"] / 100,
                )
            except store.NoModel as exc:
                context["no_model"] = str(exc)
            else:
                codes = Code.objects.in_bulk(
                    {d.suggested_id for _c, d in found}
                    | {d.current_id for _c, d in found if d.current_id}
                )
                context.update(
                    {
                        "model": record,
                        "quality": quality_line(record),
                        "read": read,
                        "capped": read >= classifier.CHECK_LIMIT,
                        "since": since,
                        "until": until,
                        "rows": [
                            {
                                "complaint": c,
                                "url": reverse(
                                    "admin:complaints_complaint_change", args=[c.pk]
                                ),
                                "field": classifier.FIELD_LABELS[d.field],
                                "current": codes.get(d.current_id or 0, "—"),
                                "suggested": codes.get(d.suggested_id),
                                "confidence": round(d.confidence * 100),
                                "words": d.words,
                            }
                            for c, d in found[:500]
                        ],
                        "found": len(found),
                    }
                )
        return TemplateResponse(request, f"{TEMPLATES}/check.html", context)


def quality_line(record: TrainedModel) -> str:
    fields = (record.quality or {}).get("fields", {})
    parts = []
    for name, q in fields.items():
        label = classifier.FIELD_LABELS.get(name, name)
        parts.append(
            str(
                _("%(list)s: accuracy %(acc).1f%%, macro F1 %(f1).2f")
                % {"list": label, "acc": q["accuracy"] * 100, "f1": q["macro_f1"]}
            )
        )
    return "; ".join(parts) or "—"
