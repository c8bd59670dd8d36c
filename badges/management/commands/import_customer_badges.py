from badges.imports.choices import ImportKind
from badges.imports.services.earned import earned_badges_import_file
from badges.management.import_command import ImportFileCommand


class Command(ImportFileCommand):
    help = (
        "Import customers' earned badges from a CSV file (SPEC 14): a header row "
        "badge,customer_id,earn_event_date,expires_on[,external_id], UTF-8, dates as in the "
        "API (a date alone is midnight in the org's timezone), an empty expires_on for a badge "
        "that never expires. Re-running a file creates nothing twice (DUPLICATE)."
    )
    kind = ImportKind.CUSTOMER_BADGES

    def import_file(self, **arguments):
        return earned_badges_import_file(**arguments)
