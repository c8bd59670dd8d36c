"""The outbox's completeness, checked in SQL after the concurrency proofs (SPEC 13): every
issue, revocation and expiry made through the services has its notification, and no
notification tells of a change that did not commit."""

from django.db import connection

CHECKS = {
    "issuances without badge.issued": """
        SELECT count(*) FROM badges_issuance i
        WHERE i.source <> 'IMPORT' AND NOT EXISTS (
            SELECT 1 FROM badges_notification n
            WHERE n.issual_id = i.issual_id AND n.type = 'badge.issued')
    """,
    "revocations without badge.revoked": """
        SELECT count(*) FROM badges_issuance i
        WHERE i.revoked_on IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM badges_notification n
            WHERE n.issual_id = i.issual_id AND n.type = 'badge.revoked')
    """,
    "expiries without badge.expired": """
        SELECT count(*) FROM badges_issuance i
        WHERE i.status = 'EXPIRED' AND NOT EXISTS (
            SELECT 1 FROM badges_notification n
            WHERE n.issual_id = i.issual_id AND n.type = 'badge.expired')
    """,
    "badge.revoked of an issuance not revoked": """
        SELECT count(*) FROM badges_notification n
        JOIN badges_issuance i ON i.issual_id = n.issual_id
        WHERE n.type = 'badge.revoked' AND i.revoked_on IS NULL
    """,
    "badge.expired of an issuance never expired": """
        SELECT count(*) FROM badges_notification n
        JOIN badges_issuance i ON i.issual_id = n.issual_id
        WHERE n.type = 'badge.expired' AND i.status = 'ACTIVE'
    """,
    "badge.issued of an imported issuance": """
        SELECT count(*) FROM badges_notification n
        JOIN badges_issuance i ON i.issual_id = n.issual_id
        WHERE n.type = 'badge.issued' AND i.source = 'IMPORT'
    """,
}


def outbox_discrepancies() -> dict[str, int]:
    """Each check that found rows, with how many (empty when the outbox is complete)."""
    found = {}
    with connection.cursor() as cursor:
        for name, sql in CHECKS.items():
            cursor.execute(sql)
            (count,) = cursor.fetchone()
            if count:
                found[name] = count
    return found
