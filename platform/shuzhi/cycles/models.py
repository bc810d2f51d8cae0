"""Campaigns, their nested reviews, reporters, deadlines and extensions.

A **Campaign** is a tenant's cycle for a year under a pinned policy (CO-01).
Opening it creates a **Review** for every receiving body with reporters
under the reporting relations (SX-13, YZ-13, JX-04), nested by the relations
(``parent_id``, and ``path`` of review ids so a subtree is a range scan), and
a **Reporter** for every org that reports. Reporters carry their review's
path (``review_path``) so progress rolls up with one grouped range scan.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shuzhi.cycles.stages import Step
from shuzhi.db import Base, BigID, IdMixin, PathText, TimestampMixin, str_enum, utcnow
from shuzhi.tenancy.scope import TenantOwned

_enum = str_enum


class CampaignStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Mode(enum.StrEnum):
    """How a reporter reports (CO-03)."""

    ONSITE = "onsite"  # 现场述职
    WRITTEN = "written"  # 书面述职


class Selection(enum.StrEnum):
    """How the reporter's mode was decided (CO-03; the draw itself comes with the meetings room)."""

    ALL = "all"  # everyone reports on site (TJ-01, GH-02)
    NAMED = "named"  # a list named by the body (SX-02)
    DRAW = "draw"  # a public random draw (YZ-02)
    WRITTEN = "written"  # everyone in writing (YZ-01 before the draw)
    MANUAL = "manual"  # an admin's recorded decision


class Subject(enum.StrEnum):
    """Who is evaluated: the secretary, or the organization (SX-01, SX-10)."""

    PERSON = "person"
    ORG = "org"


class Scope(enum.StrEnum):
    """What a deadline applies to."""

    REPORTER = "reporter"
    REVIEW = "review"


class Campaign(IdMixin, TimestampMixin, TenantOwned, Base):
    """A tenant's cycle for a year under a pinned policy (CO-01)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("tenant_id", "year", "policy_name"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
    )

    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    #: The receiving body at the top (the tenant's top org).
    receiver_org_id: Mapped[int] = mapped_column(BigID, ForeignKey("orgs.id", ondelete="RESTRICT"))
    pin_id: Mapped[int] = mapped_column(BigID, ForeignKey("policy_pins.id", ondelete="RESTRICT"))
    policy_name: Mapped[str] = mapped_column(String(63))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    opened_on: Mapped[date] = mapped_column(Date)
    status: Mapped[CampaignStatus] = mapped_column(_enum(CampaignStatus), default=CampaignStatus.OPEN)
    #: The steps this campaign uses (the policy's adaptation of stages.ORDER).
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_by: Mapped[str] = mapped_column(String(150), default="")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Review(IdMixin, TimestampMixin, TenantOwned, Base):
    """One receiving body's part of a campaign, nested by the reporting relations."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("campaign_id", "receiver_org_id"),
        Index("ix_reviews_tenant_id_campaign_id_parent_id", "tenant_id", "campaign_id", "parent_id"),
        Index("ix_reviews_tenant_id_path", "tenant_id", "path"),
    )

    #: No index of its own: every index of the table starts with tenant_id.
    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(BigID, ForeignKey("campaigns.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("reviews.id", ondelete="CASCADE"), default=None
    )
    receiver_org_id: Mapped[int] = mapped_column(BigID, ForeignKey("orgs.id", ondelete="RESTRICT"))
    #: Materialized path of review ids, ``/12/40/``.
    path: Mapped[str] = mapped_column(PathText)
    #: Level of this review's reporters below the top receiver (1: report to it directly).
    level: Mapped[int] = mapped_column(SmallInteger)
    #: The receiving org's kind (the timeline may stage by it, JX-04).
    receiver_kind: Mapped[str] = mapped_column(String(24))
    stage: Mapped[Step] = mapped_column(_enum(Step), default=Step.PREPARE)
    meeting_date: Mapped[date | None] = mapped_column(Date, default=None)
    #: Results reported upward when the review closed (JX-04, SX-14).
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Reporter(IdMixin, TimestampMixin, TenantOwned, Base):
    """An org's secretary (or the org itself, SX-01/TJ-05) reporting in a review."""

    __tablename__ = "reporters"
    __table_args__ = (
        UniqueConstraint("campaign_id", "org_id"),
        # Rollups: a review's subtree is a range of review_path; counts group by stage.
        Index("ix_reporters_tenant_id_review_path_stage", "tenant_id", "review_path", "stage"),
        Index("ix_reporters_tenant_id_review_id_stage", "tenant_id", "review_id", "stage"),
        Index("ix_reporters_tenant_id_campaign_id", "tenant_id", "campaign_id"),
        Index("ix_reporters_tenant_id_person_id", "tenant_id", "person_id"),
    )

    #: No index of its own: every index of the table starts with tenant_id.
    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(BigID, ForeignKey("campaigns.id", ondelete="CASCADE"))
    review_id: Mapped[int] = mapped_column(BigID, ForeignKey("reviews.id", ondelete="CASCADE"))
    review_path: Mapped[str] = mapped_column(PathText)
    org_id: Mapped[int] = mapped_column(BigID, ForeignKey("orgs.id", ondelete="RESTRICT"))
    #: The secretary in post (None: the post is vacant).
    person_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("people.id", ondelete="SET NULL"), default=None
    )
    post_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("posts.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(32), default="书记")
    level: Mapped[int] = mapped_column(SmallInteger)
    stage: Mapped[Step] = mapped_column(_enum(Step), default=Step.PREPARE)
    mode: Mapped[Mode] = mapped_column(_enum(Mode), default=Mode.WRITTEN)
    selection: Mapped[Selection] = mapped_column(_enum(Selection), default=Selection.ALL)
    subject: Mapped[Subject] = mapped_column(_enum(Subject), default=Subject.PERSON)
    #: Reports in the organization's name (SX-01) / reports research and ideas (TJ-05).
    in_org_name: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Days in post within the reporting period.
    tenure_days: Mapped[int] = mapped_column(Integer, default=0)
    vacant: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Why the reporter reports as it does (short tenure, vacancy), in Chinese, with the clause.
    note: Mapped[str] = mapped_column(String(300), default="")
    meeting_order: Mapped[int | None] = mapped_column(Integer, default=None)


class Deadline(IdMixin, TimestampMixin, TenantOwned, Base):
    """One stage of a campaign's timeline with its (adjustable) deadline."""

    __tablename__ = "campaign_deadlines"
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    campaign_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(300))
    clause: Mapped[str] = mapped_column(String(16), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: The step the deadline guards (None: informational only).
    step: Mapped[Step | None] = mapped_column(_enum(Step), default=None)
    scope: Mapped[Scope] = mapped_column(_enum(Scope), default=Scope.REPORTER)
    #: Review levels it applies to (None: all) and receiving org kinds (None: all).
    levels: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    receiver_kinds: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    #: "2024-01-22", "meeting+1m", "open+10wd", or None (no deadline).
    spec: Mapped[str | None] = mapped_column(String(32), default=None)
    policy_spec: Mapped[str | None] = mapped_column(String(32), default=None)
    reminders: Mapped[list[int]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(63), default="policy")
    adjusted_by: Mapped[str] = mapped_column(String(150), default="")
    adjusted_reason: Mapped[str] = mapped_column(String(500), default="")


class Extension(IdMixin, TenantOwned, Base):
    """An admin's extension of one reporter's deadline for one step, with the reason."""

    __tablename__ = "deadline_extensions"
    __table_args__ = (
        UniqueConstraint("reporter_id", "step"),
        Index("ix_deadline_extensions_tenant_id_campaign_id", "tenant_id", "campaign_id"),
    )

    campaign_id: Mapped[int] = mapped_column(BigID, ForeignKey("campaigns.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(BigID, ForeignKey("reporters.id", ondelete="CASCADE"))
    step: Mapped[Step] = mapped_column(_enum(Step))
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    granted_by: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReporterTally(TenantOwned, Base):
    """How many reporters of ``level`` are at ``stage`` in a review's subtree (itself included).

    Maintained with every move (one row per ancestor review), so the campaign page reads
    a few rows per review instead of counting a province's 100,000 reporters; the review's
    own reporters are the rows at its own level. :func:`shuzhi.cycles.tallies.recount`
    rebuilds them from the reporters with grouped queries.
    """

    __tablename__ = "reporter_tallies"

    review_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    stage: Mapped[Step] = mapped_column(_enum(Step), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    n: Mapped[int] = mapped_column(Integer, default=0)


class ReviewTally(TenantOwned, Base):
    """How many reviews of ``level`` and receiving kind are at ``stage`` in a review's subtree."""

    __tablename__ = "review_tallies"

    review_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    receiver_kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    stage: Mapped[Step] = mapped_column(_enum(Step), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    n: Mapped[int] = mapped_column(Integer, default=0)


# --- pre-meeting work (issue 7 item 6) ------------------------------------------------


class GroupKind(enum.StrEnum):
    VERIFICATION = "verification"  # 核查组 (YZ-06): checks each on-site reporter, writes comment material
    GUIDANCE = "guidance"  # 指导组 (JX-09): attends the reviews' meetings


class ResearchVisit(IdMixin, TimestampMixin, TenantOwned, Base):
    """An unannounced research visit to a reporter's org before the meeting (GH-04, JX-05).

    Not shown to the reporter before their meeting (:mod:`shuzhi.cycles.prework`).
    """

    __tablename__ = "research_visits"
    __table_args__ = (
        Index("ix_research_visits_tenant_id_reporter_id", "tenant_id", "reporter_id"),
        Index("ix_research_visits_tenant_id_campaign_id", "tenant_id", "campaign_id"),
    )

    campaign_id: Mapped[int] = mapped_column(BigID, ForeignKey("campaigns.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(BigID, ForeignKey("reporters.id", ondelete="CASCADE"))
    visited_on: Mapped[date] = mapped_column(Date)
    #: Who went (names and posts, as written).
    visitors: Mapped[str] = mapped_column(String(300))
    #: What was found.
    findings: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(150), default="")


class WorkGroup(IdMixin, TimestampMixin, TenantOwned, Base):
    """A verification group (YZ-06) or guidance group (JX-09) of a campaign."""

    __tablename__ = "work_groups"
    __table_args__ = (UniqueConstraint("campaign_id", "kind", "name"),)

    campaign_id: Mapped[int] = mapped_column(BigID, ForeignKey("campaigns.id", ondelete="CASCADE"))
    kind: Mapped[GroupKind] = mapped_column(_enum(GroupKind))
    name: Mapped[str] = mapped_column(String(100))
    leader: Mapped[str] = mapped_column(String(100), default="")
    #: The members' names and posts, as written.
    members: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(150), default="")


class GroupAssignment(IdMixin, TimestampMixin, TenantOwned, Base):
    """A group's charge: a reporter it verifies (YZ-06) or a review whose meeting it attends (JX-09).

    A verification group's comment material (点评材料) is kept on the assignment, as text
    and/or an attached file.
    """

    __tablename__ = "group_assignments"
    __table_args__ = (
        UniqueConstraint("group_id", "reporter_id"),
        UniqueConstraint("group_id", "review_id"),
        CheckConstraint("(reporter_id IS NULL) <> (review_id IS NULL)", name="one_target"),
        Index("ix_group_assignments_tenant_id_campaign_id", "tenant_id", "campaign_id"),
    )

    campaign_id: Mapped[int] = mapped_column(BigID, ForeignKey("campaigns.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(BigID, ForeignKey("work_groups.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("reporters.id", ondelete="CASCADE"), default=None
    )
    review_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("reviews.id", ondelete="CASCADE"), default=None
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    attachment_name: Mapped[str] = mapped_column(String(200), default="")
    attachment_type: Mapped[str] = mapped_column(String(100), default="")
    #: Where the file's bytes are kept (:mod:`shuzhi.cycles.files`; never in the row: the
    #: audit trail records every column).
    attachment_key: Mapped[str] = mapped_column(String(255), default="")
    assigned_by: Mapped[str] = mapped_column(String(150), default="")


class PlanFiling(IdMixin, TimestampMixin, TenantOwned, Base):
    """The work plan filed (备案) with the superior body, with the document (GH-04)."""

    __tablename__ = "plan_filings"
    __table_args__ = (Index("ix_plan_filings_tenant_id_campaign_id", "tenant_id", "campaign_id"),)

    campaign_id: Mapped[int] = mapped_column(BigID, ForeignKey("campaigns.id", ondelete="CASCADE"))
    review_id: Mapped[int] = mapped_column(BigID, ForeignKey("reviews.id", ondelete="CASCADE"))
    filed_with: Mapped[str] = mapped_column(String(200))
    filed_on: Mapped[date] = mapped_column(Date)
    document_name: Mapped[str] = mapped_column(String(200))
    document_type: Mapped[str] = mapped_column(String(100), default="")
    document_key: Mapped[str] = mapped_column(String(255))
    #: sha256 of the document, so the filed version can be recognised later.
    document_sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    filed_by: Mapped[str] = mapped_column(String(150), default="")
