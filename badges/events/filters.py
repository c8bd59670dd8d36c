"""The list filters of events and rules, shared by the API's lists and the browser UI's pages."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from badges.events.choices import EventStatus, EventType, RuleAction
from badges.events.models import Event, Rule
from badges.filters import BOOLEAN_CHOICES, ChoiceFilter
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
    """``rules/``: by event type, action and activation. ``is_active`` is ``true`` or ``false``
    and nothing else (django-filter's boolean reads any other value as "no filter")."""

    event_type = django_filters.MultipleChoiceFilter(choices=EventType.choices)
    action = django_filters.MultipleChoiceFilter(choices=RuleAction.choices)
    is_active = ChoiceFilter(choices=BOOLEAN_CHOICES, method="filter_is_active")

    class Meta:
        model = Rule
        fields = []

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_is_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")
