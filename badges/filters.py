"""The list filters of badges and of a customer's badges, shared by the API's lists and the browser
UI's Badge Universe: one filter class, so the same parameters mean the same thing on both."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django_filters.widgets import BaseCSVWidget
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field

from badges import selectors
from badges.models import (
    Badge,
    BadgeStatus,
    Issuance,
    IssuanceStatus,
    Module,
    Notification,
    NotificationStatus,
    NotificationType,
)
from badges.selectors import customers as customer_selectors
from badges.values import CUSTOMER_ID_MAX_LENGTH
from groups import selectors as group_selectors
from groups.models import BadgeGroup

BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]
SEARCH_MAX_LENGTH = 100


def org_groups(request):
    """Choices of a ``group`` filter: the acting org's groups only."""
    org = getattr(request, "org", None)
    return group_selectors.group_list(org=org) if org else BadgeGroup.objects.none()


def org_badges(request):
    """Choices of a ``badge`` filter: the acting org's badges only."""
    org = getattr(request, "org", None)
    return selectors.badges_of(org=org) if org else Badge.objects.none()


class OrderingWidget(BaseCSVWidget, forms.TextInput):
    """Ordering terms, in order, from one comma-separated value (the schema's form, explode
    false) or from the parameter repeated, as some generated clients send a list. An empty
    term (``ordering=``, ``name,``) stays, for the filter to refuse: the schema asks for at
    least one term when the parameter is sent."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        terms = [term for value in values if value is not None for term in value.split(",")]
        return terms or None


class TermChoiceField(django_filters.fields.ChoiceField):
    """One of the choices when sent, never empty (django-filter reads an empty value as "no
    filter", which the schema's enum does not allow; an absent parameter arrives as None)."""

    def clean(self, value):
        if value == "":
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""}
            )
        return super().clean(value)


class OrderingFilter(django_filters.OrderingFilter):
    field_class = TermChoiceField


class ChoiceFilter(django_filters.ChoiceFilter):
    field_class = TermChoiceField


BADGE_ORDERINGS = ["name", "start_on", "expires_on", "created_on", "updated_on", "issued_count"]
BADGE_ORDERING = OpenApiParameter(
    "ordering",
    {
        "type": "array",
        "items": {
            "type": "string",
            "enum": [*BADGE_ORDERINGS, *(f"-{f}" for f in BADGE_ORDERINGS)],
        },
        "minItems": 1,
    },
    style="form",
    explode=False,
    description="Fields to order by, `-` for descending, comma-separated; ties end on the id.",
)


class BadgeFilter(django_filters.FilterSet):
    """Badge Universe filters: each repeatable (any of the values), all combinable."""

    status = django_filters.MultipleChoiceFilter(
        choices=BadgeStatus.choices, method="filter_status"
    )
    is_active = django_filters.MultipleChoiceFilter(
        choices=BOOLEAN_CHOICES, method="filter_is_active"
    )
    owner = django_filters.MultipleChoiceFilter(choices=Module.choices, method="filter_owner")
    claimed_by = django_filters.MultipleChoiceFilter(
        choices=Module.choices, method="filter_claimed_by"
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Part of the badge name, ignoring case.",
    )
    group = django_filters.ModelMultipleChoiceFilter(
        queryset=org_groups,
        distinct=False,  # a badge has one group: no duplicates to remove
        help_text="Group id; repeatable (any of them).",
    )
    ordering = OrderingFilter(
        fields=BADGE_ORDERINGS,
        widget=OrderingWidget,
    )

    class Meta:
        model = Badge
        fields = []

    def _now(self):
        return getattr(self.request, "now", None) or timezone.now()

    def filter_status(self, queryset, name, value):
        return queryset.filter(selectors.badge_status_q(value, self._now()))

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_is_active(self, queryset, name, value):
        return queryset.filter(is_active__in=[v == "true" for v in value])

    def filter_owner(self, queryset, name, value):
        return queryset.filter(selectors.badges_owned_by_q(value))

    def filter_claimed_by(self, queryset, name, value):
        return queryset.filter(selectors.badges_claimed_by_q(value))

    @extend_schema_field({"type": "string", "maxLength": SEARCH_MAX_LENGTH})
    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value.strip()))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        ordering = queryset.query.order_by
        return queryset.order_by(*ending_on_the_id(ordering)) if ordering else queryset

    @classmethod
    def ordering_alone(cls, params) -> tuple[str, ...] | None:
        """The ordering of a call that sends no filter but ``ordering`` (or none), each term
        one of the choices and naming a field of its own: what ``filter_queryset`` orders
        by. None for any other call, whose filters apply (or refuse)."""
        if any(name in params for name in cls.base_filters if name != "ordering"):
            return None
        terms = OrderingWidget().value_from_datadict(params, {}, "ordering")
        if terms is None:
            return tuple(Badge._meta.ordering)
        fields = [term.removeprefix("-") for term in terms]
        if len(set(fields)) < len(fields) or not set(fields) <= set(BADGE_ORDERINGS):
            return None
        return ending_on_the_id(terms)


def ending_on_the_id(terms) -> tuple[str, ...]:
    """Any explicit ordering still ends on the id, so pages never overlap."""
    return (*terms, "id")


class CustomerBadgeFilter(django_filters.FilterSet):
    """Filters of a customer's badges (each repeatable) and the ``sort_on`` alternatives to
    the display order of SPEC 10."""

    status = django_filters.MultipleChoiceFilter(
        choices=IssuanceStatus.choices, method="filter_status"
    )
    badge = django_filters.ModelMultipleChoiceFilter(
        queryset=org_badges,
        distinct=False,  # an issuance has one badge: no duplicates to remove
        help_text="Badge id; repeatable (any of them).",
    )
    group = django_filters.ModelMultipleChoiceFilter(
        field_name="badge__group",  # also tells the schema the choices are groups
        queryset=org_groups,
        method="filter_group",
        help_text="Group id; repeatable (any of them). A disabled group holds no badge here.",
    )
    sort_on = ChoiceFilter(
        choices=[(key, key) for key in customer_selectors.CUSTOMER_BADGE_SORTS],
        method="filter_sort_on",
        help_text="Order by issue date, issuance expiry or badge name (`-` for descending) "
        "instead of the display order; ties keep the display order.",
    )

    class Meta:
        model = Issuance
        fields = []

    @classmethod
    def display_order_alone(cls, params) -> bool:
        """Whether a call sends none of these filters (nor ``sort_on``): its page is every
        issuance of the customer in the display order, read without them."""
        return not any(name in params for name in cls.base_filters)

    def filter_status(self, queryset, name, value):
        return queryset.filter(selectors.issuance_status_q(value, self.request.now))

    def filter_group(self, queryset, name, value):
        return (
            queryset.filter(customer_selectors.issuances_in_groups_q(value)) if value else queryset
        )

    def filter_sort_on(self, queryset, name, value):
        return queryset.order_by(*customer_selectors.customer_badge_order(value))


class NotificationFilter(django_filters.FilterSet):
    """Filters of the outbox (``notifications/``): each repeatable (any of the values)."""

    status = django_filters.MultipleChoiceFilter(choices=NotificationStatus.choices)
    type = django_filters.MultipleChoiceFilter(choices=NotificationType.choices)
    customer = django_filters.CharFilter(
        field_name="customer__customer_id",
        max_length=CUSTOMER_ID_MAX_LENGTH,
        help_text="The customer's id, as the loyalty system knows them.",
    )

    class Meta:
        model = Notification
        fields = []
