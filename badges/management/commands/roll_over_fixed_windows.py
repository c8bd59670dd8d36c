from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from badges.services.fixed_windows import fixed_windows_roll_over_all


class Command(BaseCommand):
    help = (
        "Persist fixed-window config statuses (promote UPCOMING, expire ACTIVE) and record the "
        "current and next cycles. Safe to run twice at once and to re-run after a crash."
    )

    def handle(self, *args, **options):
        run = fixed_windows_roll_over_all(clock=timezone.now)
        self.stdout.write(
            f"Fixed windows in force on {run.rolled} badge(s) are up to date; "
            f"{run.busy} badge(s) were busy and are left for the next run."
        )
        if run.failed:
            raise CommandError(f"{run.failed} badge(s) failed; see the log.")
