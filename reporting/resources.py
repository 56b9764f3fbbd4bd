"""Spreadsheet import of business volumes (django-import-export).

Columns (Chinese, as the statistics staff's sheets have them): 机构代码,
期间 (2026Q3, 2026-07, 2026 or a day range), 保费收入（元） (原保险保费收入),
保单件数 (new policies), 承保人次, 备注, and optionally 规模保费（元） and
有效保单件数 (policies in force at the period's end) for the other bases.
A row for an institution and period that exists already replaces its figures.
The admin shows a preview, lists every bad row with its line and reason, and
imports nothing unless every row is valid.
"""

from __future__ import annotations

from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from complaints.exchange import spreadsheets
from complaints.models import ImportRecord
from organisations.models import Institution
from reporting import periods
from reporting.models import BusinessVolume

PERIOD_COLUMN = "期间"
REQUIRED_COLUMNS = ("机构代码", PERIOD_COLUMN, "保费收入（元）", "保单件数")
NOT_A_NUMBER = gettext_lazy("“%(value)s” is not a number.")
NOT_A_WHOLE_NUMBER = gettext_lazy("“%(value)s” is not a whole number.")
# PostgreSQL cannot store NUL in text; Django's own message (translated).
NUL = ProhibitNullCharactersValidator.message
# The largest count a PositiveBigIntegerField holds (PostgreSQL's bigint).
MAX_COUNT = 2**63 - 1


KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "承保人次", "备注")


def _dataset(in_stream: Any, suffix: str) -> tablib.Dataset:
    """The file read within the import limits (complaints.exchange.spreadsheets) with
    its header checked: a missing, doubled or unknown column is refused as a
    whole (import-export would report each row with an untranslated KeyError,
    or let the first of two same-named columns win)."""
    content = in_stream if isinstance(in_stream, bytes) else in_stream.encode()
    rows = spreadsheets.file_rows(filename=f"upload.{suffix}", content=content)
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    spreadsheets.header_index(header, known=KNOWN_COLUMNS, required=REQUIRED_COLUMNS)
    dataset = tablib.Dataset(headers=header)
    padding = (None,) * len(header)
    for row in rows[1:]:
        dataset.append((tuple(row) + padding)[: len(header)])
    return dataset


class LenientCSV(base_formats.CSV):
    """CSV read as bytes and decoded like every other import of the project:
    UTF-8 with or without BOM, else GB18030/GBK (Excel on Chinese Windows)."""

    def get_read_mode(self) -> str:
        return "rb"

    def is_binary(self) -> bool:
        return True

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        return _dataset(in_stream, "csv")


class CheckedXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        return _dataset(in_stream, "xlsx")


IMPORT_FORMATS = [LenientCSV, CheckedXLSX]


def _shown(value: Any) -> str:
    return str(value)[:40]


class AmountWidget(widgets.DecimalWidget):
    """A finite decimal; any other cell is refused with a translated reason
    (the stock widget lets decimal.InvalidOperation through, shown raw)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        try:
            amount = super().clean(value, row, **kwargs)
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise ValueError(str(NOT_A_NUMBER) % {"value": _shown(value)}) from exc
        if amount is not None and not amount.is_finite():
            raise ValueError(str(NOT_A_NUMBER) % {"value": _shown(value)})
        return amount


class CountWidget(AmountWidget):
    """A whole number: 1.5 policies is refused, not cut to 1 (as the stock
    IntegerWidget does); 300.0 from an Excel number cell is 300."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        amount = super().clean(value, row, **kwargs)
        if amount is None:
            return None
        # Checked first: rounding or int() of an amount like 1E+999999999
        # overflows the decimal context or takes minutes.
        if amount.adjusted() >= 19:  # 10**19 > MAX_COUNT
            raise ValueError(
                str(MaxValueValidator.message) % {"limit_value": MAX_COUNT}
            )
        if amount != amount.to_integral_value():
            raise ValueError(str(NOT_A_WHOLE_NUMBER) % {"value": _shown(value)})
        return int(amount)


class TextWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = super().clean(value, row, **kwargs)
        if text and "\x00" in text:
            raise ValueError(str(NUL))
        return text


class InstitutionCodeWidget(widgets.ForeignKeyWidget):
    def __init__(self) -> None:
        super().__init__(Institution, field="code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        code = str(value or "").strip().upper()
        if not code:
            raise ValueError(_("The institution code is missing."))
        if "\x00" in code:  # no code has one, and PostgreSQL refuses the query
            raise ValueError(
                _("No institution has the code %(code)s.") % {"code": code}
            )
        try:
            return super().clean(code, row, **kwargs)
        except Institution.DoesNotExist as exc:
            raise ValueError(
                _("No institution has the code %(code)s.") % {"code": code}
            ) from exc


class PeriodWidget(widgets.Widget):
    """Reads the 期间 cell as the period's first (or last) day."""

    def __init__(self, *, end: bool = False) -> None:
        super().__init__()
        self.end = end

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        p = periods.parse(str(value or ""))  # PeriodError is a ValueError
        return p.end if self.end else p.start

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.isoformat() if value else ""


def period_text(start: Any, end: Any) -> str:
    """Write a stored period back the way it is imported."""
    for candidate in (f"{start:%Y}Q{(start.month - 1) // 3 + 1}", f"{start:%Y-%m}"):
        p = periods.parse(candidate)
        if (p.start, p.end) == (start, end):
            return candidate
    year = periods.year(start.year)
    if (year.start, year.end) == (start, end):
        return str(start.year)
    return f"{start.isoformat()}~{end.isoformat()}"


class BusinessVolumeResource(resources.ModelResource):
    institution = fields.Field(
        attribute="institution", column_name="机构代码", widget=InstitutionCodeWidget()
    )
    period_start = fields.Field(
        attribute="period_start", column_name=PERIOD_COLUMN, widget=PeriodWidget()
    )
    period_end = fields.Field(
        attribute="period_end", column_name=PERIOD_COLUMN, widget=PeriodWidget(end=True)
    )
    period = fields.Field(column_name=PERIOD_COLUMN, readonly=True)
    premium = fields.Field(
        attribute="premium",
        column_name="保费收入（元）",
        widget=AmountWidget(),
    )
    scale_premium = fields.Field(
        attribute="scale_premium", column_name="规模保费（元）", widget=AmountWidget()
    )
    policies = fields.Field(
        attribute="policies", column_name="保单件数", widget=CountWidget()
    )
    policies_in_force = fields.Field(
        attribute="policies_in_force",
        column_name="有效保单件数",
        widget=CountWidget(),
    )
    insured_persons = fields.Field(
        attribute="insured_persons",
        column_name="承保人次",
        widget=CountWidget(),
    )
    # An empty xlsx cell reads as None; the note is a NOT NULL text column.
    note = fields.Field(attribute="note", column_name="备注", widget=TextWidget())

    class Meta:
        model = BusinessVolume
        fields = (
            "institution",
            "period",
            "period_start",
            "period_end",
            "premium",
            "scale_premium",
            "policies",
            "policies_in_force",
            "insured_persons",
            "note",
        )
        import_id_fields = ("institution", "period_start", "period_end")
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        # All or nothing: the admin's confirmation would otherwise commit the
        # valid rows of a file that has invalid ones (import-export's default).
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for column in ("保费收入（元）", "保单件数"):
            # A blank cell in a csv is a space or two, not nothing: the widget
            # reads it as None and the model's NOT NULL said so untranslated.
            if str(row.get(column) or "").strip() == "":
                raise ValidationError(
                    {column: _("%(column)s is missing.") % {"column": column}}
                )

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        user = kwargs.get("user")
        if kwargs.get("dry_run") or user is None or not user.is_authenticated:
            return
        totals = result.totals
        ImportRecord.objects.create(
            user=user,
            file_name=str(kwargs.get("file_name") or "")[:200],
            kind=ImportRecord.Kind.BUSINESS_VOLUMES,
            new=totals.get("new", 0),
            updated=totals.get("update", 0),
            unchanged=totals.get("skip", 0),
            invalid=totals.get("invalid", 0) + totals.get("error", 0),
            committed=not (result.has_errors() or result.has_validation_errors()),
        )

    def dehydrate_period(self, obj: BusinessVolume) -> str:
        return period_text(obj.period_start, obj.period_end)

    def get_export_fields(self, selected_fields: Any = None) -> list[Any]:
        hidden = {"period_start", "period_end"}  # written as the one 期间 column
        return [
            f
            for f in super().get_export_fields(selected_fields)
            if f.attribute not in hidden
        ]

    def save_instance(
        self, instance: BusinessVolume, is_create: bool, row: Any, **kwargs: Any
    ) -> None:
        # The history row names who imported (the request user, when there is one).
        instance._change_reason = _("Imported")  # type: ignore[attr-defined]
        super().save_instance(instance, is_create, row, **kwargs)
