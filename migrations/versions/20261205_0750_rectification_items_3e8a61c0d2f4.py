"""Rectification items: 问题/责任/整改 lists carried into next year's report (CO-05, SX-12; RLS).

Revision ID: 3e8a61c0d2f4
Revises: 5c1d7a9e3b42
Create Date: 2026-12-05 07:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shuzhi.tenancy import rls

revision: str = "3e8a61c0d2f4"
down_revision: str | None = "5c1d7a9e3b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "rectification_items"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=100), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "in_progress", "done", name="itemstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "self_review",
                "superior",
                "masses",
                "opinion",
                name="itemsource",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_rectification_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_rectification_items_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_rectification_items_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_items")),
    )
    op.create_index(op.f("ix_rectification_items_tenant_id"), TABLE, ["tenant_id"])
    op.create_index("ix_rectification_items_tenant_id_org_id_year", TABLE, ["tenant_id", "org_id", "year"])
    rls.enable_tenant_rls(TABLE)
    # The app's role gets its grants from the schema's default privileges (rls.create_app_role,
    # first migration); calling that again here would re-grant UPDATE/DELETE on audit_events.


def downgrade() -> None:
    op.drop_table(TABLE)
