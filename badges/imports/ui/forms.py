"""The upload form reads the page into what ``run_start`` takes; every rule is the service's,
and its refusals land on the inputs they name."""

from django import forms

from badges.imports.choices import ImportKind
from badges.imports.services.runs import MAX_UPLOAD_BYTES
from badges_project.ui.pages import PageForm


class ImportForm(PageForm):
    # Any value is taken: one that is no kind is the service's refusal, with its code.
    kind = forms.CharField(
        required=False,
        label="What the file holds",
        initial=ImportKind.CUSTOMER_BADGES,
        help_text="Customers' earned badges: columns badge, customer_id, earn_event_date, "
        "expires_on, and optionally external_id. Badge definitions: a row per badge in the "
        "badge create shape.",
        widget=forms.Select(choices=ImportKind.choices),
    )
    file = forms.FileField(
        required=False,
        label="CSV file",
        help_text=f"UTF-8, a header row first, at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(
        required=False,
        label="Dry run",
        help_text="Decide every row and write the report, but import nothing.",
    )
