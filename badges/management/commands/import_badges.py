from badges.imports.badge_rows import BADGE_COLUMNS, BADGE_OPTIONAL_COLUMNS
from badges.imports.choices import ImportKind, RowStatus
from badges.imports.services.definitions import badges_import_file
from badges.management.import_command import ImportFileCommand


class Command(ImportFileCommand):
    help = (
        "Import badge definitions from a CSV file (SPEC 14; columns in docs/imports.md): a "
        f"header row {','.join(BADGE_COLUMNS)}"
        + "".join(f"[,{c}]" for c in BADGE_OPTIONAL_COLUMNS)
        + ", UTF-8, dates as in the API (a date alone is midnight in the org's timezone), past "
        "dates allowed. A row whose external_id was imported before answers DUPLICATE and "
        "changes nothing."
    )
    kind = ImportKind.BADGES
    # The statuses a badge definition's row ends in.
    statuses = (RowStatus.IMPORTED, RowStatus.DUPLICATE, RowStatus.INVALID)

    def import_file(self, **arguments):
        return badges_import_file(actor=None, **arguments)
