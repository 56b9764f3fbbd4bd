"""Code lists and the working-day calendar in the admin: system administrators
write, everyone with a view scope reads."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import CalendarDay, Code
from tests.complaints.test_calendar import (
    FILES,
    HOLIDAYS_2027,
    _bad_date,
    csv_bytes,
    year_rows,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOAD_YEAR = "admin:complaints_calendarday_load_year"
IMPORT = "admin:complaints_calendarday_import"
DAY_CHANGELIST = "admin:complaints_calendarday_changelist"
CODE_CHANGELIST = "admin:complaints_code_changelist"


def code_url(code: Code) -> str:
    return reverse("admin:complaints_code_change", args=[code.pk])


def day_url(day: date) -> str:
    pk = CalendarDay.objects.get(day=day).pk
    return reverse("admin:complaints_calendarday_change", args=[pk])


@pytest.fixture
def hotline() -> Code:
    return Code.objects.get(kind="channel", code="hotline")


def code_form(obj: Code, **changes: Any) -> dict[str, Any]:
    data = {
        "label": obj.label,
        "label_en": obj.label_en,
        "group": obj.group,
        "sort_order": obj.sort_order,
        "is_active": "on" if obj.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def upload(client: Any, filename: str, content: bytes, **extra: Any) -> Any:
    return client.post(
        reverse(IMPORT),
        {"file": SimpleUploadedFile(filename, content), **extra},
    )


# --- Who may do what --------------------------------------------------------------
def test_a_handler_reads_the_reference_data_but_cannot_change_it(
    client: Any, tianhe_handler: Any, hotline: Code
) -> None:
    client.force_login(tianhe_handler)

    assert client.get(reverse(CODE_CHANGELIST)).status_code == 200
    page = client.get(code_url(hotline))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # the read-only view
    changed = client.post(code_url(hotline), code_form(hotline, label="改了"))
    assert changed.status_code == 403
    assert client.get(reverse("admin:complaints_code_add")).status_code == 403

    holiday = date(2026, 3, 23)
    assert client.get(day_url(holiday)).status_code == 200
    refused = client.post(day_url(holiday), {"name": "假日"})  # is_workday unticked
    assert refused.status_code == 403
    assert client.get(reverse(LOAD_YEAR)).status_code == 403
    assert client.post(reverse(LOAD_YEAR), {"year": "2026"}).status_code == 403
    assert upload(client, "2027.csv", b"").status_code == 403

    hotline.refresh_from_db()
    assert hotline.label != "改了"
    assert CalendarDay.objects.get(day=holiday).is_workday is True
    tools = client.get(reverse(DAY_CHANGELIST)).content.decode()
    assert reverse(IMPORT) not in tools


def test_someone_without_any_scope_does_not_see_them(
    client: Any, outsider: Any
) -> None:
    client.force_login(outsider)

    assert client.get(reverse(CODE_CHANGELIST)).status_code == 403
    assert client.get(reverse(DAY_CHANGELIST)).status_code == 403


def test_codes_are_never_deleted(admin_client: Any, hotline: Code) -> None:
    url = reverse("admin:complaints_code_delete", args=[hotline.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Code.objects.filter(pk=hotline.pk).exists()


# --- Code lists ------------------------------------------------------------------
def test_a_superuser_edits_a_label_but_never_the_code(
    admin_client: Any, admin_user: Any, hotline: Code
) -> None:
    response = admin_client.post(
        code_url(hotline), code_form(hotline, label="客服热线", code="changed")
    )

    assert response.status_code == 302
    hotline.refresh_from_db()
    assert (hotline.code, hotline.label) == ("hotline", "客服热线")
    assert hotline.history.latest("history_id").history_user == admin_user


def test_a_user_with_the_model_permission_is_a_system_administrator(
    client: Any, hotline: Code
) -> None:
    sysadmin = UserFactory(username="sysadmin")
    sysadmin.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_code", "change_code"])
    )
    client.force_login(sysadmin)

    response = client.post(code_url(hotline), code_form(hotline, sort_order="99"))

    assert response.status_code == 302
    hotline.refresh_from_db()
    assert hotline.sort_order == 99


def test_history_is_never_reverted(admin_client: Any, hotline: Code) -> None:
    admin_client.post(code_url(hotline), code_form(hotline, label="客服热线"))
    first = hotline.history.earliest("history_id")
    url = reverse(
        "admin:complaints_code_simple_history", args=[hotline.pk, first.history_id]
    )

    assert admin_client.post(url, code_form(hotline)).status_code == 403
    hotline.refresh_from_db()
    assert hotline.label == "客服热线"


# --- The calendar ------------------------------------------------------------------
def test_a_superuser_marks_a_day_a_holiday_and_deadlines_follow(
    admin_client: Any,
    admin_user: Any,
    register: Any,
    tianhe_handler: Any,
    settings: Any,
) -> None:
    settings.COMPLAINT_INTERNAL_TARGET = False
    c = register(tianhe_handler)  # due Monday 2026-03-23

    response = admin_client.post(day_url(date(2026, 3, 23)), {"name": "临时放假"})

    assert response.status_code == 302
    day = CalendarDay.objects.get(day=date(2026, 3, 23))
    assert (day.is_workday, day.name) == (False, "临时放假")
    edit = day.history.latest("history_id")
    assert (edit.history_user, edit.history_change_reason) == (
        admin_user,
        "Edited by hand",
    )
    c.refresh_from_db()
    assert c.due_on == date(2026, 3, 24)


def test_the_changelist_filters_by_year_and_offers_the_tools(
    admin_client: Any,
) -> None:
    page = admin_client.get(reverse(DAY_CHANGELIST), {"year": "2025"})

    html = page.content.decode()
    assert page.context["cl"].result_count == 365
    assert "?year=2026" in html
    assert "?year=2004" in html
    assert reverse(LOAD_YEAR) in html
    assert reverse(IMPORT) in html
    assert "calendarday/add/" not in html


def test_loading_a_year_from_the_package(admin_client: Any) -> None:
    CalendarDay.objects.filter(day__year=2025).delete()
    form = admin_client.get(reverse(LOAD_YEAR)).content.decode()
    assert "2026 ✓" in form
    assert '<option value="2025">2025</option>' in form

    response = admin_client.post(reverse(LOAD_YEAR), {"year": "2025"}, follow=True)

    assert CalendarDay.objects.filter(day__year=2025).count() == 365
    message = str(next(iter(response.context["messages"])))
    assert message.startswith("Calendar 2025: 365 days created")


def test_a_good_spreadsheet_is_imported(admin_client: Any, admin_user: Any) -> None:
    filename, content = FILES["xlsx"](year_rows(2027, HOLIDAYS_2027))

    response = upload(admin_client, filename, content)

    assert response.status_code == 302
    assert CalendarDay.objects.filter(day__year=2027).count() == 365
    first = CalendarDay.objects.get(day=date(2027, 1, 1))
    assert first.history.get().history_user == admin_user


def test_a_dry_run_upload_checks_and_writes_nothing(admin_client: Any) -> None:
    content = csv_bytes(year_rows(2027, HOLIDAYS_2027), "gbk")

    response = upload(admin_client, "2027.csv", content, dry_run="on")

    assert response.status_code == 200
    message = str(next(iter(response.context["messages"])))
    assert message.startswith("Dry run, nothing written. Calendar 2027: 365")
    assert not CalendarDay.objects.filter(day__year=2027).exists()


def test_a_bad_spreadsheet_shows_every_bad_row_and_writes_nothing(
    admin_client: Any,
) -> None:
    rows = year_rows(2027)
    _bad_date(rows)

    response = upload(admin_client, "2027.csv", csv_bytes(rows, "utf-8-sig"))

    assert response.status_code == 200
    errors = [(e.line, e.message) for e in response.context["row_errors"]]
    assert errors == [
        (33, "“2027-02-30” is not a date (write it as YYYY-MM-DD)."),
        (
            None,
            "The file has 364 of the 365 days of 2027; a year is imported whole or "
            "not at all.",
        ),
    ]
    html = response.content.decode()
    assert 'id="calendar-errors"' in html
    assert "<td>33</td>" in html
    assert not CalendarDay.objects.filter(day__year=2027).exists()


def test_an_unreadable_upload_is_refused(admin_client: Any) -> None:
    response = upload(admin_client, "2027.ods", b"PK\x03\x04")

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Upload an .xlsx or a .csv file."
    ]
    assert not CalendarDay.objects.filter(day__year=2027).exists()
