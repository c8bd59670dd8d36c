"""The group pages (SPEC 10): the list, the create and edit forms, and the disable, enable and
delete confirmations. They translate the browser's requests to the group services the API
uses; no rule lives here."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from badges.exceptions import RuleViolation
from badges_project.ui.access import OrgPageMixin, can_write
from badges_project.ui.pages import ServiceFormView, refusal_words
from groups import selectors, services
from groups.models import BadgeGroup

from .forms import GroupForm


class GroupListView(OrgPageMixin, TemplateView):
    """Every group of the org, active and disabled, by rank, with how many badges it holds."""

    template_name = "groups/ui/list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            groups=selectors.group_list_counted(org=self.request.org),
            can_write=can_write(self.request),
            **kwargs,
        )


class GroupFormView(ServiceFormView):
    """Create or edit a group; the service judges what the form read, and its refusals land
    on the fields with the API's messages and codes."""

    template_name = "groups/ui/form.html"
    done = "groups-ui:list"
    group = None

    def get_context_data(self, **kwargs):
        return super().get_context_data(group=self.group, **kwargs)


class GroupCreateView(GroupFormView):
    def form(self, data=None) -> GroupForm:
        return GroupForm(data)

    def save(self, form: GroupForm) -> BadgeGroup:
        request = self.request
        return services.group_create(org=request.org, now=request.now, definition=form.definition())


class GroupEditView(GroupFormView):
    """Name and rank; whether the group is active changes through its own confirmation."""

    @cached_property
    def group(self) -> BadgeGroup:
        return group_or_404(self.request, self.kwargs["pk"])

    def form(self, data=None) -> GroupForm:
        return GroupForm(data, initial={"name": self.group.name, "rank": self.group.rank})

    def save(self, form: GroupForm) -> BadgeGroup:
        changes = form.changes(self.group)
        return services.group_update(group=self.group, now=self.request.now, **changes)


class GroupConfirmView(OrgPageMixin, TemplateView):
    """A change behind a confirmation page: GET says what it does to the group's badges, POST
    does it and returns to the list."""

    template_name = "groups/ui/confirm.html"
    write_page = True
    action = ""  # "disable", "enable" or "delete": the words the page shows

    @cached_property
    def group(self) -> BadgeGroup:
        return group_or_404(self.request, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        group, action = self.group, self.action
        already = action != "delete" and group.is_active == (action == "enable")
        return super().get_context_data(group=group, action=action, already=already, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            self.change(self.group)
        except RuleViolation as refusal:
            refusals = [refusal_words(violation) for violation in refusal.violations]
            return self.render_to_response(self.get_context_data(refusals=refusals), status=400)
        messages.success(request, self.done(self.group))
        return redirect("groups-ui:list")


class GroupDisableView(GroupConfirmView):
    action = "disable"

    def change(self, group):
        services.group_update(group=group, now=self.request.now, is_active=False)

    def done(self, group) -> str:
        return f"“{group.name}” is disabled."


class GroupEnableView(GroupConfirmView):
    action = "enable"

    def change(self, group):
        services.group_update(group=group, now=self.request.now, is_active=True)

    def done(self, group) -> str:
        return f"“{group.name}” is enabled."


class GroupDeleteView(GroupConfirmView):
    action = "delete"

    def change(self, group):
        services.group_delete(group=group)

    def done(self, group) -> str:
        count = group.badge_count
        if not count:
            return f"“{group.name}” is deleted."
        badges = "1 badge has" if count == 1 else f"{count} badges have"
        return f"“{group.name}” is deleted; {badges} no group now."


def group_or_404(request, pk) -> BadgeGroup:
    """One of the acting org's groups with its ``badge_count``; 404 for any other id."""
    try:
        return selectors.group_list_counted(org=request.org).get(pk=pk)
    except BadgeGroup.DoesNotExist as error:
        raise Http404("No such group.") from error
