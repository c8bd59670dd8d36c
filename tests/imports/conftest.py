from datetime import UTC, datetime

import pytest

from tests.factories import BadgeFactory


@pytest.fixture
def badge(org_a):
    """Org A's badge running through September 2026 (UTC), which earned rows name by its
    import external id "old-7"."""
    return BadgeFactory(
        org=org_a,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        external_id="old-7",
    )
