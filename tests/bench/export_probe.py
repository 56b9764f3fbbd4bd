"""One export in its own process, through the admin's door: prints rows
written and peak RSS (KiB).

    python tests/bench/export_probe.py csv|xlsx ROWS

The newest ROWS complaints in the compliance officer's export scope go out
through ComplaintAdmin.export_response, as the list's export button sends
them: the export log and the personal-data access rows are written, the
file is built and read to its end. The writes are rolled back, so repeated
runs leave the benchmark database as it was. Run by tests/bench/scenarios.py
with the benchmark's environment.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main(fmt: str, rows: int) -> None:
    import django

    django.setup()
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import RequestFactory

    from complaints.models import Complaint, ExportRecord
    from organisations import permissions as P

    user = get_user_model().objects.get(username="compliance_ho")
    scope = P.scope(Complaint.objects.all(), user, P.EXPORT)
    # The newest `rows` as a filter (a list's filters are; a slice is not).
    cutoff = scope.order_by("-received_at").values_list("received_at", flat=True)[
        rows - 1
    ]
    complaints = scope.filter(received_at__gte=cutoff).order_by("-received_at")
    request = RequestFactory().get(f"/admin/complaints/complaint/export/x.{fmt}")
    request.user = user
    model_admin = admin.site._registry[Complaint]
    with transaction.atomic():
        response = model_admin.export_response(  # type: ignore[attr-defined]
            request, complaints, "complaints", fmt, ""
        )
        with open(os.devnull, "wb") as sink:
            for chunk in response.streaming_content:
                sink.write(chunk)
        written = ExportRecord.objects.filter(user=user).latest("pk").row_count
        transaction.set_rollback(True)
    print(written, peak_kib())


def peak_kib() -> int:
    """This process's own peak RSS (VmHWM). ru_maxrss is not: Linux keeps it
    across exec, so a probe started by a bench process that had grown to
    234 MB reported 234 MB for an export that peaked at 114 MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
