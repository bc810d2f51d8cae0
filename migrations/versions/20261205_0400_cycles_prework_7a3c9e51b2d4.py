"""Cycles pre-meeting work: research visits, verification and guidance groups, plan filings (RLS).

Revision ID: 7a3c9e51b2d4
Revises: d55bf144d38f
Create Date: 2026-12-05 04:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shuzhi.tenancy import rls

revision: str = "7a3c9e51b2d4"
down_revision: str | None = "d55bf144d38f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = ("research_visits", "work_groups", "group_assignments", "plan_filings")


def _base(table: str) -> list[sa.Column]:
    return [
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f(f"fk_{table}_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "research_visits",
        *_base("research_visits"),
        sa.Column("reporter_id", ID, nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visitors", sa.String(length=300), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["reporters.id"],
            name=op.f("fk_research_visits_reporter_id_reporters"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_research_visits_tenant_id_reporter_id", "research_visits", ["tenant_id", "reporter_id"]
    )
    op.create_index(
        "ix_research_visits_tenant_id_campaign_id", "research_visits", ["tenant_id", "campaign_id"]
    )

    op.create_table(
        "work_groups",
        *_base("work_groups"),
        sa.Column(
            "kind",
            sa.Enum("verification", "guidance", name="groupkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("leader", sa.String(length=100), nullable=False),
        sa.Column("members", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.UniqueConstraint("campaign_id", "kind", "name", name=op.f("uq_work_groups_campaign_id_kind_name")),
    )

    op.create_table(
        "group_assignments",
        *_base("group_assignments"),
        sa.Column("group_id", ID, nullable=False),
        sa.Column("reporter_id", ID, nullable=True),
        sa.Column("review_id", ID, nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("attachment_name", sa.String(length=200), nullable=False),
        sa.Column("attachment_type", sa.String(length=100), nullable=False),
        sa.Column("attachment_key", sa.String(length=255), nullable=False),
        sa.Column("assigned_by", sa.String(length=150), nullable=False),
        sa.CheckConstraint(
            "(reporter_id IS NULL) <> (review_id IS NULL)", name=op.f("ck_group_assignments_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["work_groups.id"],
            name=op.f("fk_group_assignments_group_id_work_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["reporters.id"],
            name=op.f("fk_group_assignments_reporter_id_reporters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_group_assignments_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "group_id", "reporter_id", name=op.f("uq_group_assignments_group_id_reporter_id")
        ),
        sa.UniqueConstraint("group_id", "review_id", name=op.f("uq_group_assignments_group_id_review_id")),
    )
    op.create_index(
        "ix_group_assignments_tenant_id_campaign_id", "group_assignments", ["tenant_id", "campaign_id"]
    )

    op.create_table(
        "plan_filings",
        *_base("plan_filings"),
        sa.Column("review_id", ID, nullable=False),
        sa.Column("filed_with", sa.String(length=200), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("document_name", sa.String(length=200), nullable=False),
        sa.Column("document_type", sa.String(length=100), nullable=False),
        sa.Column("document_key", sa.String(length=255), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("filed_by", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_plan_filings_review_id_reviews"), ondelete="CASCADE"
        ),
    )
    op.create_index("ix_plan_filings_tenant_id_campaign_id", "plan_filings", ["tenant_id", "campaign_id"])

    for table in TABLES:
        op.create_index(op.f(f"ix_{table}_tenant_id"), table, ["tenant_id"])
        rls.enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
