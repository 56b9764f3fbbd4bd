"""The regulator-transfer import in the user's words: codes, Chinese labels and
synonyms in every code column, the valid values listed when a value is not
one, a template to download, and the numbers an import created."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from complaints.exchange import imports
from complaints.models import Code, Complaint, ImportRecord
from organisations.models import Membership
from tests.complaints.conftest import SHANGHAI
from tests.complaints.test_import_regulator import HEADER, gbk_csv, line, xlsx

pytestmark = pytest.mark.django_db
URL = "/admin/complaints/complaint/import-regulator/"
TEMPLATE_URL = URL + "template/"


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def importer(make_member: Any, tree: Any) -> Any:
    return make_member("gd_compliance", Membership.Role.COMPLIANCE, "GD")


def preview_of(importer: Any, rows: list[list[Any]]) -> Any:
    return imports.regulator_transfers_preview(actor=importer, rows=[HEADER, *rows])


@pytest.mark.parametrize(
    ("column", "value", "field", "code"),
    [
        ("险种代码", "机动车辆保险", "product_line", "motor"),  # the label
        ("险种代码", "车险", "product_line", "motor"),  # a synonym
        ("险种代码", " 交强险 ", "product_line", "motor"),
        ("险种代码", "MOTOR", "product_line", "motor"),  # the code, any case
        ("险种代码", "Motor", "product_line", "motor"),  # the English label
        ("险种代码", "重疾险", "product_line", "critical_illness"),
        ("险种代码", "意外伤害保险（短期）", "product_line", "st_accident"),
        ("险种代码", "意外伤害保险(短期)", "product_line", "st_accident"),  # ASCII ()
        ("业务类别代码", "理赔纠纷", "category", "claims"),
        ("业务类别代码", "理赔", "category", "claims"),
        ("业务类别代码", "退保", "category", "surrender"),
        ("业务类别代码", "policy_service", "category", "policy_service"),
    ],
)
def test_code_columns_take_codes_labels_and_synonyms(
    importer: Any, column: str, value: str, field: str, code: str
) -> None:
    preview = preview_of(importer, [line("YJ-1", **{column: value})])
    assert preview.problems == []
    assert preview.rows[0].values[field].code == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "resident_id"),
        ("居民身份证", "resident_id"),
        ("身份证", "resident_id"),
        ("resident_id", "resident_id"),
        ("护照", "passport"),
        ("Passport", "passport"),
        ("回乡证", "hmt"),
        ("港澳居民来往内地通行证", "hmt"),
    ],
)
def test_the_document_type_column(importer: Any, value: str, code: str) -> None:
    number = {"passport": "E12345678", "hmt": "H12345678"}.get(
        code, "440106199001011235"
    )
    preview = preview_of(importer, [line("YJ-1", 证件类型=value, 证件号码=number)])
    assert preview.problems == []
    assert preview.rows[0].values["id_type"] == code


def test_the_institution_column_takes_the_code_or_the_name(importer: Any) -> None:
    preview = preview_of(
        importer,
        [
            line("YJ-1", 责任机构代码="gdgzth"),
            line("YJ-2", 责任机构代码="天河支公司"),
        ],
    )
    assert preview.problems == []
    assert {r.values["institution"].code for r in preview.rows} == {"GDGZTH"}


def test_unknown_values_are_listed_with_every_valid_one(importer: Any) -> None:
    preview = preview_of(
        importer,
        [
            line("YJ-1", 险种代码="宠物保险"),
            line("YJ-2", 业务类别代码="投诉"),
            line("YJ-3", 证件类型="驾驶证"),
        ],
    )
    problems = {(p.line, p.column): p.message for p in preview.problems}
    product = problems[(2, "险种代码")]
    assert product.startswith(
        "“宠物保险” is not an entry of the list “Product line”. Write the code or "
        "the name of one of: 机动车辆保险（motor）、企业财产保险（commercial_property）"
    )
    for entry in Code.objects.filter(kind="product_line", is_active=True):
        assert f"{entry.label}（{entry.code}）" in product
    assert "理赔纠纷（claims）" in problems[(3, "业务类别代码")]
    assert "护照（passport）" in problems[(4, "证件类型")]


def test_an_inactive_entry_is_not_offered(importer: Any) -> None:
    Code.objects.filter(kind="product_line", code="cargo").update(is_active=False)
    preview = preview_of(importer, [line("YJ-1", 险种代码="货运险")])
    assert "货物运输保险" not in preview.problems[0].message


def test_a_name_of_several_entries_asks_for_the_code(importer: Any) -> None:
    # Compliance added 意外险 to the short-term list as well as the life one.
    entry = Code.objects.get(kind="product_line", code="st_accident")
    entry.synonyms += "\n意外险"
    entry.save()
    preview = preview_of(importer, [line("YJ-1", 险种代码="意外险")])
    assert preview.problems[0].message == (
        "“意外险” names several entries of the list “Product line”: "
        "意外伤害保险（短期）（st_accident）、意外伤害保险（accident）. Write the code."
    )


def test_the_messages_speak_chinese(client: Any, importer: Any) -> None:
    client.force_login(importer)
    content = gbk_csv([line("YJ-1", 险种代码="宠物保险")])
    response = client.post(
        URL,
        {"file": SimpleUploadedFile("t.csv", content)},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    message = response.context["preview"].problems[0].message
    assert message.startswith("“宠物保险”不是“险种”中的条目。")
    assert "机动车辆保险（motor）" in message


# --- The template -----------------------------------------------------------------
def test_the_template_has_the_headers_and_a_sheet_of_valid_values(
    client: Any, importer: Any
) -> None:
    client.force_login(importer)
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument"
    )
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["监管转送投诉", "有效值"]
    sheet, values = book["监管转送投诉"], book["有效值"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.max_row == 1  # no example row that could be imported by mistake
    required = {c.value for c in sheet[1] if c.font.bold}
    assert required == set(imports.REQUIRED_COLUMNS)
    rows = [tuple(c.value for c in r) for r in values.iter_rows(min_row=2)]
    assert (
        "险种代码",
        "motor",
        "机动车辆保险",
        "Motor、车险、机动车险、机动车保险、汽车保险、交强险、商业车险",
    ) in rows
    assert ("业务类别代码", "claims", "理赔纠纷", "Claims、理赔、理赔争议") in rows
    assert any(r[:3] == ("证件类型", "passport", "护照") for r in rows)
    # Institutions: those the importer may import into, no others.
    institutions = {r[1] for r in rows if r[0] == "责任机构代码"}
    assert "GDGZTH" in institutions
    assert "ZJHZXH" not in institutions
    # The code columns offer the names in a drop-down.
    lists = sheet.data_validations.dataValidation
    letter = "ABCDEFGHIJKLMN"[HEADER.index("险种代码")]
    assert any(f"{letter}2" in str(v.sqref) for v in lists)


def test_a_filled_template_imports(client: Any, importer: Any) -> None:
    client.force_login(importer)
    book = load_workbook(io.BytesIO(client.get(TEMPLATE_URL).content))
    sheet = book["监管转送投诉"]
    sheet.append(
        line("YJ-T1", 险种代码="车险", 业务类别代码="理赔", 责任机构代码="天河支公司")
    )
    out = io.BytesIO()
    book.save(out)
    response = client.post(
        URL, {"file": SimpleUploadedFile("filled.xlsx", out.getvalue())}
    )
    assert response.context["preview"].is_valid, response.context["preview"].problems


def test_only_importers_get_the_template(client: Any, tianhe_handler: Any) -> None:
    client.force_login(tianhe_handler)
    assert client.get(TEMPLATE_URL).status_code == 403


# --- What an import created -------------------------------------------------
def test_the_confirmation_lists_the_numbers_created(
    client: Any, importer: Any, register: Any, tianhe_handler: Any
) -> None:
    client.force_login(importer)
    rows = [line("YJ-1", 险种代码="车险"), line("YJ-2", 业务类别代码="退保")]
    client.post(URL, {"file": SimpleUploadedFile("t.xlsx", xlsx(rows))})
    response = client.post(URL, {"confirm": "1"})
    assert response.status_code == 302
    record = ImportRecord.objects.get()
    assert response["Location"] == f"{URL}done/{record.pk}/"
    page = client.get(response["Location"])
    body = page.content.decode()
    created = Complaint.objects.order_by("number")
    assert list(record.complaints.order_by("number")) == list(created)
    for c in created:
        assert (
            f'<a href="/admin/complaints/complaint/{c.pk}/change/">{c.number}</a>'
            in body
        )
        assert c.regulator_reference in body
    assert "2 new, 0 unchanged, 0 invalid rows." in body

    # The same file again: nothing new, and the page says so.
    client.post(URL, {"file": SimpleUploadedFile("t.xlsx", xlsx(rows))})
    again = client.get(client.post(URL, {"confirm": "1"})["Location"])
    assert "No new complaint" in again.content.decode()


def test_someone_elses_import_answers_like_a_missing_one(
    client: Any, importer: Any, ho_compliance: Any
) -> None:
    record = ImportRecord.objects.create(
        user=importer, kind="regulator", file_name="t.xlsx", committed=True
    )
    client.force_login(ho_compliance)
    assert client.get(f"{URL}done/{record.pk}/").status_code == 404
    assert client.get(f"{URL}done/x/").status_code == 404


# --- Synonyms are kept in the code list ----------------------------------------
def code_form(entry: Code, synonyms: str) -> dict[str, Any]:
    return {
        "label": entry.label,
        "label_en": entry.label_en,
        "synonyms": synonyms,
        "group": entry.group,
        "sort_order": entry.sort_order,
        "is_active": "on",
    }


def test_a_synonym_added_in_the_code_list_is_understood(
    client: Any, admin_user: Any, importer: Any
) -> None:
    entry = Code.objects.get(kind="product_line", code="st_accident")
    client.force_login(admin_user)
    url = f"/admin/complaints/code/{entry.pk}/change/"
    response = client.post(url, code_form(entry, f"{entry.synonyms}\n短期意外"))
    assert response.status_code == 302
    preview = preview_of(importer, [line("YJ-1", 险种代码="短期意外")])
    assert preview.rows[0].values["product_line"] == entry


def test_a_synonym_of_another_entry_is_refused_in_the_code_list(
    client: Any, admin_user: Any
) -> None:
    entry = Code.objects.get(kind="product_line", code="st_accident")
    client.force_login(admin_user)
    url = f"/admin/complaints/code/{entry.pk}/change/"
    response = client.post(url, code_form(entry, "短期意外险\n意外险"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["synonyms"]
    assert errors == [
        "“意外险” already stands for 意外伤害保险（accident） in this list: a "
        "spreadsheet value must name one entry only."
    ]
    entry.refresh_from_db()
    assert "意外险" not in entry.synonym_list()


@pytest.mark.parametrize("value", ["100%车险", "%(x)s %d", "天河%"])
def test_a_value_with_percent_signs_is_quoted_not_formatted(
    importer: Any, value: str
) -> None:
    preview = preview_of(
        importer, [line("YJ-1", 险种代码=value, 证件类型=value, 责任机构代码=value)]
    )
    messages = {p.column: p.message for p in preview.problems}
    assert set(messages) == {"险种代码", "证件类型", "责任机构代码"}
    assert all(f"“{value}”" in m for m in messages.values())
