"""The list filters of events and rules, shared by the API's lists and the browser UI's pages."""

import django_filters

from badges.events.choices import EventStatus, EventType, RuleAction
from badges.events.models import Event, Rule
from badges.values import CUSTOMER_ID_MAX_LENGTH


class EventFilter(django_filters.FilterSet):
    """``events/``: by customer, and by type and status (each repeatable: any of the values)."""

    customer = django_filters.CharFilter(
        field_name="customer_id",
        max_length=CUSTOMER_ID_MAX_LENGTH,
        help_text="The customer's id, as the loyalty system knows them.",
    )
    event_type = django_filters.MultipleChoiceFilter(choices=EventType.choices)
    status = django_filters.MultipleChoiceFilter(choices=EventStatus.choices)

    class Meta:
        model = Event
        fields = []


class RuleFilter(django_filters.FilterSet):
    """``rules/``: by event type, action and activation."""

    event_type = django_filters.MultipleChoiceFilter(choices=EventType.choices)
    action = django_filters.MultipleChoiceFilter(choices=RuleAction.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Rule
        fields = []
