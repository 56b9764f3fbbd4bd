"""Letters are records: written when their step happens, stored once as sent,
reprinted from the stored copy, kept as a PDF, readable in Chinese on every path.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from complaints import services
from complaints.exceptions import ComplaintError
from complaints.messaging import letters
from complaints.models import Complaint, Letter, Notification, PersonalDataAccess
from complaints.services.letters import CASE_FILE_CLOSED
from complaints.templatetags.letter_text import cn_date as cn
from organisations.models import Membership
from tests.complaints.letter_paths import (
    K,
    Walk,
    at,
    letter_text,
    proofread,
)

pytestmark = pytest.mark.django_db
S = Complaint.Status
OUT = Complaint.Outcome
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "complaints"


@pytest.fixture
def people(tianhe_handler: Any, gz_manager: Any, gd_reviewer: Any) -> dict[str, Any]:
    return {"handler": tianhe_handler, "manager": gz_manager, "reviewer": gd_reviewer}


@pytest.fixture
def walk(register: Any, people: dict[str, Any]) -> Any:
    def start(**fields: Any) -> Walk:
        return Walk(people, register(people["handler"], **fields))

    return start


@pytest.fixture
def ho_walk(register: Any, make_member: Any) -> Any:
    """A complaint decided at head office: no upper level, no review (R41)."""
    people = {
        "handler": make_member("ho_handler", Membership.Role.HANDLER, "HO"),
        "manager": make_member("ho_manager", Membership.Role.MANAGER, "HO"),
    }

    def start() -> Walk:
        return Walk(people, register(people["handler"], institution="HO"))

    return start


def assert_reads_well(letter: Letter) -> str:
    problems = proofread(letter.content)
    assert not problems, f"{letter.kind}: {problems}\n{letter_text(letter.content)}"
    text = letter_text(letter.content)
    assert letters.TITLES[K(letter.kind)] in text
    assert letter.complaint.number in text
    assert letter.complaint.complainant_name in text
    return text


# --- Every letter on every path reads as Chinese ---------------------------------
def test_every_notice_kind_has_its_letter() -> None:
    notices = {p.stem for p in (TEMPLATES / "notices").glob("*.txt")}
    staff_only = {
        *("due_soon", "overdue", "callback_due", "callback_overdue"),
        *("task_sent", "task_answered", "task_overdue", "supervised"),
        *("approval_requested", "approval_decided", "staff_notice", "past_target"),
    }
    assert notices - staff_only == set(letters.LETTER_KINDS)
    for kind in letters.LETTER_KINDS:
        assert (TEMPLATES / "letters" / f"{kind}.html").exists()


@pytest.mark.parametrize("outcome", [OUT.SUPPORTED, OUT.PARTLY, OUT.NOT_SUPPORTED])
@pytest.mark.parametrize("redress", [Decimal("2350.00"), None])
def test_decision_letter_for_each_outcome(
    walk: Any, outcome: str, redress: Any
) -> None:
    w = walk().accept().assign().decide(outcome, redress).notify()
    text = assert_reads_well(w.letter(K.DECISION))
    expected = letters.OUTCOME_TEXT[outcome]
    assert expected in text
    assert ("人民币2350.00元" in text) is (redress is not None)
    # The routes of Measures art. 19 / R34, review by the named upper level first.
    routes = re.findall(r'id="route-(\w+)"', w.letter(K.DECISION).content)
    assert routes == ["review", "mediation", "arbitration", "litigation"]
    assert (
        "自收到本处理决定之日起30日内，向本公司上级机构广州中心支公司申请核查" in text
    )
    assert "2026年3月18日" in text  # dated the day it was sent


def test_decision_letter_at_head_office_has_no_review(ho_walk: Any) -> None:
    w = ho_walk().accept().assign().decide(OUT.NOT_SUPPORTED, None).notify()
    letter = w.letter(K.DECISION)
    text = assert_reads_well(letter)
    routes = re.findall(r'id="route-(\w+)"', letter.content)
    assert routes == ["mediation", "arbitration", "litigation"]
    assert "核查" not in text


@pytest.mark.parametrize("result", list(Complaint.ReviewResult))
def test_review_letters_for_each_result(walk: Any, result: str) -> None:
    w = walk().accept().assign().decide(OUT.PARTLY, Decimal("800")).notify()
    w.request_review().review(result)
    received = assert_reads_well(w.letter(K.REVIEW_RECEIVED))
    assert "2026年3月25日" in received  # the application
    assert "广州中心支公司将依照" in received  # signed by the reviewing institution
    decision = w.letter(K.REVIEW_DECISION)
    text = assert_reads_well(decision)
    assert letters.REVIEW_RESULT_TEXT[result] in text
    routes = re.findall(r'id="route-(\w+)"', decision.content)
    assert routes == ["mediation", "arbitration", "litigation"]
    assert "广州中心支公司（盖章）" in text


@pytest.mark.parametrize("level", [1, 2])
def test_extension_letter_for_each_level(walk: Any, level: int) -> None:
    w = walk().accept().assign()
    # Typed with its own full stop, as handlers do.
    w.extend(1, "案情复杂，需调取理赔档案，申请延长。", "03-16")
    if level == 2:
        w.extend(2, "需等待医院出具鉴定意见，申请再延长。", "04-01")
    letter = w.letter(K.EXTENSION)
    text = assert_reads_well(letter)
    assert "。，" not in text
    extension = w.c.extensions.get(level=level)
    assert letter.extension == extension
    assert f"延长至{extension.new_due.year}年{extension.new_due.month}月" in text
    again = "再延长至" if level == 2 else "延长至"
    assert again in text


ROUTES = ["reclassified", "forwarded", "proceeding", "merged", "already_decided"]


@pytest.mark.parametrize("kind", ROUTES)
def test_routing_letter_for_each_kind(
    walk: Any, register: Any, people: dict[str, Any], kind: str
) -> None:
    extra: dict[str, Any] = {}
    if kind == "reclassified":
        extra["item_type"] = Complaint.ItemType.ENQUIRY
    if kind == "merged":
        extra["merged_into"] = register(people["handler"], phone="13900000000")
    w = walk().route(kind, **extra)
    letter = w.letter(K.ROUTED)
    text = assert_reads_well(letter)
    assert 'id="routing"' in letter.content
    assert "经核实后处理。" in text  # the note, as one sentence
    if kind == "merged":
        assert extra["merged_into"].number in text
    if kind == "reclassified":
        assert "属于咨询" in text
    routes = re.findall(r'id="route-(\w+)"', letter.content)
    assert routes == (
        ["review", "mediation", "arbitration", "litigation"]
        if kind == "already_decided"
        else []
    )


def test_decline_withdrawal_pause_and_mediation_letters(walk: Any) -> None:
    declined = walk().decline()
    text = assert_reads_well(declined.letter(K.DECLINE))
    assert "说明：系投诉人邻居代为投诉，无授权委托书。" in text

    withdrawn = walk().accept().withdraw()
    assert "2026年3月12日" in assert_reads_well(withdrawn.letter(K.WITHDRAWAL))

    paused = walk().accept().assign().pause().resume()
    text = assert_reads_well(paused.letter(K.PAUSE))
    assert "因需对车损进行第三方鉴定，需由广州市机动车鉴定中心进行" in text
    assert_reads_well(paused.letter(K.RESUME))

    mediated = walk().accept().assign().decide(OUT.NOT_SUPPORTED, None).notify()
    mediated.mediate("03-20")
    text = assert_reads_well(mediated.letter(K.MEDIATION))
    assert "广东保险纠纷调解中心" in text


# --- Stored once, as sent; reprinted identical ------------------------------------
def test_each_step_stores_its_letter_once_with_the_notice(walk: Any) -> None:
    w = walk()
    assert not Letter.objects.exists()
    w.accept()
    letter = Letter.objects.get()
    assert (letter.kind, letter.sequence) == (K.ACCEPTANCE, 1)
    assert letter.recipient == "林小雨"
    assert letter.delivery == "email,sms"
    assert letter.address == "lin@example.com；13800138000"
    assert str(letter.dated_on) == "2026-03-09"
    assert letter.created_by == w.p["handler"]
    assert letter.content_sha256 == letters.sha256(letter.content)
    notices = Notification.objects.filter(complaint=w.c, kind="acceptance")
    assert notices.count() == 2
    # In the sealed chain, with who and why.
    row = letter.history.get()
    assert row.history_user == w.p["handler"]
    assert row.chain_seq
    assert row.row_hash
    w.assign()  # no notice, no letter
    assert Letter.objects.count() == 1
    w.extend(1, "需调取外部材料", "03-16").extend(2, "需等待鉴定意见", "04-01")
    kinds = list(Letter.objects.values_list("kind", "sequence"))
    assert kinds == [(K.ACCEPTANCE, 1), (K.EXTENSION, 2), (K.EXTENSION, 3)]


def test_letter_without_email_or_phone_goes_by_post(walk: Any) -> None:
    w = walk(email="", phone="", address="广州市天河区体育西路1号").accept()
    letter = w.letter(K.ACCEPTANCE)
    assert letter.delivery == "letter"
    assert letter.address == "广州市天河区体育西路1号"
    assert letters.delivery_label(letter) == "Letter"


def test_reprint_shows_the_copy_as_sent(
    walk: Any, client: Any, people: dict[str, Any]
) -> None:
    w = walk().accept("03-09").assign()
    acceptance = w.letter(K.ACCEPTANCE)
    promised = cn(w.c.legal_due)
    assert promised == "2026年3月23日"  # 15 days from 2026-03-06 (a Saturday: Monday)
    assert f"在{promised}前作出处理决定" in letter_text(acceptance.content)
    # Later the deadline moves and the letter is printed again on another day:
    # the copy still promises the 15-day date and carries its own date.
    w.extend(1, "需调取外部材料", "03-16")
    extended = cn(w.c.legal_due)
    assert extended != promised
    client.force_login(people["handler"])
    url = reverse("complaints:letter", args=[acceptance.pk])
    with at("05-06"):
        first = client.get(url)
        second = client.get(url)
    assert first.status_code == 200
    assert first.content == second.content
    page = first.content.decode()
    assert acceptance.content in page
    assert promised in page
    assert extended not in page
    assert "2026年3月9日" in page
    assert "2026年5月6日" not in page
    assert '<html lang="zh-hans">' in page
    assert first["Cache-Control"] == "private, no-store"
    acceptance.refresh_from_db()
    assert acceptance.history.count() == 1  # reading wrote nothing
    # Each extension keeps its own letter, not only the latest.
    w.extend(2, "需等待鉴定意见", "04-01")
    first_ext, second_ext = Letter.objects.filter(kind=K.EXTENSION).order_by("sequence")
    level2 = w.c.extensions.get(level=2)
    assert f"由{promised}延长至{extended}" in letter_text(first_ext.content)
    assert f"由{extended}再延长至{cn(level2.new_due)}" in letter_text(
        second_ext.content
    )


def test_case_page_lists_the_stored_letters(
    walk: Any, client: Any, people: dict[str, Any]
) -> None:
    w = walk().accept().assign().decide(OUT.PARTLY, Decimal("1200")).notify()
    client.force_login(people["handler"])
    page = client.get(
        reverse("admin:complaints_complaint_change", args=[w.c.pk])
    ).content.decode()
    for letter in Letter.objects.filter(complaint=w.c):
        assert reverse("complaints:letter", args=[letter.pk]) in page
        assert reverse("complaints:letter_pdf", args=[letter.pk]) in page


# --- PDF -----------------------------------------------------------------------------
def pdf_text_and_fonts(data: bytes) -> tuple[str, set[str], bool]:
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    fonts: set[str] = set()
    embedded = False
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                embedded |= any(k in descriptor for k in ("/FontFile2", "/FontFile3"))
    return text, fonts, embedded


def test_pdf_is_produced_stored_once_and_carries_the_chinese(
    walk: Any, client: Any, people: dict[str, Any]
) -> None:
    w = walk().accept().assign().decide(OUT.PARTLY, Decimal("2350")).notify()
    decision = w.letter(K.DECISION)
    assert not decision.pdf
    stored = services.letter_attach_pdf(letter=decision)
    data = stored.pdf.read()
    assert data.startswith(b"%PDF")
    assert stored.pdf_sha256 == letters.sha256(data)
    text, fonts, embedded = pdf_text_and_fonts(data)
    compact = re.sub(r"\s+", "", text)
    for words in ("投诉处理决定告知书", "部分支持您的投诉请求", "人民币2350.00元"):
        assert words in compact
    assert w.c.number in compact
    assert "向本公司上级机构广州中心支公司申请核查" in compact
    assert embedded, fonts
    assert any("WenQuanYi" in f or "CJK" in f for f in fonts), fonts
    # Stored once: a second request serves the same file, renders nothing new.
    again = services.letter_attach_pdf(letter=decision)
    assert again.pdf.name == stored.pdf.name
    assert decision.history.count() == 2  # sent; PDF attached
    client.force_login(people["handler"])
    response = client.get(reverse("complaints:letter_pdf", args=[decision.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == data
    assert "attachment" in response["Content-Disposition"]


def test_render_letters_command_fills_the_missing_pdfs(walk: Any) -> None:
    walk().accept().assign().extend(1, "需调取外部材料", "03-16")
    out = io.StringIO()
    call_command("render_letters", "--dry-run", stdout=out)
    assert "2" in out.getvalue()
    assert not Letter.objects.exclude(pdf="").exists()
    call_command("render_letters", stdout=out)
    assert not Letter.objects.filter(pdf="").exists()
    out = io.StringIO()
    call_command("render_letters", stdout=out)  # idempotent
    assert "0" in out.getvalue()


def test_pdf_requested_first_is_stored_then(
    walk: Any, client: Any, people: Any
) -> None:
    w = walk().accept()
    letter = w.letter(K.ACCEPTANCE)
    client.force_login(people["handler"])
    response = client.get(reverse("complaints:letter_pdf", args=[letter.pk]))
    assert response.status_code == 200
    letter.refresh_from_db()
    assert letter.pdf
    assert letter.pdf_sha256 == letters.sha256(response.content)


# --- Access: the wrong person sees nothing; a masked role sees it masked ----------
def test_letter_outside_scope_answers_like_a_missing_one(
    walk: Any, client: Any, xihu_handler: Any
) -> None:
    letter = walk().accept().letter(K.ACCEPTANCE)
    client.force_login(xihu_handler)
    for name in ("complaints:letter", "complaints:letter_pdf"):
        hidden = client.get(reverse(name, args=[letter.pk]))
        missing = client.get(reverse(name, args=[987654]))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
    letter.refresh_from_db()
    assert not letter.pdf


def test_letter_masked_for_a_role_without_personal_data(
    walk: Any, client: Any, make_member: Any
) -> None:
    viewer = make_member("gz_viewer", Membership.Role.VIEWER, "GDGZ")
    letter = walk().accept().letter(K.ACCEPTANCE)
    client.force_login(viewer)
    response = client.get(reverse("complaints:letter", args=[letter.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "林小雨" not in page
    assert "林*雨：" in page
    assert reverse("complaints:letter_pdf", args=[letter.pk]) not in page
    assert not PersonalDataAccess.objects.filter(user=viewer).exists()
    pdf = client.get(reverse("complaints:letter_pdf", args=[letter.pk]))
    assert pdf.status_code == 403
    case = client.get(
        reverse("admin:complaints_complaint_change", args=[letter.complaint_id])
    ).content.decode()
    assert reverse("complaints:letter", args=[letter.pk]) in case
    assert reverse("complaints:letter_pdf", args=[letter.pk]) not in case


def test_reading_a_letter_is_logged(walk: Any, client: Any, people: Any) -> None:
    letter = walk().accept().letter(K.ACCEPTANCE)
    client.force_login(people["handler"])
    client.get(reverse("complaints:letter", args=[letter.pk]))
    logged = PersonalDataAccess.objects.get(user=people["handler"], surface="letter")
    assert logged.detail == "acceptance"


# --- A closed case file takes no more -------------------------------------------------
def test_archived_case_file_takes_no_letter_and_no_pdf(
    walk: Any, client: Any, people: Any
) -> None:
    w = walk().accept().assign().decide(OUT.SUPPORTED, None).notify()
    with at("05-20"):
        services.complaint_close(complaint=w.c, actor=people["handler"])
    w.c.refresh_from_db()
    services.complaint_archive(complaint=w.c, actor=people["handler"])
    w.c.refresh_from_db()
    letter = w.letter(K.DECISION)
    before = letter.history.count()
    with pytest.raises(ComplaintError) as refused:
        services.letter_attach_pdf(letter=letter)
    assert CASE_FILE_CLOSED in refused.value.messages
    with pytest.raises(ComplaintError) as refused:
        services.letter_store(complaint=w.c, kind="decision", notices=[])
    assert CASE_FILE_CLOSED in refused.value.messages
    # The letter can still be read and printed, as a PDF rendered for reading.
    client.force_login(people["handler"])
    response = client.get(reverse("complaints:letter_pdf", args=[letter.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    letter.refresh_from_db()
    assert not letter.pdf
    assert letter.history.count() == before
    assert Letter.objects.filter(complaint=w.c).count() == 2
