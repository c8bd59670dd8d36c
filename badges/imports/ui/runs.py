"""The import page (SPEC 14): the org's past runs, from this page and from commands, with an
upload for editors; a run's page, whose progress htmx polls until the run ends, then its summary
and the per-row report, downloaded by the org's users alone. Every rule is the run services';
these views translate."""

from dataclasses import dataclass

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView

from badges.exceptions import RuleViolation
from badges.imports import selectors
from badges.imports.choices import RowStatus, RunStatus
from badges.imports.models import ImportRun
from badges.imports.services import runs
from badges.ui.customers import page_of
from badges.ui.images import declared_length
from badges_project.ui.access import OrgPageMixin, can_write
from badges_project.uploads import CappedFileUpload, declared_larger

from .forms import ImportForm

PAGE_SIZE = 25
STATUS_WORDS = {
    RunStatus.QUEUED: "Queued",
    RunStatus.RUNNING: "Running",
    RunStatus.DONE: "Done",
    RunStatus.FAILED: "Failed",
}
ROW_WORDS = {
    RowStatus.IMPORTED: "imported",
    RowStatus.DUPLICATE: "duplicate",
    RowStatus.OVERLAPPING: "overlapping",
    RowStatus.BADGE_NOT_FOUND: "badge not found",
    RowStatus.INVALID: "invalid",
}


@dataclass
class RunShown:
    """A run as the pages show it: who ran it, its status, its counts and its progress."""

    run: ImportRun
    by: str
    status: str
    counts: list[tuple[str, str, int]]
    percent: int | None

    @property
    def ongoing(self) -> bool:
        return self.run.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def state(self) -> str:
        """What the progress shows, as one value: a poll that sees it unchanged swaps nothing."""
        run = self.run
        total = "" if run.rows_total is None else run.rows_total
        return f"{run.status}:{run.rows_done}:{total}"


def run_shown(run: ImportRun) -> RunShown:
    if run.from_command:
        by = "Command line"
    else:
        by = run.created_by.get_username() if run.created_by else "A removed user"
    summary = run.summary or {}
    counts = [
        (status.lower(), ROW_WORDS[status], summary.get(status.lower(), 0))
        for status in RowStatus.values
        if summary.get(status.lower())
    ]
    # None while the rows done can't be known: the file is being counted, or a dry run (one
    # transaction, rolled back) decides them.
    percent = None
    if run.status == RunStatus.DONE:
        percent = 100
    elif run.status == RunStatus.QUEUED:
        percent = 0
    elif run.rows_total is not None and not run.dry_run:
        percent = min(100, run.rows_done * 100 // run.rows_total) if run.rows_total else 100
    return RunShown(run, by, STATUS_WORDS[run.status], counts, percent)


def run_or_404(request, pk) -> ImportRun:
    try:
        return selectors.import_run_get(org=request.org, pk=pk)
    except ImportRun.DoesNotExist as error:
        raise Http404("No such import.") from error


@method_decorator(csrf_exempt, name="dispatch")  # checked in post, once the cap is in place
class ImportListView(OrgPageMixin, TemplateView):
    """The org's runs, most recent first, 25 to a page; editors upload a file here (POST): the
    file is read under the cap (the CSRF check reads the form, so it runs after the cap is
    set), its run started, and the run's page opened."""

    template_name = "badges/ui/imports/imports.html"

    def get_context_data(self, form=None, **kwargs):
        writer = can_write(self.request)
        page = page_of(self.request, selectors.import_runs(org=self.request.org), PAGE_SIZE, "page")
        return super().get_context_data(
            page=page,
            rows=[run_shown(run) for run in page.object_list],
            can_write=writer,
            form=form if form is not None else (ImportForm() if writer else None),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if declared_larger(declared_length(request), runs.MAX_UPLOAD_BYTES):
            # Refused unread, so without the CSRF check, whose token is in the body: a
            # refusal keeps nothing.
            return self._refused(ImportForm({}), runs.upload_too_large())
        capped = CappedFileUpload(request, runs.MAX_UPLOAD_BYTES)
        request.upload_handlers = [capped]
        return csrf_protect(self._started)(request, capped)

    def _started(self, request, capped):
        form = ImportForm(request.POST, request.FILES)
        form.is_valid()  # reads the inputs; the service decides
        data = form.cleaned_data
        try:
            if capped.too_large:
                raise runs.upload_too_large()
            run = runs.run_start(
                org=request.org,
                actor=request.user,
                kind=data.get("kind", ""),
                upload=data.get("file"),
                dry_run=data.get("dry_run", False),
                now=request.now,
            )
        except RuleViolation as refusal:
            return self._refused(form, refusal)
        return redirect("imports-ui:run", pk=run.pk)

    def _refused(self, form, refusal: RuleViolation):
        form.is_valid()
        form.add_violations(refusal.violations)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RunView(OrgPageMixin, TemplateView):
    """One run: what was imported, by whom and when, and its state (polled while it runs)."""

    template_name = "badges/ui/imports/run.html"

    def get_context_data(self, **kwargs):
        run = run_or_404(self.request, self.kwargs["pk"])
        return super().get_context_data(shown=run_shown(run), run=run, **kwargs)


class RunStateView(RunView):
    """The run's state, polled by its page each second while it is queued or running: 204
    (nothing to swap) while it is what the page shows (``seen``)."""

    template_name = "badges/ui/imports/run.html#state"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if request.GET.get("seen") == context["shown"].state:
            return HttpResponse(status=204)
        return self.render_to_response(context)


class RunReportView(OrgPageMixin, View):
    """The run's per-row report CSV, as an attachment, for users of the run's org."""

    def get(self, request, pk):
        run = run_or_404(request, pk)
        if not run.report:
            raise Http404("This import has no report.")
        try:
            report = runs.imports_storage().open(run.report, "rb")
        except FileNotFoundError as error:
            raise Http404("The report is no longer kept.") from error
        response = FileResponse(
            report,
            as_attachment=True,
            filename=f"{run.file_name}.report.csv",
            content_type="text/csv; charset=utf-8",
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
