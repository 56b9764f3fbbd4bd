"""Seal the history rows written before the chain existed (complaints.integrity.audit).

Their order is the order they were written in: history_date, then the tables in
a fixed order, then history_id. They are sealed with seal version 1 whatever
the code's current version, since that is the layout of the columns here.
"""

import heapq
import itertools
import secrets

from django.db import migrations

from complaints.integrity import audit

VERSION = 1
BATCH = 1000


def _rows(model, rank):
    key = audit.chain_key(model)
    columns = [f.attname for f in model._meta.concrete_fields]
    qs = model._default_manager.order_by(key, "history_date", "history_id")
    for values in qs.values(*columns).iterator(chunk_size=BATCH):
        yield values[key], (values["history_date"], rank, values["history_id"]), model, values


def seal_existing(apps, schema_editor):
    models = [
        apps.get_model("complaints", f"historical{name}") for name in audit.SEALED_MODELS
    ]
    head_model = apps.get_model("complaints", "AuditChainHead")
    columns = ["chain_seq", "prev_hash", "row_hash", "personal_digest", "personal_salt", "seal_version"]
    pending = {model: [] for model in models}
    heads = []

    def flush(model):
        model._default_manager.bulk_update(pending[model], columns, batch_size=BATCH)
        pending[model].clear()

    streams = [_rows(model, rank) for rank, model in enumerate(models)]
    merged = heapq.merge(*streams, key=lambda r: r[0])
    for key, chain in itertools.groupby(merged, key=lambda r: r[0]):
        prev_hash, seq = "", 0
        for _key, _order, model, values in sorted(chain, key=lambda r: r[1]):
            seq += 1
            lay = audit.layout(model, VERSION)
            salt = secrets.token_hex(16)
            digest = audit.personal_digest(lay, values, salt)
            prev_hash_of_row = prev_hash
            prev_hash = audit.row_hash(
                lay, values, seq=seq, prev_hash=prev_hash_of_row, digest=digest, version=VERSION
            )
            pending[model].append(
                model(
                    history_id=values["history_id"],
                    chain_seq=seq,
                    prev_hash=prev_hash_of_row,
                    row_hash=prev_hash,
                    personal_digest=digest,
                    personal_salt=salt,
                    seal_version=VERSION,
                )
            )
            if len(pending[model]) >= BATCH:
                flush(model)
        heads.append(head_model(complaint_id=key, length=seq, head_hash=prev_hash))
    for model in models:
        flush(model)
    head_model.objects.bulk_create(heads, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0008_audit_chain"),
    ]

    operations = [
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
    ]
