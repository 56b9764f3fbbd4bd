"""Writes of the intake app: channel clients and their tokens, idempotent
submissions, request counters."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Code, Complaint
from intake.models import ChannelClient, IntakeSubmission, RateCounter
from organisations.models import Institution, Membership
from organisations.services import membership_grant

TOKEN_PREFIX = "cdk_"
# 32 random bytes: far beyond guessing, so a plain SHA-256 digest (indexed,
# looked up directly) is enough; a slow password hash would only add latency.
TOKEN_BYTES = 32
TOKEN_SHOWN_CHARS = 12
# Counter rows older than this are deleted when a new window starts.
RATE_COUNTER_RETENTION = timedelta(hours=1)

CHANNEL_KIND = gettext_lazy("Choose a channel from the channel code list.")
INSTITUTION_INACTIVE = gettext_lazy("The institution is not active.")
ALREADY_REVOKED = gettext_lazy("This client's token was already revoked.")
KEY_REUSED = gettext_lazy(
    "This Idempotency-Key was already used with a different request."
)


class IdempotencyKeyReused(Exception):
    """The key was first used for another request: nothing was done."""


# --- Tokens and clients ------------------------------------------------------
def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_token() -> tuple[str, str, str]:
    """A fresh secret with its shown prefix and stored digest."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    return secret, secret[:TOKEN_SHOWN_CHARS], token_digest(secret)


@transaction.atomic
def client_create(
    *,
    name: str,
    channel: Code,
    institution: Institution,
    actor: Any = None,
    records_callbacks: bool = False,
) -> tuple[ChannelClient, str]:
    """Create a channel client and its service user; return the client and
    the secret token, which is never stored and cannot be shown again."""
    if channel.kind != Code.Kind.CHANNEL:
        raise ValidationError({"channel": CHANNEL_KIND})
    if not institution.is_active:
        raise ValidationError({"institution": INSTITUTION_INACTIVE})
    secret, prefix, digest = _new_token()
    user = get_user_model()(
        username=f"channel-{secrets.token_hex(6)}", first_name=name[:150]
    )
    # No password: nobody can log in as the client; it acts only through the
    # API. It stays active because inactive users hold no permissions.
    user.set_unusable_password()
    user.save()
    client = ChannelClient(
        name=name,
        channel=channel,
        institution=institution,
        service_user=user,
        token_prefix=prefix,
        token_hash=digest,
        created_by=actor,
        records_callbacks=records_callbacks,
    )
    client._history_user = actor  # type: ignore[attr-defined]
    client._change_reason = _("Channel client created")  # type: ignore[attr-defined]
    client.full_clean()
    client.save()
    membership_grant(
        user=user, institution=institution, role=Membership.Role.HANDLER, actor=actor
    )
    # membership_grant opens the admin door for people; a service user has
    # no business there.
    get_user_model().objects.filter(pk=user.pk).update(is_staff=False)
    user.is_staff = False
    return client, secret


@transaction.atomic
def client_rename(
    *, client: ChannelClient, name: str, actor: Any = None
) -> ChannelClient:
    client = ChannelClient.objects.select_for_update().get(pk=client.pk)
    client.name = name
    client._history_user = actor  # type: ignore[attr-defined]
    client.full_clean()
    client.save()
    get_user_model().objects.filter(pk=client.service_user_id).update(
        first_name=name[:150]
    )
    return client


@transaction.atomic
def client_set_callbacks(
    *, client: ChannelClient, records_callbacks: bool, actor: Any = None
) -> ChannelClient:
    """Allow or stop the client listing and recording satisfaction callbacks."""
    client = ChannelClient.objects.select_for_update().get(pk=client.pk)
    if client.records_callbacks == records_callbacks:
        return client
    client.records_callbacks = records_callbacks
    client._history_user = actor  # type: ignore[attr-defined]
    client._change_reason = (  # type: ignore[attr-defined]
        _("Records satisfaction callbacks")
        if records_callbacks
        else _("No longer records satisfaction callbacks")
    )
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def client_revoke(*, client: ChannelClient, actor: Any = None) -> ChannelClient:
    """Stop the client's token at once and retire its service user."""
    client = ChannelClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED, code="revoked")
    client.is_active = False
    client.revoked_at = timezone.now()
    client.revoked_by = actor
    client._history_user = actor  # type: ignore[attr-defined]
    client._change_reason = _("Token revoked")  # type: ignore[attr-defined]
    client.save()
    get_user_model().objects.filter(pk=client.service_user_id).update(is_active=False)
    return client


@transaction.atomic
def client_rotate_token(
    *, client: ChannelClient, actor: Any = None
) -> tuple[ChannelClient, str]:
    """Replace the token of an active client; the old one stops at once."""
    client = ChannelClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED, code="revoked")
    secret, client.token_prefix, client.token_hash = _new_token()
    client._history_user = actor  # type: ignore[attr-defined]
    client._change_reason = _("New token issued")  # type: ignore[attr-defined]
    client.save()
    return client, secret


# --- Idempotent submissions ---------------------------------------------------
def _replay(
    client: ChannelClient, key: str, fingerprint: str
) -> IntakeSubmission | None:
    found = IntakeSubmission.objects.filter(client=client, idempotency_key=key).first()
    if found is not None and found.fingerprint != fingerprint:
        raise IdempotencyKeyReused(KEY_REUSED)
    return found


def submission_run(
    *,
    client: ChannelClient,
    kind: str,
    key: str,
    fingerprint: str,
    status: int,
    action: Callable[[], tuple[Complaint, dict[str, Any]]],
) -> tuple[IntakeSubmission, bool]:
    """Run `action` at most once per (client, idempotency key).

    Returns the submission holding the answer, and whether it is a replay.
    The key is claimed by inserting the row first: a concurrent twin blocks
    on the unique index until this transaction ends, then fails with an
    IntegrityError and answers with the winner's stored result. `action`
    returns the complaint concerned and the response body to store. A request
    refused with an error stores nothing, so it may be retried with the key.
    """
    if key:
        found = _replay(client, key, fingerprint)
        if found is not None:
            return found, True
    try:
        with transaction.atomic():
            submission = IntakeSubmission.objects.create(
                client=client, kind=kind, idempotency_key=key, fingerprint=fingerprint
            )
            complaint, body = action()
            submission.complaint = complaint
            submission.response_status = status
            submission.response_body = body
            submission.save(
                update_fields=["complaint", "response_status", "response_body"]
            )
    except IntegrityError:
        found = _replay(client, key, fingerprint) if key else None
        if found is None:
            raise
        return found, True
    return submission, False


def submission_record(
    *, client: ChannelClient, kind: str, complaint: Complaint, fingerprint: str
) -> IntakeSubmission:
    """Record a submission that has no HTTP answer (e-mail intake)."""
    return IntakeSubmission.objects.create(
        client=client, kind=kind, complaint=complaint, fingerprint=fingerprint
    )


# --- Request counters -----------------------------------------------------------
@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int


def rate_limit_hit(
    *, key: str, limit: int, now: datetime | None = None
) -> RateDecision:
    """Count one request for `key` in the current minute; allowed while the
    count stays within `limit`.

    A fixed window per minute: one conditional UPDATE per request, shared by
    every app server. A burst can straddle two windows (up to 2x `limit` in
    a rolling minute), the usual price of the fixed window.
    """
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    retry_after = max(1, 60 - now.second)
    counters = RateCounter.objects.filter(key=key, window_start=window)
    # The UPDATE takes the row lock, so the read below sees this request's
    # own increment and no later one.
    with transaction.atomic():
        if not counters.update(hits=F("hits") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start=window, hits=1)
            except IntegrityError:  # another server opened the window first
                counters.update(hits=F("hits") + 1)
            else:
                RateCounter.objects.filter(
                    window_start__lt=window - RATE_COUNTER_RETENTION
                ).delete()
        hits = counters.values_list("hits", flat=True).get()
    return RateDecision(allowed=hits <= limit, retry_after=retry_after)
