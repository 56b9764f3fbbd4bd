"""An insurer's first load: the organisation tree and the staff's memberships.

One spreadsheet per kind (xlsx, UTF-8 CSV with or without BOM, GBK CSV), read
and previewed like the regulator transfers (complaints.exchange.imports: same Preview,
same line/column/reason problems, same all-or-nothing confirmation):

- institutions: rows in any order; a parent may be defined later in the file
  or already be in the database. Unknown parents, cycles and broken level
  rules (organisations.models.level_error) are listed. A code already on file
  with the same name, level and parent is "unchanged"; with different data it
  is invalid: a first load does not move or rename institutions.
- memberships: a missing user is created (staff, unusable password: the
  administrator sets passwords) and the role granted through membership_grant;
  an existing identical membership is "unchanged".

Only system administrators import (superuser, or the model permission to add
institutions). This lives in complaints because ImportRecord does, and
organisations must not import complaints.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from complaints.exchange import spreadsheets
from complaints.exchange.imports import (
    NUL,
    REQUIRED,
    TOO_LONG,
    ImportFileError,
    Preview,
    PreviewRow,
    Problem,
    cell_text,
    read_rows,
)
from complaints.models import ImportRecord
from organisations import permissions as P
from organisations.models import Institution, Membership, level_error
from organisations.services import institution_create, membership_grant

INSTITUTIONS = "institutions"
MEMBERSHIPS = "memberships"
KINDS = (INSTITUTIONS, MEMBERSHIPS)

INSTITUTION_COLUMNS = (
    "机构代码",
    "机构名称",
    "层级",
    "上级机构代码",
    "地区",
    "投诉电话",
)
INSTITUTION_REQUIRED = ("机构代码", "机构名称", "层级")
MEMBERSHIP_COLUMNS = ("用户名", "姓名", "电子邮箱", "角色", "机构代码")
MEMBERSHIP_REQUIRED = ("用户名", "角色", "机构代码")
COLUMNS = {INSTITUTIONS: INSTITUTION_COLUMNS, MEMBERSHIPS: MEMBERSHIP_COLUMNS}
REQUIRED_COLUMNS = {
    INSTITUTIONS: INSTITUTION_REQUIRED,
    MEMBERSHIPS: MEMBERSHIP_REQUIRED,
}

# The labels printed on the insurer's own forms (stable, not translated).
LEVEL_LABELS = {
    "总公司": Institution.Level.HEAD_OFFICE,
    "省级分公司": Institution.Level.PROVINCIAL,
    "中心支公司": Institution.Level.CENTRAL_SUB_BRANCH,
    "支公司": Institution.Level.SUB_BRANCH,
    "营业部": Institution.Level.OFFICE,
}
ROLE_LABELS = {
    "投诉处理人员": Membership.Role.HANDLER,
    "机构负责人": Membership.Role.MANAGER,
    "核查人员": Membership.Role.REVIEWER,
    "高级管理人员": Membership.Role.SENIOR_MANAGER,
    "消保/合规人员": Membership.Role.COMPLIANCE,
    "只读用户": Membership.Role.VIEWER,
}
CODE_RE = re.compile(r"^[A-Z0-9]+$")

BAD_CODE = _("“%(value)s” is not a code (capital letters and digits only).")
BAD_LEVEL = _("“%(value)s” is not a level (1-5 or 总公司, 省级分公司, …).")
DUPLICATE_CODE = _("The code %(code)s is already on line %(line)d.")
DIFFERENT = _("The institution %(code)s already exists with different data.")
UNKNOWN_PARENT = _("No institution has the code %(code)s, in the file or on file.")
INVALID_PARENT = _("The parent %(code)s on line %(line)d is invalid.")
CYCLE = _("The parent chain of %(code)s loops back to itself.")
UNKNOWN_INSTITUTION = _("No institution has the code %(code)s.")
BAD_ROLE = _("“%(value)s” is not a role.")
BAD_USERNAME = _("“%(value)s” is not a valid user name.")
BAD_EMAIL = _("“%(value)s” is not an e-mail address.")
DUPLICATE_MEMBERSHIP = _("The same membership is already on line %(line)d.")
NOT_SYSTEM_ADMIN = _("Only system administrators import the organisation.")
# A row that passed the preview but not the write: someone changed the same
# record meanwhile. The line and the column, never the database's own text.
CHANGED_MEANWHILE = _(
    "Line %(line)d, column %(column)s: “%(value)s” was changed by someone else "
    "since the preview. Nothing was imported; upload the file again to see the "
    "current state."
)
CONCURRENT_CHANGE = _(
    "The organisation was changed by someone else since the preview. Nothing "
    "was imported; upload the file again to see the current state."
)
ROW_REFUSED = _("Line %(line)d, column %(column)s: %(message)s")
# The column of the file that names each value a write checks.
FIELD_COLUMNS = {
    "code": "机构代码",
    "name": "机构名称",
    "level": "层级",
    "parent": "上级机构代码",
    "region": "地区",
    "phone": "投诉电话",
    "username": "用户名",
    "first_name": "姓名",
    "email": "电子邮箱",
    "role": "角色",
    "institution": "机构代码",
    "user": "用户名",
}


def may_import(user: Any) -> bool:
    return bool(user.is_active) and (
        P.is_global(user) or P.is_system_admin(user, Institution, "add")
    )


def _index(kind: str, rows: list[tuple[Any, ...]]) -> dict[str, int]:
    required: tuple[str, ...] = REQUIRED_COLUMNS[kind]
    if kind == INSTITUTIONS:
        required = (*required, "上级机构代码")
    return spreadsheets.header_index(
        [cell_text(c) for c in rows[0]], known=COLUMNS[kind], required=required
    )


def _raw(row: tuple[Any, ...], index: dict[str, int]) -> dict[str, str]:
    return {n: cell_text(row[i]) if i < len(row) else "" for n, i in index.items()}


def _level(text: str) -> int | None:
    if text in LEVEL_LABELS:
        return int(LEVEL_LABELS[text])
    return int(text) if text in {"1", "2", "3", "4", "5"} else None


def _check_text(values: dict[str, str], limits: dict[str, int], bad: Any) -> None:
    for column, limit in limits.items():
        if len(values.get(column, "")) > limit:
            bad(column, TOO_LONG, max=limit)
    for column, value in values.items():
        if "\x00" in value:  # PostgreSQL cannot store it
            bad(column, NUL)


# --- Institutions -------------------------------------------------------------
def institutions_preview(rows: list[tuple[Any, ...]]) -> Preview:
    """Validate every row and say what confirming would create (writes nothing)."""
    index = _index(INSTITUTIONS, rows)
    existing = {i.code: i for i in Institution.objects.select_related("parent")}
    problems: dict[int, list[Problem]] = {}
    parsed: dict[str, tuple[int, dict[str, Any]]] = {}  # code -> (line, values)
    lines: list[int] = []
    for line, row in enumerate(rows[1:], start=2):
        lines.append(line)
        raw, found = _raw(row, index), problems.setdefault(line, [])

        def bad(
            column: str, message: Any, _f: Any = found, _l: int = line, **p: Any
        ) -> None:
            _f.append(Problem(_l, column, str(message) % p))

        for column in INSTITUTION_REQUIRED:
            if not raw.get(column):
                bad(column, REQUIRED)
        code = raw.get("机构代码", "").upper()
        # ASCII as typed: upper() turns "ß" into "SS" and "ſ" into "S".
        if code and not (CODE_RE.match(code) and raw["机构代码"].isascii()):
            bad("机构代码", BAD_CODE, value=raw["机构代码"])
        level = _level(raw.get("层级", ""))
        if raw.get("层级") and level is None:
            bad("层级", BAD_LEVEL, value=raw["层级"])
        parent_code = raw.get("上级机构代码", "").upper()
        _check_text(
            raw, {"机构代码": 20, "机构名称": 100, "地区": 50, "投诉电话": 30}, bad
        )
        if code in parsed:
            bad("机构代码", DUPLICATE_CODE, code=code, line=parsed[code][0])
        elif code:
            parsed[code] = (line, {})
        if found:
            continue
        parsed[code] = (
            line,
            {
                "code": code,
                "name": raw["机构名称"],
                "level": level,
                "parent_code": parent_code,
                "region": raw.get("地区", ""),
                "phone": raw.get("投诉电话", ""),
            },
        )

    preview = Preview()
    statuses: dict[str, str] = {}  # code -> "new", "unchanged" or "invalid"

    def resolve(code: str, trail: tuple[str, ...] = ()) -> str:
        if code in statuses:
            return statuses[code]
        line, values = parsed[code]
        if not values:  # the row has problems of its own
            statuses[code] = "invalid"
            return "invalid"
        statuses[code] = "invalid"  # provisional: a loop back here is a cycle
        found = problems[line]
        parent_code, level = values["parent_code"], values["level"]
        parent: Institution | None = None
        if code in existing:
            stored = existing[code]
            stored_parent = stored.parent.code if stored.parent else ""
            same = (stored.name, stored.level, stored_parent) == (
                values["name"],
                level,
                parent_code,
            )
            if not same:
                found.append(Problem(line, "机构代码", str(DIFFERENT) % {"code": code}))
                return "invalid"
            statuses[code] = "unchanged"
            return "unchanged"
        if parent_code in trail or parent_code == code:
            found.append(Problem(line, "上级机构代码", str(CYCLE) % {"code": code}))
            return "invalid"
        if parent_code in existing:
            parent = existing[parent_code]
        elif parent_code in parsed:
            parent_line, parent_values = parsed[parent_code]
            if resolve(parent_code, (*trail, code)) == "invalid":
                if not found:
                    found.append(
                        Problem(
                            line,
                            "上级机构代码",
                            str(INVALID_PARENT)
                            % {"code": parent_code, "line": parent_line},
                        )
                    )
                return "invalid"
            parent = Institution(code=parent_code, level=parent_values["level"])
        elif parent_code:
            found.append(
                Problem(
                    line, "上级机构代码", str(UNKNOWN_PARENT) % {"code": parent_code}
                )
            )
            return "invalid"
        message = level_error(parent=parent, level=level)
        if message:
            found.append(Problem(line, "层级", message))
            return "invalid"
        statuses[code] = "new"
        return "new"

    for code in parsed:
        resolve(code)
    for line in lines:
        preview.problems.extend(problems[line])
    for code, (line, values) in sorted(parsed.items(), key=lambda i: i[1][0]):
        if statuses.get(code) in ("new", "unchanged") and not problems[line]:
            preview.rows.append(PreviewRow(line, code, statuses[code], values))
    return preview


class RowFailed(Exception):
    """A write refused for one row: the line, the column and a translated
    message, built from the row (not from the database's error text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refused(line: int, values: dict[str, Any], exc: Exception, key: str) -> RowFailed:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        name, errors = next(iter(exc.error_dict.items()))
        column = FIELD_COLUMNS.get(name, FIELD_COLUMNS[key])
        text = " ".join(m for e in errors for m in e.messages)
        return RowFailed(
            ROW_REFUSED % {"line": line, "column": column, "message": text}
        )
    if isinstance(exc, ValidationError):
        return RowFailed(
            ROW_REFUSED
            % {
                "line": line,
                "column": FIELD_COLUMNS[key],
                "message": " ".join(exc.messages),
            }
        )
    return RowFailed(
        CHANGED_MEANWHILE
        % {"line": line, "column": FIELD_COLUMNS[key], "value": values.get(key, "")}
    )


def _create_institutions(actor: Any, preview: Preview) -> None:
    pending = {r.reference: r.values for r in preview.rows if r.status == "new"}
    lines = {r.reference: r.line for r in preview.rows}
    done: dict[str, Institution] = {}

    def create(code: str) -> Institution:
        if code in done:
            return done[code]
        values = pending[code]
        parent_code = values["parent_code"]
        parent = None
        if parent_code in pending:
            parent = create(parent_code)
        elif parent_code:
            parent = Institution.objects.filter(code=parent_code).first()
            if parent is None:  # removed since the preview
                raise _refused(
                    lines[code], {"parent": parent_code}, IntegrityError(), "parent"
                )
        try:
            with transaction.atomic():
                done[code] = institution_create(
                    actor=actor,
                    code=code,
                    name=values["name"],
                    level=values["level"],
                    parent=parent,
                    region=values["region"],
                    phone=values["phone"],
                )
        except (IntegrityError, ValidationError) as exc:
            raise _refused(lines[code], {"code": code}, exc, "code") from exc
        return done[code]

    for code in pending:
        create(code)


# --- Memberships --------------------------------------------------------------
def memberships_preview(rows: list[tuple[Any, ...]]) -> Preview:
    index = _index(MEMBERSHIPS, rows)
    institutions = {i.code: i for i in Institution.objects.all()}
    roles = {**{r.value: r.value for r in Membership.Role}, **ROLE_LABELS}
    users = {u.username: u for u in get_user_model().objects.all()}
    held = set(
        Membership.objects.values_list("user__username", "institution__code", "role")
    )
    preview, seen = Preview(), dict[tuple[str, str, str], int]()
    for line, row in enumerate(rows[1:], start=2):
        raw, found = _raw(row, index), list[Problem]()

        def bad(
            column: str, message: Any, _f: Any = found, _l: int = line, **p: Any
        ) -> None:
            _f.append(Problem(_l, column, str(message) % p))

        for column in MEMBERSHIP_REQUIRED:
            if not raw.get(column):
                bad(column, REQUIRED)
        username = raw.get("用户名", "")
        if username and not re.match(r"^[\w.@+-]+$", username):
            bad("用户名", BAD_USERNAME, value=username)
        _check_text(raw, {"用户名": 150, "姓名": 150, "电子邮箱": 254}, bad)
        email = raw.get("电子邮箱", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                bad("电子邮箱", BAD_EMAIL, value=email)
        role = roles.get(raw.get("角色", ""))
        if raw.get("角色") and role is None:
            bad("角色", BAD_ROLE, value=raw["角色"])
        code = raw.get("机构代码", "").upper()
        institution = institutions.get(code)
        if code and institution is None:
            bad("机构代码", UNKNOWN_INSTITUTION, code=code)
        key = (username, code, role or "")
        if not found and key in seen:
            bad("用户名", DUPLICATE_MEMBERSHIP, line=seen[key])
        if found:
            preview.problems.extend(found)
            continue
        seen[key] = line
        status = "unchanged" if key in held else "new"
        values = {
            "username": username,
            "name": raw.get("姓名", ""),
            "email": email,
            "role": role,
            "institution": institution,
            "user": users.get(username),
        }
        preview.rows.append(PreviewRow(line, username, status, values))
    return preview


def _grant_memberships(actor: Any, preview: Preview) -> None:
    User = get_user_model()
    for row in preview.rows:
        if row.status != "new":
            continue
        values = row.values
        user = User.objects.filter(username=values["username"]).first()
        if user is None:
            user = User(
                username=values["username"],
                first_name=values["name"],
                email=values["email"],
                is_staff=True,
            )
            user.set_unusable_password()
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as exc:
                raise _refused(row.line, values, exc, "username") from exc
        try:
            with transaction.atomic():
                membership_grant(
                    user=user,
                    institution=values["institution"],
                    role=values["role"],
                    actor=actor,
                )
        except (IntegrityError, ValidationError) as exc:
            shown = {"role": Membership.Role(values["role"]).label}
            raise _refused(row.line, shown, exc, "role") from exc


# --- Confirmation -------------------------------------------------------------
def organisation_preview(*, kind: str, rows: list[tuple[Any, ...]]) -> Preview:
    if kind == INSTITUTIONS:
        return institutions_preview(rows)
    return memberships_preview(rows)


def organisation_import(
    *, actor: Any, kind: str, filename: str, content: bytes
) -> tuple[Preview, ImportRecord]:
    """Write every new row, or nothing; log the attempt as an ImportRecord."""
    if not may_import(actor):
        raise ImportFileError(NOT_SYSTEM_ADMIN, code="forbidden")
    try:
        preview = organisation_preview(
            kind=kind, rows=read_rows(filename=filename, content=content)
        )
    except ValidationError:
        _record(actor, filename, Preview(), committed=False, invalid=1)
        raise
    if not preview.is_valid:
        return preview, _record(actor, filename, preview, committed=False)
    try:
        with transaction.atomic():
            if kind == INSTITUTIONS:
                _create_institutions(actor, preview)
            else:
                _grant_memberships(actor, preview)
            record = _record(actor, filename, preview, committed=True)
    except RowFailed as exc:
        # A concurrent change (e.g. the same code created meanwhile).
        _record(actor, filename, preview, committed=False)
        raise ImportFileError(exc.message, code="concurrent") from exc
    except (IntegrityError, ValidationError) as exc:  # not tied to one row
        _record(actor, filename, preview, committed=False)
        raise ImportFileError(CONCURRENT_CHANGE, code="concurrent") from exc
    return preview, record


def _record(
    actor: Any, filename: str, preview: Preview, *, committed: bool, invalid: int = 0
) -> ImportRecord:
    return ImportRecord.objects.create(
        user=actor,
        file_name=filename[:200],
        kind=ImportRecord.Kind.ORGANISATION,
        new=preview.new,
        unchanged=preview.unchanged,
        invalid=preview.invalid or invalid,
        committed=committed,
    )
