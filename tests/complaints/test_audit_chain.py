"""Tamper evidence of the case file's history (integrity.audit, verify_audit).

Every history row of a complaint and of its case file is one link of one chain;
verify_audit finds a row changed, removed or added behind the application's
back, and nothing in the admin changes or deletes history.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from complaints.admin.inlines import CASE_FILE_INLINES
from complaints.integrity import audit
from complaints.models import (
    AuditChainHead,
    Complaint,
    Correspondence,
    Letter,
    Notification,
)
from complaints.models.audit import SealedHistoryError
from complaints.services import correspondence_record
from tests.complaints.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
S = Complaint.Status
H_COMPLAINT: Any = Complaint.history.model  # type: ignore[attr-defined]
H_CORRESPONDENCE: Any = Correspondence.history.model  # type: ignore[attr-defined]
H_LETTER: Any = Letter.history.model  # type: ignore[attr-defined]


def chain(c: Complaint) -> list[Any]:
    """Every history row of `c`, in chain order."""
    rows: list[Any] = []
    for model in audit.sealed_history_models():
        rows += model.objects.filter(**{audit.chain_key(model): c.pk})
    return sorted(rows, key=lambda r: r.chain_seq)


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args: str) -> str:
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", *args, stdout=out)
    assert failed.value.returncode == 1
    assert "problems" in str(failed.value)
    return out.getvalue()


def raw(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def letter(
    c: Complaint, actor: Any, summary: str = "林小雨来信表示接受处理结果"
) -> Any:
    return correspondence_record(
        complaint=c,
        actor=actor,
        direction=Correspondence.Direction.INBOUND,
        method=Correspondence.Method.LETTER,
        occurred_at=datetime(2026, 3, 30, 9, tzinfo=SHANGHAI),
        summary=summary,
    )


@pytest.fixture
def closed(at: Callable[..., Complaint], tianhe_handler: Any) -> Complaint:
    """A complaint walked to closed, with an inbound letter on file."""
    c = at(S.CLOSED)
    letter(c, tianhe_handler)
    return Complaint.objects.get(pk=c.pk)


# --- The chain the services write ---------------------------------------------------
def test_one_chain_across_the_case_file_tables(closed: Complaint) -> None:
    rows = chain(closed)
    # The letters sent (acceptance, decision) and the notices queued for them
    # are links of the same chain.
    assert {type(r) for r in rows} == {
        H_COMPLAINT,
        H_CORRESPONDENCE,
        H_LETTER,
        Notification.history.model,  # type: ignore[attr-defined]
    }
    assert [r.chain_seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == ""
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.row_hash
    assert all(
        len(r.row_hash) == 64 and r.seal_version == audit.SEAL_VERSION for r in rows
    )
    head = AuditChainHead.objects.get(complaint_id=closed.pk)
    assert (head.length, head.head_hash) == (len(rows), rows[-1].row_hash)


def test_untouched_database_verifies(
    closed: Complaint, register: Any, gz_handler: Any
) -> None:
    register(gz_handler, "GDGZ")
    rows = len(chain(closed)) + 1
    assert f"Audit trail intact: {rows} history rows in 2 chains checked." in verify()


def test_row_hash_is_sha256_of_the_documented_payload(closed: Complaint) -> None:
    row = chain(closed)[-1]
    lay = audit.layout(H_CORRESPONDENCE)
    assert {
        "history_type",
        "history_date",
        "history_user_id",
        "history_change_reason",
        "complaint_id",
        "occurred_at",
    } <= set(lay.hashed)
    assert lay.personal == ("summary",)
    assert "summary" not in lay.hashed
    assert "history_id" not in lay.hashed
    salted = f'["{row.personal_salt}",[["summary","{row.summary}"]]]'
    assert row.personal_digest == hashlib.sha256(salted.encode()).hexdigest()
    values = {n: getattr(row, n) for n in lay.hashed}
    expected = audit.row_hash(
        lay,
        values,
        seq=row.chain_seq,
        prev_hash=row.prev_hash,
        digest=row.personal_digest,
        version=row.seal_version,
    )
    assert expected == row.row_hash


def test_canonical_values_survive_the_round_trip() -> None:
    from decimal import Decimal

    aware = datetime(2026, 3, 6, 10, 30, 0, 123456, tzinfo=SHANGHAI)
    assert audit.canon(aware) == "2026-03-06T02:30:00.123456+00:00"
    assert audit.canon(Decimal("2350.00")) == audit.canon(Decimal("2350")) == "2350"
    assert audit.canon(Decimal("0.50")) == "0.5"
    assert audit.canon(aware.date()) == "2026-03-06"


def test_remembered_canonical_values_are_what_canon_computes() -> None:
    """canon() remembers the dates, times and amounts it has seen: an equal
    value gives the same text, a naive time still follows the active zone,
    and the memory stays bounded."""
    from datetime import UTC
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    instant = datetime(2026, 3, 6, 2, 30, tzinfo=UTC)
    assert audit.canon(instant) == audit.canon(instant.astimezone(SHANGHAI))
    assert audit.canon(instant.astimezone(SHANGHAI)) == audit._canon(instant)
    assert audit.canon(Decimal("7.10")) == audit.canon(Decimal("7.1")) == "7.1"
    naive = datetime(2026, 3, 6, 10, 30)  # noqa: DTZ001  (naive on purpose)
    with timezone.override(SHANGHAI):
        assert audit.canon(naive) == "2026-03-06T02:30:00.000000+00:00"
    with timezone.override(ZoneInfo("Europe/London")):
        assert audit.canon(naive) == "2026-03-06T10:30:00.000000+00:00"
    audit._CANONICAL.clear()
    for minute in range(audit._CANONICAL_MAX + 10):
        audit.canon(instant.replace(minute=0) + timedelta(minutes=minute))
    assert len(audit._CANONICAL) <= audit._CANONICAL_MAX
    assert audit.canon(instant) == "2026-03-06T02:30:00.000000+00:00"


# --- Tampering found ------------------------------------------------------------------
def test_changed_row_reported_by_number_and_history_id(closed: Complaint) -> None:
    target = [r for r in chain(closed) if isinstance(r, H_COMPLAINT)][2]
    raw(
        f"UPDATE {table(H_COMPLAINT)} SET history_change_reason = %s "
        "WHERE history_id = %s",
        "无",
        target.history_id,
    )
    out = verify_fails()
    line = next(li for li in out.splitlines() if "[content]" in li)
    assert line.startswith(closed.number)
    assert f"history_id {target.history_id}" in line
    assert "complaints.historicalcomplaint" in line
    assert "[link]" not in out  # the next row still links to the stored hash


def test_changed_status_in_history_reported(closed: Complaint) -> None:
    target = next(r for r in chain(closed) if isinstance(r, H_COMPLAINT))
    raw(
        f"UPDATE {table(H_COMPLAINT)} SET status = 'closed' WHERE history_id = %s",
        target.history_id,
    )
    assert f"history_id {target.history_id}" in verify_fails()


def test_changed_personal_data_reported(closed: Complaint) -> None:
    target = next(r for r in chain(closed) if isinstance(r, H_CORRESPONDENCE))
    raw(
        f"UPDATE {table(H_CORRESPONDENCE)} SET summary = %s WHERE history_id = %s",
        "投诉人未表示接受",
        target.history_id,
    )
    out = verify_fails()
    assert f"{closed.number} [personal]" in out
    assert f"history_id {target.history_id}" in out


def test_deleted_row_reported_as_broken_link(closed: Complaint) -> None:
    rows = chain(closed)
    removed, follower = rows[3], rows[4]
    raw(
        f"DELETE FROM {table(type(removed))} WHERE history_id = %s",
        removed.history_id,
    )
    out = verify_fails()
    assert f"{closed.number} [link]" in out
    assert f"history_id {follower.history_id}, position 5" in out
    assert "a row was removed or inserted" in out
    assert "[content]" not in out


def test_deleted_newest_row_reported_at_the_end_of_the_chain(
    closed: Complaint,
) -> None:
    newest = chain(closed)[-1]
    raw(f"DELETE FROM {table(type(newest))} WHERE history_id = %s", newest.history_id)
    out = verify_fails()
    assert f"{closed.number} [link] end of chain" in out
    assert "removed or added at the end" in out


def test_row_inserted_outside_the_application_reported(closed: Complaint) -> None:
    copy = chain(closed)[1]
    copy.pk = None
    copy._state.adding = True
    H_COMPLAINT.objects.bulk_create([copy])  # bulk_create skips the sealing save()
    inserted = H_COMPLAINT.objects.latest("history_id").history_id
    out = verify_fails()
    assert f"{closed.number} [link]" in out
    assert f"history_id {inserted}, position 2" in out
    assert "follows position 2" in out


def test_row_added_without_a_seal_reported(closed: Complaint) -> None:
    copy = chain(closed)[1]
    copy.pk, copy._state.adding = None, True
    copy.chain_seq, copy.row_hash, copy.seal_version = None, "", 0
    H_COMPLAINT.objects.bulk_create([copy])
    assert f"{closed.number} [unsealed]" in verify_fails()


def test_replaced_row_with_a_recomputed_hash_breaks_the_next_link(
    closed: Complaint,
) -> None:
    """Someone who recomputes the changed row's hash still breaks the chain."""
    rows = chain(closed)
    target = rows[1]
    lay = audit.layout(H_COMPLAINT)
    values = {n: getattr(target, n) for n in lay.hashed}
    values["history_change_reason"] = "无"
    forged = audit.row_hash(
        lay,
        values,
        seq=target.chain_seq,
        prev_hash=target.prev_hash,
        digest=target.personal_digest,
        version=1,
    )
    raw(
        f"UPDATE {table(H_COMPLAINT)} SET history_change_reason = %s, row_hash = %s "
        "WHERE history_id = %s",
        "无",
        forged,
        target.history_id,
    )
    out = verify_fails()
    assert f"history_id {rows[2].history_id}, position 3" in out
    assert "previous row's hash differs" in out


def test_one_complaint_checked_alone(
    closed: Complaint, register: Any, gz_handler: Any
) -> None:
    other = register(gz_handler, "GDGZ")
    raw(
        f"UPDATE {table(H_COMPLAINT)} SET phone = '13900000000' WHERE id = %s",
        closed.pk,
    )
    assert "1 history rows in 1 chains" in verify("--complaint", other.number)
    assert closed.number in verify_fails("--complaint", closed.number)
    with pytest.raises(CommandError, match="No complaint numbered TS1999-000001"):
        verify("--complaint", "TS1999-000001")


# --- Nothing rewrites history ------------------------------------------------------
def test_history_rows_refuse_save_and_delete(closed: Complaint) -> None:
    row = chain(closed)[0]
    row.history_change_reason = "改写"
    with pytest.raises(SealedHistoryError):
        row.save()
    with pytest.raises(SealedHistoryError):
        row.delete()
    assert verify().startswith("Audit trail intact")


def test_revert_post_refused_and_chain_intact(
    client: Any, closed: Complaint, admin_user: Any, tianhe_handler: Any
) -> None:
    first = closed.history.earliest()  # type: ignore[attr-defined]
    url = f"/admin/complaints/complaint/{closed.pk}/history/{first.history_id}/"
    before = len(chain(closed))
    for user in (tianhe_handler, admin_user):
        client.force_login(user)
        assert client.get(url).status_code == 200
        assert client.post(url, {"_save": "1"}).status_code == 403
    assert len(chain(closed)) == before
    closed.refresh_from_db()
    assert closed.status == S.CLOSED
    assert verify().startswith("Audit trail intact")


def test_no_admin_exposes_a_historical_model(
    client: Any, closed: Complaint, admin_user: Any
) -> None:
    assert not [m for m in admin.site._registry if hasattr(m, "instance_type")]
    client.force_login(admin_user)
    row = chain(closed)[0]
    base = "/admin/complaints/historicalcomplaint/"
    for url in (base, f"{base}{row.history_id}/change/", f"{base}add/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{base}{row.history_id}/change/", {}).status_code == 404
    assert (
        client.post(f"{base}{row.history_id}/delete/", {"post": "yes"}).status_code
        == 404
    )
    assert verify().startswith("Audit trail intact")


def test_case_file_inlines_change_nothing_even_for_a_superuser(
    admin_user: Any,
) -> None:
    request = RequestFactory().get("/")
    request.user = admin_user
    for inline_class in CASE_FILE_INLINES:
        inline = inline_class(Complaint, admin.site)
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request, None)
        assert not inline.has_delete_permission(request, None)
    complaint_admin = admin.site._registry[Complaint]
    assert not complaint_admin.has_delete_permission(request, None)


# --- Bulk writers and existing databases ---------------------------------------------
def test_seal_bulk_continues_and_starts_chains(
    closed: Complaint, register: Any, gz_handler: Any
) -> None:
    other = register(gz_handler, "GDGZ")
    existing = len(chain(closed))
    now = timezone.now()
    newcomer_id = other.pk + 1000  # a complaint the generator just bulk-created

    def complaint_row(c: Complaint, pk: int, reason: str) -> Any:
        row = H_COMPLAINT(
            **{
                f.attname: getattr(c, f.attname)
                for f in Complaint.history.model.tracked_fields
            },  # type: ignore[attr-defined]
            history_date=now,
            history_type="~",
            history_change_reason=reason,
        )
        row.id = pk
        return row

    def correspondence_row(pk: int) -> Any:
        return H_CORRESPONDENCE(
            id=pk + 5000,
            complaint_id=pk,
            direction="in",
            method="letter",
            occurred_at=now,
            summary="批量生成",
            is_notice=False,
            new_facts=False,
            recorded_by_id=gz_handler.pk,
            created_at=now,
            history_date=now,
            history_type="+",
        )

    rows = [
        complaint_row(closed, closed.pk, "生成 1"),
        complaint_row(other, newcomer_id, "生成 2"),
        correspondence_row(closed.pk),
        correspondence_row(newcomer_id),
    ]
    with transaction.atomic():
        audit.seal_bulk(rows)
        H_COMPLAINT.objects.bulk_create(rows[:2])
        H_CORRESPONDENCE.objects.bulk_create(rows[2:])
    assert [r.chain_seq for r in rows] == [existing + 1, 1, existing + 2, 2]
    assert rows[2].prev_hash == rows[0].row_hash
    assert rows[3].prev_hash == rows[1].row_hash
    assert AuditChainHead.objects.get(complaint_id=newcomer_id).length == 2
    # The chains only: the live rows of this generator's complaints are not
    # written here (verify_audit would report them missing).
    report = audit.verify_chains()
    assert (report.chains, report.problems) == (3, [])


def test_registration_starts_the_chain_with_its_head_already_written(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler)
    (row,) = chain(c)
    head = AuditChainHead.objects.get(pk=c.pk)
    assert (row.chain_seq, row.prev_hash) == (1, "")
    assert (head.length, head.head_hash) == (1, row.row_hash)
    assert verify().startswith("Audit trail intact")


def test_a_head_left_under_a_new_complaints_id_is_continued_not_replaced(
    register: Any, tianhe_handler: Any
) -> None:
    """The one-statement start of a chain must not overwrite an existing head
    (rows of an earlier complaint under the same id): the new row links to it,
    and verify_audit reports the rows it cannot find."""
    AuditChainHead.objects.create(complaint_id=987654, length=2, head_hash="f" * 64)
    c = register(tianhe_handler, id=987654)
    (row,) = chain(c)
    head = AuditChainHead.objects.get(pk=c.pk)
    assert (row.chain_seq, row.prev_hash) == (3, "f" * 64)
    assert (head.length, head.head_hash) == (3, row.row_hash)
    assert "broken link" in verify_fails()


def test_a_later_write_links_to_the_head_the_registration_wrote(
    register: Any, tianhe_handler: Any
) -> None:
    c = register(tianhe_handler)
    letter(c, tianhe_handler)
    first, second = chain(c)
    head = AuditChainHead.objects.get(pk=c.pk)
    assert (second.chain_seq, second.prev_hash) == (2, first.row_hash)
    assert (head.length, head.head_hash) == (2, second.row_hash)
    assert verify().startswith("Audit trail intact")


def test_a_write_to_a_chain_whose_head_is_gone_starts_a_new_head(
    register: Any, tianhe_handler: Any
) -> None:
    """As get_or_create did: the row becomes position 1 of a fresh head, and
    verify_audit reports the two rows claiming position 1."""
    c = register(tianhe_handler)
    AuditChainHead.objects.filter(pk=c.pk).delete()
    letter(c, tianhe_handler)
    head = AuditChainHead.objects.get(pk=c.pk)
    new_row = H_CORRESPONDENCE.objects.get(complaint_id=c.pk)
    assert (new_row.chain_seq, new_row.prev_hash) == (1, "")
    assert (head.length, head.head_hash) == (1, new_row.row_hash)
    assert "broken link" in verify_fails()


def test_seal_bulk_refuses_saved_rows(closed: Complaint) -> None:
    with pytest.raises(ValueError, match="already saved"):
        audit.seal_bulk([chain(closed)[0]])


def test_migration_seals_existing_rows(
    closed: Complaint, register: Any, gz_handler: Any
) -> None:
    register(gz_handler, "GDGZ")
    # The tables sealed since (letters...) did not exist when 0009 ran.
    # The outbox first: a notice protects the letter it carried.
    for name in sorted(audit.SEALED_LATER, key=lambda n: n != "notification"):
        model = django_apps.get_model("complaints", name)
        model.objects.all().delete()  # writes "-" history rows: deleted next
        model.history.model.objects.all().delete()
    for model in audit.sealed_history_models():
        model.objects.update(
            chain_seq=None,
            prev_hash="",
            row_hash="",
            personal_digest="",
            personal_salt="",
            seal_version=0,
        )
    AuditChainHead.objects.all().delete()
    assert "[unsealed]" in verify_fails()

    migration = importlib.import_module(
        "complaints.migrations.0009_seal_existing_history"
    )
    migration.seal_existing(django_apps, None)
    assert "in 2 chains" in verify()
    rows = chain(closed)
    assert [r.chain_seq for r in rows] == list(range(1, len(rows) + 1))
    dates = [r.history_date for r in rows]
    assert dates == sorted(dates)


# Digests of the columns each sealed model hashes. A change means rows sealed
# before would no longer verify: list the new column in complaints.integrity.audit
# ADDED_FIELDS under a new SEAL_VERSION, then update the digest here.
PINNED_LAYOUTS = {
    "complaints.historicalcomplaint": "0a37912074bb60c3",
    "complaints.historicalcorrespondence": "43c6aa06664dd178",
    "complaints.historicalattachment": "d168e9d71da008f1",
    "complaints.historicalextension": "92229a3b4d2554bf",
    "complaints.historicalpause": "d900e84feac82872",
    "complaints.historicalrecusal": "e9f97f8c4012a6a9",
    "complaints.historicalletter": "e7793a2ae38c3584",
    "complaints.historicalinvestigationtask": "2c96588ba81b843d",
    "complaints.historicalsupervision": "e557f84eeb9bb300",
    "complaints.historicalinternalnote": "97c01eb897977415",
    "complaints.historicalapprovalrequest": "74cc620674bae59b",
    "complaints.historicalrouting": "b986b4e69d3cc334",
    "complaints.historicalnotification": "9dec88d8b04ce701",
    "complaints.historicalregulatortransfer": "afec20336201af68",
}


# What rows sealed under an earlier version hash: never to change.
PINNED_BY_VERSION = {1: {"complaints.historicalcomplaint": "e306acb18270c614"}}


def test_rows_sealed_before_keep_their_layout() -> None:
    for version, pinned in PINNED_BY_VERSION.items():
        for model in audit.sealed_history_models():
            lay = audit.layout(model, version)
            if lay.label in pinned:
                names = ",".join(lay.hashed) + "|" + ",".join(lay.personal)
                digest = hashlib.sha256(names.encode()).hexdigest()[:16]
                assert digest == pinned[lay.label]


def test_sealed_columns_are_pinned() -> None:
    for model in audit.sealed_history_models():
        lay = audit.layout(model)
        names = ",".join(lay.hashed) + "|" + ",".join(lay.personal)
        digest = hashlib.sha256(names.encode()).hexdigest()[:16]
        assert digest == PINNED_LAYOUTS[lay.label], (
            f"The columns {lay.label} hashes changed ({names}): rows sealed before "
            "would stop verifying. Register the change in complaints.integrity.audit "
            "(ADDED_FIELDS, SEAL_VERSION) and update PINNED_LAYOUTS."
        )


# --- Concurrency (PostgreSQL: SQLite serialises writers itself) ----------------
@pytest.mark.django_db(transaction=True)
def test_two_writers_never_fork_a_chain(register: Any, tianhe_handler: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    c = register(tianhe_handler)
    first_saved = threading.Event()
    errors: list[BaseException] = []

    def write(summary: str, hold: bool) -> None:
        try:
            if not hold:
                first_saved.wait(5)
            with transaction.atomic():
                # Straight to the model, without the services' complaint lock:
                # the chain head's own lock must keep the chain straight.
                entry = Correspondence(
                    complaint_id=c.pk,
                    direction="in",
                    method="letter",
                    occurred_at=timezone.now(),
                    summary=summary,
                    recorded_by=tianhe_handler,
                )
                entry.save()
                if hold:
                    first_saved.set()
                    time.sleep(0.5)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=("第一封", True)),
        threading.Thread(target=write, args=("第二封", False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = chain(c)
    assert [r.chain_seq for r in rows] == [1, 2, 3]
    assert verify().startswith("Audit trail intact")
