"""What the two import commands share: the file, the org, the report, the dry run, a progress
bar on a terminal, the run recorded with the org's past imports, and the summary."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from badges.imports.choices import ImportKind, RowStatus
from badges.imports.files import FileRefused
from badges.imports.services.command_runs import run_recorded
from badges.selectors import org_by_slug
from badges_project.serving import garbage_collector_tuned


class ImportFileCommand(BaseCommand):
    kind: ImportKind
    statuses: tuple[RowStatus, ...] = tuple(RowStatus)

    def import_file(self, *, org, binary, report, now, dry_run, on_progress):
        """Import the file with the service of the command's kind; its Summary."""
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="The org's slug.")
        parser.add_argument(
            "--report",
            type=Path,
            help="Where the per-row report CSV goes (default: FILE.report.csv beside it).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Decide every row; write nothing."
        )

    def handle(self, *args, file: Path, org: str, report: Path | None, dry_run: bool, **options):
        garbage_collector_tuned()  # a file of a million rows is millions of objects
        acting = org_by_slug(org)
        if acting is None:
            raise CommandError(f"No org has the slug '{org}'.")
        report = report or file.with_name(file.name + ".report.csv")
        now = timezone.now()
        try:
            with (
                file.open("rb") as binary,
                report.open("w", encoding="utf-8", newline="") as out,
                tqdm(unit=" rows", disable=None, file=self.stderr) as bar,
            ):
                summary = self.import_file(
                    org=acting,
                    binary=binary,
                    report=out,
                    now=now,
                    dry_run=dry_run,
                    on_progress=lambda done: bar.update(done - bar.n),
                )
        except FileRefused as refused:
            report.unlink(missing_ok=True)
            self._recorded(acting, file, now, dry_run, error=str(refused))
            raise CommandError(f"{file}: {refused} Nothing was imported.") from refused
        except OSError as error:
            raise CommandError(str(error)) from error
        self._recorded(acting, file, now, dry_run, summary=summary)
        counts = ", ".join(f"{summary.counts[status]:,} {status}" for status in self.statuses)
        prefix = "Dry run (nothing written): " if dry_run else ""
        self.stdout.write(f"{prefix}{summary.rows:,} rows read: {counts}.")
        self.stdout.write(f"Report: {report}")

    def _recorded(self, org, file: Path, now, dry_run: bool, **outcome) -> None:
        run_recorded(
            org=org,
            kind=self.kind,
            file_name=file.name,
            started_on=now,
            finished_on=timezone.now(),
            dry_run=dry_run,
            **outcome,
        )
