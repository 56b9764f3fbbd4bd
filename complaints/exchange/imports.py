"""Importing complaints transferred by the regulator (监管转送) from a spreadsheet.

The file is read whole (xlsx, UTF-8 CSV with or without BOM, GB18030/GBK CSV,
decoded by complaints.timing.calendar_service), every row is validated, and the
preview lists new and unchanged rows and every invalid row with its line,
column and reason. Rows are keyed by the regulator's reference: a reference
already on file is "unchanged", so importing the same file twice creates
nothing. Nothing is written unless every row is valid; then every row is
registered through `complaint_register` (initial state, own number,
deadlines, history) in one transaction.

Who may import: the IMPORT permission (compliance officers by default) on the
institution of every row; a row outside the importer's IMPORT scope is invalid.
Registration runs under IMPORT instead of HANDLE: compliance receives the
regulator's transfers in bulk but does not work complaints.

Every confirmation is logged as an ImportRecord, committed or refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.exchange import import_values, spreadsheets
from complaints.models import Code, Complaint, ImportRecord
from complaints.models.complaint import REGULATOR_REFERENCE_TAKEN
from complaints.rules import identifiers
from complaints.services import complaint_register
from complaints.services.registration import REGULATOR_CHANNEL
from organisations import permissions as P

# Stable Chinese headers of the regulator-transfer sheet -> complaint field.
REGULATOR_COLUMNS: dict[str, str] = {
    "监管转送编号": "regulator_reference",
    "转送机构": "regulator_office",
    "转送日期": "received_at",
    "监管反馈期限": "regulator_due",
    "监管接收日期": "regulator_received_on",
    "责任机构代码": "institution",
    "投诉人姓名": "complainant_name",
    "证件号码": "id_number",
    "联系电话": "phone",
    "险种代码": "product_line",
    "业务类别代码": "category",
    "投诉请求": "request",
    "主要事实和理由": "facts",
    "保单号": "policy_number",
    "证件类型": "id_type",
}
DATE_FIELDS = ("regulator_due", "regulator_received_on")
REQUIRED_COLUMNS = (
    "监管转送编号",
    "转送日期",
    "责任机构代码",
    "投诉人姓名",
    "险种代码",
    "业务类别代码",
    "投诉请求",
    "主要事实和理由",
)
# A transfer reaches the insurer after the regulator received it, so its date
# is never after today; the regulator's feedback date lies in the window the
# intake API accepts (intake.serializers.REGULATOR_DUE_WINDOW). Dates outside
# are typos (2062 for 2026), and far ones would run the deadline arithmetic
# past the year 9999.
OLDEST_TRANSFER = timedelta(days=2 * 366)
REGULATOR_DUE_WINDOW = timedelta(days=2 * 366)

FILE_TOO_LARGE = spreadsheets.FILE_TOO_LARGE
EMPTY_FILE = spreadsheets.EMPTY_FILE
MISSING_HEADERS = spreadsheets.MISSING_HEADERS
REQUIRED = _("This column is required.")
BAD_DATE = _("“%(value)s” is not a date (write it as YYYY-MM-DD).")
DATE_OUT_OF_RANGE = _("%(value)s is not between %(first)s and %(last)s.")
# PostgreSQL cannot store NUL in text; Django's own message (translated).
NUL = ProhibitNullCharactersValidator.message
NOT_IN_SCOPE = _("The institution %(code)s is not in your scope.")
DUPLICATE_REFERENCE = _("The reference %(reference)s is already on line %(line)d.")
TOO_LONG = _("Longer than %(max)d characters.")
NOT_VALID = _("The file has invalid rows: nothing was imported.")
CONCURRENT = _("Another import registered one of these references meanwhile.")


# Rows between two progress reports of a background import.
PROGRESS_EVERY = 500

ImportFileError = spreadsheets.SpreadsheetError
max_bytes = spreadsheets.max_bytes


def read_rows(*, filename: str, content: bytes) -> list[tuple[Any, ...]]:
    """The non-blank rows of an uploaded file, header first, within the
    import limits (complaints.exchange.spreadsheets)."""
    return spreadsheets.file_rows(filename=filename, content=content)


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str


@dataclass
class PreviewRow:
    line: int
    reference: str
    status: str  # "new" or "unchanged"
    values: dict[str, Any]


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def invalid(self) -> int:
        return len({p.line for p in self.problems})

    @property
    def is_valid(self) -> bool:
        return not self.problems


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number in Excel
    return str(value).strip()


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value).split(" ")[0].replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError:
        return None


def _parse_moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        day = _parse_date(value)
        if day is None:
            return None
        moment = datetime.combine(day, time(9, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def regulator_transfers_preview(
    *,
    actor: Any,
    rows: list[tuple[Any, ...]],
    progress: Callable[[int], None] | None = None,
) -> Preview:
    """Validate every row and say what confirming would do (writes nothing).
    `progress` hears the number of rows checked now and then (a background
    import's page shows it)."""
    index = spreadsheets.header_index(
        [cell_text(c) for c in rows[0]],
        known=list(REGULATOR_COLUMNS),
        required=REQUIRED_COLUMNS,
    )
    institutions = import_values.Institutions(actor)
    codes = code_lists()
    references = [
        cell_text(r[index["监管转送编号"]]) if len(r) > index["监管转送编号"] else ""
        for r in rows[1:]
    ]
    existing, taken = _references_on_file(actor, references)
    preview, seen = Preview(), dict[str, int]()
    for line, row in enumerate(rows[1:], start=2):
        if progress is not None and line % PROGRESS_EVERY == 0:
            progress(line - 1)
        raw = {name: row[i] if i < len(row) else None for name, i in index.items()}
        values, problems = _row_values(
            actor, raw, line, institutions=institutions, codes=codes
        )
        reference = values.get("regulator_reference", "")
        if reference in seen:
            problems.append(
                Problem(
                    line,
                    "监管转送编号",
                    str(DUPLICATE_REFERENCE)
                    % {"reference": reference, "line": seen[reference]},
                )
            )
        elif reference:
            seen[reference] = line
        if problems:
            preview.problems.extend(problems)
            continue
        if reference in taken:
            # Registered outside the importer's scope: the same answer as the
            # registration form gives for any reference conflict, naming
            # neither the complaint nor its branch.
            preview.problems.append(
                Problem(line, "监管转送编号", str(REGULATOR_REFERENCE_TAKEN))
            )
            continue
        status = "unchanged" if reference in existing else "new"
        preview.rows.append(PreviewRow(line, reference, status, values))
    return preview


def _references_on_file(actor: Any, references: list[str]) -> tuple[set[str], set[str]]:
    """(in the importer's IMPORT scope, elsewhere) among `references`.

    Only a reference the importer may see is "unchanged": one of another
    branch is not reported as such (that told whether it exists there).
    """
    wanted = [r for r in references if r and "\x00" not in r]
    on_file = Complaint.objects.filter(regulator_reference__in=wanted)
    mine = set(
        P.scope(on_file, actor, P.IMPORT).values_list("regulator_reference", flat=True)
    )
    every = set(on_file.values_list("regulator_reference", flat=True))
    return mine, every - mine


def code_lists() -> dict[str, import_values.Vocabulary]:
    """The lists the code columns resolve against, by complaint field."""
    active = list(
        Code.objects.filter(
            kind__in=[Code.Kind.PRODUCT_LINE, Code.Kind.CATEGORY], is_active=True
        )
    )
    return {
        Code.Kind.PRODUCT_LINE: import_values.code_vocabulary(
            Code.Kind.PRODUCT_LINE, active
        ),
        Code.Kind.CATEGORY: import_values.code_vocabulary(Code.Kind.CATEGORY, active),
        "id_type": import_values.document_vocabulary(),
    }


def template(*, actor: Any) -> bytes:
    """The regulator-transfer template (xlsx) with the valid values of every
    code column on its second sheet."""
    lists = code_lists()
    by_column: dict[str, Any] = {
        column: lists[name]
        for column, name in REGULATOR_COLUMNS.items()
        if name in lists
    }
    by_column["责任机构代码"] = import_values.Institutions(actor)
    return import_values.regulator_template(
        columns=REGULATOR_COLUMNS, required=REQUIRED_COLUMNS, lists=by_column
    )


def _row_values(
    actor: Any,
    raw: dict[str, Any],
    line: int,
    *,
    institutions: import_values.Institutions,
    codes: dict[str, import_values.Vocabulary],
) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def bad(column: str, message: Any, **params: Any) -> None:
        # A message already formatted (it may quote a cell holding "%") is
        # taken as it is.
        text = str(message) % params if params else str(message)
        problems.append(Problem(line, column, text))

    today = timezone.localdate()
    for column, name in REGULATOR_COLUMNS.items():
        text = cell_text(raw.get(column))
        if not text:
            if column in REQUIRED_COLUMNS:
                bad(column, REQUIRED)
            values.setdefault(name, "" if name not in DATE_FIELDS else None)
            continue
        if "\x00" in text:
            bad(column, NUL)
            values[name] = None
            continue
        if name == "institution":
            institution, error = institutions.resolve(text)
            if institution is None:
                bad(column, error)
            elif not P.has(actor, P.IMPORT, institution):
                bad(column, NOT_IN_SCOPE, code=institution.code)
            values[name] = institution
        elif name in codes:
            values[name], error = codes[name].resolve(text)
            if error:
                bad(column, error)
        elif name == "received_at":
            values[name] = _parse_moment(raw.get(column))
            if values[name] is None:
                bad(column, BAD_DATE, value=text)
            else:
                day = timezone.localdate(values[name])
                _in_window(bad, column, day, today - OLDEST_TRANSFER, today)
        elif name == "regulator_received_on":
            # The regulator's own receipt: never after today; the service
            # refuses it after the insurer's receipt (complaint_register).
            values[name] = _parse_date(raw.get(column))
            if values[name] is None:
                bad(column, BAD_DATE, value=text)
            else:
                _in_window(bad, column, values[name], today - OLDEST_TRANSFER, today)
        elif name == "regulator_due":
            values[name] = _parse_date(raw.get(column))
            if values[name] is None:
                bad(column, BAD_DATE, value=text)
            else:
                first, last = today - REGULATOR_DUE_WINDOW, today + REGULATOR_DUE_WINDOW
                _in_window(bad, column, values[name], first, last)
        else:
            limit = Complaint._meta.get_field(name).max_length
            if limit and len(text) > limit:
                bad(column, TOO_LONG, max=limit)
            values[name] = text
    _identifiers(values, problems, line)
    return values, problems


# Complaint field -> its column, for the identifiers' messages.
_COLUMN_OF = {name: column for column, name in REGULATOR_COLUMNS.items()}


def _identifiers(values: dict[str, Any], problems: list[Problem], line: int) -> None:
    """The phone and the ID number in their stored forms, checked as at every
    door (rules.identifiers); an ID number without a type is a resident ID."""
    if values.get("id_type") is None:
        return  # the type itself was refused: its number cannot be checked
    names: tuple[str, ...] = ("phone", "id_number", "id_type")
    present = {n: values[n] for n in names if n in values}
    clean, errors = identifiers.normalise_fields(present, labels=_COLUMN_OF)
    values.update(clean)
    for name, error in errors.items():
        problems.append(Problem(line, _COLUMN_OF[name], identifiers.message(error)))


def _in_window(bad: Any, column: str, day: date, first: date, last: date) -> None:
    if not first <= day <= last:
        bad(column, DATE_OUT_OF_RANGE, value=day, first=first, last=last)


def regulator_transfers_import(
    *, actor: Any, filename: str, content: bytes
) -> tuple[Preview, ImportRecord]:
    """Register every new row, or nothing; log the attempt as an ImportRecord.

    Raises ImportFileError for a refused file (logged too); a file with invalid
    rows comes back with `record.committed` False and nothing written.
    """
    try:
        preview = regulator_transfers_preview(
            actor=actor, rows=read_rows(filename=filename, content=content)
        )
    except ValidationError:
        _record(actor, filename, Preview(), committed=False, invalid=1)
        raise
    if not preview.is_valid:
        return preview, _record(actor, filename, preview, committed=False)
    channel = Code.objects.get(kind=Code.Kind.CHANNEL, code=REGULATOR_CHANNEL)
    created: list[Complaint] = []
    try:
        with transaction.atomic():
            for row in preview.rows:
                if row.status != "new":
                    continue
                created.append(
                    complaint_register(
                        actor=actor, channel=channel, permission=P.IMPORT, **row.values
                    )
                )
            record = _record(actor, filename, preview, committed=True)
            record.complaints.add(*created)
    except IntegrityError as exc:
        _record(actor, filename, preview, committed=False)
        raise ImportFileError(CONCURRENT, code="concurrent") from exc
    except ValidationError as exc:  # a rule of complaint_register refused a row
        _record(actor, filename, preview, committed=False)
        raise ImportFileError(exc.messages) from exc
    return preview, record


def _record(
    actor: Any, filename: str, preview: Preview, *, committed: bool, invalid: int = 0
) -> ImportRecord:
    return ImportRecord.objects.create(
        user=actor,
        file_name=filename[:200],
        kind=ImportRecord.Kind.REGULATOR_TRANSFERS,
        new=preview.new,
        unchanged=preview.unchanged,
        invalid=preview.invalid or invalid,
        committed=committed,
    )


def summary(preview: Preview) -> str:
    return gettext(
        "%(new)d new, %(unchanged)d unchanged, %(invalid)d invalid rows."
    ) % {"new": preview.new, "unchanged": preview.unchanged, "invalid": preview.invalid}
