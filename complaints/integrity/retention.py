"""Anonymisation once the retention period has passed (DOMAIN.md §6; PIPL art. 47).

A complaint closed (or archived) more than COMPLAINT_RETENTION_YEARS ago keeps
what the statistics need (status, dates, institution, codes, flags, amounts, the
staff who handled it) and loses what identifies the complainant:

- the personal fields of integrity.audit.PERSONAL_FIELDS, on the complaint and
  its case file and in every history row: identity and contact details, agent,
  representatives, policy and claim numbers (keys to the person in the policy
  and claims systems: keeping them would be pseudonymisation, not anonymisation)
  and every free-text field: request, facts, notes, decision texts,
  correspondence summaries, extension/pause/recusal reasons, the letters as
  sent, the investigation tasks' questions and answers and the supervisions'
  instructions. Free text cannot
  be parsed for the person's name, ID, illness or address, so it is replaced
  whole rather than left with what a pattern happens to miss;
- the attachment files and the letters' PDFs (deleted from storage; kind,
  type, size, checksum, uploader and time stay) and the notices' addresses and
  texts in the outbox.

The history rows keep their seals: personal data is hashed only through each
row's personal digest (complaints.integrity.audit), whose salt is blanked here too, so
`verify_audit` still checks everything else and the digest no longer links to
anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Model, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.integrity.audit import (
    PERSONAL_FIELDS,
    chain_key,
    sealed_history_models,
    tracked_name,
)
from complaints.models import (
    Attachment,
    Complaint,
    Correspondence,
    Extension,
    InternalNote,
    InvestigationTask,
    Letter,
    Notification,
    Pause,
    Recusal,
    Supervision,
)
from complaints.models.complaint import ENDED

# Stored in place of personal text: data, not interface text, so not translated.
ANONYMISED = "〔已匿名〕"
# Emptied rather than marked: an e-mail column must hold an address, a file
# column a path.
EMPTIED = {"email", "file", "pdf"}
BATCH_SIZE = 200
RETAINED_STATUSES = [*ENDED, Complaint.Status.ARCHIVED]
RETENTION_TOO_SHORT = _(
    "COMPLAINT_RETENTION_YEARS is %(years)s: it must be at least 1 "
    "(DOMAIN.md §6), or every closed complaint would be anonymised."
)
CASE_FILE: dict[str, type[Model]] = {
    "correspondence": Correspondence,
    "attachment": Attachment,
    "extension": Extension,
    "pause": Pause,
    "recusal": Recusal,
    "letter": Letter,
    "investigationtask": InvestigationTask,
    "supervision": Supervision,
    "internalnote": InternalNote,
}
# Files of the case file, deleted from storage with the personal data.
FILE_FIELDS: list[tuple[type[Model], str]] = [(Attachment, "file"), (Letter, "pdf")]


@dataclass
class RetentionResult:
    cutoff: datetime
    years: int
    complaints: int = 0
    files: int = 0
    dry_run: bool = True

    def summary(self) -> str:
        values = {
            "n": self.complaints,
            "files": self.files,
            "day": timezone.localdate(self.cutoff).isoformat(),
            "years": self.years,
        }
        if self.dry_run:
            return (
                gettext(
                    "Dry run, nothing changed: %(n)d complaints closed before %(day)s "
                    "(%(years)d-year retention) would be anonymised and %(files)d "
                    "attachment files deleted. Run with --apply to do it."
                )
                % values
            )
        return (
            gettext(
                "Anonymised %(n)d complaints closed before %(day)s (%(years)d-year "
                "retention); %(files)d attachment files deleted."
            )
            % values
        )


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The same local day and time `years` earlier (29 February -> 28th)."""
    local = timezone.localtime(now)
    try:
        return local.replace(year=local.year - years)
    except ValueError:
        return local.replace(year=local.year - years, day=28)


def expired_complaints(cutoff: datetime) -> QuerySet[Complaint]:
    """Ended complaints closed (or, failing a closing time, archived) before
    `cutoff` and not yet anonymised."""
    ended_before = Q(closed_at__lt=cutoff) | Q(
        closed_at__isnull=True, archived_at__lt=cutoff
    )
    return Complaint.objects.filter(
        ended_before, status__in=RETAINED_STATUSES, anonymised_at__isnull=True
    )


def retention_years() -> int:
    years = settings.COMPLAINT_RETENTION_YEARS
    if years < 1:
        raise ValueError(str(RETENTION_TOO_SHORT % {"years": years}))
    return int(years)


def anonymise_expired(
    *,
    apply: bool = False,
    now: datetime | None = None,
    actor: Any = None,
    batch_size: int = BATCH_SIZE,
) -> RetentionResult:
    """Anonymise every complaint past its retention period; count them when not
    `apply`. Idempotent: an anonymised complaint is never picked again. One
    transaction per batch of `batch_size`, so a long run never holds every
    complaint and an interrupted run keeps the batches it finished."""
    years = retention_years()
    now = now or timezone.now()
    cutoff = retention_cutoff(now, years)
    result = RetentionResult(cutoff=cutoff, years=years, dry_run=not apply)
    expired = expired_complaints(cutoff)
    if not apply:
        result.complaints = expired.count()
        on_file = Attachment.objects.filter(complaint__in=expired).exclude(file="")
        pdfs = Letter.objects.filter(complaint__in=expired).exclude(pdf="")
        result.files = on_file.count() + pdfs.count()
        return result
    ids = list(expired.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            done, files = _anonymise_batch(
                ids[start : start + batch_size], cutoff=cutoff, now=now, actor=actor
            )
        result.complaints += done
        result.files += files
    return result


def _anonymise_batch(
    ids: Sequence[int], *, cutoff: datetime, now: datetime, actor: Any
) -> tuple[int, int]:
    # Re-read under the lock: a complaint anonymised by a concurrent run (or no
    # longer expired) since the ids were listed is left alone.
    locked = list(
        expired_complaints(cutoff).select_for_update().filter(pk__in=ids).order_by("pk")
    )
    ids = [c.pk for c in locked]
    if not ids:
        return 0, 0
    files = _delete_files(ids)
    for name, model in CASE_FILE.items():
        # The one audit event is the complaint's own history row below; a history
        # row per redacted entry would only repeat it.
        model._default_manager.filter(complaint_id__in=ids).update(
            **_redactions(PERSONAL_FIELDS[name])
        )
    outbox = Notification.objects.filter(complaint_id__in=ids)
    # A notice still waiting would go out with the text replaced: never send it.
    outbox.filter(sent_at__isnull=True, failed_at__isnull=True).update(failed_at=now)
    outbox.update(address="", body=ANONYMISED, last_error="")
    # Before the complaints' own saves: their new history rows (the audit event,
    # already anonymised) keep a verifiable personal digest.
    for history in sealed_history_models():
        personal = PERSONAL_FIELDS[tracked_name(history)]
        history._default_manager.filter(**{f"{chain_key(history)}__in": ids}).update(
            personal_salt="", **_redactions(personal)
        )
    reason = gettext("Personal data anonymised: retention period over (DOMAIN.md §6)")
    for complaint in locked:
        for name in PERSONAL_FIELDS["complaint"]:
            value = getattr(complaint, name)
            setattr(complaint, name, "" if name in EMPTIED or not value else ANONYMISED)
        complaint.plate_number = ""  # identifies the vehicle's keeper; not sealed
        complaint.anonymised_at = now
        complaint._history_user = actor  # type: ignore[attr-defined]
        complaint._change_reason = reason[:100]  # type: ignore[attr-defined]
        # No full_clean: only personal fields change, and a years-old record that
        # fails today's validation must still lose its personal data.
        complaint.save()
    return len(locked), files


def _redactions(names: Sequence[str]) -> dict[str, Any]:
    return {
        name: Value("")
        if name in EMPTIED
        else Case(When(**{name: ""}, then=Value("")), default=Value(ANONYMISED))
        for name in names
    }


def _delete_files(ids: Sequence[int]) -> int:
    """Delete the complaints' files (attachments, letters' PDFs); return how
    many there were.

    Deleted before the transaction commits: if it then rolls back, the next run
    anonymises the rows again and finds the files already gone. Deleting after
    the commit could leave a file behind for good if the deletion failed.
    """
    deleted = 0
    for model, field in FILE_FIELDS:
        history: type[Model] = model.history.model  # type: ignore[attr-defined]
        names = set()
        for rows in (model._default_manager, history._default_manager):
            names |= set(
                rows.filter(complaint_id__in=ids)
                .exclude(**{field: ""})
                .values_list(field, flat=True)
            )
        storage = model._meta.get_field(field).storage  # type: ignore[union-attr]
        for name in sorted(names):
            storage.delete(name)
        deleted += len(names)
    return deleted
