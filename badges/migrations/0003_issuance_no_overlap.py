"""On PostgreSQL, the database itself refuses two overlapping non-revoked issuances of one badge
to one customer: a backstop behind the service's row locks (see docs/concurrency.md).

Validity is ``[issued_on, expires_on)``; an issuance born expired has an empty range and a
NEVER issuance an unbounded one. SQLite has no exclusion constraints and relies on the service.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE badges_issuance ADD CONSTRAINT issuance_no_overlap EXCLUDE USING gist (
    badge_id WITH =,
    customer_id WITH =,
    tstzrange(
        issued_on,
        CASE WHEN expires_on IS NULL THEN NULL ELSE GREATEST(expires_on, issued_on) END,
        '[)'
    ) WITH &&
) WHERE (revoked_on IS NULL);
"""
DROP = "ALTER TABLE badges_issuance DROP CONSTRAINT IF EXISTS issuance_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("badges", "0002_issuance")]

    operations = [migrations.RunPython(create, drop)]
