from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from sampledata.casework import DEPARTMENTS, seed_casework
from sampledata.complaints import seed_complaints
from sampledata.organisation import ACCOUNTS, DEMO_PASSWORD, seed_organisation


class Command(BaseCommand):
    help = (
        "Load the demo insurer (tree, one account per role) and a few hundred "
        "complaints in every state. Idempotent. Demo only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--complaints",
            type=int,
            default=300,
            help="How many demo complaints to create on an empty demo (default 300).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org = seed_organisation()
        self.stdout.write(
            _("Demo data: %(i)d institutions and %(u)d accounts created.")
            % {"i": org["institutions"], "u": org["users"]}
        )
        complaints = seed_complaints(count=max(options["complaints"], 0))
        if complaints["skipped"]:
            self.stdout.write(_("Demo complaints: already loaded, none created."))
        else:
            by_status = ", ".join(
                f"{status} {n}" for status, n in sorted(complaints["by_status"].items())
            )
            self.stdout.write(
                _("Demo complaints: %(n)d created (%(statuses)s).")
                % {"n": complaints["created"], "statuses": by_status}
            )
        casework = seed_casework()
        self.stdout.write(
            _(
                "Demo casework: %(departments)d departments, %(templates)d reply "
                "templates, %(tasks)d tasks and %(supervisions)d supervisions created."
            )
            % {
                "departments": casework["departments"],
                "templates": casework["templates"],
                "tasks": casework.get("tasks", 0),
                "supervisions": casework.get("supervisions", 0),
            }
        )
        self.stdout.write(_("Demo accounts (password for all: %s):") % DEMO_PASSWORD)
        self.stdout.write("  admin  (superuser)")
        for account in ACCOUNTS:
            self.stdout.write(
                f"  {account.username:<22} {account.role:<15} {account.institution}"
            )
        for code, name, _email, members in DEPARTMENTS:
            for username, *_names in members:
                self.stdout.write(f"  {username:<22} {'—':<15} {code} {name}")
