from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, URLValidator
from django.db import models

from badges.rows import LoadedFromRows
from badges.values import is_timezone_name


class WebhookURLField(models.URLField):
    """A URL deliveries can be posted to: http or https (URLField also takes ftp)."""

    default_validators = [URLValidator(schemes=["http", "https"])]


def validate_timezone(value: str) -> None:
    if not is_timezone_name(value):
        raise ValidationError(f"'{value}' is not an IANA timezone name.", code="TIMEZONE_INVALID")


class Organization(LoadedFromRows, models.Model):
    """A brand: the tenant every other object belongs to."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    retro_max_allowed_age_days = models.PositiveIntegerField(
        default=30, validators=[MaxValueValidator(3650)]
    )
    retro_delay_since_registration_hours = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(24 * 3650)]
    )
    revoke_on_return = models.BooleanField(default=False)
    # Deliveries are HTTP requests: an ftp URL, which URLField takes, is no endpoint.
    webhook_url = WebhookURLField(blank=True)
    webhook_secret = models.CharField(max_length=200, blank=True)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# What an org's admins change (API, admin and the org service share this list).
ORG_SETTINGS = (
    "name",
    "timezone",
    "retro_max_allowed_age_days",
    "retro_delay_since_registration_hours",
    "revoke_on_return",
    "webhook_url",
    "webhook_secret",
)


class Role(models.TextChoices):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


ROLE_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}


class Membership(LoadedFromRows, models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "user"], name="membership_unique_per_org"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.org}"

    def has_role(self, needed: Role) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[needed]
