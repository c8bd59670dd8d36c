from django.core.management.base import BaseCommand
from django.utils import timezone

from badges.services.fixed_windows import fixed_windows_roll_over_all


class Command(BaseCommand):
    help = (
        "Persist fixed-window config statuses (promote UPCOMING, expire ACTIVE) and record the "
        "current and next cycles. Safe to run twice at once and to re-run after a crash."
    )

    def handle(self, *args, **options):
        rolled = fixed_windows_roll_over_all(now=timezone.now())
        self.stdout.write(f"Fixed windows in force on {rolled} badge(s) are up to date.")
