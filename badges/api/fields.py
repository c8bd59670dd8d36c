from datetime import datetime, time

from django.utils.dateparse import parse_date
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
