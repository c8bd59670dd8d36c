from django.core.management.base import BaseCommand

from badges.imports.services.runs import lost_runs_requeued


class Command(BaseCommand):
    help = (
        "Send the import task again for each run left RUNNING by a lost worker (PostgreSQL: no "
        "process holds it), to be taken over and imported from the start. Safe to run at any "
        "time: a run still held, or ended, is left alone."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{lost_runs_requeued()} import run(s) sent again.")
