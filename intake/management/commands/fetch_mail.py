"""Read the intake mailbox: new messages become complaints, replies thread."""

from __future__ import annotations

import imaplib
import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from intake.mail import mailbox_fetch
from intake.models import ChannelClient

EMAIL_CHANNEL = "email"


class Command(BaseCommand):
    help = (
        "Register each new e-mail of the mailbox as a complaint, thread replies "
        "onto their complaint, and flag what was read as seen."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default="",
            help="imap(s)://user:password@host:port/MAILBOX; default INTAKE_IMAP_URL.",
        )
        parser.add_argument(
            "--client",
            default="",
            help="Name of the e-mail channel client the mailbox belongs to; "
            "needed only when there is more than one.",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Read every message, not only unseen ones (already-read "
            "Message-IDs are still skipped).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report only; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"] or settings.INTAKE_IMAP_URL
        if not url:
            raise CommandError("No mailbox: set INTAKE_IMAP_URL or pass --url.")
        client = self._client(options["client"])
        try:
            summary = mailbox_fetch(
                client=client,
                url=url,
                dry_run=options["dry_run"],
                everything=options["everything"],
            )
        except (imaplib.IMAP4.error, OSError, ValueError) as exc:
            # The library's own text goes to the log, not to the message.
            logging.getLogger(__name__).warning("mailbox not readable", exc_info=exc)
            raise CommandError(
                _(
                    "fetch_mail: the mailbox cannot be read (address, user name, "
                    "password or network): see the log for the details."
                )
            ) from exc
        self.stdout.write(
            f"fetch_mail: {summary.registered} registered, {summary.threaded} "
            f"threaded, {summary.duplicate} already read, {summary.failed} failed"
            + (" (dry run)" if options["dry_run"] else "")
        )
        if summary.failed:
            raise CommandError(
                f"{summary.failed} message(s) could not be read; see the log."
            )

    def _client(self, name: str) -> ChannelClient:
        clients = ChannelClient.objects.filter(
            channel__code=EMAIL_CHANNEL, is_active=True
        ).select_related("service_user", "channel", "institution")
        if name:
            clients = clients.filter(name=name)
        found = list(clients[:2])
        if len(found) != 1:
            raise CommandError(
                "Name the active e-mail channel client with --client."
                if found
                else "No active e-mail channel client"
                + (f" named {name!r}." if name else ".")
            )
        return found[0]
