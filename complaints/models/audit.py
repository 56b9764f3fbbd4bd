"""The seal on the complaint's history: each history row carries a hash chained
to the previous row of the same complaint (complaints.integrity.audit computes and
checks it).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords


class SealedHistoryError(Exception):
    """A history row is evidence: written once, never changed or deleted."""


class AbstractSealed(models.Model):
    """Base of the historical models of the case file (through SealedHistory).

    `save()` appends the row to its complaint's chain under the chain's lock;
    saving an existing row or deleting one is refused (QuerySet.update/delete
    and raw SQL still can: `verify_audit` is what detects those).
    """

    chain_seq = models.PositiveIntegerField(
        _("position in the chain"), null=True, editable=False
    )
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    row_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Personal data enters row_hash only through this digest, so anonymisation can
    # blank the data (and the salt) without breaking the chain.
    personal_digest = models.CharField(max_length=64, blank=True, editable=False)
    personal_salt = models.CharField(max_length=32, blank=True, editable=False)
    seal_version = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise SealedHistoryError(f"{self._meta.label} rows are never changed.")
        from complaints.integrity.audit import append_sealed

        append_sealed(self, super().save, *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise SealedHistoryError(f"{self._meta.label} rows are never deleted.")


class AuditChainHead(models.Model):
    """The end of one complaint's chain: its length and last hash.

    Writers lock this row to append (so two transactions never fork a chain),
    and `verify_audit` compares it with the last row (so removing the newest
    rows is detected too). A plain id, not a foreign key: the chain outlives
    whatever happens to the complaint row.
    """

    complaint_id = models.BigIntegerField(_("complaint"), primary_key=True)
    length = models.PositiveIntegerField(_("rows"), default=0)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.length}"


class RecordChainHead(models.Model):
    """The end of one chain of sealed records that belong to no complaint
    (complaints.integrity.audit.RECORD_CHAINS: the accountable-manager register, the
    appraisal weights, a published scorecard): its kind, its key within the
    kind, its length and last hash. Locked to append, compared by
    `verify_audit`, like AuditChainHead."""

    kind = models.CharField(_("record kind"), max_length=40)
    key = models.BigIntegerField(_("key"))
    length = models.PositiveIntegerField(_("rows"), default=0)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("record chain head")
        verbose_name_plural = _("record chain heads")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], name="complaints_record_chain_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.length}"


class SealedHistory(HistoricalRecords):
    """`HistoricalRecords` of a case-file model: its rows are sealed
    (AbstractSealed), and `.history` does not build a new manager class on
    every access (simple_history does; every history row written reads it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(bases=[AbstractSealed], **kwargs)

    def finalize(self, sender: Any, **kwargs: Any) -> None:
        super().finalize(sender, **kwargs)
        plain = sender.__dict__.get(self.manager_name)
        if type(plain) is HistoryDescriptor:
            setattr(sender, self.manager_name, _ManagerClassOnce(plain))


class _ManagerClassOnce(HistoryDescriptor):
    def __init__(self, plain: HistoryDescriptor) -> None:
        super().__init__(plain.model, plain.manager_class, plain.queryset_class)
        self.manager = plain.manager_class.from_queryset(plain.queryset_class)

    def __get__(self, instance: Any, owner: Any) -> Any:
        return self.manager(self.model, instance)
