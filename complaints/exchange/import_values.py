"""Values of an imported spreadsheet in the user's words, and its template.

A code column takes the entry's code ("motor"), its Chinese label
("机动车辆保险"), its English label or one of the synonyms kept with it in the
code list ("车险"); an institution column takes the code or the institution's
name; the document-type column its code or name ("居民身份证", "护照", "台胞证").
Case, full-width characters and spaces do not matter. A value that names no
entry, or several, is refused with the valid values listed.

`regulator_template` writes the regulator-transfer import's template: the
header row, and a second sheet with every valid value of each code column.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from complaints.models import Code, Complaint
from complaints.rules import identifiers
from organisations import permissions as P
from organisations.models import Institution

UNKNOWN_ENTRY = _(
    "“%(value)s” is not an entry of the list “%(list)s”. Write the code or the "
    "name of one of: %(valid)s."
)
AMBIGUOUS_ENTRY = _(
    "“%(value)s” names several entries of the list “%(list)s”: %(matches)s. "
    "Write the code."
)
UNKNOWN_INSTITUTION = _(
    "No institution has the code or name “%(value)s”. Institutions you may "
    "import into: %(valid)s."
)
AMBIGUOUS_INSTITUTION = _(
    "Several institutions are named “%(value)s” (%(matches)s): write the code."
)
MORE = _("%(shown)s and %(more)d more (sheet “%(sheet)s” of the template)")
# Institutions listed in an error message; the template lists them all.
INSTITUTIONS_LISTED = 20
VALID_VALUES_SHEET = "有效值"
DOCUMENT_TYPE_LIST = _("ID type")
# Common names of the identity documents, besides the type's own label.
DOCUMENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    identifiers.RESIDENT_ID: ("身份证", "居民身份证号码", "二代身份证"),
    identifiers.HK_MACAO_PERMIT: ("回乡证", "港澳通行证", "港澳居民来往内地通行证"),
    identifiers.TAIWAN_PERMIT: ("台胞证", "台湾居民来往大陆通行证"),
    identifiers.HMT_RESIDENCE_PERMIT: ("港澳台居民居住证", "居住证"),
    identifiers.PASSPORT: ("护照",),
    identifiers.OTHER: ("其他证件",),
}


def key(value: Any) -> str:
    """The form two spellings of one name share: NFKC, no spaces, casefolded."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(text.split()).casefold()


@dataclass
class Entry:
    value: Any  # what the column resolves to (a Code, a document type...)
    code: str
    label: str
    names: tuple[str, ...] = ()


@dataclass
class Vocabulary:
    """The entries of one list and every name that resolves to them."""

    title: str
    entries: list[Entry]
    _by_name: dict[str, list[Entry]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.entries:
            for name in {entry.code, entry.label, *entry.names}:
                if name:
                    found = self._by_name.setdefault(key(name), [])
                    if entry not in found:
                        found.append(entry)

    def valid(self) -> str:
        return "、".join(f"{e.label}（{e.code}）" for e in self.entries)

    def named(self, text: str) -> list[Entry]:
        return self._by_name.get(key(text), [])

    def resolve(self, text: str) -> tuple[Any, str | None]:
        """(value, None) or (None, the error message)."""
        found = self.named(text)
        if len(found) == 1:
            return found[0].value, None
        if found:
            matches = "、".join(f"{e.label}（{e.code}）" for e in found)
            return None, str(AMBIGUOUS_ENTRY) % {
                "value": text,
                "list": self.title,
                "matches": matches,
            }
        return None, str(UNKNOWN_ENTRY) % {
            "value": text,
            "list": self.title,
            "valid": self.valid(),
        }


NAME_TAKEN = _(
    "“%(name)s” already stands for %(entry)s in this list: a spreadsheet value "
    "must name one entry only."
)


def name_conflicts(
    kind: str, names: Iterable[str], *, exclude_pk: int | None = None
) -> list[tuple[str, Code]]:
    """The names among `names` that already stand for another active entry of
    the code list `kind` (as its code, label, English label or synonym)."""
    others = Code.objects.filter(kind=kind, is_active=True)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = code_vocabulary(kind, others)
    found = []
    for name in (n.strip() for n in names):
        entries = taken.named(name) if name else []
        if entries:
            found.append((name, entries[0].value))
    return found


def code_vocabulary(kind: str, codes: Iterable[Code] | None = None) -> Vocabulary:
    """The active entries of the code list `kind`."""
    if codes is None:
        codes = Code.objects.filter(kind=kind, is_active=True)
    entries = [
        Entry(c, c.code, c.label, (c.label_en, *c.synonym_list()))
        for c in codes
        if c.kind == kind
    ]
    return Vocabulary(str(Code.Kind(kind).label), entries)


def document_vocabulary() -> Vocabulary:
    entries = []
    for value, label in Complaint.IdType.choices:
        with translation.override("zh-hans"):
            chinese = str(label)
        with translation.override("en"):
            english = str(label)
        entries.append(
            Entry(value, value, chinese, (english, *DOCUMENT_SYNONYMS.get(value, ())))
        )
    return Vocabulary(str(DOCUMENT_TYPE_LIST), entries)


class Institutions:
    """Institutions by code (any case) or by name; the importer's scope listed
    in errors."""

    def __init__(self, actor: Any, perm: str = P.IMPORT) -> None:
        everything = list(Institution.objects.order_by("path"))
        self.by_code = {i.code.upper(): i for i in everything}
        self.by_name: dict[str, list[Institution]] = {}
        for i in everything:
            self.by_name.setdefault(key(i.name), []).append(i)
        self.actor, self.perm = actor, perm
        self._scope: list[Institution] | None = None

    def in_scope(self) -> list[Institution]:
        if self._scope is None:
            self._scope = list(
                P.institutions_for(self.actor, self.perm).order_by("path")
            )
        return self._scope

    def valid(self) -> str:
        scope = self.in_scope()
        shown = "、".join(f"{i.name}（{i.code}）" for i in scope[:INSTITUTIONS_LISTED])
        if len(scope) <= INSTITUTIONS_LISTED:
            return shown
        return str(MORE) % {
            "shown": shown,
            "more": len(scope) - INSTITUTIONS_LISTED,
            "sheet": VALID_VALUES_SHEET,
        }

    def resolve(self, text: str) -> tuple[Institution | None, str | None]:
        found = self.by_code.get(unicodedata.normalize("NFKC", text).upper())
        if found is not None:
            return found, None
        named = self.by_name.get(key(text), [])
        if len(named) == 1:
            return named[0], None
        if named:
            matches = "、".join(i.code for i in named)
            return None, str(AMBIGUOUS_INSTITUTION) % {
                "value": text,
                "matches": matches,
            }
        return None, str(UNKNOWN_INSTITUTION) % {"value": text, "valid": self.valid()}


# --- The template -----------------------------------------------------------------
def regulator_template(
    *, columns: Iterable[str], required: Iterable[str], lists: dict[str, Any]
) -> bytes:
    """The import's xlsx template: sheet 1 the header row (required columns
    marked in bold, each code column offering its valid names in a drop-down),
    sheet 2 the valid values of every code column.

    `lists` maps a column to a Vocabulary or to Institutions (the importer's).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    columns, required = list(columns), set(required)
    book = Workbook()
    sheet = book.active
    sheet.title = "监管转送投诉"
    values = book.create_sheet(VALID_VALUES_SHEET)
    sheet.append(columns)
    for index, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        if name in required:
            cell.font = Font(bold=True)
            cell.comment = Comment("必填", "投诉处理后台")
        sheet.column_dimensions[get_column_letter(index)].width = max(
            12, 2 * len(name) + 4
        )
    sheet.freeze_panes = "A2"

    values.append(["列", "代码", "名称", "也可写作"])
    for cell in values[1]:
        cell.font = Font(bold=True)
    for column, vocabulary in lists.items():
        if column not in columns:
            continue
        first = values.max_row + 1
        if isinstance(vocabulary, Institutions):
            rows = [(i.code, i.name, "") for i in vocabulary.in_scope()]
        else:
            rows = [
                (e.code, e.label, "、".join(n for n in e.names if n))
                for e in vocabulary.entries
            ]
        for code, name, names in rows:
            values.append([column, code, name, names])
        if not rows:
            continue
        # A drop-down of the names (column C) on the import sheet's column.
        letter = get_column_letter(columns.index(column) + 1)
        source = f"{quote_sheetname(VALID_VALUES_SHEET)}!$C${first}:$C${values.max_row}"
        check = DataValidation(type="list", formula1=source, allow_blank=True)
        check.showErrorMessage = False  # codes and synonyms are accepted too
        sheet.add_data_validation(check)
        check.add(f"{letter}2:{letter}1000")
    for letter, width in zip("ABCD", (14, 22, 28, 40), strict=True):
        values.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
