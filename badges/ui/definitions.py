"""Create and edit a badge from the browser: ``BadgeForm`` reads the page into a
``Definition``, the API's services judge and write it, and their refusals come back onto the
form's fields."""

import dataclasses

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from badges.exceptions import RuleViolation
from badges.services import definitions
from badges.services.definition_rules import definition_of
from badges_project.ui.access import OrgPageMixin
from customfields.selectors import custom_field_list
from groups.selectors import group_list

from .forms import BadgeForm
from .views import badge_or_404


class BadgeFormView(OrgPageMixin, TemplateView):
    """The form in the org's timezone: what it shows and reads are the org's wall-clock times.
    The page is rendered while that timezone is current (a template response renders lazily,
    after the view returns: rendered then, it showed UTC times that a save read as local)."""

    template_name = "badges/ui/badge_form.html"
    write_page = True

    def get(self, request, *args, **kwargs):
        with timezone.override(request.org.tzinfo):
            form = self.form().errors_marked()
            return self.render_to_response(self.get_context_data(form=form)).render()

    def post(self, request, *args, **kwargs):
        with timezone.override(request.org.tzinfo):
            return self._saved(request)

    def _saved(self, request):
        form = self.form(data=request.POST)
        definition = form.definition()
        if definition is not None:
            try:
                badge = self.save(definition)
            except RuleViolation as refusal:
                form.add_violations(refusal.violations)
            else:
                messages.success(request, f"“{badge.name}” is saved.")
                return redirect("badges-ui:badge", pk=badge.pk)
        context = self.get_context_data(form=form.errors_marked())
        return self.render_to_response(context, status=400).render()

    def form_kwargs(self) -> dict:
        org = self.request.org
        return {
            "org": org,
            "groups": group_list(org=org),
            "custom_fields": custom_field_list(org=org),
        }


class BadgeCreateView(BadgeFormView):
    badge = None

    def form(self, data=None):
        return BadgeForm(data, **self.form_kwargs())

    def save(self, definition):
        request = self.request
        return definitions.badge_create(
            org=request.org, actor=request.user, now=request.now, definition=definition
        )


class BadgeEditView(BadgeFormView):
    def form(self, data=None):
        self.badge = badge_or_404(self.request, self.kwargs["pk"])
        stored = definition_of(self.badge, self.request.now)
        return BadgeForm(data, badge=self.badge, initial_definition=stored, **self.form_kwargs())

    def get_context_data(self, **kwargs):
        return super().get_context_data(badge=self.badge, **kwargs)

    def save(self, definition):
        changes = {
            field.name: getattr(definition, field.name)
            for field in dataclasses.fields(definition)
            if field.name != "issue_type"
        }
        return definitions.badge_update(
            badge=self.badge, actor=self.request.user, now=self.request.now, **changes
        )
