from django.core.management.base import BaseCommand
from django.utils import timezone

from badges.services.issued_count_sync import issued_counts_sync


class Command(BaseCommand):
    help = (
        "Fold the issued counts' pending changes and refresh every badge's issued_count "
        "(SPEC 16). Safe to run twice at once (the second run skips) and to re-run after a "
        "crash."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="Also recount every badge's issuances, correct the counts that drifted and "
            "list them.",
        )

    def handle(self, *args, full: bool, **options):
        run = issued_counts_sync(now=timezone.now(), full=full)
        if run.skipped:
            self.stdout.write("Another issued-count sync is under way; this run skipped.")
            return
        summary = (
            f"Issued counts synced: {run.folded} badge(s) folded, "
            f"{run.refreshed} badge(s) refreshed"
        )
        if full:
            summary += (
                f"; the recount corrected {len(run.drift)} drifted badge(s), "
                f"{run.drift_total} issuance(s) miscounted"
            )
        self.stdout.write(summary + ".")
        for badge_id, drift in run.drift.items():
            self.stdout.write(f"  badge {badge_id}: {drift:+d}")
