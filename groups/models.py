import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from badges.rows import LoadedFromRows

MIN_RANK = -1_000_000_000
MAX_RANK = 1_000_000_000


class BadgeGroup(LoadedFromRows, models.Model):
    """A group of badges for the customer display order (SPEC 10): groups come by rank.

    A disabled or deleted group counts as no group for every badge that names it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(
        "badges.Organization", on_delete=models.PROTECT, related_name="badge_groups"
    )
    name = models.CharField(max_length=100)
    rank = models.IntegerField()
    is_active = models.BooleanField(default=True)
    created_on = models.DateTimeField()
    updated_on = models.DateTimeField()

    class Meta:
        ordering = ["rank", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "org",
                condition=Q(is_active=True),
                name="group_name_unique_among_active",
            ),
            models.CheckConstraint(
                condition=Q(rank__gte=MIN_RANK, rank__lte=MAX_RANK), name="group_rank_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name
