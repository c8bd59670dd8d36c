from django.core.management.base import BaseCommand
from django.utils import timezone

from badges.services.expiry import issuances_expire


class Command(BaseCommand):
    help = (
        "Mark ACTIVE issuances past their end EXPIRED and queue one badge.expired notification "
        "each. Safe to run twice at once and to re-run after a crash."
    )

    def handle(self, *args, **options):
        run = issuances_expire(now=timezone.now())
        self.stdout.write(f"{run.expired} issuance(s) expired.")
