"""The badge form of the browser UI: every field the API takes, read into the same
``Definition`` the API's serializer builds, for the same services to judge. The form only
parses (a number is a number, a date a date); every rule is the services', and each
``Violation`` they raise is shown next to the field its path names (``issue_expiry.value``,
``customer_limit.rolling.1``, ``benefits.3``), with the API's message and code."""

import json
import uuid

from django import forms

from badges.choices import (
    BenefitType,
    EnrolmentExpiryType,
    IssueExpiryType,
    IssueType,
    Module,
    TimeUnit,
    Weekday,
)
from badges.values import Benefit, Definition, Expiry, FixedWindow, LimitSet, RollingWindow
from badges_project.ui.pages import kept_as_stored, refusal_words
from customfields.values import DataType, FieldValue, from_text

from .inputs import WallClockField, instant_in, json_object

ROLLING_ROWS = 3  # empty rolling-window rows offered per limit set at least
BENEFIT_ROWS = 10  # a badge links at most 10
LIMIT_SETS = (("customer_limit", "Customer limit"), ("badge_limit", "Badge limit"))


def blank(*choices) -> list:
    return [("", "—"), *choices]


class BadgeForm(forms.Form):
    """Create (``badge=None``) or edit a badge of ``org``. Instants are read and shown in the
    timezone active while the form is used (the view activates the org's)."""

    name = forms.CharField(required=False, strip=False)
    description = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    start_on = WallClockField()
    expires_on = WallClockField()
    issue_type = forms.ChoiceField(
        choices=[(IssueType.ISSUE, "Issue"), (IssueType.ENROL_ISSUE, "Enrol & issue")],
        widget=forms.RadioSelect,
        initial=IssueType.ISSUE,
    )
    enrolment_expiry__type = forms.ChoiceField(
        required=False, choices=blank(*EnrolmentExpiryType.choices)
    )
    enrolment_expiry__value = forms.IntegerField(required=False)
    enrolment_expiry__unit = forms.ChoiceField(required=False, choices=blank(*TimeUnit.choices))
    issue_expiry__type = forms.ChoiceField(
        choices=IssueExpiryType.choices, initial=IssueExpiryType.NEVER
    )
    issue_expiry__value = forms.IntegerField(required=False)
    issue_expiry__unit = forms.ChoiceField(required=False, choices=blank(*TimeUnit.choices))
    issue_expiry__date = WallClockField(required=False)
    owners = forms.MultipleChoiceField(
        required=False, choices=Module.choices, widget=forms.CheckboxSelectMultiple
    )
    group = forms.ChoiceField(required=False)
    rank = forms.IntegerField(required=False)

    def __init__(
        self,
        *args,
        org,
        badge=None,
        initial_definition: Definition | None = None,
        groups=(),
        custom_fields=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.org, self.badge = org, badge
        self.custom_fields = list(custom_fields)
        self.section_errors: dict[str, list[str]] = {}
        self.fields["group"].choices = blank(*((str(g.pk), g.name) for g in groups))
        self.rolling_count = {
            scope: _rolling_rows(scope, initial_definition) for scope, _ in LIMIT_SETS
        }
        for scope, _ in LIMIT_SETS:
            self.fields[f"{scope}__overall"] = forms.IntegerField(required=False)
            for row in range(self.rolling_count[scope]):
                prefix = f"{scope}__rolling__{row}"
                self.fields[f"{prefix}__limit"] = forms.IntegerField(required=False)
                self.fields[f"{prefix}__value"] = forms.IntegerField(required=False)
                self.fields[f"{prefix}__unit"] = forms.ChoiceField(
                    required=False, choices=blank(*TimeUnit.choices)
                )
            prefix = f"{scope}__fixed_window"
            self.fields[f"{prefix}__max_earn_limit"] = forms.IntegerField(
                required=False, label="Max per cycle"
            )
            self.fields[f"{prefix}__duration_type"] = forms.ChoiceField(
                required=False, choices=blank(*TimeUnit.choices), label="Cycle unit"
            )
            self.fields[f"{prefix}__refresh_rate"] = forms.IntegerField(
                required=False, label="Cycle length"
            )
            self.fields[f"{prefix}__week_start_day"] = forms.ChoiceField(
                required=False, choices=blank(*Weekday.choices), label="Weeks start on"
            )
        for row in range(BENEFIT_ROWS):
            prefix = f"benefits__{row}"
            self.fields[f"{prefix}__type"] = forms.ChoiceField(
                required=False, choices=blank(*BenefitType.choices)
            )
            # Bounded as the API's benefit serializer bounds them.
            self.fields[f"{prefix}__reference_id"] = forms.CharField(required=False, max_length=100)
            self.fields[f"{prefix}__name"] = forms.CharField(required=False, max_length=200)
            self.fields[f"{prefix}__details"] = forms.CharField(
                required=False, widget=forms.TextInput
            )
        for field in self.custom_fields:
            if field.data_type == DataType.BOOLEAN:
                self.fields[f"cf__{field.pk}"] = forms.ChoiceField(
                    required=False,
                    choices=blank(("true", "Yes"), ("false", "No")),
                    label=field.name,
                )
            else:
                widget = (
                    forms.DateInput(attrs={"type": "date"})
                    if field.data_type == DataType.DATE
                    else None
                )
                self.fields[f"cf__{field.pk}"] = forms.CharField(
                    required=False, strip=False, label=field.name, widget=widget
                )
        self.fields["issue_type"].disabled = badge is not None
        self.stored_owners = initial_definition.owners if initial_definition else ()
        if initial_definition is not None and not self.is_bound:
            self.initial.update(initial_of(initial_definition))
        self._initial_definition = initial_definition
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"

    def errors_marked(self) -> "BadgeForm":
        """Inputs with an error are marked invalid and described by their message."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] += " is-invalid"
                attrs.update({"aria-invalid": "true", "aria-describedby": f"err-{name}"})
        return self

    def clean_description(self):
        """Browsers send a text area's line breaks as CRLF; the API's descriptions hold LF (or
        whatever a client sent), so one shown and sent back untouched keeps its stored text."""
        sent = self.cleaned_data["description"].replace("\r\n", "\n")
        stored = self._initial_definition.description if self._initial_definition else None
        return kept_as_stored(sent, stored, lines=True)

    def clean_name(self):
        stored = self._initial_definition.name if self._initial_definition else None
        return kept_as_stored(self.cleaned_data["name"], stored)

    # Reading the form into a Definition -------------------------------------------------

    def _instant(self, name):
        """The instant a wall-clock input names in the org's timezone, or the stored one when
        the form shows it unchanged (an input keeps minutes, a stored instant may hold seconds:
        a live badge's start must not move)."""
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        zone = self.org.tzinfo
        stored = _at(self._initial_definition, name) if self._initial_definition else None
        if stored is not None:
            shown = stored.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
            if value == shown:
                return stored
        try:
            return instant_in(value, zone)
        except forms.ValidationError as error:
            self.add_error(name, error)
            return None

    def _expiry(self, name) -> Expiry | None:
        data = self.cleaned_data
        kind = data.get(f"{name}__type")
        if not kind:
            return None
        return Expiry(
            type=kind,
            value=data.get(f"{name}__value") if kind == "RELATIVE" else None,
            unit=(data.get(f"{name}__unit") or None) if kind == "RELATIVE" else None,
            date=self._instant(f"{name}__date") if kind == IssueExpiryType.FIXED_DATE else None,
        )

    def _limit_set(self, scope) -> LimitSet:
        data = self.cleaned_data
        rolling = []
        self.rolling_rows[scope] = []
        for row in range(self.rolling_count[scope]):
            parts = [data.get(f"{scope}__rolling__{row}__{p}") for p in ("limit", "value", "unit")]
            if any(part not in (None, "") for part in parts):
                limit, value, unit = parts
                rolling.append(RollingWindow(limit=limit or 0, value=value or 0, unit=unit or ""))
                self.rolling_rows[scope].append(row)
        prefix = f"{scope}__fixed_window"
        fixed = None
        parts = ("max_earn_limit", "duration_type", "refresh_rate", "week_start_day")
        if any(data.get(f"{prefix}__{part}") not in (None, "") for part in parts):
            fixed = FixedWindow(
                max_earn_limit=data.get(f"{prefix}__max_earn_limit") or 0,
                duration_type=data.get(f"{prefix}__duration_type") or "",
                refresh_rate=data.get(f"{prefix}__refresh_rate") or 0,
                week_start_day=data.get(f"{prefix}__week_start_day") or None,
            )
        return LimitSet(
            overall=data.get(f"{scope}__overall"), rolling=tuple(rolling), fixed_window=fixed
        )

    def _benefits(self) -> tuple[Benefit, ...]:
        data, found = self.cleaned_data, []
        self.benefit_rows = []
        for row in range(BENEFIT_ROWS):
            prefix = f"benefits__{row}"
            kind, reference, name = (
                data.get(f"{prefix}__{p}") or "" for p in ("type", "reference_id", "name")
            )
            held = self._held_benefit(row)
            if held is not None:
                reference = kept_as_stored(reference, held.reference_id)
                name = kept_as_stored(name, held.name)
            text = (data.get(f"{prefix}__details") or "").strip()
            if not (kind or reference or name or text):
                continue
            for part, value in (("type", kind), ("reference_id", reference), ("name", name)):
                if not value.strip():  # as the API's serializer requires them
                    self.add_error(f"{prefix}__{part}", "This field is required.")
            try:
                details = json_object(text) if text else {}
            except forms.ValidationError as error:
                self.add_error(f"{prefix}__details", error)
                details = {}
            found.append(Benefit(type=kind, reference_id=reference, name=name, details=details))
            self.benefit_rows.append(row)
        return tuple(found)

    def _held_benefit(self, row: int) -> Benefit | None:
        held = self._initial_definition.benefits if self._initial_definition else ()
        return held[row] if row < len(held) else None

    def definition(self) -> Definition | None:
        """The definition the form holds, or None when a value didn't parse (its error is on
        its field)."""
        if not self.is_valid():
            return None
        self.rolling_rows = {}
        data = self.cleaned_data
        # The owners held, in the order they were added, then those ticked now.
        owners = tuple(dict.fromkeys([*self.stored_owners, *data["owners"]]))
        definition = Definition(
            name=data["name"],
            description=data["description"],
            start_on=self._instant("start_on"),
            expires_on=self._instant("expires_on"),
            issue_type=data["issue_type"],
            enrolment_expiry=self._expiry("enrolment_expiry"),
            issue_expiry=self._expiry("issue_expiry"),
            owners=owners,
            benefits=self._benefits(),
            customer_limit=self._limit_set("customer_limit"),
            badge_limit=self._limit_set("badge_limit"),
            group=uuid.UUID(data["group"]) if data["group"] else None,
            rank=data["rank"],
            custom_fields=self._custom_values(),
        )
        return None if self.errors else definition

    def _custom_values(self) -> tuple[FieldValue, ...]:
        """The values typed; a value emptied that the badge held is cleared (None). Ordered as
        ``definition_of`` orders them, so an unchanged form changes nothing."""
        held = (
            {v.field: v.value for v in self._initial_definition.custom_fields}
            if self._initial_definition
            else {}
        )
        found = []
        for field in self.custom_fields:
            text = self.cleaned_data.get(f"cf__{field.pk}")
            stored = held.get(field.pk)
            if field.data_type == DataType.STRING and isinstance(stored, str):
                text = kept_as_stored(text or "", stored)
                if text == stored:  # shown and sent back untouched, "" included
                    found.append(FieldValue(field=field.pk, value=stored))
                    continue
            if text not in (None, ""):
                found.append(FieldValue(field=field.pk, value=from_text(field.data_type, text)))
            elif field.pk in held:
                found.append(FieldValue(field=field.pk, value=None))
        return tuple(sorted(found, key=lambda value: str(value.field)))

    # Showing the services' refusals ------------------------------------------------------

    def add_violations(self, violations) -> None:
        for violation in violations:
            message = refusal_words(violation)
            name = self._field_of(violation.field)
            if name:
                self.add_error(name, message)
            else:
                section = violation.field.split(".")[0]
                self.section_errors.setdefault(section, []).append(message)

    def _field_of(self, path: str) -> str | None:
        """The form field a violation's path names: the path itself, or the first input of the
        row or group it names (rows counted among those filled in)."""
        parts = path.split(".")
        if len(parts) >= 3 and parts[1] == "rolling" and parts[2].isdigit():
            rows = self.rolling_rows.get(parts[0], [])
            index = int(parts[2])
            parts[2] = str(rows[index]) if index < len(rows) else parts[2]
        if parts[0] == "benefits" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            rows = getattr(self, "benefit_rows", [])
            parts[1] = str(rows[index]) if index < len(rows) else parts[1]
        name = "__".join(parts)
        for candidate in (
            name,
            f"{name}__limit",
            f"{name}__max_earn_limit",
            f"{name}__type",
            f"{name}__reference_id",
        ):
            if candidate in self.fields:
                return candidate
        return None

    # Sections, for the template ---------------------------------------------------------

    def limit_sets(self):
        for scope, title in LIMIT_SETS:
            yield {
                "title": title,
                "scope": scope,
                "overall": self[f"{scope}__overall"],
                "rolling": [
                    [self[f"{scope}__rolling__{row}__{p}"] for p in ("limit", "value", "unit")]
                    for row in range(self.rolling_count[scope])
                ],
                "fixed": [
                    self[f"{scope}__fixed_window__{p}"]
                    for p in ("max_earn_limit", "duration_type", "refresh_rate", "week_start_day")
                ],
                "errors": self.section_errors.get(scope, []),
            }

    def benefit_rows_shown(self):
        return [
            [self[f"benefits__{row}__{p}"] for p in ("type", "reference_id", "name", "details")]
            for row in range(BENEFIT_ROWS)
        ]

    def custom_field_inputs(self):
        return [self[f"cf__{field.pk}"] for field in self.custom_fields]


def _rolling_rows(scope: str, stored: Definition | None) -> int:
    """Rows of rolling windows for a limit set: every window it holds and one more, at least
    ``ROLLING_ROWS``. What a page sends beyond them is not read."""
    held = len(getattr(stored, scope).rolling) + 1 if stored else 0
    return max(ROLLING_ROWS, held)


def _at(definition: Definition, name: str):
    if name == "issue_expiry__date":
        return definition.issue_expiry.date if definition.issue_expiry else None
    return getattr(definition, name)


def initial_of(definition: Definition) -> dict:
    """A stored definition as the form's initial values."""
    initial = {
        "name": definition.name,
        "description": definition.description,
        "start_on": definition.start_on,
        "expires_on": definition.expires_on,
        "issue_type": definition.issue_type,
        "owners": list(definition.owners),
        "group": str(definition.group) if definition.group else "",
        "rank": definition.rank,
    }
    for name in ("enrolment_expiry", "issue_expiry"):
        expiry = getattr(definition, name)
        if expiry is not None:
            initial.update(
                {
                    f"{name}__type": expiry.type,
                    f"{name}__value": expiry.value,
                    f"{name}__unit": expiry.unit or "",
                }
            )
            if expiry.date:
                initial[f"{name}__date"] = expiry.date
    for scope, _ in LIMIT_SETS:
        limits = getattr(definition, scope)
        initial[f"{scope}__overall"] = limits.overall
        for row, window in enumerate(limits.rolling):
            prefix = f"{scope}__rolling__{row}"
            initial.update(
                {
                    f"{prefix}__limit": window.limit,
                    f"{prefix}__value": window.value,
                    f"{prefix}__unit": window.unit,
                }
            )
        if limits.fixed_window:
            fixed, prefix = limits.fixed_window, f"{scope}__fixed_window"
            initial.update(
                {
                    f"{prefix}__max_earn_limit": fixed.max_earn_limit,
                    f"{prefix}__duration_type": fixed.duration_type,
                    f"{prefix}__refresh_rate": fixed.refresh_rate,
                    f"{prefix}__week_start_day": fixed.week_start_day or "",
                }
            )
    for row, benefit in enumerate(definition.benefits):
        prefix = f"benefits__{row}"
        initial.update(
            {
                f"{prefix}__type": benefit.type,
                f"{prefix}__reference_id": benefit.reference_id,
                f"{prefix}__name": benefit.name,
                f"{prefix}__details": (
                    json.dumps(benefit.details, ensure_ascii=False) if benefit.details else ""
                ),
            }
        )
    for value in definition.custom_fields:
        shown = value.value
        initial[f"cf__{value.field}"] = (
            ("true" if shown else "false")
            if isinstance(shown, bool)
            else ("" if shown is None else str(shown))
        )
    return initial


class ClaimForm(forms.Form):
    """A claim added from the badge view: text bounded as the API's claim serializer bounds it;
    the rules (the module owns the badge, which is active and not ended) are the service's."""

    module = forms.ChoiceField(choices=Module.choices)
    reference = forms.CharField(max_length=200, required=False)
    detail = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if select else "form-control form-control-sm"
            )


class OwnerForm(forms.Form):
    module = forms.ChoiceField(
        choices=Module.choices, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
