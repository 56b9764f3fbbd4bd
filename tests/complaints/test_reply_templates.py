"""Reply and decision templates: kept by compliance for its subtree, offered to
handlers on the draft-decision and correspondence pages, placeholders filled
on the server from a fixed list (no template injection)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from complaints import services
from complaints.models import Code, Complaint, ReplyTemplate
from complaints.rules import placeholders
from organisations.models import Membership
from organisations.permissions import NotFound

pytestmark = pytest.mark.django_db
S = Complaint.Status
DECISION_BODY = (
    "{投诉人}：您于{收到日期}提出的投诉（编号{投诉编号}）经调查，本公司向您支付"
    "补偿人民币{补偿金额}元。如有异议：\n{救济途径}"
)


def category(value: str) -> Code:
    return Code.objects.get(kind="category", code=value)


@pytest.fixture
def gd_compliance(make_member: Any) -> Any:
    return make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")


@pytest.fixture
def templates(tree: Any, ho_compliance: Any, gd_compliance: Any) -> dict[str, Any]:
    def make(actor: Any, code: str, name: str, **fields: Any) -> ReplyTemplate:
        values = {
            "institution": tree[code],
            "name": name,
            "use": ReplyTemplate.Use.DECISION,
            "body": DECISION_BODY,
        }
        values.update(fields)
        return services.reply_template_save(actor=actor, **values)

    return {
        "ho_any": make(ho_compliance, "HO", "通用决定（总公司）"),
        "gd_claims": make(
            gd_compliance,
            "GD",
            "理赔部分支持（广东）",
            category=category("claims"),
            outcome="partly",
        ),
        "gd_sales": make(
            gd_compliance, "GD", "销售纠纷（广东）", category=category("sales")
        ),
        "zj_any": make(ho_compliance, "ZJ", "通用决定（浙江）"),
        "gd_off": make(gd_compliance, "GD", "已停用", is_active=False),
        "gd_reply": make(
            gd_compliance,
            "GD",
            "回访答复",
            use=ReplyTemplate.Use.REPLY,
            body="{投诉人}您好，关于投诉{投诉编号}，我们于{今天}联系您。",
        ),
    }


# --- Compliance keeps them ---------------------------------------------------------
def test_placeholders_outside_the_list_are_refused(
    tree: Any, gd_compliance: Any
) -> None:
    for body in ("{{ complaint.phone }}", "您好{手机号}", "{投诉人}{ 投诉人 }{x}"):
        with pytest.raises(ValidationError) as refused:
            services.reply_template_save(
                actor=gd_compliance,
                institution=tree["GD"],
                name="坏模板",
                use="reply",
                body=body,
            )
        message = refused.value.messages[0]
        assert "Unknown placeholder" in message
        assert "{投诉人}" in message  # the valid ones are listed
    assert not ReplyTemplate.objects.exists()


@pytest.mark.parametrize(
    ("who", "code", "refusal"),
    [
        ("gd_compliance", "HO", NotFound),  # above its subtree: not its to see
        ("gd_compliance", "ZJ", NotFound),  # outside it
        ("tianhe_handler", "GDGZTH", PermissionDenied),  # handlers use, not keep
        ("senior", "HO", PermissionDenied),
    ],
)
def test_only_compliance_of_the_institution_keeps_its_templates(
    tree: Any, persona: Any, who: str, code: str, refusal: Any, gd_compliance: Any
) -> None:
    with pytest.raises(refusal):
        services.reply_template_save(
            actor=persona(who),
            institution=tree[code],
            name="越权模板",
            use="reply",
            body="您好",
        )
    assert not ReplyTemplate.objects.exists()


def test_compliance_manages_them_in_the_admin_scoped(
    client: Any, tree: Any, gd_compliance: Any, templates: dict[str, Any]
) -> None:
    client.force_login(gd_compliance)
    listed = client.get(reverse("admin:complaints_replytemplate_changelist"))
    assert listed.status_code == 200
    page = listed.content.decode()
    assert "理赔部分支持（广东）" in page
    assert "通用决定（总公司）" not in page
    ho = reverse("admin:complaints_replytemplate_change", args=[templates["ho_any"].pk])
    assert client.get(ho).status_code in (302, 404)
    add = reverse("admin:complaints_replytemplate_add")
    form = client.get(add).content.decode()
    assert "{投诉人}" in form  # the placeholders are listed for the writer
    bad = client.post(
        add,
        {
            "institution": tree["GD"].pk,
            "name": "新模板",
            "use": "reply",
            "body": "您好 {{ complaint.id_number }}",
            "is_active": "on",
        },
    )
    assert bad.status_code == 200
    assert "Unknown placeholder" in bad.content.decode()
    above = client.post(
        add,
        {
            "institution": tree["HO"].pk,
            "name": "新模板",
            "use": "reply",
            "body": "您好",
            "is_active": "on",
        },
    )
    assert above.status_code == 200  # not a choice for this officer
    good = client.post(
        add,
        {
            "institution": tree["GDGZ"].pk,
            "name": "新模板",
            "use": "reply",
            "body": "{投诉人}您好",
            "is_active": "on",
        },
    )
    assert good.status_code == 302
    created = ReplyTemplate.objects.get(name="新模板")
    assert created.history.get().history_user == gd_compliance


def test_handlers_and_viewers_have_no_template_admin(
    client: Any, tianhe_handler: Any, zj_viewer: Any
) -> None:
    for user in (tianhe_handler, zj_viewer):
        client.force_login(user)
        url = reverse("admin:complaints_replytemplate_changelist")
        assert client.get(url).status_code == 403


# --- Handlers insert them -----------------------------------------------------------
def test_offered_by_institution_category_and_use(
    at: Any, tianhe_handler: Any, templates: dict[str, Any]
) -> None:
    c = at(S.INVESTIGATING)  # a claims complaint at 天河
    offered = set(
        services.reply_templates_for(complaint=c, user=tianhe_handler, use="decision")
    )
    assert offered == {templates["ho_any"], templates["gd_claims"]}
    replies = services.reply_templates_for(
        complaint=c, user=tianhe_handler, use="reply"
    )
    assert list(replies) == [templates["gd_reply"]]


def test_draft_decision_page_offers_and_fills_a_template(
    client: Any, at: Any, tianhe_handler: Any, templates: dict[str, Any]
) -> None:
    c = at(S.INVESTIGATING)
    client.force_login(tianhe_handler)
    page = client.get(
        reverse("admin:complaints_complaint_act", args=[c.pk, "propose_decision"])
    ).content.decode()
    assert 'id="reply-template"' in page
    assert 'data-target="id_decision_text"' in page
    assert "理赔部分支持（广东）" in page
    assert "销售纠纷（广东）" not in page
    assert "通用决定（浙江）" not in page
    assert "已停用" not in page
    assert "complaints/reply_templates.js" in page
    url = reverse(
        "admin:complaints_complaint_reply_template",
        args=[c.pk, templates["gd_claims"].pk],
    )
    assert url in page

    text = json.loads(client.get(url + "?amount=2350").content)["text"]
    assert text.startswith("林小雨：您于2026年3月6日提出的投诉（编号" + c.number)
    assert "补偿人民币2350.00元" in text
    assert "向本公司上级机构广州中心支公司申请核查" in text
    assert "{" not in text
    # Without a typed amount, the stored redress (none yet): an empty amount.
    plain = json.loads(client.get(url).content)["text"]
    assert "补偿人民币元" in plain


def test_correspondence_page_offers_reply_templates(
    client: Any, at: Any, tianhe_handler: Any, templates: dict[str, Any]
) -> None:
    c = at(S.INVESTIGATING)
    client.force_login(tianhe_handler)
    page = client.get(
        reverse("admin:complaints_complaint_act", args=[c.pk, "correspondence"])
    ).content.decode()
    assert 'data-target="id_summary"' in page
    assert "回访答复" in page
    assert "理赔部分支持（广东）" not in page  # a decision template


def test_values_are_text_never_template_code(
    client: Any, register: Any, tianhe_handler: Any, templates: dict[str, Any]
) -> None:
    # A complainant whose name looks like template code stays plain text.
    c = register(tianhe_handler, complainant_name="{{7*7}}{投诉编号}")
    services.complaint_accept(complaint=c, actor=tianhe_handler)
    client.force_login(tianhe_handler)
    url = reverse(
        "admin:complaints_complaint_reply_template",
        args=[c.pk, templates["gd_reply"].pk],
    )
    text = json.loads(client.get(url).content)["text"]
    assert text.startswith("{{7*7}}{投诉编号}您好")
    assert "49" not in text


def test_fill_is_pure_substitution() -> None:
    assert placeholders.unknown_in("{投诉人}{complainant}{today}") == []
    assert placeholders.unknown_in("{{投诉人}}") == ["{", "}"]  # template code
    assert placeholders.unknown_in("{ 投诉人 }") == ["{ 投诉人 }"]
    assert placeholders.parse_amount("12.5") == Decimal("12.5")
    assert placeholders.parse_amount("-1") is None
    assert placeholders.parse_amount("abc") is None


@pytest.mark.parametrize(
    "who", ["xihu_handler", "zj_viewer", "outsider", "gd_reviewer"]
)
def test_the_wrong_person_gets_no_template_text(
    client: Any, at: Any, persona: Any, who: str, templates: dict[str, Any]
) -> None:
    c = at(S.INVESTIGATING)
    client.force_login(persona(who))
    url = reverse(
        "admin:complaints_complaint_reply_template",
        args=[c.pk, templates["gd_claims"].pk],
    )
    response = client.get(url)
    assert response.status_code == 404
    assert "林小雨" not in response.content.decode()


def test_a_template_not_offered_for_the_complaint_is_not_found(
    client: Any, at: Any, tianhe_handler: Any, templates: dict[str, Any]
) -> None:
    c = at(S.INVESTIGATING)
    client.force_login(tianhe_handler)
    for name in ("zj_any", "gd_sales", "gd_off"):
        url = reverse(
            "admin:complaints_complaint_reply_template",
            args=[c.pk, templates[name].pk],
        )
        assert client.get(url).status_code == 404
