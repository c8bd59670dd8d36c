from datetime import datetime, time

from django.utils.dateparse import parse_date
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class OrgDateTimeField(serializers.DateTimeField):
    """ISO 8601 datetimes read and written in the acting org's timezone.

    A date alone means midnight in the org's timezone; a datetime without offset is local to
    the org too. Output carries the org's offset.
    """

    def default_timezone(self):
        org = self.context.get("org")
        return org.tzinfo if org is not None else super().default_timezone()

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value.strip()) == 10:
            day = parse_date(value.strip())
            if day is not None:
                return datetime.combine(day, time(0), tzinfo=self.default_timezone())
        return super().to_internal_value(value)


class StatusAtField(serializers.ChoiceField):
    """A status derived from the clock: ``status_at(now)`` of the object, at the request's
    time."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        return instance.status_at(self.context["now"])


@extend_schema_field(serializers.ListField(child=serializers.DictField()))
class ImageSlotsField(serializers.ReadOnlyField):
    """A badge's image slots; they come with the images feature (SPEC 9), none until then."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, instance) -> list:
        return []
