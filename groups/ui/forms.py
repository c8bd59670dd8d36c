"""The group form: it reads a name and a whole-number rank, nothing more; the group services
judge them (name required, unique among active groups, rank in range) with the API's codes."""

from django import forms

from badges_project.ui.pages import PageForm, kept_as_stored
from groups.services import GroupDefinition


class GroupForm(PageForm):
    # Not required, not stripped: an empty or over-long name is the service's refusal.
    name = forms.CharField(
        required=False, strip=False, help_text="Unique among the org's active groups."
    )
    # Required as the API's serializer requires it; its range is the service's rule.
    rank = forms.IntegerField(help_text="A whole number. Groups come in rank order, lowest first.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["name"].widget.attrs["autofocus"] = True

    def definition(self) -> GroupDefinition:
        return GroupDefinition(name=self.cleaned_data["name"], rank=self.cleaned_data["rank"])

    def changes(self, group) -> dict:
        """The fields to update. A name shown and sent back untouched is the stored one: a
        one-line input drops the line breaks a name written through the API may hold."""
        changes = dict(self.cleaned_data)
        changes["name"] = kept_as_stored(changes["name"], group.name)
        return changes
