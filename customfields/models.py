import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from badges.rows import LoadedFromRows
from customfields.values import DataType


class CustomField(LoadedFromRows, models.Model):
    """An org-level custom field definition (SPEC 11).

    Values (the default here, a badge's in BadgeFieldValue) are stored as normalised text
    (``true``, ``42``, ``2026-10-01``) and read back typed by ``customfields.values``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(
        "badges.Organization", on_delete=models.PROTECT, related_name="custom_fields"
    )
    name = models.CharField(max_length=100)
    data_type = models.CharField(max_length=10, choices=DataType.choices)
    is_mandatory = models.BooleanField(default=False)
    # NULL is "no default", which differs from the empty STRING "".
    default_value = models.TextField(null=True, blank=True)  # noqa: DJ001
    is_active = models.BooleanField(default=True)
    created_on = models.DateTimeField()
    updated_on = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "org",
                condition=Q(is_active=True),
                name="custom_field_name_unique_among_active",
            ),
            models.CheckConstraint(
                condition=Q(is_mandatory=False) | Q(default_value__isnull=False),
                name="custom_field_mandatory_has_default",
            ),
            models.CheckConstraint(
                condition=Q(data_type__in=DataType.values), name="custom_field_data_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BadgeFieldValue(LoadedFromRows, models.Model):
    """A badge's value for one custom field, as normalised text."""

    badge = models.ForeignKey(
        "badges.Badge", on_delete=models.CASCADE, related_name="custom_field_values"
    )
    field = models.ForeignKey(CustomField, on_delete=models.PROTECT, related_name="values")
    value = models.TextField()

    class Meta:
        ordering = ["field__name", "field_id"]
        constraints = [
            models.UniqueConstraint(fields=["badge", "field"], name="badge_field_value_once"),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.value}"
