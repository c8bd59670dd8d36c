"""Badge and issuance reads built directly: what ``BadgeSerializer``, ``IssuanceSerializer`` and
``CustomerBadgeSerializer`` declare, without DRF's field machinery, which cost several times
more than reading the rows (a page of badges walks some 2,000 fields).

The declared serializers stay the schema and the reference: ``tests/api/test_read_shapes.py``
holds each read equal, byte for byte, to what DRF renders walking the declared fields. A field
added to a serializer must be added here too, or that test fails."""

import functools
from datetime import tzinfo
from uuid import UUID

from django.db.models.manager import BaseManager
from rest_framework import serializers

from badges.models import Badge, Issuance, IssueExpiryType, LimitScope
from badges.values import Expiry, LimitSet
from badges.windows import ConfigState, config_states
from badges_project.api.fields import instant_shown
from customfields.selectors import badge_field_reads

from ..fields import image_slots


def expiry_shown(expiry: Expiry | None, zone: tzinfo) -> dict | None:
    if expiry is None:
        return None
    if expiry.type == "RELATIVE":
        return {"type": expiry.type, "value": expiry.value, "unit": expiry.unit}
    if expiry.type == IssueExpiryType.FIXED_DATE:
        return {"type": expiry.type, "date": instant_shown(expiry.date, zone)}
    return {"type": expiry.type}


def benefit_rows_shown(rows) -> list[dict]:
    """A badge's benefits, from its benefit rows."""
    return [
        {
            "type": str(row.type),
            "reference_id": str(row.reference_id),
            "name": str(row.name),
            "details": {str(key): value for key, value in row.details.items()},
        }
        for row in rows
    ]


def granted_benefits_shown(benefits: list[dict]) -> list[dict]:
    """The benefits an issuance granted, as it stored them."""
    return [
        {
            "type": str(b["type"]),
            "reference_id": str(b["reference_id"]),
            "name": str(b["name"]),
            "details": {str(key): value for key, value in b.get("details", {}).items()},
        }
        for b in benefits
    ]


def limit_set_shown(limits: LimitSet) -> dict:
    fixed = limits.fixed_window
    return {
        "overall": None if limits.overall is None else int(limits.overall),
        "rolling": [
            {"limit": int(w.limit), "value": int(w.value), "unit": str(w.unit)}
            for w in limits.rolling
        ],
        "fixed_window": None
        if fixed is None
        else {
            "max_earn_limit": int(fixed.max_earn_limit),
            "duration_type": str(fixed.duration_type),
            "refresh_rate": int(fixed.refresh_rate),
            "week_start_day": fixed.week_start_day,
        },
    }


def _cycle_shown(cycle, zone: tzinfo) -> dict | None:
    if cycle is None:
        return None
    return {
        "starts_on": instant_shown(cycle.start, zone),
        "ends_on": instant_shown(cycle.end, zone),
    }


def config_state_shown(state: ConfigState, zone: tzinfo) -> dict:
    config = state.config
    return {
        "id": int(config.id),
        "scope": str(config.scope),
        "status": str(state.status),
        "max_earn_limit": int(config.max_earn_limit),
        "duration_type": str(config.duration_type),
        "refresh_rate": int(config.refresh_rate),
        "week_start_day": config.week_start_day or None,
        "starts_on": instant_shown(config.starts_on, zone),
        "ends_on": instant_shown(state.ends_on, zone),
        "current_cycle": _cycle_shown(state.current_cycle, zone),
        "next_cycle": _cycle_shown(state.next_cycle, zone),
    }


@functools.lru_cache(maxsize=4096)
def key_shown(key: UUID) -> str:
    """The text of a key many rows of a page share (a custom field's, a group's), written once
    per process: ``str`` of a UUID is Python, a microsecond each."""
    return str(key)


def field_reads_shown(badge: Badge) -> list[dict]:
    return [
        {
            "field": key_shown(read.field),
            "name": str(read.name),
            "data_type": str(read.data_type),
            "value": read.value,
        }
        for read in badge_field_reads(badge)
    ]


def _username(user) -> str | None:
    return None if user is None else user.username


def badge_shown(badge: Badge, zone: tzinfo, now) -> dict:
    """A badge as every badge read shows it (``BadgeSerializer``)."""
    return {
        "id": str(badge.id),
        "name": badge.name,
        "description": badge.description,
        "start_on": instant_shown(badge.start_on, zone),
        "expires_on": instant_shown(badge.expires_on, zone),
        "status": str(badge.status_at(now)),
        "is_active": badge.is_active,
        "issue_type": str(badge.issue_type),
        "enrolment_expiry": expiry_shown(badge.enrolment_expiry, zone),
        "issue_expiry": expiry_shown(badge.issue_expiry, zone),
        "owners": [owner.module for owner in badge.rows("owners")],
        "claims": [
            {
                "module": str(claim.module),
                "reference": str(claim.reference),
                "detail": str(claim.detail),
                "claimed_on": instant_shown(claim.claimed_on, zone),
            }
            for claim in badge.rows("claims")
        ],
        "benefits": benefit_rows_shown(badge.rows("benefits")),
        "images": image_slots(badge),
        "customer_limit": limit_set_shown(badge.limit_set(LimitScope.CUSTOMER, now)),
        "badge_limit": limit_set_shown(badge.limit_set(LimitScope.BADGE, now)),
        "fixed_windows": [
            config_state_shown(state, zone)
            for state in config_states(badge.rows("fixed_window_configs"), now)
        ],
        "group": None if badge.group_id is None else key_shown(badge.group_id),
        "rank": badge.rank,
        "custom_fields": field_reads_shown(badge),
        "issued_count": int(badge.issued_count),
        "issued_count_synced_at": instant_shown(badge.issued_count_synced_at, zone),
        "created_on": instant_shown(badge.created_on, zone),
        "created_by": _username(badge.created_by),
        "updated_on": instant_shown(badge.updated_on, zone),
        "updated_by": _username(badge.updated_by),
    }


def issuance_shown(issuance: Issuance, zone: tzinfo, now) -> dict:
    """An issuance as every issuance read shows it (``IssuanceSerializer``)."""
    by = issuance.triggered_by
    return {
        "issual_id": str(issuance.issual_id),
        "badge": key_shown(issuance.badge_id),
        "customer_id": issuance.customer.customer_id,
        "event_date": instant_shown(issuance.event_date, zone),
        "issued_on": instant_shown(issuance.issued_on, zone),
        "expires_on": instant_shown(issuance.expires_on, zone),
        "status": str(issuance.status_at(now)),
        "source": str(issuance.source),
        "triggered_by": {"module": str(by["module"]), "reference": str(by["reference"])}
        if by
        else None,
        "benefits": granted_benefits_shown(issuance.benefits),
        "revoked_on": instant_shown(issuance.revoked_on, zone),
        "revoke_reason": str(issuance.revoke_reason),
    }


def active_group_shown(badge: Badge) -> dict | None:
    """The badge's group as customers see it: none when it has none or it is disabled."""
    group = badge.group
    if group is None or not group.is_active:
        return None
    return {"id": key_shown(group.id), "name": group.name, "rank": int(group.rank)}


def customer_badge_shown(issuance: Issuance, zone: tzinfo, now) -> dict:
    """An issuance with its badge's display data (``CustomerBadgeSerializer``)."""
    badge = issuance.badge
    return {
        **issuance_shown(issuance, zone, now),
        "badge_name": badge.name,
        "badge_description": badge.description,
        "images": image_slots(badge),
        "group": active_group_shown(badge),
        "rank": badge.rank,
        "custom_fields": field_reads_shown(badge),
    }


class ShownPage(serializers.ListSerializer):
    """A page of reads built directly by its child's ``shown`` (one of the functions above):
    the org's zone and the request's clock are looked up once for the page, where each row's
    ``to_representation`` looks them up in the serializer's context again."""

    def to_representation(self, data) -> list[dict]:
        rows = data.all() if isinstance(data, BaseManager) else data  # as DRF's does
        zone, now, shown = self.context["org"].tzinfo, self.context["now"], self.child.shown
        return [shown(item, zone, now) for item in rows]
