from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from organisations.demo import ACCOUNTS, DEMO_PASSWORD, seed_organisation


class Command(BaseCommand):
    help = "Load the demo insurer (tree, one account per role). Idempotent. Demo only."

    def handle(self, *args: Any, **options: Any) -> None:
        org = seed_organisation()
        self.stdout.write(
            _("Demo data: %(i)d institutions and %(u)d accounts created.")
            % {"i": org["institutions"], "u": org["users"]}
        )
        self.stdout.write(_("Demo accounts (password for all: %s):") % DEMO_PASSWORD)
        self.stdout.write("  admin  (superuser)")
        for account in ACCOUNTS:
            self.stdout.write(
                f"  {account.username:<22} {account.role:<15} {account.institution}"
            )
