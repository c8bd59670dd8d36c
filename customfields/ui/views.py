"""The custom field pages (SPEC 11): the list, the create and edit forms, and the disable
confirmation. They translate the browser's requests to the services the API uses; no rule
lives here. There is no enable page: a disabled field is never enabled again."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from badges.exceptions import RuleViolation
from badges_project.ui.access import OrgPageMixin, can_write
from badges_project.ui.pages import ServiceFormView, refusal_words
from customfields import selectors, services
from customfields.models import CustomField

from .forms import FieldCreateForm, FieldEditForm


class FieldListView(OrgPageMixin, TemplateView):
    """Active fields, then the disabled ones apart (read in one statement)."""

    template_name = "customfields/ui/list.html"

    def get_context_data(self, **kwargs):
        fields = list(selectors.custom_field_list(org=self.request.org, include_inactive=True))
        return super().get_context_data(
            active=[field for field in fields if field.is_active],
            disabled=[field for field in fields if not field.is_active],
            can_write=can_write(self.request),
            **kwargs,
        )


class FieldFormView(ServiceFormView):
    """Create or edit a field; the service judges what the form read, and its refusals land
    on the inputs with the API's messages and codes."""

    template_name = "customfields/ui/form.html"
    done = "customfields-ui:list"
    custom_field = None

    def get_context_data(self, **kwargs):
        field = self.custom_field
        retired = field is not None and not field.is_active  # shown, but the service decides
        return super().get_context_data(custom_field=field, retired=retired, **kwargs)


class FieldCreateView(FieldFormView):
    def form(self, data=None) -> FieldCreateForm:
        return FieldCreateForm(data)

    def save(self, form: FieldCreateForm) -> CustomField:
        request = self.request
        return services.custom_field_create(
            org=request.org, now=request.now, definition=form.definition()
        )


class FieldEditView(FieldFormView):
    @cached_property
    def custom_field(self) -> CustomField:
        return field_or_404(self.request, self.kwargs["pk"])

    def form(self, data=None) -> FieldEditForm:
        return FieldEditForm(data, custom_field=self.custom_field)

    def save(self, form: FieldEditForm) -> CustomField:
        return services.custom_field_update(
            field=self.custom_field, now=self.request.now, **form.changes()
        )


class FieldDisableView(OrgPageMixin, TemplateView):
    """Disable a field for good, behind a confirmation page."""

    template_name = "customfields/ui/disable.html"
    write_page = True

    @cached_property
    def custom_field(self) -> CustomField:
        return field_or_404(self.request, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(custom_field=self.custom_field, **kwargs)

    def post(self, request, *args, **kwargs):
        field = self.custom_field
        try:
            services.custom_field_update(field=field, now=request.now, is_active=False)
        except RuleViolation as refusal:
            refusals = [refusal_words(violation) for violation in refusal.violations]
            return self.render_to_response(self.get_context_data(refusals=refusals), status=400)
        messages.success(request, f"“{field.name}” is disabled.")
        return redirect("customfields-ui:list")


def field_or_404(request, pk) -> CustomField:
    """One of the acting org's fields, disabled ones too; 404 for any other id."""
    try:
        return selectors.custom_field_get(org=request.org, field_id=pk)
    except CustomField.DoesNotExist as error:
        raise Http404("No such custom field.") from error
