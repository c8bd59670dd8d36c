from django.core.management.base import BaseCommand, CommandError

from badges.exceptions import RuleViolation
from badges.services.orgs import org_create


class Command(BaseCommand):
    help = "Create an org with its first admin user; the last line printed is the API token."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--timezone", default="UTC", help="IANA timezone, e.g. Asia/Kolkata")
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", help="Without it, the user signs in by token only.")

    def handle(self, *args, name, timezone, username, password, **options):
        try:
            org, token = org_create(
                name=name, timezone=timezone, username=username, password=password
            )
        except RuleViolation as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Created org '{org.name}' (slug {org.slug}) with admin '{username}'.")
        self.stdout.write(token.key)
