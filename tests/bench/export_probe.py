"""One export in its own process: prints rows written and peak RSS (KiB).

Run by tests/bench/scenarios.py with the benchmark's environment.
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
    from django.contrib.auth import get_user_model

    from complaints.exchange import exports
    from complaints.models import Complaint
    from organisations import permissions as P

    user = get_user_model().objects.get(username="compliance_ho")
    newest = P.scope(Complaint.objects.all(), user, P.EXPORT).order_by("-received_at")
    queryset = exports.complaints_for_export(newest[:rows])
    lines = exports.rows(user=user, kind="complaints", queryset=queryset)
    if fmt == "xlsx":
        handle, written = exports.xlsx_file(lines, title="complaints")
        handle.close()
    else:
        written = -1
        with open(os.devnull, "wb") as sink:
            for chunk in exports.csv_stream(lines):
                sink.write(chunk)
                written += chunk.count(b"\n")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(written, peak)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
