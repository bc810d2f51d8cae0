"""Report versions: a submitted version's content never changes, also below the ORM (CO-02).

Revision ID: 9b1f4c2e7d10
Revises: 7a3c9e51b2d4
Create Date: 2026-12-05 04:25:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9b1f4c2e7d10"
down_revision: str | None = "7a3c9e51b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The ORM refuses such changes at flush (shuzhi.reports.models); this trigger refuses them
# for any SQL on PostgreSQL too. Deletes stay possible: a tenant's or campaign's removal
# cascades to its reports.
FUNCTION = """
CREATE OR REPLACE FUNCTION report_versions_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.kind = 'submitted' AND (
        NEW.text IS DISTINCT FROM OLD.text
        OR NEW.corrections::text IS DISTINCT FROM OLD.corrections::text
        OR NEW."check"::text IS DISTINCT FROM OLD."check"::text
        OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
        OR NEW.attestation::text IS DISTINCT FROM OLD.attestation::text
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.report_id IS DISTINCT FROM OLD.report_id
    ) THEN
        RAISE EXCEPTION 'report version % is submitted and frozen (CO-02)', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute(
        "CREATE TRIGGER report_versions_frozen BEFORE UPDATE ON report_versions "
        "FOR EACH ROW EXECUTE FUNCTION report_versions_frozen()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS report_versions_frozen ON report_versions")
    op.execute("DROP FUNCTION IF EXISTS report_versions_frozen()")
