"""`generate_complaints`: benchmark data shaped as the services write it."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from complaints.models import Attachment, Complaint, Correspondence, NumberCounter
from complaints.services import complaint_register
from organisations import permissions as P
from organisations.models import Institution
from tests.complaints.conftest import code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def generated() -> list[Complaint]:
    call_command(
        "generate_complaints", count=300, provinces=1, batch=120, stdout=StringIO()
    )
    return list(Complaint.objects.all())


def test_every_complaint_has_its_history_from_registration_on(
    generated: list[Complaint],
) -> None:
    assert len(generated) == 300
    history = Complaint.history.model.objects  # type: ignore[attr-defined]
    for c in generated[::17]:
        rows = list(history.filter(id=c.pk).order_by("history_date", "history_id"))
        assert rows[0].history_type == "+"
        assert rows[0].status == Complaint.Status.REGISTERED
        assert rows[-1].status == c.status  # the last row is the present state
        assert all(r.history_user_id for r in rows)
        assert all(r.history_change_reason for r in rows)


def test_the_lifecycle_is_represented_and_consistent(
    generated: list[Complaint],
) -> None:
    states = Counter(c.status for c in generated)
    assert states[Complaint.Status.CLOSED] + states[Complaint.Status.ARCHIVED] > 100
    for c in generated:
        if c.status == Complaint.Status.ARCHIVED:
            assert c.closed_at
            assert c.archived_at
            assert c.archived_at >= c.closed_at
        if c.status in (Complaint.Status.DECIDED, Complaint.Status.CLOSED):
            assert c.approved_by_id
            assert c.approved_by_id != c.drafted_by_id  # four eyes
        if c.status in (Complaint.Status.WITHDRAWN, Complaint.Status.ROUTED):
            assert c.closed_at is not None
        assert c.due_on is not None or c.item_type != Complaint.ItemType.COMPLAINT
        assert P.has(c.registered_by, P.HANDLE, c.institution)
    assert Correspondence.objects.filter(is_notice=True).exists()
    # Most notified decisions have the notice as delivered on file, and the
    # complaint's flag says so ("notified with evidence", reporting.kpis).
    proven = set(
        Attachment.objects.filter(kind__in=Attachment.NOTICE_EVIDENCE).values_list(
            "complaint_id", flat=True
        )
    )
    notified = {c.pk for c in generated if c.notified_at}
    assert proven <= notified
    assert len(proven) > len(notified) / 2
    assert {c.pk for c in generated if c.notice_evidence} == proven


def test_registration_after_generation_takes_a_fresh_number(
    generated: list[Complaint],
) -> None:
    numbers = [c.number for c in generated]
    assert len(set(numbers)) == len(numbers)
    c = generated[-1]
    made = complaint_register(
        actor=c.registered_by,
        institution=Institution.objects.get(pk=c.institution_id),
        channel=code("channel", "hotline"),
        complainant_name="新登记",
        product_line=code("product_line", "motor"),
        category=code("category", "claims"),
        request="要求赔付",
        facts="测试",
    )
    assert made.number not in numbers
    year = made.received_on.year
    assert NumberCounter.objects.get(year=year).last == int(made.number[-6:])


def test_running_again_adds_to_what_is_there(generated: Any) -> None:
    call_command("generate_complaints", count=20, provinces=1, stdout=StringIO())
    assert Complaint.objects.count() == 320
    assert Institution.objects.filter(code="BJ").count() == 1


def test_generated_history_verifies_as_an_untouched_audit_chain(
    generated: list[Complaint],
) -> None:
    out = StringIO()
    call_command("verify_audit", stdout=out)  # raises (exit 1) on any problem
    checked = int(out.getvalue().split("intact: ")[1].split()[0])
    assert checked > 2 * len(generated)  # every complaint's rows were read


def test_no_receipt_is_later_than_now_or_the_latest_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Generated at 09:30 local time, today's complaints were received by then;
    the steps after receipt are capped at the same moment, so none precedes its
    receipt (verify_audit found acceptances dated before a receipt after 18:00)."""
    import random
    from datetime import datetime, timedelta

    from django.utils import timezone

    from sampledata.benchgen.rows import latest_event, received_times
    from tests.complaints.conftest import SHANGHAI

    today = timezone.localdate()
    now = datetime.combine(today, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(
        hours=9, minutes=30
    )
    monkeypatch.setattr(timezone, "now", lambda: now)
    assert latest_event(today) == now
    times = list(received_times(20_000, today=today, years=1, rng=random.Random(1)))
    assert max(times) <= now
    assert sum(t.date() == today for t in times) > 10  # today is represented


def test_receipts_are_capped_at_the_generators_moment_when_the_clock_moves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Generator reads the clock first and caps every step there; the
    receipts read later must be capped at that same moment, or the newest
    complaints are accepted before they were received (verify_audit's
    live_differs on the last complaints of a run made before 18:00)."""
    import random
    from datetime import datetime, timedelta

    from django.utils import timezone

    from sampledata.benchgen.rows import latest_event, received_times
    from tests.complaints.conftest import SHANGHAI

    today = timezone.localdate()
    first = datetime.combine(today, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(
        hours=9, minutes=30
    )
    monkeypatch.setattr(timezone, "now", lambda: first)
    steps_cap = latest_event(today)  # what Generator.latest holds
    monkeypatch.setattr(timezone, "now", lambda: first + timedelta(seconds=30))
    times = list(
        received_times(
            20_000, today=today, years=1, rng=random.Random(1), latest=steps_cap
        )
    )
    assert max(times) == steps_cap
