from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.rules.identifiers import DOCUMENT_FIELDS, message, normalise_fields
from complaints.services.registration import identifier_labels
from complaints.workbench import selectors

FIELDS: tuple[str, ...] = (
    "phone",
    "id_type",
    "id_number",
    "agent_phone",
    "agent_id_type",
    "agent_id_number",
    "credit_code",
)
MASKS = {
    "id_number": selectors.mask_id_number,
    "agent_id_number": selectors.mask_id_number,
    "phone": selectors.mask_phone,
    "agent_phone": selectors.mask_phone,
}


class Command(BaseCommand):
    help = (
        "Report the complaints whose phone numbers, identity-document numbers or "
        "unified social credit codes fail the checks every door now applies "
        "(complaints.rules.identifiers), and those stored in another form than the one "
        "the checks give. Changes nothing; exits with status 1 when a value fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="rows read per query"
        )
        parser.add_argument(
            "--show-values",
            action="store_true",
            help="print the values in full (they are masked by default)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        labels = identifier_labels()
        checked = failed = unnormalised = 0
        # Anonymised complaints hold placeholders, not a person's identifiers.
        rows = (
            Complaint.objects.filter(anonymised_at__isnull=True)
            .exclude(
                phone="",
                id_number="",
                agent_phone="",
                agent_id_number="",
                credit_code="",
            )
            .order_by("pk")
            .values_list("number", *FIELDS)
        )
        for number, *values in rows.iterator(chunk_size=options["chunk_size"]):
            checked += 1
            given = dict(zip(FIELDS, values, strict=True))
            clean, errors = normalise_fields(given, labels=labels)
            for field, error in errors.items():
                failed += 1
                self.stdout.write(
                    f"{number} {field} {self._shown(field, given[field], options)}: "
                    f"{message(error)}"
                )
            for field, value in clean.items():
                if field in DOCUMENT_FIELDS.values() or field in errors:
                    continue
                if value != given[field]:
                    unnormalised += 1
                    self.stdout.write(
                        _(
                            "%(number)s %(field)s %(value)s: valid, in the stored "
                            "form %(stored)s."
                        )
                        % {
                            "number": number,
                            "field": field,
                            "value": self._shown(field, given[field], options),
                            "stored": self._shown(field, value, options),
                        }
                    )
        summary = _(
            "Identifiers: %(checked)d complaints checked, %(failed)d values fail a "
            "check, %(unnormalised)d are valid in another form. Nothing was changed."
        ) % {"checked": checked, "failed": failed, "unnormalised": unnormalised}
        if failed:
            raise CommandError(summary, returncode=1)
        self.stdout.write(summary)

    def _shown(self, field: str, value: str, options: dict[str, Any]) -> str:
        """Personal data stays masked in a report that lands in logs."""
        if options["show_values"] or field not in MASKS:
            return f"“{value}”"
        return f"“{MASKS[field](value)}”"
