"""The overlap constraint of migration 0003 with the customer first: the same refusal (one
badge, one customer, overlapping validity, non-revoked), its GiST index ordered by the key
that tells entries apart. With the badge first, a GiST page split on a badge holding
thousands of customers' issuances, and every insert walked them: putting the customer first
cut an import's inserts of 1,000,000 rows by a fifth (docs/performance.md, "Imports (#16)").
Rebuilding it reads the whole table under an exclusive lock: minutes at millions of
issuances (docs/deploy.md)."""

from django.db import migrations

RANGE = """tstzrange(
        issued_on,
        CASE WHEN expires_on IS NULL THEN NULL ELSE GREATEST(expires_on, issued_on) END,
        '[)'
    ) WITH &&"""


def constraint(first: str, second: str) -> str:
    return f"""
ALTER TABLE badges_issuance DROP CONSTRAINT IF EXISTS issuance_no_overlap;
ALTER TABLE badges_issuance ADD CONSTRAINT issuance_no_overlap EXCLUDE USING gist (
    {first} WITH =,
    {second} WITH =,
    {RANGE}
) WHERE (revoked_on IS NULL);
"""


def customer_first(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(constraint("customer_id", "badge_id"))


def badge_first(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(constraint("badge_id", "customer_id"))


class Migration(migrations.Migration):
    dependencies = [("badges", "0014_imports")]

    operations = [migrations.RunPython(customer_first, badge_first)]
