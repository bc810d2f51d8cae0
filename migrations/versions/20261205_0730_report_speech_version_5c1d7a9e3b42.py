"""Report versions keep the on-site speech version (现场述职稿, SX-06), frozen on submit too.

Revision ID: 5c1d7a9e3b42
Revises: 9b1f4c2e7d10
Create Date: 2026-12-05 07:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1d7a9e3b42"
down_revision: str | None = "9b1f4c2e7d10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The frozen-version trigger (9b1f4c2e7d10) with the speech among the frozen columns.
_CHECKS = """
        NEW.text IS DISTINCT FROM OLD.text
        OR NEW.corrections::text IS DISTINCT FROM OLD.corrections::text
        OR NEW."check"::text IS DISTINCT FROM OLD."check"::text
        OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
        OR NEW.attestation::text IS DISTINCT FROM OLD.attestation::text
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.report_id IS DISTINCT FROM OLD.report_id"""

FUNCTION = """
CREATE OR REPLACE FUNCTION report_versions_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.kind = 'submitted' AND ({checks}
    ) THEN
        RAISE EXCEPTION 'report version % is submitted and frozen (CO-02)', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    with op.batch_alter_table("report_versions") as batch:
        batch.add_column(sa.Column("speech", sa.Text(), server_default="", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        checks = _CHECKS + "\n        OR NEW.speech IS DISTINCT FROM OLD.speech"
        op.execute(FUNCTION.format(checks=checks))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION.format(checks=_CHECKS))
    with op.batch_alter_table("report_versions") as batch:
        batch.drop_column("speech")
