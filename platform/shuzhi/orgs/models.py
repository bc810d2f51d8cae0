"""Org tree (materialized path), people, posts and reporting relations."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuzhi.db import Base, BigID, IdMixin, TimestampMixin
from shuzhi.orgs.paths import readable
from shuzhi.tenancy.scope import TenantOwned


def _enum(cls: type[enum.Enum], length: int = 24) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class OrgKind(enum.StrEnum):
    """Kinds of node in a tenant's tree; the UI shows the Chinese names."""

    COMMITTEE = "committee"  # 党委
    WORKING_COMMITTEE = "working_committee"  # 党工委 / 工委
    PARTY_GROUP = "party_group"  # 党组
    GENERAL_BRANCH = "general_branch"  # 党总支
    BRANCH = "branch"  # 党支部
    UNIT = "unit"  # 单位 (no party organization of its own, YZ-01)


class Org(IdMixin, TimestampMixin, TenantOwned, Base):
    """A node of the tenant's org tree.

    ``path`` is the ordinal path (``shuzhi.orgs.paths``): for each org from the
    root down to this one, its rank among its siblings as a prefix-free code.
    A subtree is a range scan (``path >= p AND path < p'``) on the unique
    (tenant_id, path) index, which both PostgreSQL (bytea) and SQLite (BLOB,
    memcmp) serve from the btree; ``depth`` is the number of ancestors.
    ``child_seq`` is the last rank given to a child: ranks are never reused,
    so a moved-in child's new path can clash with nothing.
    """

    __tablename__ = "orgs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        Index("ix_orgs_tenant_id_path", "tenant_id", "path", unique=True),
        CheckConstraint("depth >= 0", name="depth_nonnegative"),
    )

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind))
    parent_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("orgs.id", ondelete="RESTRICT"), index=True, default=None
    )
    path: Mapped[bytes] = mapped_column(LargeBinary())
    depth: Mapped[int] = mapped_column(Integer, default=0)
    child_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    posts: Mapped[list[Post]] = relationship(back_populates="org", passive_deletes=True)

    @property
    def rank_path(self) -> str:
        """``1.5.23``: the org's rank among its siblings at each level, root first (the API's
        readable form of ``path``, whose bytes mean nothing outside the index)."""
        return readable(self.path or b"")


class Person(IdMixin, TimestampMixin, TenantOwned, Base):
    """Someone who holds (or held) a post. Not necessarily a platform user."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    #: The tenant's own identifier for the person (staff number or similar).
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )

    posts: Mapped[list[Post]] = relationship(back_populates="person")


class Post(IdMixin, TimestampMixin, TenantOwned, Base):
    """A person holding a title (书记, 副书记…) of an org from a date to a date."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        Index("ix_posts_tenant_id_org_id_title", "tenant_id", "org_id", "title"),
    )

    person_id: Mapped[int] = mapped_column(BigID, ForeignKey("people.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(BigID, ForeignKey("orgs.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(32), default="书记")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)

    person: Mapped[Person] = relationship(back_populates="posts")
    org: Mapped[Org] = relationship(back_populates="posts")


class ReportingRelation(IdMixin, TimestampMixin, TenantOwned, Base):
    """Org ``reporter`` reports (述职) to org ``receiver`` while the relation is valid.

    Distinct from the tree (clause JX-02): 县直机关单位党组织 report to their
    系统党委 although the tree may hang them elsewhere.
    """

    __tablename__ = "reporting_relations"
    __table_args__ = (
        CheckConstraint("reporter_id <> receiver_id", name="not_self"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_ordered"),
        Index("ix_reporting_relations_tenant_id_receiver_id", "tenant_id", "receiver_id"),
        Index("ix_reporting_relations_tenant_id_reporter_id", "tenant_id", "reporter_id"),
    )

    reporter_id: Mapped[int] = mapped_column(BigID, ForeignKey("orgs.id", ondelete="CASCADE"))
    receiver_id: Mapped[int] = mapped_column(BigID, ForeignKey("orgs.id", ondelete="CASCADE"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    note: Mapped[str] = mapped_column(String(200), default="")

    reporter: Mapped[Org] = relationship(foreign_keys=[reporter_id])
    receiver: Mapped[Org] = relationship(foreign_keys=[receiver_id])
