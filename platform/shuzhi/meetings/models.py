"""The recorded on-site selection of a campaign (CO-03, YZ-02) and on-site history across years.

A **Draw** is one decision on who reports on site at a review's meeting: by a
public random draw (YZ-02), a list named by the body (SX-02) or everyone
(TJ-01, GH-02). It keeps the candidates as they stood (with each exclusion and
its reason), the commitment ``sha256(seed)`` published before the draw, the
seed revealed after it, the algorithm, the result in drawn order and the
witnesses. Once confirmed it never changes: a change is a new Draw that
``supersedes`` it, with a reason, and the old one stays visible.

**OnsiteHistory** records that an organization reported on site in a year the
platform did not run (earlier campaigns on paper), so "units that already
reported on site" (YZ-02) reaches back before the first campaign here.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shuzhi.db import Base, BigID, IdMixin, TimestampMixin, str_enum, utcnow
from shuzhi.tenancy.scope import TenantOwned

_enum = str_enum


class Method(enum.StrEnum):
    """How the on-site reporters are chosen (CO-03)."""

    DRAW = "draw"  # public random draw (YZ-02)
    NAMED = "named"  # a list named by the body (SX-02)
    ALL = "all"  # everyone reports on site (TJ-01, GH-02)


class DrawStatus(enum.StrEnum):
    PREPARED = "prepared"  # candidates listed; nothing published yet
    COMMITTED = "committed"  # sha256(seed) published; candidates frozen
    DRAWN = "drawn"  # seed revealed, result computed; witnesses may still sign
    CONFIRMED = "confirmed"  # final: reporters' modes set from it (immutable)
    SUPERSEDED = "superseded"  # replaced by a later decision (kept visible)


class Draw(IdMixin, TimestampMixin, TenantOwned, Base):
    """One recorded decision on who reports on site at a review's meeting."""

    __tablename__ = "draws"
    __table_args__ = (
        Index("ix_draws_tenant_id_campaign_id", "tenant_id", "campaign_id"),
        UniqueConstraint("supersedes_id", name="uq_draws_supersedes_id"),
    )

    #: No index of its own: the table's index starts with tenant_id.
    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(BigID, ForeignKey("campaigns.id", ondelete="CASCADE"))
    #: The review whose reporters are the candidates (the campaign's top review).
    review_id: Mapped[int] = mapped_column(BigID, ForeignKey("reviews.id", ondelete="CASCADE"))
    method: Mapped[Method] = mapped_column(_enum(Method))
    status: Mapped[DrawStatus] = mapped_column(_enum(DrawStatus), default=DrawStatus.PREPARED)
    #: The clause the method comes from (YZ-02, SX-02, TJ-01…).
    clause: Mapped[str] = mapped_column(String(16), default="")
    #: How many report on site (the policy's onsite_count; everyone for ALL).
    places: Mapped[int] = mapped_column(SmallInteger)
    #: The algorithm that turns seed and candidates into the result (see meetings/algorithm.py).
    algorithm: Mapped[str] = mapped_column(String(32), default="")
    #: Every candidate as listed: ``{"key", "reporter_id", "org_id", "org", "person", "title",
    #: "excluded": reason or "", "clause"}``, eligible and excluded alike, sorted by key.
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: sha256 of the eligible keys joined by newlines: frozen with the commitment.
    candidates_digest: Mapped[str] = mapped_column(String(64), default="")
    #: sha256(seed) in hex, published before the draw.
    commitment: Mapped[str] = mapped_column(String(64), default="")
    #: The seed: kept from the commitment and shown only once drawn.
    seed: Mapped[str] = mapped_column(String(128), default="")
    #: Optional value called out on site at the draw (e.g. a witness's number), mixed into the seed.
    public_input: Mapped[str] = mapped_column(String(64), default="")
    #: The chosen candidates' keys, in drawn order (named: as listed; all: everyone).
    result: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ``[{"name", "role"}]``: who watched the draw.
    witnesses: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    #: For a named list: the body's decision it records (meeting, document number).
    decision: Mapped[str] = mapped_column(String(500), default="")
    prepared_by: Mapped[str] = mapped_column(String(150), default="")
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    committed_by: Mapped[str] = mapped_column(String(150), default="")
    drawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    drawn_by: Mapped[str] = mapped_column(String(150), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    confirmed_by: Mapped[str] = mapped_column(String(150), default="")
    #: The earlier decision this one replaces, and why (a re-decision; the old stays visible).
    supersedes_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("draws.id", ondelete="RESTRICT"), default=None
    )
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    superseded_by: Mapped[str] = mapped_column(String(150), default="")
    superseded_reason: Mapped[str] = mapped_column(String(500), default="")


class OnsiteHistory(IdMixin, TenantOwned, Base):
    """An organization reported on site in ``year`` (before the platform, or outside it)."""

    __tablename__ = "onsite_history"
    __table_args__ = (UniqueConstraint("tenant_id", "org_id", "year"),)

    org_id: Mapped[int] = mapped_column(BigID, ForeignKey("orgs.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
