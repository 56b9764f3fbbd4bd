"""Work finds the person: one notice per event to the right people only
(scope, recusal), never twice; followers hear of a case's events; mentions
in internal notes; the header's count, the list, opening and marking read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from complaints.messaging import jobs
from complaints.models import Complaint, Notification, StaffNotice
from complaints.services import (
    complaint_accept,
    complaint_approve,
    complaint_assign,
    complaint_notify_decision,
    complaint_propose_decision,
    complaint_request_review,
    complaint_return_for_rework,
    recusal_declare,
)
from complaints.services.notices import complaint_watch, note_add, notify_staff
from tests.complaints.conftest import SHANGHAI, code

pytestmark = pytest.mark.django_db
K = StaffNotice.Kind


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))


def told(kind: str | None = None) -> list[tuple[str, str]]:
    """(recipient, kind) of every in-app notice, in order written."""
    qs = StaffNotice.objects.order_by("pk")
    if kind:
        qs = qs.filter(kind=kind)
    return [(n.recipient.username, n.kind) for n in qs.select_related("recipient")]


def mailed(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=f"staff_{kind}").values_list(
            "recipient__username", flat=True
        )
    )


def accepted(register: Any, handler: Any) -> Complaint:
    return complaint_accept(complaint=register(handler), actor=handler)


def draft(c: Complaint, handler: Any) -> Complaint:
    return complaint_propose_decision(
        complaint=c,
        actor=handler,
        outcome=Complaint.Outcome.SUPPORTED,
        decision_text="支持。",
        cause=code("cause", "claim_amount"),
    )


def test_each_event_reaches_its_people_once_in_app_and_by_email(
    register: Any,
    tianhe_handler: Any,
    gz_manager: Any,
    gd_manager: Any,
    gd_reviewer: Any,
    senior: Any,
    xihu_handler: Any,
) -> None:
    c = accepted(register, tianhe_handler)
    # Taking a case oneself tells nobody; being given one does.
    complaint_assign(
        complaint=c,
        actor=tianhe_handler,
        handler=tianhe_handler,
        declares_no_conflict=True,
    )
    assert told() == []
    c = complaint_assign(complaint=c, actor=gz_manager, handler=tianhe_handler)
    assert told() == [("tianhe_handler", K.ASSIGNED)]
    assert mailed(K.ASSIGNED) == ["tianhe_handler"]
    notice = StaffNotice.objects.get()
    assert notice.url == f"/admin/complaints/complaint/{c.pk}/change/"
    assert notice.actor == gz_manager

    # A decision waits for the nearest managers, not every one above them.
    c = draft(c, tianhe_handler)
    assert told(K.APPROVAL) == [("gz_manager", K.APPROVAL)]
    approval = StaffNotice.objects.get(kind=K.APPROVAL)
    assert approval.url == f"/admin/complaints/complaint/{c.pk}/act/approve/"
    assert mailed(K.APPROVAL) == ["gz_manager"]

    c = complaint_return_for_rework(complaint=c, actor=gz_manager, note="补充依据")
    assert told(K.RETURNED) == [("tianhe_handler", K.RETURNED)]
    returned = StaffNotice.objects.get(kind=K.RETURNED)
    assert returned.url.endswith("/act/propose_decision/")
    assert returned.text == "补充依据"

    c = complaint_approve(complaint=draft(c, tianhe_handler), actor=gz_manager)
    c = complaint_notify_decision(
        complaint=c,
        actor=tianhe_handler,
        method="phone",
        occurred_at=datetime(2026, 3, 10, 8, 0, tzinfo=SHANGHAI),
        summary="电话告知",
    )
    complaint_request_review(
        complaint=c, actor=tianhe_handler, applied_on=date(2026, 3, 10), note="核查"
    )
    # The reviewers of the upper level who did not act on the case.
    assert told(K.REVIEW) == [("gd_reviewer", K.REVIEW)]
    assert StaffNotice.objects.get(kind=K.REVIEW).url.endswith("/act/complete_review/")
    assert not StaffNotice.objects.filter(
        recipient__in=[xihu_handler, senior, gd_manager]
    ).exists()
    # One e-mail per notice, never one for a notice not written.
    assert Notification.objects.filter(audience="staff").count() == len(told())


def test_nobody_recused_or_out_of_scope_is_told(
    register: Any,
    tianhe_handler: Any,
    gz_handler: Any,
    gz_manager: Any,
    xihu_handler: Any,
) -> None:
    c = accepted(register, tianhe_handler)
    recusal_declare(
        complaint=c, actor=gz_manager, user=gz_handler, reason="投诉人是其亲属"
    )
    c.refresh_from_db()
    written = notify_staff(
        complaint=c,
        kind=K.ASSIGNED,
        users=[gz_handler, xihu_handler, tianhe_handler],
        actor=gz_manager,
    )
    assert [n.recipient for n in written] == [tianhe_handler]
    # The same event again writes nothing.
    again = notify_staff(
        complaint=c,
        kind=K.ASSIGNED,
        users=[tianhe_handler],
        actor=gz_manager,
    )
    assert again == []
    assert told() == [("tianhe_handler", K.ASSIGNED)]
    # Nor may a recused person follow the case.
    with pytest.raises(ValidationError):
        complaint_watch(complaint=c, user=gz_handler)


def test_mentions_tell_the_named_colleagues_in_scope(
    register: Any, tianhe_handler: Any, gz_manager: Any, xihu_handler: Any
) -> None:
    gz_manager.last_name, gz_manager.first_name = "陈", "晓敏"
    gz_manager.save()
    c = accepted(register, tianhe_handler)
    note = note_add(
        complaint=c,
        actor=tianhe_handler,
        text="@陈晓敏请看定损单；@xihu_handler 也看看；@tianhe_handler；@gz_manager2",
    )
    # xihu is outside the case's scope; the author is not told of their own note.
    assert told() == [("gz_manager", K.MENTION)]
    assert StaffNotice.objects.get().url.endswith(f"#note-{note.pk}")
    assert mailed(K.MENTION) == ["gz_manager"]
    with pytest.raises(ValidationError):
        note_add(complaint=c, actor=tianhe_handler, text="  ")


def test_followers_hear_of_events_once_and_the_specific_notice_wins(
    register: Any, tianhe_handler: Any, gz_handler: Any, gz_manager: Any
) -> None:
    c = accepted(register, tianhe_handler)
    complaint_watch(complaint=c, user=gz_manager)
    complaint_watch(complaint=c, user=gz_handler)
    c = complaint_assign(complaint=c, actor=gz_manager, handler=gz_handler)
    # The follower given the case hears "assigned", once; the actor nothing.
    assert told() == [("gz_handler", K.ASSIGNED)]
    c = complaint_assign(complaint=c, actor=gz_manager, handler=tianhe_handler)
    assert told()[1:] == [("gz_handler", K.WATCHED), ("tianhe_handler", K.ASSIGNED)]
    # A follower's news stays in the application.
    assert mailed(K.WATCHED) == []
    complaint_watch(complaint=c, user=gz_handler, on=False)
    draft(c, tianhe_handler)
    assert ("gz_handler", K.WATCHED) not in told()[3:]


def test_the_sweep_tells_in_the_application_too_once(
    register: Any, tianhe_handler: Any, gz_manager: Any, time_machine: Any
) -> None:
    c = complaint_assign(
        complaint=accepted(register, tianhe_handler),
        actor=gz_manager,
        handler=tianhe_handler,
    )
    time_machine.move_to(datetime(2026, 3, 18, 9, 0, tzinfo=SHANGHAI))
    jobs.sweep(today=date(2026, 3, 18))
    jobs.sweep(today=date(2026, 3, 18))
    assert told(K.DUE_SOON) == [("tianhe_handler", K.DUE_SOON)]
    # 2026-03-23 is the legal deadline itself: the internal target (03-20) has
    # passed, a warning worded as such; overdue (超期) comes the working day after.
    time_machine.move_to(datetime(2026, 3, 23, 9, 0, tzinfo=SHANGHAI))
    jobs.sweep(today=date(2026, 3, 23))
    jobs.sweep(today=date(2026, 3, 23))
    assert told(K.OVERDUE) == []
    assert sorted(told(K.PAST_TARGET)) == [
        ("gz_manager", K.PAST_TARGET),
        ("tianhe_handler", K.PAST_TARGET),
    ]
    time_machine.move_to(datetime(2026, 3, 24, 9, 0, tzinfo=SHANGHAI))
    jobs.sweep(today=date(2026, 3, 24))
    jobs.sweep(today=date(2026, 3, 24))
    assert sorted(told(K.OVERDUE)) == [
        ("gz_manager", K.OVERDUE),
        ("tianhe_handler", K.OVERDUE),
    ]
    assert c.pk == StaffNotice.objects.get(kind=K.DUE_SOON).complaint_id


def test_header_count_list_open_and_mark_read(
    client: Any, register: Any, tianhe_handler: Any, gz_manager: Any, outsider: Any
) -> None:
    c = accepted(register, tianhe_handler)
    c = complaint_assign(complaint=c, actor=gz_manager, handler=tianhe_handler)
    draft(c, tianhe_handler)
    client.force_login(gz_manager)
    page = client.get("/admin/").content.decode()
    assert 'id="notices-unread">1<' in page
    listed = client.get("/admin/complaints/staffnotice/").content.decode()
    notice = StaffNotice.objects.get(recipient=gz_manager)
    assert f'id="notice-{notice.pk}" class="cd-notice-unread"' in listed
    opened = client.get(f"/admin/complaints/staffnotice/{notice.pk}/open/")
    assert opened["Location"] == f"/admin/complaints/complaint/{c.pk}/act/approve/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'id="notices-unread"' not in client.get("/admin/").content.decode()
    # Someone else's notice answers as missing.
    client.force_login(outsider)
    assert (
        client.get(f"/admin/complaints/staffnotice/{notice.pk}/open/").status_code
        == 404
    )
    assert (
        "cd-notice-unread"
        not in client.get("/admin/complaints/staffnotice/").content.decode()
    )
    # Opening the case marks its notices read; "mark all" marks the rest.
    client.force_login(tianhe_handler)
    assert (
        StaffNotice.objects.filter(recipient=tianhe_handler, read_at=None).count() == 1
    )
    client.get(f"/admin/complaints/complaint/{c.pk}/change/")
    assert (
        StaffNotice.objects.filter(recipient=tianhe_handler, read_at=None).count() == 0
    )


def test_follow_and_note_doors(
    client: Any, register: Any, tianhe_handler: Any, gz_manager: Any, xihu_handler: Any
) -> None:
    c = accepted(register, tianhe_handler)
    client.force_login(gz_manager)
    page = client.get(f"/admin/complaints/complaint/{c.pk}/change/").content.decode()
    assert 'id="watch-button"' in page
    client.post(f"/admin/complaints/complaint/{c.pk}/watch/", {"on": "1"})
    assert c.watches.filter(user=gz_manager).exists()
    done = client.post(
        f"/admin/complaints/complaint/{c.pk}/note/",
        {"version": c.updated_at.isoformat(), "text": "@tianhe_handler 请尽快联系"},
    )
    assert done.status_code == 302
    assert told() == [("tianhe_handler", K.MENTION)]
    # Outside the scope: the case answers as missing and nothing is written.
    client.force_login(xihu_handler)
    assert (
        client.post(
            f"/admin/complaints/complaint/{c.pk}/watch/", {"on": "1"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/admin/complaints/complaint/{c.pk}/note/",
            {"version": c.updated_at.isoformat(), "text": "x"},
        ).status_code
        == 404
    )
    assert c.internal_notes.count() == 1
    assert c.watches.count() == 1
