"""What every app's pages share: forms styled alike, a service's refusal in words, refusals
placed on a form's fields, a stored text kept when a browser sends it back reshaped, the
create-or-edit page over a service, where a page returns to, and the filters a page's form
sent."""

from django import forms
from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from badges.exceptions import RuleViolation

from .access import OrgPageMixin


class PageForm(forms.Form):
    """A form of the pages: Bootstrap's classes on every input, and an input with an error
    marked invalid and described by its message, then its help (``templates/page_field.html``
    shows them with the ids ``err-<name>`` and Django's ``<id>_helptext``; Django adds
    ``aria-invalid``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def __getitem__(self, name):
        bound = super().__getitem__(name)
        attrs = bound.field.widget.attrs
        if name in self.errors and "is-invalid" not in attrs["class"]:
            attrs["class"] += " is-invalid"
            described = [f"err-{bound.html_name}"]
            if bound.help_text:
                described.append(f"{bound.auto_id}_helptext")
            attrs["aria-describedby"] = " ".join(described)
        return bound

    def add_violations(self, violations) -> None:
        """A service's refusals on the inputs they name (a form may map other names)."""
        violations_on_form(self, violations)


def refusal_words(violation) -> str:
    """A service's refusal as the pages show it: the API's message and its code."""
    return f"{violation.message} ({violation.code})"


def violations_on_form(form, violations) -> None:
    """Each violation on the form field its path names, else on the form as a whole."""
    for violation in violations:
        field = violation.field if violation.field in form.fields else None
        form.add_error(field, refusal_words(violation))


def filters_sent(query: QueryDict) -> QueryDict:
    """A filter form's query without its blank values: a page's "Any ..." choice sends its
    field empty, which means no filter there (the API, called by programs, refuses a blank
    where a value must be valid)."""
    sent = QueryDict(mutable=True)
    for name, values in query.lists():
        if kept := [value for value in values if value]:
            sent.setlist(name, kept)
    return sent


def next_page(request, default: str = "badges-ui:universe") -> str:
    """Where a page returns to: a ``next`` of this site, else the page ``default`` names."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def kept_as_stored(sent: str, stored: str | None, lines: bool = False) -> str:
    """The stored text when what was sent is that text as a browser sends it back untouched:
    a one-line input drops line breaks, a text area (``lines``) sends them as CRLF, read as
    LF. Otherwise what was sent."""
    if stored is None or sent == stored:
        return sent
    if lines:
        shown = stored.replace("\r\n", "\n").replace("\r", "\n")
    else:
        shown = stored.replace("\r", "").replace("\n", "")
    return stored if sent == shown else sent


class ServiceFormView(OrgPageMixin, TemplateView):
    """A create or edit page: ``form()`` reads the page, ``save(form)`` hands it to a service
    and answers what it saved (a thing with a ``name``); the service's refusals land on the
    form's inputs with HTTP 400, and a save returns to the page ``done`` names."""

    write_page = True
    done = ""

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                saved = self.save(form)
            except RuleViolation as refusal:
                form.add_violations(refusal.violations)
            else:
                messages.success(request, f"“{saved.name}” is saved.")
                return redirect(self.done)
        return self.render_to_response(self.get_context_data(form=form), status=400)
