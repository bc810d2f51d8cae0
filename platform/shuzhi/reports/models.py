"""Reports, their versions, review comments, decisions, co-authors/reviewers, attachments.

A **Report** is one reporter's 述职报告 in a campaign (one per reporter). Its
**ReportVersion**s are drafts (autosave rewrites the latest draft; a new draft
starts after each submit) and submitted versions, which are frozen (CO-02):
their text, findings and SHA-256 content hash never change after the submit
(:func:`_refuse_frozen_edits` refuses it at flush, whoever tries).

The reporter is the cycles room's row: reports refer to it by table name
(``reporters.id``) and never import cycles' Python modules at import time, so
cycles may import reports freely (docs/adr/0018-report-versions-and-review.md).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from shuzhi.db import Base, BigID, IdMixin, TimestampMixin, str_enum, utcnow
from shuzhi.tenancy.scope import TenantOwned

_enum = str_enum


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"  # 撰写中
    PRE_REVIEW = "pre_review"  # 待审核 (TJ-02 包片领导, GH-01 党总支)
    SUBMITTED = "submitted"  # 已提交
    RETURNED = "returned"  # 已退回修改
    APPROVED = "approved"  # 审核通过


class VersionKind(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class CommentKind(enum.StrEnum):
    COMMENT = "comment"  # a reviewer's remark on a paragraph
    GUIDANCE = "guidance"  # 核查组 guidance for revising the report (YZ-06)


class DecisionAction(enum.StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"


class MemberRole(enum.StrEnum):
    """TJ-08: who helps draft (co-author) and who is invited to review."""

    CO_AUTHOR = "co_author"
    REVIEWER = "reviewer"


class AttachmentKind(enum.StrEnum):
    SLIDES = "slides"  # 幻灯片 (JX-06)
    VIDEO = "video"  # 视频短片 (JX-06)
    SCAN = "scan"  # 签字盖章的扫描件 (SX-03, YZ-05)
    ORIGINAL = "original"  # the uploaded .docx/.txt a version was read from
    OTHER = "other"


class Report(IdMixin, TimestampMixin, TenantOwned, Base):
    """One reporter's report in a campaign."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("reporter_id"),
        Index("ix_reports_tenant_id_campaign_id_status", "tenant_id", "campaign_id", "status"),
    )

    #: No index of its own: every index of the table starts with tenant_id.
    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(BigID, ForeignKey("campaigns.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(BigID, ForeignKey("reporters.id", ondelete="CASCADE"))
    #: The reporter's org (copied: permissions are decided on it without a join).
    org_id: Mapped[int] = mapped_column(BigID, ForeignKey("orgs.id", ondelete="RESTRICT"))
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus), default=ReportStatus.DRAFT)
    #: The org's own 必答题 (SX-05), names.
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: YZ-05 / SX-03: who attests the 党组 approval and seal for the next submit
    #: ({"body", "name", "on", "attachment_id"}); copied into the submitted version.
    attestation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class ReportVersion(IdMixin, TenantOwned, Base):
    """A draft or a submitted (frozen) version of a report's text with its findings."""

    __tablename__ = "report_versions"
    __table_args__ = (
        UniqueConstraint("report_id", "number"),
        Index("ix_report_versions_tenant_id_report_id", "tenant_id", "report_id"),
    )

    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(BigID, ForeignKey("reports.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[VersionKind] = mapped_column(_enum(VersionKind), default=VersionKind.DRAFT)
    text: Mapped[str] = mapped_column(Text, default="")
    #: The on-site speech version (现场述职稿, SX-06 ≤ 1200字), for plans that limit one; "" if none.
    speech: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The secretary's outline corrections ({heading index: part key | null}).
    corrections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: reports.check result: findings, outline, figures (CheckResult.to_dict()).
    check: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    words: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    #: SHA-256 of the frozen content (text, speech, corrections, attestation), set on submit.
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    attestation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    source: Mapped[str] = mapped_column(String(16), default="editor")  # editor | upload | paste | api
    created_by: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    submitted_by: Mapped[str] = mapped_column(String(150), default="")


class ReportComment(IdMixin, TenantOwned, Base):
    """A reviewer's comment anchored to a paragraph of one version (CO-02), or 核查组 guidance (YZ-06)."""

    __tablename__ = "report_comments"
    __table_args__ = (Index("ix_report_comments_tenant_id_report_id", "tenant_id", "report_id"),)

    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(BigID, ForeignKey("reports.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(BigID, ForeignKey("report_versions.id", ondelete="CASCADE"))
    #: Index into the version's lines (None: on the report as a whole).
    paragraph: Mapped[int | None] = mapped_column(Integer, default=None)
    #: The words commented on, quoted, so the anchor survives edits.
    excerpt: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[CommentKind] = mapped_column(_enum(CommentKind), default=CommentKind.COMMENT)
    author: Mapped[str] = mapped_column(String(150), default="")
    author_user_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportDecision(IdMixin, TenantOwned, Base):
    """A submit, return or approval of a version, with who, why and the pre-review step's name."""

    __tablename__ = "report_decisions"
    __table_args__ = (Index("ix_report_decisions_tenant_id_report_id", "tenant_id", "report_id"),)

    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(BigID, ForeignKey("reports.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(BigID, ForeignKey("report_versions.id", ondelete="CASCADE"))
    action: Mapped[DecisionAction] = mapped_column(_enum(DecisionAction))
    #: The step it belongs to: "pre_review" (TJ-02 包片领导, GH-01 党总支) or "review".
    step: Mapped[str] = mapped_column(String(32), default="review")
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(150), default="")
    actor_user_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportMember(IdMixin, TenantOwned, Base):
    """A co-author or invited reviewer of one report (TJ-08)."""

    __tablename__ = "report_members"
    __table_args__ = (
        UniqueConstraint("report_id", "user_id"),
        Index("ix_report_members_tenant_id_user_id", "tenant_id", "user_id"),
    )

    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(BigID, ForeignKey("reports.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[MemberRole] = mapped_column(_enum(MemberRole))
    #: How they relate to the report (副书记, 支委委员, 人大代表…), shown beside the name.
    note: Mapped[str] = mapped_column(String(100), default="")
    added_by: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportAttachment(IdMixin, TenantOwned, Base):
    """A file attached to a report: slides, video, the stamped copy's scan (JX-06, SX-03, YZ-05)."""

    __tablename__ = "report_attachments"
    __table_args__ = (Index("ix_report_attachments_tenant_id_report_id", "tenant_id", "report_id"),)

    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(BigID, ForeignKey("reports.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("report_versions.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[AttachmentKind] = mapped_column(_enum(AttachmentKind))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Where the storage backend keeps it (never a path the user chose).
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: When the stamped copy was signed/stamped, if the uploader said (SX-03).
    dated: Mapped[date | None] = mapped_column(Date, default=None)


#: Columns of a submitted version that are its frozen content.
FROZEN = (
    "text",
    "speech",
    "corrections",
    "check",
    "content_hash",
    "attestation",
    "number",
    "report_id",
    "kind",
)


@event.listens_for(Session, "before_flush")
def _refuse_frozen_edits(session: Session, flush_context: Any, instances: Any) -> None:
    """CO-02: a submitted version never changes, whichever code path tries."""
    for obj in session.dirty:
        if not isinstance(obj, ReportVersion):
            continue
        state = inspect(obj)
        kind_hist = state.attrs.kind.history
        was_submitted = (kind_hist.deleted and kind_hist.deleted[0] == VersionKind.SUBMITTED) or (
            not kind_hist.deleted and obj.kind == VersionKind.SUBMITTED and not kind_hist.added
        )
        if not was_submitted:
            continue
        for name in FROZEN:
            if state.attrs[name].history.has_changes():
                raise FrozenVersionError(f"report version {obj.id} is submitted and frozen ({name})")
    for obj in session.deleted:
        if isinstance(obj, ReportVersion) and obj.kind == VersionKind.SUBMITTED:
            raise FrozenVersionError(f"report version {obj.id} is submitted and frozen")


class FrozenVersionError(RuntimeError):
    """A programming error: something tried to change a submitted version (CO-02)."""
