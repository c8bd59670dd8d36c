"""The custom field forms read the page into the services' terms: a default value typed as the
API would send it (``customfields.values.from_text``, as the badge form reads badge values).
Every rule is the services'; their refusals land on the inputs with the API's codes."""

import dataclasses

from django import forms

from badges_project.ui.pages import PageForm, kept_as_stored, violations_on_form
from customfields.models import CustomField
from customfields.services import FieldDefinition
from customfields.values import DataType, from_text

DEFAULT_HELP = {
    DataType.BOOLEAN: "Yes or No.",
    DataType.INTEGER: "A whole number.",
    DataType.STRING: "Text, up to 1,000 characters.",
    DataType.DATE: "A date.",
}
EMPTY_HELP = " Empty is no default."


def default_input(data_type: str) -> forms.Field:
    """The default value's input for ``data_type``: a select for BOOLEAN, a number, date or
    text input otherwise. Its text is read as typed; whether it fits is the service's rule.
    Styled here: the forms add it after ``PageForm`` has styled their own inputs."""
    help_text = DEFAULT_HELP[data_type] + EMPTY_HELP
    if data_type == DataType.BOOLEAN:
        return forms.ChoiceField(
            required=False,
            choices=[("", "No default"), ("true", "Yes"), ("false", "No")],
            help_text=help_text,
            widget=forms.Select(attrs={"class": "form-select"}),
        )
    widget = {
        DataType.INTEGER: forms.NumberInput,
        DataType.DATE: forms.DateInput(attrs={"type": "date"}),
    }.get(data_type, forms.TextInput)
    field = forms.CharField(required=False, strip=False, help_text=help_text, widget=widget)
    field.widget.attrs["class"] = "form-control"
    return field


def default_of(data_type: str, text: str):
    """An empty input is no default; anything else is the value JSON would give."""
    return None if text == "" else from_text(data_type, text)


class FieldForm(PageForm):
    # Not required, not stripped: an empty or over-long name is the service's refusal.
    name = forms.CharField(
        required=False, strip=False, help_text="Unique among the org's active custom fields."
    )
    is_mandatory = forms.BooleanField(
        required=False,
        label="Mandatory",
        help_text="A mandatory field needs a default value: every badge that doesn't set the "
        "field shows it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["name"].widget.attrs["autofocus"] = True

    def violations_placed(self, violations, default_input_name: str) -> None:
        """Each refusal on its input; the default value's on the input shown for it."""
        violations_on_form(
            self,
            [
                dataclasses.replace(v, field=default_input_name)
                if v.field == "default_value"
                else v
                for v in violations
            ],
        )


class FieldCreateForm(FieldForm):
    """A new field: the data type, and an input for the default value per data type (the page
    shows the one of the type chosen); only the chosen type's is read."""

    data_type = forms.ChoiceField(
        choices=DataType.choices, initial=DataType.STRING, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_type"].widget.attrs["class"] = "form-check-input"  # radios, not a box
        for data_type in DataType.values:
            self.fields[f"default_value__{data_type}"] = default_input(data_type)

    def default_inputs(self):
        return [(data_type, self[f"default_value__{data_type}"]) for data_type in DataType.values]

    def definition(self) -> FieldDefinition:
        data = self.cleaned_data
        data_type = data["data_type"]
        return FieldDefinition(
            name=data["name"],
            data_type=data_type,
            is_mandatory=data["is_mandatory"],
            default_value=default_of(data_type, data[f"default_value__{data_type}"]),
        )

    def add_violations(self, violations) -> None:
        chosen = f"default_value__{self.cleaned_data['data_type']}"
        self.violations_placed(violations, chosen)


class FieldEditForm(FieldForm):
    """Name, default value and mandatory; the data type is not an input (a posted one is not
    read), and neither is being active (disabling has its own confirmation)."""

    def __init__(self, *args, custom_field: CustomField, **kwargs):
        self.custom_field = custom_field
        kwargs["initial"] = {
            "name": custom_field.name,
            "default_value": custom_field.default_value or "",
            "is_mandatory": custom_field.is_mandatory,
        }
        super().__init__(*args, **kwargs)
        self.fields["default_value"] = default_input(custom_field.data_type)

    def changes(self) -> dict:
        """The fields to update. A text shown and sent back untouched is kept as stored: a
        one-line input drops line breaks, and an empty STRING default shows as no default."""
        data, stored = self.cleaned_data, self.custom_field
        changes = {"is_mandatory": data["is_mandatory"]}
        name = kept_as_stored(data["name"], stored.name)
        if name != stored.name:
            changes["name"] = name
        default = kept_as_stored(data["default_value"], stored.default_value or "")
        if default != (stored.default_value or ""):
            changes["default_value"] = default_of(stored.data_type, default)
        return changes

    def add_violations(self, violations) -> None:
        self.violations_placed(violations, "default_value")
