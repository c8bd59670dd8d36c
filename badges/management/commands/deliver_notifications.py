from django.core.management.base import BaseCommand
from django.utils import timezone

from badges.services.deliveries import notifications_deliver


class Command(BaseCommand):
    help = (
        "One delivery sweep: send every due notification to its org's webhook, recording each "
        "attempt. Safe to run twice at once (each notification is claimed by one sender)."
    )

    def handle(self, *args, **options):
        run = notifications_deliver(clock=timezone.now)
        self.stdout.write(
            f"{run.delivered} delivered, {run.retrying} to retry, {run.failed} failed, "
            f"{run.skipped} skipped (no webhook)."
        )
