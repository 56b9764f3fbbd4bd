"""Finding complaint rings in the database and keeping each search's result.

The search reads the complaints received in a window (INSIGHT_RING_WINDOW_DAYS),
groups them with insight.rings and stores the rings of that run; the admin shows the
latest run. Rings are never shown whole: each reader sees the members in their own
subtree (insight.admin_rings).
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from insight import rings
from insight.models import ComplaintRing, RingMember, RingRun

KIND_LABELS = {
    rings.PHONE: _("same agent's phone"),
    rings.NAME: _("same agent's name (pinyin too)"),
    rings.ADDRESS: _("same address"),
    rings.WORDING: _("near-identical wording"),
}


def ring_search(*, today: date | None = None, days: int | None = None) -> RingRun:
    today = today or timezone.localdate()
    days = days if days is not None else settings.INSIGHT_RING_WINDOW_DAYS
    start = today - timedelta(days=days)
    began = time.monotonic()
    fields = ("id", "agent_phone", "agent_name", "address", "request", "facts")
    received: dict[int, tuple[date, int]] = {}
    rows = []
    source = Complaint.objects.filter(received_on__gte=start, received_on__lte=today)
    for pk, phone, name, address, request, facts, day, inst in source.values_list(
        *fields, "received_on", "institution_id"
    ).iterator(chunk_size=5000):
        received[pk] = (day, inst)
        rows.append(rings.Row(pk, phone, name, address, f"{request}\n{facts}"))
    found = rings.find_rings(rows, min_size=settings.INSIGHT_RING_MIN_SIZE)
    with transaction.atomic():
        run = RingRun.objects.create(
            found_at=timezone.now(),
            window_from=start,
            window_to=today,
            complaint_count=len(rows),
            ring_count=len(found),
            seconds=0,
        )
        members = []
        for ring in found:
            days_ = [received[m][0] for m in ring.members]
            stored = ComplaintRing.objects.create(
                run=run,
                size=len(ring.members),
                institution_count=len({received[m][1] for m in ring.members}),
                kinds=ring.kinds,
                first_received=min(days_),
                last_received=max(days_),
            )
            members += [
                RingMember(
                    ring=stored,
                    complaint_id=m,
                    links=[k for k in ring.kinds if k in ring.links.get(m, ())],
                )
                for m in ring.members
            ]
        RingMember.objects.bulk_create(members, batch_size=2000)
        run.seconds = round(time.monotonic() - began, 2)
        run.save(update_fields=["seconds"])
    return run


def latest_run() -> RingRun | None:
    return RingRun.objects.order_by("-found_at", "-pk").first()
