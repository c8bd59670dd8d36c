from datetime import datetime
from typing import Any

from badges.models import Badge, BadgeChange


def change_record(
    *, badge: Badge, action: BadgeChange.Action, actor, now: datetime, changes: dict[str, Any]
) -> BadgeChange:
    """Append one entry to the badge's change history (inside the caller's transaction)."""
    return BadgeChange.objects.create(
        badge=badge, action=action, actor=actor, changed_on=now, changes=changes
    )
