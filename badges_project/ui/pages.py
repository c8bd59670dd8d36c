"""What every app's pages share: forms styled alike, a service's refusal in words, refusals
placed on a form's fields, and where a page returns to."""

from django import forms
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


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


def refusal_words(violation) -> str:
    """A service's refusal as the pages show it: the API's message and its code."""
    return f"{violation.message} ({violation.code})"


def violations_on_form(form, violations) -> None:
    """Each violation on the form field its path names, else on the form as a whole."""
    for violation in violations:
        field = violation.field if violation.field in form.fields else None
        form.add_error(field, refusal_words(violation))


def next_page(request, default: str = "badges-ui:universe") -> str:
    """Where a page returns to: a ``next`` of this site, else the page ``default`` names."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)
