"""The import page (SPEC 14): upload a CSV, watch its run, read its summary and report; the
org's past imports, from this page and from the commands."""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView, View

from badges.exceptions import RuleViolation
from badges.imports import selectors
from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.imports.services.runs import (
    MAX_UPLOAD_BYTES,
    report_opened,
    run_start,
    upload_too_large,
)
from badges.ui.customers import page_of
from badges.ui.images import declared_length
from badges_project.ui.access import OrgPageMixin, can_write
from badges_project.ui.pages import refusal_words
from badges_project.uploads import CappedFileUpload, declared_larger

PAGE_SIZE = 50
STATUS_WORDS = {
    "rows": "Rows read",
    "imported": "Imported",
    "duplicate": "Duplicate",
    "overlapping": "Overlapping",
    "badge_not_found": "Badge not found",
    "invalid": "Invalid",
}


def summary_words(run: ImportRun) -> list[tuple[str, str, int]]:
    return [
        (key, words, run.summary[key]) for key, words in STATUS_WORDS.items() if key in run.summary
    ]


def counts_words(run: ImportRun) -> str:
    """The statuses a run's rows ended in, those that some did: "Imported 2, Duplicate 1"."""
    return ", ".join(
        f"{words} {count:,}" for key, words, count in summary_words(run) if key != "rows" and count
    )


@method_decorator(csrf_exempt, name="dispatch")  # checked in post, once the cap is in place
class ImportListView(OrgPageMixin, TemplateView):
    """Past imports, newest first, and (for editors) the upload form. An upload is streamed
    to a temporary file under the size cap (the CSRF check reads the form, so it runs once
    the cap is set); a body declared larger is refused unread."""

    template_name = "imports/ui/imports.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self._context(request))

    def _context(self, request, **extra):
        page = page_of(request, selectors.runs_of(org=request.org), PAGE_SIZE, "page")
        return self.get_context_data(
            page=page,
            runs=[(run, counts_words(run)) for run in page.object_list],
            kinds=ImportKind.choices,
            can_upload=can_write(request),
            **extra,
        )

    def post(self, request, *args, **kwargs):
        if declared_larger(declared_length(request), MAX_UPLOAD_BYTES):
            # Refused unread, so without the CSRF check, whose token is in the body: a
            # refusal keeps nothing.
            return self._refused(request, upload_too_large())
        capped = CappedFileUpload(request, MAX_UPLOAD_BYTES)
        request.upload_handlers = [capped]
        return csrf_protect(self._posted)(request, capped)

    def _posted(self, request, capped):
        form, files = request.POST, request.FILES  # read (under the cap) before it is asked
        try:
            if capped.too_large:
                raise upload_too_large()
            run = run_start(
                org=request.org,
                actor=request.user,
                kind=form.get("kind", ""),
                upload=files.get("file"),
                dry_run=form.get("dry_run") == "on",
                now=request.now,
            )
        except RuleViolation as refusal:
            return self._refused(request, refusal)
        return redirect("imports-ui:run", pk=run.pk)

    def _refused(self, request, refusal: RuleViolation):
        errors = {v.field: refusal_words(v) for v in refusal.violations}
        context = self._context(
            request,
            errors=errors,
            chosen_kind=request.POST.get("kind", ""),
            dry_run=request.POST.get("dry_run") == "on",
        )
        return self.render_to_response(context, status=400)


def _run_or_404(request, pk) -> ImportRun:
    try:
        return selectors.run_of(org=request.org, run_id=pk)
    except ImportRun.DoesNotExist as missing:
        raise Http404("No such import.") from missing


def run_state(run: ImportRun) -> str:
    """What the progress part shows, as one value: a poll that sends the one it shows gets 204
    while it holds, so nothing is swapped and the live region stays quiet."""
    total = "" if run.rows_total is None else run.rows_total
    return f"{run.status}:{run.rows_done}:{total}"


class ImportRunView(OrgPageMixin, TemplateView):
    """One run: its progress while it runs (the progress part polls), then its summary."""

    template_name = "imports/ui/run.html"

    def get(self, request, *args, pk, **kwargs):
        run = _run_or_404(request, pk)
        running = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
        state = run_state(run)
        if request.htmx and request.GET.get("seen") == state:
            return HttpResponse(status=204)  # as the page shows it: nothing to swap
        percent = (
            100 * run.rows_done // run.rows_total
            if run.rows_total
            else (100 if run.status == RunStatus.DONE else 0)
        )
        context = self.get_context_data(
            run=run,
            running=running,
            state=state,
            # A dry run's rows done are known once it ends (one transaction, rolled back).
            measured=not (run.dry_run and run.status == RunStatus.RUNNING),
            percent=percent,
            summary=summary_words(run),
        )
        if request.htmx:
            return self.response_class(request, "imports/ui/progress.html", context, status=200)
        return self.render_to_response(context)


class ImportReportView(OrgPageMixin, View):
    """A run's per-row report, to the org's users only."""

    def get(self, request, *args, pk, **kwargs):
        run = _run_or_404(request, pk)
        if not run.report:
            raise Http404("This import has no report.")
        name = run.file_name.rsplit(".", 1)[0] + ".report.csv"
        return FileResponse(
            report_opened(run), as_attachment=True, filename=name, content_type="text/csv"
        )
