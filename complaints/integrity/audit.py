"""Tamper evidence of the case file's history: one hash chain per complaint.

Every history row of a complaint, of the complaint itself and of its
correspondence, attachments, extensions, pauses, recusals, letters as sent,
investigation tasks and supervisions, is one link of a single chain ordered by
`chain_seq`. One chain across the tables rather than
one per table: the case file is read as one story, and a row removed from any
table then breaks the same sequence. `chain_seq` (not history_date) orders it,
so two rows written in the same microsecond, or back-dated by a data generator,
still have exactly one place.

    row_hash = sha256(canonical JSON of [table, seal_version, chain_seq,
                      prev_hash, personal_digest, every other column's value])
    personal_digest = sha256(canonical JSON of [personal_salt, personal values])

Personal data enters only through the digest: anonymisation (integrity.retention)
blanks the personal values and the salt, the row hash still verifies, and the
digest no longer links to anyone. The history_id is not hashed (the database
assigns it on insert); a row's place is its chain_seq.

The chain shows changes made outside the application (raw SQL, QuerySet.update,
a restored backup); it cannot stop someone who can write to the database and
recompute every hash after the change. Copying the chain heads
(AuditChainHead) somewhere else now and then closes that gap.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, Model
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

SEAL_VERSION = 2
VERSIONS = range(1, SEAL_VERSION + 1)
# The tables migration 0009 sealed (it reads this tuple: never extend it).
SEALED_MODELS = (
    "complaint",
    "correspondence",
    "attachment",
    "extension",
    "pause",
    "recusal",
)
# Case-file tables created since, sealed from their first row: the letters as
# sent, the investigation tasks, the supervisions (督办), the approval requests,
# the routing records (refusal and routing with their targets), the internal
# notes, the outbox (issue 14: what was queued to whom belongs to the case
# file; rows queued before it was sealed have no history) and the regulator's
# own receipt of a transfer (issue 17).
SEALED_LATER = (
    "letter",
    "investigationtask",
    "supervision",
    "approvalrequest",
    "routing",
    "internalnote",
    "notification",
    "regulatortransfer",
)
# Sealed records that belong to no complaint (issue 17 point 4): each kind has
# chains of its own, headed in RecordChainHead by (kind, key), rather than a
# made-up complaint. tracked model -> (app, kind, column holding the chain's
# key; None: the kind is one chain, key 0). A published scorecard and its rows
# are one chain; the register is one chain per institution; the weights, one
# chain for every version (a version removed breaks it).
RECORD_CHAINS: dict[str, tuple[str, str, str | None]] = {
    "accountablemanager": ("reporting", "register", "institution_id"),
    "weightversion": ("reporting", "weights", None),
    "scorecard": ("reporting", "scorecard", "id"),
    "scorecardrow": ("reporting", "scorecard", "scorecard_id"),
    # A rectification's effectiveness verdicts (issue 18 point 2): one chain per
    # rectification.
    "rectificationverdict": ("insight", "rectification_verdicts", "rectification_id"),
}
# Not hashed as values: the database's id and the seal columns themselves.
NOT_HASHED = frozenset(
    {
        "history_id",
        "chain_seq",
        "prev_hash",
        "row_hash",
        "personal_digest",
        "personal_salt",
        "seal_version",
    }
)
# The personal data of each sealed model: what anonymisation replaces. Free text
# is in the list because the person's name, ID or health cannot be parsed out of
# it. Changing a list changes what rows hash: it needs a new SEAL_VERSION.
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "complaint": (
        "complainant_name",
        "id_number",
        "phone",
        "email",
        "address",
        "legal_representative",
        "agent_name",
        "agent_id_number",
        "agent_phone",
        "representatives",
        "policy_number",
        "claim_number",
        "request",
        "facts",
        "route_note",
        "decision_text",
        "review_text",
        "mediation_note",
        "callback_note",
    ),
    "correspondence": ("summary",),
    "attachment": ("file", "original_name", "description"),
    "extension": ("reason",),
    "pause": ("reason",),
    "recusal": ("reason",),
    "letter": ("recipient", "address", "content", "pdf"),
    "investigationtask": ("question", "answer", "withdrawn_reason"),
    "supervision": ("instruction", "end_note"),
    "approvalrequest": ("reason", "decision_note"),
    "routing": ("note", "checked", "proceeding_outcome"),
    "internalnote": ("text",),
    "notification": ("address", "subject", "body"),
    "regulatortransfer": (),
    # The records' people are staff, named as accountable: not personal data
    # that anonymisation removes.
    "accountablemanager": (),
    "weightversion": (),
    "scorecard": (),
    "scorecardrow": (),
}
# Columns added to a sealed model after SEAL_VERSION 1, by the version that added
# them: a row hashes only the columns that existed when it was sealed. A new
# column on a sealed model bumps SEAL_VERSION and is listed here (the pinned
# field sets in tests/complaints/test_audit_chain.py fail until it is). Removing
# or renaming a history column destroys evidence: verify_audit will say so.
ADDED_FIELDS: dict[int, dict[str, tuple[str, ...]]] = {
    # The agent's document type, how redress was paid, the callback's schedule
    # and caller (issue 16: every identifier checked, a door for every step).
    2: {
        "complaint": (
            "agent_id_type",
            "redress_method",
            "redress_reference",
            "callback_due",
            "callback_by",
        )
    },
}


# --- Canonical form and hashes (pure) ------------------------------------------
# canon() of the dates, times and amounts already seen. A complaint's history
# rows repeat most of its values, and canon() of them was a sixth of the sealing
# of a million-complaint load (BENCHMARKS.md, 2026-12-04, third session).
_CANONICAL: dict[tuple[type, Any], Any] = {}
_CANONICAL_MAX = 100_000
_REMEMBERED = frozenset({datetime, date, Decimal})


def canon(value: Any) -> Any:
    """A JSON value that is the same before saving and after reading back."""
    if value is None or isinstance(value, bool | int | str):
        return value
    kind = type(value)
    # A naive time is read in the active time zone: never remembered.
    if kind not in _REMEMBERED or (kind is datetime and value.tzinfo is None):
        return _canon(value)
    key = (kind, value)  # equal values (one instant, one amount) canonicalise alike
    found = _CANONICAL.get(key)
    if found is None:
        if len(_CANONICAL) >= _CANONICAL_MAX:
            _CANONICAL.clear()
        found = _CANONICAL[key] = _canon(value)
    return found


def _canon(value: Any) -> Any:
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # 2350, 2350.0 and 2350.00 are one amount (the database pads decimals).
        return format(value.normalize(), "f")
    if isinstance(value, FieldFile):
        return value.name or ""
    return str(value)


def _sha256(payload: Any) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Layout:
    """What one historical model's rows hash, for one seal version."""

    label: str
    chain_key: str
    hashed: tuple[str, ...]
    personal: tuple[str, ...]
    fields: Mapping[str, Field[Any, Any]]


def tracked_name(model: type[Model]) -> str:
    return model._meta.model_name.removeprefix("historical")  # type: ignore[union-attr]


def chain_key(model: type[Model]) -> str:
    """The column holding the complaint's id (the complaint's own rows: `id`);
    for a record kind, the column holding its chain's key ("" when the kind
    is one chain)."""
    name = tracked_name(model)
    if name in RECORD_CHAINS:
        return RECORD_CHAINS[name][2] or ""
    return "id" if name == "complaint" else "complaint_id"


@cache
def layout(model: type[Model], version: int = SEAL_VERSION) -> Layout:
    name = tracked_name(model)
    later = {
        column
        for v, added in ADDED_FIELDS.items()
        if v > version
        for column in added.get(name, ())
    }
    personal = PERSONAL_FIELDS.get(name, ())  # RECORD_CHAINS: no personal data
    fields = {f.attname: f for f in model._meta.concrete_fields}
    hashed = sorted(
        set(fields) - NOT_HASHED - set(personal) - later  # type: ignore[arg-type]
    )
    return Layout(
        label=model._meta.label_lower,
        chain_key=chain_key(model),
        hashed=tuple(hashed),
        personal=personal,
        fields=fields,  # type: ignore[arg-type]
    )


# Values canon() returns unchanged: most columns of most rows.
_PLAIN = frozenset({str, int, bool, type(None)})


def _columns(names: Sequence[str], values: Mapping[str, Any]) -> list[list[Any]]:
    """[[name, canon(value)], ...]; the call is skipped for plain values because
    this runs for every column of every history row (a million-row load)."""
    return [
        [n, v if type(v) in _PLAIN else canon(v)] for n in names for v in (values[n],)
    ]


def personal_digest(lay: Layout, values: Mapping[str, Any], salt: str) -> str:
    return _sha256([salt, _columns(lay.personal, values)])


def row_hash(
    lay: Layout,
    values: Mapping[str, Any],
    *,
    seq: int,
    prev_hash: str,
    digest: str,
    version: int,
) -> str:
    columns = _columns(lay.hashed, values)
    return _sha256([lay.label, version, seq, prev_hash, digest, columns])


# --- Sealing --------------------------------------------------------------------
def seal(row: Model, *, seq: int, prev_hash: str) -> str:
    """Set the seal columns of an unsaved history row; return its hash."""
    lay = layout(type(row))
    # The value as it will read back (a date given as a string, a FieldFile...).
    values = {
        n: lay.fields[n].to_python(getattr(row, n)) for n in lay.hashed + lay.personal
    }
    columns = seal_values(lay, values, seq=seq, prev_hash=prev_hash)
    for name, value in columns.items():
        setattr(row, name, value)
    return columns["row_hash"]  # type: ignore[no-any-return]


def seal_values(
    lay: Layout, values: Mapping[str, Any], *, seq: int, prev_hash: str
) -> dict[str, Any]:
    """The seal columns of one row whose `values` are as they will read back."""
    salt = secrets.token_hex(16)
    digest = personal_digest(lay, values, salt)
    row_sum = row_hash(
        lay, values, seq=seq, prev_hash=prev_hash, digest=digest, version=SEAL_VERSION
    )
    return {
        "chain_seq": seq,
        "prev_hash": prev_hash,
        "row_hash": row_sum,
        "personal_digest": digest,
        "personal_salt": salt,
        "seal_version": SEAL_VERSION,
    }


def chain_id(row: Model) -> int:
    key = chain_key(type(row))
    return int(getattr(row, key)) if key else 0


def record_kind(model: type[Model]) -> str | None:
    """The record kind of a sealed model outside the case file, else None."""
    found = RECORD_CHAINS.get(tracked_name(model))
    return found[1] if found else None


def append_sealed(
    row: Model, save_row: Callable[..., None], *args: Any, **kwargs: Any
) -> None:
    """Seal `row` as the next link of its complaint's chain and save it.

    The chain head is locked first: a second writer to the same complaint waits
    for this transaction and then links to this row, so the chain never forks,
    whether or not the caller already holds the complaint's lock.
    """
    from complaints.models import AuditChainHead

    using = kwargs.get("using") or router.db_for_write(type(row), instance=row)
    key = chain_id(row)
    kind = record_kind(type(row))
    if kind is not None:
        _append_record(kind, key, row, save_row, using, *args, **kwargs)
        return
    with transaction.atomic(using=using, savepoint=False):
        if _opens_chain(row):
            # A new complaint's first row: create the head already pointing
            # at it (one statement). A head left under this id by something
            # else makes the insert a no-op, and the row links to it below.
            first = seal(row, seq=1, prev_hash="")
            if _create_head(using, key, first):
                save_row(*args, **kwargs)
                return
        length, head_hash = _lock_head(using, key)
        seal(row, seq=length + 1, prev_hash=head_hash)
        save_row(*args, **kwargs)
        AuditChainHead.objects.using(using).filter(pk=key).update(
            length=row.chain_seq,  # type: ignore[attr-defined]
            head_hash=row.row_hash,  # type: ignore[attr-defined]
        )


def _append_record(
    kind: str,
    key: int,
    row: Model,
    save_row: Callable[..., None],
    db: str,
    *args: Any,
    **kwargs: Any,
) -> None:
    """append_sealed for a record kind: the head is (kind, key) in
    RecordChainHead, locked the same way (these chains are short and written
    by hand, one row at a time)."""
    from complaints.models import RecordChainHead

    heads = RecordChainHead.objects.using(db)
    with transaction.atomic(using=db, savepoint=False):
        heads.bulk_create(
            [RecordChainHead(kind=kind, key=key)],
            ignore_conflicts=True,  # a concurrent first writer created it
        )
        head = heads.select_for_update().get(kind=kind, key=key)
        seal(row, seq=head.length + 1, prev_hash=head.head_hash)
        save_row(*args, **kwargs)
        heads.filter(pk=head.pk).update(
            length=row.chain_seq,  # type: ignore[attr-defined]
            head_hash=row.row_hash,  # type: ignore[attr-defined]
        )


def _opens_chain(row: Model) -> bool:
    """The creation row of the complaint itself, normally its chain's first."""
    return (
        tracked_name(type(row)) == "complaint"
        and getattr(row, "history_type", None) == "+"
    )


def _head_table() -> str:
    from complaints.models import AuditChainHead

    return AuditChainHead._meta.db_table


def _create_head(using: str, key: int, row_sum: str) -> bool:
    """Insert the head of a one-row chain; False if the id already has one."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_head_table()} (complaint_id, length, head_hash) "  # noqa: S608
            "VALUES (%s, 1, %s) ON CONFLICT (complaint_id) DO NOTHING "
            "RETURNING complaint_id",
            [key, row_sum],
        )
        return cursor.fetchone() is not None


def _lock_head(using: str, key: int) -> tuple[int, str]:
    """Lock the chain's head, creating an empty one; its (length, head_hash)."""
    connection = connections[using]
    table = _head_table()
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = f"SELECT length, head_hash FROM {table} WHERE complaint_id = %s{lock}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select, [key])
        row = cursor.fetchone()
        if row is None:
            # A concurrent creation makes this insert wait, then do nothing;
            # the second read then locks the head that writer committed.
            cursor.execute(
                f"INSERT INTO {table} (complaint_id, length, head_hash) "  # noqa: S608
                "VALUES (%s, 0, '') ON CONFLICT (complaint_id) DO NOTHING",
                [key],
            )
            cursor.execute(select, [key])
            row = cursor.fetchone()
    return int(row[0]), str(row[1])


def seal_bulk(rows: Sequence[Model], *, using: str = "default") -> Sequence[Model]:
    """Seal unsaved history rows that the caller will `bulk_create`.

    Contract:
    - `rows` are unsaved instances of the sealed historical models
      (HistoricalComplaint, HistoricalCorrespondence, ... see SEALED_MODELS)
      with every column set, history_date/type/user/change_reason included;
      nothing may change them between this call and the insert.
    - They come in chain order per complaint: each complaint's rows oldest
      first, across the sealed tables. Rows of different complaints may interleave.
    - Each chain continues from its head in the database (a new complaint starts
      one). The heads are locked and written here, so the call must run inside
      `transaction.atomic()`, and the caller must insert every row
      (`Model.objects.bulk_create(rows_of_that_model)`) in the same transaction.
    Sets chain_seq, prev_hash, personal_salt, personal_digest, row_hash and
    seal_version on each row and returns `rows`.
    """
    for row in rows:
        if not row._state.adding:
            raise ValueError(f"{row!r} is already saved.")

    def sealer(row: Model) -> Callable[[int, str], str]:
        return lambda seq, prev: seal(row, seq=seq, prev_hash=prev)

    _seal_chains([(chain_id(r), sealer(r)) for r in rows], using)
    return rows


def seal_new_rows(
    rows: Sequence[tuple[type[Model], dict[str, Any]]], *, using: str = "default"
) -> None:
    """seal_bulk for rows given as column dicts, for a writer that COPYs them.

    Same contract as seal_bulk, except that each dict must hold every column
    already as it will read back (the Python type its field returns), because
    building a model instance per row to convert them costs more than the hash.
    The seal columns are written into the dicts.
    """

    def sealer(model: type[Model], row: dict[str, Any]) -> Callable[[int, str], str]:
        lay = layout(model)

        def seal_row(seq: int, prev: str) -> str:
            row.update(seal_values(lay, row, seq=seq, prev_hash=prev))
            return row["row_hash"]  # type: ignore[no-any-return]

        return seal_row

    _seal_chains(
        [(int(row[chain_key(model)]), sealer(model, row)) for model, row in rows],
        using,
    )


def _seal_chains(
    links: Sequence[tuple[int, Callable[[int, str], str]]], using: str
) -> None:
    """Lock the chain heads of `links`, seal each link (in the order given, as
    the next of its chain) and move the heads. See seal_bulk's contract."""
    from complaints.models import AuditChainHead

    if not transaction.get_connection(using).in_atomic_block:
        raise transaction.TransactionManagementError(
            "seal_bulk() writes the chain heads: call it inside transaction.atomic()."
        )
    keys = sorted({key for key, _seal in links})
    heads: dict[int, Any] = {}
    for start in range(0, len(keys), 500):
        locked = AuditChainHead.objects.using(using).select_for_update()
        heads.update((h.pk, h) for h in locked.filter(pk__in=keys[start : start + 500]))
    for key, seal_link in links:
        head = heads.get(key)
        if head is None:
            head = heads[key] = AuditChainHead(complaint_id=key)
        head.head_hash = seal_link(head.length + 1, head.head_hash)
        head.length += 1
    AuditChainHead.objects.using(using).bulk_create(
        heads.values(),
        update_conflicts=True,
        unique_fields=["complaint_id"],
        update_fields=["length", "head_hash"],
        batch_size=500,
    )


def sealed_history_models() -> list[type[Model]]:
    from django.apps import apps

    return [
        apps.get_model("complaints", name).history.model  # type: ignore[union-attr]
        for name in (*SEALED_MODELS, *SEALED_LATER)
    ]


def record_history_models() -> dict[str, list[type[Model]]]:
    """{kind: the history models of its records}, in RECORD_CHAINS' order."""
    from django.apps import apps

    kinds: dict[str, list[type[Model]]] = {}
    for name, (app, kind, _key) in RECORD_CHAINS.items():
        model = apps.get_model(app, name).history.model  # type: ignore[union-attr]
        kinds.setdefault(kind, []).append(model)
    return kinds


# --- Verification ---------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    complaint_id: int  # for a record kind: the chain's key within the kind
    table: str
    history_id: int | None
    seq: int | None
    kind: str  # content, personal, link, unsealed
    detail: str
    record_kind: str = ""  # "" for a complaint's chain


@dataclass
class Report:
    rows: int = 0
    chains: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Row:
    chain: int
    model: type[Model]
    values: dict[str, Any]

    @property
    def seq(self) -> int | None:
        return self.values["chain_seq"]  # type: ignore[no-any-return]

    def order(self) -> tuple[bool, int, str, int]:
        return (
            self.seq is None,
            self.seq or 0,
            self.model._meta.label_lower,
            self.values["history_id"],
        )


def _stream(
    model: type[Model], ids: list[int] | None, chunk_size: int
) -> Iterator[_Row]:
    key = chain_key(model)
    columns = [f.attname for f in model._meta.concrete_fields]
    qs = model._default_manager.order_by(key, "chain_seq", "history_id")
    if ids is not None:
        qs = qs.filter(**{f"{key}__in": ids})
    for values in qs.values(*columns).iterator(chunk_size=chunk_size):
        yield _Row(values[key], model, values)


def verify_chains(
    *, complaint_ids: list[int] | None = None, chunk_size: int = 2000
) -> Report:
    """Walk every chain (or those of `complaint_ids`) and report each problem.

    The tables' streams, each ordered by complaint, are merged, one complaint's
    rows are held at a time, and the chain heads are joined on the way: no
    query per row.
    """
    from complaints.models import AuditChainHead

    report = Report()
    streams = [_stream(m, complaint_ids, chunk_size) for m in sealed_history_models()]
    merged = heapq.merge(*streams, key=lambda r: r.chain)
    chains = itertools.groupby(merged, key=lambda r: r.chain)
    heads_qs = AuditChainHead.objects.order_by("complaint_id")
    if complaint_ids is not None:
        heads_qs = heads_qs.filter(complaint_id__in=complaint_ids)
    heads = heads_qs.values_list("complaint_id", "length", "head_hash").iterator(
        chunk_size=chunk_size
    )
    for key, rows, head in _join(chains, heads):
        report.chains += 1
        report.rows += len(rows)
        report.problems.extend(_check_chain(key, rows, head))
    return report


def _record_stream(model: type[Model], chunk_size: int) -> Iterator[_Row]:
    key = chain_key(model)
    columns = [f.attname for f in model._meta.concrete_fields]
    order = [key] if key else []
    qs = model._default_manager.order_by(*order, "chain_seq", "history_id")
    for values in qs.values(*columns).iterator(chunk_size=chunk_size):
        yield _Row(values[key] if key else 0, model, values)


def verify_records(*, chunk_size: int = 2000) -> Report:
    """Walk every chain of every record kind (RECORD_CHAINS), as verify_chains
    walks the complaints'; each problem names its kind."""
    from complaints.models import RecordChainHead

    report = Report()
    for kind, models in record_history_models().items():
        streams = [_record_stream(m, chunk_size) for m in models]
        merged = heapq.merge(*streams, key=lambda r: r.chain)
        chains = itertools.groupby(merged, key=lambda r: r.chain)
        heads = (
            RecordChainHead.objects.filter(kind=kind)
            .order_by("key")
            .values_list("key", "length", "head_hash")
        )
        for key, rows, head in _join(chains, heads):
            report.chains += 1
            report.rows += len(rows)
            report.problems.extend(
                replace(p, record_kind=kind) for p in _check_chain(key, rows, head)
            )
    return report


def _join(
    chains: Iterable[tuple[int, Iterable[_Row]]],
    heads: Iterable[tuple[int, int, str]],
) -> Iterator[tuple[int, list[_Row], tuple[int, int, str] | None]]:
    """Merge-join the chains and the heads on the complaint id."""
    head_iter = iter(heads)
    head = next(head_iter, None)
    for key, rows in chains:
        while head is not None and head[0] < key:
            yield head[0], [], head  # a head whose rows are all gone
            head = next(head_iter, None)
        if head is not None and head[0] == key:
            yield key, list(rows), head
            head = next(head_iter, None)
        else:
            yield key, list(rows), None
    while head is not None:
        yield head[0], [], head
        head = next(head_iter, None)


def _anonymised_from(rows: list[_Row]) -> int | None:
    """The chain position of the anonymisation: personal data before it is gone."""
    marks = [
        r.seq
        for r in rows
        if r.seq is not None and r.values.get("anonymised_at") is not None
    ]
    return min(marks) if marks else None


def _problem(key: int, row: _Row, kind: str, detail: str) -> Problem:
    label = row.model._meta.label_lower
    return Problem(key, label, row.values["history_id"], row.seq, kind, detail)


def _check_chain(
    key: int, rows: list[_Row], head: tuple[int, int, str] | None
) -> Iterator[Problem]:
    rows.sort(key=_Row.order)
    anonymised_from = _anonymised_from(rows)
    prev: _Row | None = None
    for row in rows:
        v, seq = row.values, row.seq
        if seq is None or not v["row_hash"] or v["seal_version"] not in VERSIONS:
            yield _problem(key, row, "unsealed", _("row is not sealed"))
            continue
        lay = layout(row.model, v["seal_version"])
        personal_kept = anonymised_from is None or seq >= anonymised_from
        digest = personal_digest(lay, v, v["personal_salt"]) if personal_kept else ""
        if personal_kept and digest != v["personal_digest"]:
            detail = _("personal data differs from its digest")
            yield _problem(key, row, "personal", detail)
        expected = row_hash(
            lay,
            v,
            seq=seq,
            prev_hash=v["prev_hash"],
            digest=v["personal_digest"],
            version=v["seal_version"],
        )
        if expected != v["row_hash"]:
            yield _problem(key, row, "content", _("content does not match its hash"))
        want_seq = prev.seq + 1 if prev and prev.seq else 1
        want_prev = prev.values["row_hash"] if prev else ""
        if seq != want_seq:
            detail = _(
                "broken link: position %(seq)d follows position %(prev)d "
                "(a row was removed or inserted)"
            ) % {"seq": seq, "prev": want_seq - 1}
            yield _problem(key, row, "link", detail)
        elif v["prev_hash"] != want_prev:
            detail = _(
                "broken link: the previous row's hash differs (a row was "
                "replaced or rewritten)"
            )
            yield _problem(key, row, "link", detail)
        prev = row
    last_seq = prev.seq if prev else 0
    last_hash = prev.values["row_hash"] if prev else ""
    if head is None:
        if rows:
            yield Problem(
                key, "", None, last_seq, "link", _("the chain has no recorded head")
            )
    elif (head[1], head[2]) != (last_seq, last_hash):
        yield Problem(
            key,
            "",
            None,
            last_seq,
            "link",
            _(
                "broken link: the chain ends at position %(seq)d but %(length)d "
                "rows were recorded (rows were removed or added at the end)"
            )
            % {"seq": last_seq or 0, "length": head[1]},
        )
