"""Writes of the personal-data access log (PIPL arts. 51 and 54) and of the
export that answers a data subject's access request (art. 45).

The log is append-only: nothing here updates or deletes a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connections, router, transaction
from django.db.models import F, QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone

from complaints.models import (
    LIST_SURFACES,
    Complaint,
    ExportRecord,
    PersonalDataAccess,
)
from complaints.workbench import selectors
from organisations import permissions as P

Surface = PersonalDataAccess.Surface


def personal_data_shown(
    *,
    user: Any,
    complaints: Iterable[Complaint],
    surface: str,
    detail: str = "",
) -> int:
    """Log the complaints among `complaints` whose personal data `user` was
    shown unmasked; return how many.

    The check reads the user's cached grants and each complaint's institution
    (load it with select_related), so a page of fifty costs one INSERT. On a
    list surface a complaint already logged today for this user is skipped by
    the database (the partial unique constraint), not by a prior SELECT.
    """
    pks = list(
        dict.fromkeys(
            c.pk for c in complaints if selectors.can_see_personal_data(user, c)
        )
    )
    if not pks:
        return 0
    _insert(
        user_id=user.pk,
        complaint_ids=pks,
        surface=surface,
        detail=detail,
        ignore_conflicts=surface in LIST_SURFACES,
    )
    return len(pks)


# The log's columns as one INSERT names them; the complaint's id varies.
_COLUMNS = ("user", "complaint", "surface", "accessed_at", "day", "detail")


def _insert(
    *,
    user_id: int,
    complaint_ids: Sequence[int],
    surface: str,
    detail: str,
    ignore_conflicts: bool,
) -> None:
    """One INSERT of a row per complaint, written here rather than by
    bulk_create, and without a transaction when one statement holds them.

    Every list and case page writes this log. bulk_create's BEGIN and COMMIT
    were two of a list page's ten statements (one statement is atomic by
    itself), and compiling its 600 values field by field was 3 ms of a
    list's 60 (issue 19). More rows than one statement's parameters take
    (SQLite) go in batches in one transaction, as bulk_create would.
    """
    using = router.db_for_write(PersonalDataAccess)
    connection = connections[using]
    ops = connection.ops
    meta = PersonalDataAccess._meta
    fields: list[Any] = [meta.get_field(name) for name in _COLUMNS]
    values = dict(
        zip(
            _COLUMNS,
            [user_id, None, surface, timezone.now(), timezone.localdate(), detail],
            strict=True,
        )
    )
    prepared = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    at = _COLUMNS.index("complaint")
    conflict = OnConflict.IGNORE if ignore_conflicts else None
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    head = (
        f"{ops.insert_statement(on_conflict=conflict)} "
        f"{ops.quote_name(meta.db_table)} ({columns}) "
    )
    tail = ops.on_conflict_suffix_sql(fields, conflict, None, None)
    if connection.vendor == "postgresql":
        # The ids as one array: psycopg splits a statement at each of its
        # parameters, 9 ms for a desk page's 1,200 (issue 19); six here.
        marks = ["%s"] * len(fields)
        marks[at] = "chosen"
        prepared[at] = list(complaint_ids)
        select = ", ".join(marks)
        with connection.cursor() as cursor:
            cursor.execute(
                f"{head}SELECT {select} FROM unnest(%s::bigint[]) AS chosen {tail}",
                [*prepared[:at], *prepared[at + 1 :], prepared[at]],
            )
        return
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params
    size = limit // len(fields) if limit else len(complaint_ids)
    batches = [complaint_ids[i : i + size] for i in range(0, len(complaint_ids), size)]

    def write(ids: Sequence[int]) -> None:
        params: list[Any] = []
        for pk in ids:
            prepared[at] = pk
            params.extend(prepared)
        with connection.cursor() as cursor:
            cursor.execute(f"{head}VALUES {', '.join([row] * len(ids))} {tail}", params)

    if len(batches) == 1:
        write(batches[0])
        return
    with transaction.atomic(using=using, savepoint=False):
        for batch in batches:
            write(batch)


def personal_data_exported(
    *, user: Any, complaints: QuerySet[Complaint], export: ExportRecord
) -> int:
    """Log each complaint of an export that went out with its personal data
    unmasked (where `user` holds PERSONAL_DATA), linked to the export's record.

    One row per complaint even for a large export: "who has this person's data
    in a spreadsheet" is the question a data-access request or a breach asks.
    The rows are written by one INSERT ... SELECT in the database: building
    and sending 100,000 rows from Python took 8 s of a 100,000-row export
    (issue 19).
    """
    using = router.db_for_write(PersonalDataAccess)
    connection = connections[using]
    pks = (
        P.scope(complaints, user, P.PERSONAL_DATA)
        .order_by()
        .annotate(chosen_pk=F("pk"))
        .values_list("chosen_pk", flat=True)
        .distinct()
    )
    try:
        select, select_params = pks.query.get_compiler(using=using).as_sql()
    except EmptyResultSet:  # no PERSONAL_DATA anywhere in the export's scope
        return 0
    meta = PersonalDataAccess._meta
    concrete = {field.name: field for field in meta.concrete_fields}
    constants = {
        "user": user.pk,
        "surface": Surface.EXPORT,
        "accessed_at": timezone.now(),
        "day": timezone.localdate(),
        "export": export.pk,
        "detail": "",
    }
    params = [
        concrete[name].get_db_prep_save(value, connection)
        for name, value in constants.items()
    ]
    q = connection.ops.quote_name
    columns = ", ".join(
        q(str(concrete[name].column)) for name in [*constants, "complaint"]
    )
    values = ", ".join(["%s"] * len(params))
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {values}, chosen.chosen_pk FROM ({select}) chosen"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *select_params])
        return max(cursor.rowcount, 0)


def data_access_export_record(
    *,
    user: Any,
    complaints: Sequence[Complaint],
    file_format: str,
    search: str,
) -> ExportRecord:
    """Record the export answering a data-access request: the export log row
    (`search` must already be masked: the log is read by people who may not
    see the person's data) and one access row per complaint it holds."""
    for complaint in complaints:
        if not P.has_all(user, P.DATA_PROTECTION, complaint.institution):
            raise PermissionDenied(P.NOT_ALLOWED)
    with transaction.atomic():
        record = ExportRecord.objects.create(
            user=user,
            kind=ExportRecord.Kind.DATA_ACCESS,
            file_format=file_format,
            filters=search,
            row_count=len(complaints),
        )
        day = timezone.localdate()
        PersonalDataAccess.objects.bulk_create(
            PersonalDataAccess(
                user=user,
                complaint=complaint,
                surface=Surface.DATA_ACCESS,
                day=day,
                export=record,
                detail=file_format,
            )
            for complaint in complaints
        )
    return record
