import importlib
import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings
from django_scopes import scopes_disabled

from trusts import demo, rls


class Command(BaseCommand):
    help = "Create the demo trusts, schools, people and records. Safe to run again: a re-run changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the demo sign-ins as JSON.")

    def handle(self, *args, **options):
        people = demo.DemoPeople()
        # Seeding writes to every trust: one of the deliberate cross-trust places. The demo's own
        # notifications are kept in memory rather than printed, so --json prints nothing but JSON.
        # The email override is outermost: the emails go out when the transaction commits.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            scopes_disabled(),
            rls.bypass(),
            transaction.atomic(),
        ):
            context = demo.seed(people)
            # Each module of settings.DEMO_SEEDERS has ``seed(people, context)``, run in the listed order.
            for module_path in settings.DEMO_SEEDERS:
                importlib.import_module(module_path).seed(people, context)
        if options["json"]:
            self.stdout.write(
                json.dumps({"password": demo.DEMO_PASSWORD, "accounts": people.accounts}, indent=2)
            )
            return
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Every account's password: " + demo.DEMO_PASSWORD)
        )
        for account in people.accounts:
            where = account["school"] or account["trust"]
            extra = f"  (TOTP key {account['totp_secret']})" if account["totp_secret"] else ""
            self.stdout.write(f"  {account['username']:<24} {account['role']:<20} {where}{extra}")
