from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.integrity.audit import Problem, verify_chains, verify_records
from complaints.integrity.audit_live import verify_live_rows, verify_record_rows
from complaints.models import Complaint


class Command(BaseCommand):
    help = (
        "Check the hash chain of every complaint's history (or one complaint's): "
        "report each row whose content no longer matches its hash and each broken "
        "link, each complaint or correspondence row that differs from its latest "
        "history, lost its history or was deleted; exit with status 1 if anything "
        "is wrong. Without --complaint, the sealed records outside the case file "
        "(the accountable-manager register, the appraisal weights, published "
        "scorecards) are checked the same way."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--complaint", metavar="NUMBER", help="only this complaint's chain"
        )
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="rows read per query"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = None
        if options["complaint"]:
            ids = _complaint_ids(options["complaint"])
        report = verify_chains(complaint_ids=ids, chunk_size=options["chunk_size"])
        report.problems.extend(
            verify_live_rows(complaint_ids=ids, chunk_size=options["chunk_size"])
        )
        if not ids:
            records = verify_records(chunk_size=options["chunk_size"])
            report.rows += records.rows
            report.chains += records.chains
            report.problems.extend(records.problems)
            report.problems.extend(verify_record_rows(chunk_size=options["chunk_size"]))
        numbers = _numbers(
            {p.complaint_id for p in report.problems if not p.record_kind}
        )
        for p in report.problems:
            number = None if p.record_kind else numbers.get(p.complaint_id)
            self.stdout.write(_describe(p, number))
        values = {
            "rows": report.rows,
            "chains": report.chains,
            "problems": len(report.problems),
        }
        if report.problems:
            raise CommandError(
                _(
                    "Audit trail: %(rows)d history rows in %(chains)d chains checked, "
                    "%(problems)d problems."
                )
                % values,
                returncode=1,
            )
        self.stdout.write(
            _("Audit trail intact: %(rows)d history rows in %(chains)d chains checked.")
            % values
        )


def _complaint_ids(number: str) -> list[int]:
    """The complaint's id, from the complaint or, if that row is gone, its history."""
    found = Complaint.objects.filter(number=number).values_list("pk", flat=True)
    ids = list(found) or list(
        Complaint.history.filter(number=number)  # type: ignore[attr-defined]
        .values_list("id", flat=True)
        .distinct()
    )
    if not ids:
        raise CommandError(_("No complaint numbered %(number)s.") % {"number": number})
    return ids


def _numbers(ids: set[int]) -> dict[int, str]:
    """Complaint numbers for the report, read once for all problems."""
    numbers: dict[int, str] = {}
    keys = sorted(ids)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        numbers.update(
            Complaint.objects.filter(pk__in=chunk).values_list("pk", "number")
        )
        missing = [k for k in chunk if k not in numbers]
        if missing:
            history = Complaint.history.filter(id__in=missing)  # type: ignore[attr-defined]
            numbers.update(history.values_list("id", "number"))
    return numbers


def _describe(p: Problem, number: str | None) -> str:
    where = (
        _("%(table)s history_id %(id)s, position %(seq)s")
        % {"table": p.table, "id": p.history_id, "seq": p.seq}
        if p.history_id is not None
        else _("end of chain")
    )
    if p.record_kind:
        # e.g. "scorecard 3 [content] ...": the kind and its chain's key.
        label = RECORD_KINDS.get(p.record_kind, p.record_kind)
        return f"{label} {p.complaint_id} [{p.kind}] {where}: {p.detail}"
    return f"{number or p.complaint_id} [{p.kind}] {where}: {p.detail}"


RECORD_KINDS = {
    "register": gettext_lazy("accountable-manager register of institution"),
    "weights": gettext_lazy("appraisal weights"),
    "scorecard": gettext_lazy("scorecard"),
}
