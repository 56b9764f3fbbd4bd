"""Quality-check findings (R70) recorded by compliance officers, not only a
superuser: on the sample's page (result, rule, note per case) and on each
case's scoring page (a score per checklist item), through the service, with
every refusal a message on the form; the scores feed the compliance dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints.models import Complaint
from organisations.models import Membership
from organisations.permissions import NotFound
from reporting import services
from reporting.models import QualityCheck, QualitySample, QualityScore
from reporting.selectors import quality_summary
from tests.reporting.conftest import Q3

pytestmark = pytest.mark.django_db
Res = QualityCheck.Result
ADMIN = "/admin/reporting"


@pytest.fixture
def gd_compliance(make_member: Any) -> Any:
    return make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")


@pytest.fixture
def sample(
    quarter: dict[str, Complaint], gd_compliance: Any, tree: dict[str, Any]
) -> QualitySample:
    # Closed in Q3 within GD: A, F and J; all three are drawn.
    return services.quality_sample_draw(
        actor=gd_compliance, institution=tree["GD"], period=Q3, size=3, seed=7
    )


def checks(sample: QualitySample) -> list[QualityCheck]:
    return list(sample.checks.order_by("complaint__number"))


# --- The service ------------------------------------------------------------------
def test_scores_give_the_result_and_name_the_lowest_item(
    sample: QualitySample, gd_compliance: Any
) -> None:
    one, two, _three = checks(sample)
    before = one.history.count()
    full = services.quality_check_record(
        check=one, actor=gd_compliance, scores={"C7": 5, "C9": 5, "C12": None}
    )
    assert (full.result, full.rule, full.checked_by) == (
        Res.COMPLIANT,
        "",
        gd_compliance,
    )
    assert dict(full.scores.values_list("rule", "score")) == {"C7": 5, "C9": 5}
    assert one.history.count() == before + 1
    assert one.history.first().history_user == gd_compliance

    short = services.quality_check_record(
        check=two,
        actor=gd_compliance,
        scores={"C3": 4, "C9": 2, "C10": 2},
        note="决定书未写明核查途径",
    )
    # The lowest score; among equals the first in checklist order.
    assert (short.result, short.rule, short.note) == (
        Res.ISSUES,
        "C9",
        "决定书未写明核查途径",
    )


def test_new_scores_replace_the_earlier_ones(
    sample: QualitySample, gd_compliance: Any
) -> None:
    one = checks(sample)[0]
    services.quality_check_record(check=one, actor=gd_compliance, scores={"C7": 1})
    services.quality_check_record(
        check=one, actor=gd_compliance, scores={"C7": None, "C10": 5}
    )
    one.refresh_from_db()
    assert dict(one.scores.values_list("rule", "score")) == {"C10": 5}
    assert one.result == Res.COMPLIANT
    # The removed score leaves its trace in the history.
    assert QualityScore.history.filter(rule="C7", history_type="-").count() == 1


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        (
            {"C7": 6},
            "C7 time limits and extensions: a score is a whole number from 0 to 5.",
        ),
        (
            {"C7": -1},
            "C7 time limits and extensions: a score is a whole number from 0 to 5.",
        ),
        ({"C99": 3}, "C99 is not an item of the checklist."),
        ({"C7": None}, "Score at least one checklist item, or choose the result."),
    ],
)
def test_bad_scores_are_refused_and_nothing_is_written(
    sample: QualitySample, gd_compliance: Any, scores: Any, message: str
) -> None:
    one = checks(sample)[0]
    before = one.history.count()
    with pytest.raises(ValidationError) as refused:
        services.quality_check_record(check=one, actor=gd_compliance, scores=scores)
    assert refused.value.message_dict["scores"] == [message]
    one.refresh_from_db()
    assert (one.result, one.history.count()) == (Res.PENDING, before)
    assert not QualityScore.objects.exists()


def test_only_compliance_scores(
    sample: QualitySample, gd_manager: Any, xihu_handler: Any
) -> None:
    one = checks(sample)[0]
    with pytest.raises(PermissionDenied):
        services.quality_check_record(check=one, actor=gd_manager, scores={"C7": 5})
    with pytest.raises(NotFound):  # not even told it exists
        services.quality_check_record(check=one, actor=xihu_handler, scores={"C7": 5})
    assert not QualityScore.objects.exists()


# --- The sample's page: a finding per case ---------------------------------------
def inline_data(response: Any, **rows: dict[str, str]) -> dict[str, str]:
    """The sample page's POST as the browser sends it, with `rows` changed
    (row index -> field values)."""
    formset = response.context["inline_admin_formsets"][0].formset
    data = {
        f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()
    }
    for i, form in enumerate(formset.forms):
        data[f"{form.prefix}-id"] = str(form.instance.pk)
        data[f"{form.prefix}-sample"] = str(form.instance.sample_id)
        for name in ("result", "rule", "note"):
            data[f"{form.prefix}-{name}"] = getattr(form.instance, name)
        for name, value in rows.get(str(i), {}).items():
            data[f"{form.prefix}-{name}"] = value
    return data


def test_a_compliance_officer_records_findings_on_the_sample_page(
    client: Any, sample: QualitySample, gd_compliance: Any
) -> None:
    assert not gd_compliance.is_superuser
    client.force_login(gd_compliance)
    url = f"{ADMIN}/qualitysample/{sample.pk}/change/"
    page = client.get(url)
    assert 'name="checks-0-result"' in page.content.decode()
    data = inline_data(
        page,
        **{
            "0": {"result": "compliant"},
            "1": {"result": "issues", "rule": "C10", "note": "告知记录缺少告知人"},
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    one, two, three = checks(sample)
    assert (one.result, one.checked_by) == (Res.COMPLIANT, gd_compliance)
    assert (two.result, two.rule, two.note) == (Res.ISSUES, "C10", "告知记录缺少告知人")
    assert three.result == Res.PENDING


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Name the rule the case does not comply with."),
        ("zh-hans", "请注明案件不符合的检查项。"),
    ],
)
def test_issues_without_a_rule_is_a_message_on_the_row(
    client: Any, sample: QualitySample, gd_compliance: Any, language: str, message: str
) -> None:
    client.force_login(gd_compliance)
    url = f"{ADMIN}/qualitysample/{sample.pk}/change/"
    data = inline_data(
        client.get(url),
        **{"0": {"result": "compliant"}, "1": {"result": "issues", "note": "缺少"}},
    )
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[1].errors["rule"] == [message]
    assert "缺少" in response.content.decode()  # what was typed is kept
    assert [c.result for c in checks(sample)] == [Res.PENDING] * 3  # nothing written


def test_a_manager_reads_the_findings_but_cannot_record_them(
    client: Any, sample: QualitySample, gd_manager: Any
) -> None:
    client.force_login(gd_manager)
    url = f"{ADMIN}/qualitysample/{sample.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="checks-0-result"' not in page.content.decode()
    check = checks(sample)[0]
    score_url = f"{ADMIN}/qualitycheck/{check.pk}/change/"
    assert client.get(score_url).status_code == 200
    assert client.post(score_url, {"score_C7": "5"}).status_code == 403
    assert not QualityScore.objects.exists()


# --- The scoring page: a score per checklist item --------------------------------
def test_the_scoring_page_records_a_score_per_item(
    client: Any, sample: QualitySample, gd_compliance: Any
) -> None:
    check = checks(sample)[1]
    client.force_login(gd_compliance)
    url = f"{ADMIN}/qualitycheck/{check.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="score_C21"' in page.content.decode()
    response = client.post(
        url, {"score_C7": "5", "score_C9": "3", "score_C13": "", "note": "理由不充分"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{ADMIN}/qualitysample/{sample.pk}/change/"
    check.refresh_from_db()
    assert (check.result, check.rule, check.note) == (Res.ISSUES, "C9", "理由不充分")
    assert dict(check.scores.values_list("rule", "score")) == {"C7": 5, "C9": 3}
    # The sample's page shows the average and links to the scoring page.
    sample_page = client.get(f"{ADMIN}/qualitysample/{sample.pk}/change/")
    assert f'href="{url}"' in sample_page.content.decode()
    assert "4.0 / 5" in sample_page.content.decode()


@pytest.mark.parametrize(
    ("language", "nothing", "bad"),
    [
        (
            "en",
            "Score at least one checklist item, or choose the result.",
            "Select a valid choice. 9 is not one of the available choices.",
        ),
        (
            "zh-hans",
            "请至少为一个检查项目评分，或选择检查结果。",
            "选择一个有效的选项。 9 不在可用的选项中。",
        ),
    ],
)
def test_scoring_errors_are_form_messages(
    client: Any,
    sample: QualitySample,
    gd_compliance: Any,
    language: str,
    nothing: str,
    bad: str,
) -> None:
    check = checks(sample)[0]
    client.force_login(gd_compliance)
    url = f"{ADMIN}/qualitycheck/{check.pk}/change/"
    empty = client.post(url, {"note": "看过"}, HTTP_ACCEPT_LANGUAGE=language)
    assert empty.status_code == 200
    assert empty.context["form"].non_field_errors() == [nothing]
    assert "看过" in empty.content.decode()
    wrong = client.post(url, {"score_C7": "9"}, HTTP_ACCEPT_LANGUAGE=language)
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["score_C7"] == [bad]
    check.refresh_from_db()
    assert (check.result, check.scores.count()) == (Res.PENDING, 0)


def test_another_province_does_not_find_the_check(
    client: Any, sample: QualitySample, make_member: Any
) -> None:
    zj_compliance = make_member("zj_compliance", Membership.Role.COMPLIANCE, "ZJ")
    check = checks(sample)[0]
    client.force_login(zj_compliance)
    url = f"{ADMIN}/qualitycheck/{check.pk}/change/"
    assert client.get(url).status_code == 302  # "not found": back to the index
    client.post(url, {"score_C7": "5"})
    assert not QualityScore.objects.exists()


# --- The dashboard -----------------------------------------------------------------
def test_the_scores_feed_the_compliance_dashboard(
    client: Any, sample: QualitySample, gd_compliance: Any, ho_compliance: Any
) -> None:
    dashboard = f"{ADMIN}/dashboard/compliance/?period=2026Q3&institution=GD"
    client.force_login(ho_compliance)
    before = client.get(dashboard)
    assert before.context["quality"]["by_item"] == []
    assert 'id="quality-score-avg"' not in before.content.decode()

    one, two, _three = checks(sample)
    services.quality_check_record(
        check=one, actor=gd_compliance, scores={"C7": 5, "C9": 4}
    )
    services.quality_check_record(
        check=two, actor=gd_compliance, scores={"C7": 3, "C10": 5}
    )
    after = client.get(dashboard)
    quality = after.context["quality"]
    assert [
        (r["rule"], r["n"], str(r["avg"]), r["short"]) for r in quality["by_item"]
    ] == [
        ("C7", 2, "4.0", 1),
        ("C9", 1, "4.0", 1),
        ("C10", 1, "5.0", 0),
    ]
    assert (str(quality["score_avg"]), quality["scores"]) == ("4.3", 4)
    assert quality["counts"]["issues"] == 2
    body = after.content.decode()
    assert '<span id="quality-score-avg">4.3</span> / 5' in body
    assert "C9 decision content and routes" in body
    zh = client.get(dashboard, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "平均得分" in zh


def test_the_summary_is_scoped(
    sample: QualitySample, gd_compliance: Any, ho_compliance: Any, tree: Any
) -> None:
    services.quality_check_record(
        check=checks(sample)[0], actor=gd_compliance, scores={"C7": 2}
    )
    zj = quality_summary(user=ho_compliance, institution=tree["ZJ"], period=Q3)
    assert (zj["by_item"], zj["scores"]) == ([], 0)
    gd = quality_summary(user=gd_compliance, institution=tree["GD"], period=Q3)
    assert gd["by_item"][0]["avg"] is not None
