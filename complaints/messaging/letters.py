"""The letters to the complainant: what each says, rendered once when its step
happens (complaints.services.letters stores it), and its PDF.

Letters to consumers are always written in Chinese, whatever the staff
member's language. `letter_context` is the one place that gathers what a
letter may say; a new fact for a letter (the institution a complaint was
forwarded to, a court's case number...) is added there and used in the
letter's template (templates/complaints/letters/<kind>.html).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from complaints.models import Complaint, Letter
from complaints.models.records import ContactMethod, Notification
from complaints.rules import redress
from complaints.timing import deadlines

K = Letter.Kind
# The heading of each letter (Chinese: the letter's own words, not interface text).
TITLES = {
    K.ACCEPTANCE: "投诉受理通知书",
    K.EXTENSION: "投诉处理期限延长告知书",
    K.PAUSE: "投诉处理期限中止告知书",
    K.RESUME: "投诉处理期限恢复告知书",
    K.DECISION: "投诉处理决定告知书",
    K.REVIEW_RECEIVED: "核查申请受理通知书",
    K.REVIEW_DECISION: "核查决定告知书",
    K.MEDIATION: "调解转介告知书",
    K.DECLINE: "投诉不予受理告知书",
    K.ROUTED: "投诉处理情况告知书",
    K.WITHDRAWAL: "撤回投诉确认书",
}
# Every notice the services owe the complainant has its letter: the kinds of
# notification.queue_complainant_notice are these (a test keeps them equal).
LETTER_KINDS = frozenset(K.values)
# Letters signed by the institution that reviews (核查), not the one that decided.
SIGNED_BY_REVIEWER = {K.REVIEW_RECEIVED, K.REVIEW_DECISION}

OUTCOME_TEXT: dict[str, str] = {
    Complaint.Outcome.SUPPORTED: "支持您的投诉请求。",
    Complaint.Outcome.PARTLY: "部分支持您的投诉请求。",
    Complaint.Outcome.NOT_SUPPORTED: "不支持您的投诉请求。",
}
REVIEW_RESULT_TEXT: dict[str, str] = {
    Complaint.ReviewResult.UPHELD: "维持原处理决定。",
    Complaint.ReviewResult.VARIED: "变更原处理决定，变更内容见核查意见。",
    Complaint.ReviewResult.OVERTURNED: "撤销原处理决定，处理结果见核查意见。",
}
ITEM_TYPE_TEXT: dict[str, str] = {
    Complaint.ItemType.ENQUIRY: "咨询",
    Complaint.ItemType.SUGGESTION: "建议",
    Complaint.ItemType.REPORT: "举报",
    Complaint.ItemType.COMPLAINT: "投诉",
}
# The standing ground of a decline, as the letter states it (Measures art. 14).
STANDING_GROUND_TEXT: dict[str, str] = {
    "not_the_consumer": "提出投诉的人并非保险消费者本人",
    "no_agency": "以代理人名义提出投诉，但未能证明法定代理关系或者提供授权委托书",
    "not_an_heir": "以继承人名义提出投诉，但未能提供继承关系证明",
}
# How the outbox's channels read in the letter's record.
CHANNEL_METHOD: dict[str, str] = {
    Notification.Channel.EMAIL: ContactMethod.EMAIL,
    Notification.Channel.SMS: ContactMethod.SMS,
    Notification.Channel.LETTER: ContactMethod.LETTER,
}


def decision_routes(complaint: Complaint) -> list[tuple[str, str]]:
    """The routes of redress against the complaint's decision, as sentences."""
    upper = complaint.institution.parent
    routes = redress.decision_routes(has_upper_level=upper is not None)
    return redress.route_lines(
        routes, upper=upper, review_days=deadlines.REVIEW_APPLICATION_DAYS
    )


def review_decision_routes() -> list[tuple[str, str]]:
    return redress.route_lines(redress.REVIEW_DECISION_ROUTES)


def letter_context(
    complaint: Complaint, kind: str, *, dated_on: date, **extra: Any
) -> dict[str, Any]:
    """Everything a letter of `kind` may say about `complaint`; `extra` is what
    the service passed with the notice (the extension, the pause)."""
    institution = complaint.institution
    if kind in SIGNED_BY_REVIEWER and complaint.review_institution is not None:
        institution = complaint.review_institution
    context: dict[str, Any] = {
        "kind": kind,
        "title": TITLES[K(kind)],
        "complaint": complaint,
        "recipient": complaint.complainant_name,
        "institution": institution,
        "upper": complaint.institution.parent,
        "dated_on": dated_on,
        "routes": [],
        **extra,
    }
    if kind == K.DECISION:
        context["outcome_text"] = OUTCOME_TEXT.get(complaint.outcome, "")
        context["routes"] = decision_routes(complaint)
    elif kind == K.REVIEW_DECISION:
        context["review_result_text"] = REVIEW_RESULT_TEXT.get(
            complaint.review_result, ""
        )
        context["routes"] = review_decision_routes()
    elif kind == K.DECLINE:
        routing = extra.get("routing")
        ground = getattr(routing, "standing_ground", "")
        context["ground_text"] = STANDING_GROUND_TEXT.get(ground, "")
    elif kind == K.ROUTED:
        context["item_type_text"] = ITEM_TYPE_TEXT.get(complaint.item_type, "")
        if complaint.route_kind == Complaint.RouteKind.ALREADY_DECIDED:
            context["routes"] = decision_routes(complaint)
    return context


def render_letter(
    complaint: Complaint, kind: str, *, dated_on: date, **extra: Any
) -> tuple[str, str]:
    """(title, HTML of the letter's sheet) of a letter of `kind`, in Chinese."""
    context = letter_context(complaint, kind, dated_on=dated_on, **extra)
    with translation.override("zh-hans"):
        html = render_to_string(f"complaints/letters/{kind}.html", context)
    return context["title"], _tidy(html)


def _tidy(html: str) -> str:
    """Drop the blank lines the template tags leave behind."""
    return "\n".join(line.rstrip() for line in html.splitlines() if line.strip())


def sha256(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


# --- As shown to a user ---------------------------------------------------------
def shown_content(letter: Letter, *, personal_data: bool) -> SafeString:
    """The stored letter; without the personal-data permission, the name and the
    address it was sent to are masked (as on the change form)."""
    from complaints.workbench.selectors import mask_name, mask_text

    content = letter.content
    if not personal_data:
        for value, mask in (
            (letter.recipient, mask_name),
            (letter.complaint.address, mask_text),
        ):
            if value and len(value) > 1:
                content = content.replace(_escaped(value), _escaped(mask(value)))
    # Rendered by the letter templates with autoescape on: safe as stored.
    return mark_safe(content)  # noqa: S308


def _escaped(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))


def delivery_label(letter: Letter) -> str:
    labels = dict(ContactMethod.choices)
    methods = [m for m in letter.delivery.split(",") if m]
    return "、".join(str(labels.get(m, m)) for m in methods)


# --- PDF --------------------------------------------------------------------------
class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are missing."""


def render_pdf(letter: Letter) -> bytes:
    """The PDF of the stored letter: its content on A4 with the letter's style
    and a CJK font (README: the system packages it needs)."""
    try:
        from weasyprint import CSS, HTML
    except OSError as exc:  # Pango is missing: the admin still runs.
        raise PdfUnavailable(str(exc)) from exc
    html = render_html_file(letter)
    stylesheet = finders.find("complaints/letter.css")
    sheets = [CSS(filename=stylesheet)] if stylesheet else []
    pdf: bytes = HTML(string=html).write_pdf(stylesheets=sheets)
    return pdf


def render_html_file(letter: Letter) -> str:
    """The stored letter as a standalone HTML page (the PDF's own page)."""
    return render_to_string(
        "complaints/letters/pdf.html",
        {"letter": letter, "content": mark_safe(letter.content)},  # noqa: S308
    )


def pdf_filename(letter: Letter) -> str:
    safe_title = re.sub(r"[^\w\u4e00-\u9fff-]", "", letter.title)
    return f"{letter.complaint.number}-{letter.sequence:02d}-{safe_title}.pdf"
