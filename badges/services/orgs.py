"""Orgs, their members and their settings (SPEC 2)."""

import base64
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from badges.exceptions import RuleViolation, Violation
from badges.models import ORG_SETTINGS, Membership, Organization, Role
from badges.webhooks.addresses import webhook_url_refusal


def _checked(org: Organization, exclude: list[str] | None = None) -> None:
    """Run the model's validators, reporting each failure with its code."""
    try:
        org.full_clean(exclude=exclude)
    except ValidationError as error:
        raise RuleViolation(
            *(
                Violation(
                    code=(e.code or "INVALID").upper(), message=" ".join(e.messages), field=field
                )
                for field, errors in error.error_dict.items()
                for e in errors
            )
        ) from error


def _unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def org_create(
    *, name: str, timezone: str, username: str, password: str | None = None
) -> tuple[Organization, Token]:
    """Create an org with its first admin (an existing user or a new one) and an API token."""
    org = Organization(name=name, slug=_unique_slug(name), timezone=timezone)
    _checked(org, exclude=["slug"])
    org.save()
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created or password:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    Membership.objects.create(org=org, user=user, role=Role.ADMIN)
    token, _ = Token.objects.get_or_create(user=user)
    return org, token


@transaction.atomic
def org_update(*, org: Organization, **changes: Any) -> Organization:
    """Change the org's settings (admins only; the face checks the role)."""
    unknown = set(changes).difference(ORG_SETTINGS)
    if unknown:
        raise TypeError(f"org_update() got unknown settings: {sorted(unknown)}")
    org = Organization.objects.select_for_update().get(pk=org.pk)
    for key, value in changes.items():
        setattr(org, key, value)
    _checked(org)
    if "webhook_url" in changes and org.webhook_url:
        _check_webhook_url(org.webhook_url)
        if not org.webhook_secret:
            org.webhook_secret = new_webhook_secret()
    org.save()
    return org


def webhook_secret_made(before: Organization, after: Organization, changes) -> str | None:
    """The secret ``org_update`` generated for a webhook URL set without one (``changes`` did
    not name one), for its caller to show once."""
    made = "webhook_secret" not in changes and not before.webhook_secret
    return after.webhook_secret if made and after.webhook_secret else None


def _check_webhook_url(url: str) -> None:
    """Deliveries go to public addresses only (SPEC 13), unless the settings allow private
    networks: an endpoint inside ours would let an org probe it."""
    refusal = webhook_url_refusal(url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS)
    if refusal:
        raise RuleViolation.one("WEBHOOK_URL_NOT_PUBLIC", refusal, "webhook_url")


WEBHOOK_SECRET_PREFIX = "whsec_"
WEBHOOK_SECRET_BYTES = 32


def new_webhook_secret() -> str:
    """A fresh Standard Webhooks signing secret (SPEC 13): ``whsec_`` and the base64 of 32
    random bytes, the key deliveries are signed with once decoded."""
    key = secrets.token_bytes(WEBHOOK_SECRET_BYTES)
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def webhook_secret_generate(*, org: Organization) -> tuple[Organization, str]:
    """Give the org a new signing secret, replacing any it had (admins only; the face checks
    the role), in one transaction on the locked org row. Answers the org and the secret, which
    its caller shows once: reads only ever say whether a secret is set."""
    secret = new_webhook_secret()
    return org_update(org=org, webhook_secret=secret), secret


@transaction.atomic
def membership_set(*, org: Organization, user, role: Role) -> Membership:
    """Give ``user`` the ``role`` in ``org``, adding them as a member if needed."""
    membership, _ = Membership.objects.update_or_create(org=org, user=user, defaults={"role": role})
    return membership
