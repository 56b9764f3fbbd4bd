"""The complaints' personal fields that no changelist filters or orders on
without the personal-data permission, and that the export log masks
(organisations.admin_lookups). Imported by ComplaintsConfig.ready."""

from __future__ import annotations

from django.apps import apps

from complaints.integrity.audit import PERSONAL_FIELDS, RECORD_CHAINS
from complaints.models import ExportRecord, Notification
from organisations.admin_lookups import register_personal

for name, fields in PERSONAL_FIELDS.items():
    if name in RECORD_CHAINS:  # other apps' records, with no personal fields
        continue
    register_personal(apps.get_model("complaints", name), fields)
# The outbox's addresses and notice texts; the export log's filters (which
# name the phone or ID number an export was narrowed to).
register_personal(Notification, ("address", "subject", "body"))
register_personal(ExportRecord, ("filters",))
