from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from trusts import rls
from trusts.errors import DomainError
from trusts.onboarding import trust_onboard


class Command(BaseCommand):
    help = (
        "Create a trust and invite its first trust admin. Prints the one-time link the admin opens to set a "
        "password and two-factor sign-in; the link works once, for seven days."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The trust's name, for example 'Northern Lights Academy Trust'.")
        parser.add_argument("admin_email", help="The email address of the trust's first admin.")
        parser.add_argument("--slug", default="", help="A short name for the trust (default: from its name).")
        parser.add_argument(
            "--kind", default="mat", choices=["mat", "sat"], help="Multi- or single-academy trust."
        )

    def handle(self, *args, name, admin_email, slug, kind, **options):
        try:
            # The operator's command works before the trust exists: the named cross-trust route.
            with transaction.atomic(), rls.bypass():
                trust, link = trust_onboard(name=name, admin_email=admin_email, slug=slug, kind=kind)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Created {trust.name}. Send this sign-in link to {admin_email.strip().lower()}:")
        self.stdout.write(link)
