"""The history page as a person reads it: every value in words.

simple-history shows a change's values as stored: codes (`investigating`,
`upheld`), True/False/None, "Deleted 用户 (pk=None)" for an empty foreign key,
datetimes in UTC with microseconds. Here each value is shown as the change
form shows it: the choice's label, 是/否, "—" for nothing, dates YYYY-MM-DD,
times local to the minute, people by name (organisations.names).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from organisations.names import EMPTY


def readable(field: Any, value: Any) -> Any:
    """`value` of model field `field` in words."""
    if isinstance(value, DeletedObject):
        if value.pk is None:
            return EMPTY
        return _("deleted (no. %(pk)s)") % {"pk": value.pk}
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    choices = getattr(field, "flatchoices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return value


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        value = super().prepare_delta_change_value(change, value)
        return readable(self.model._meta.get_field(change.field), value)
