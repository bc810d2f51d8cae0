"""Audit events, hash-chained per tenant, and the chain's head."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shuzhi.db import Base, BigID, IdMixin
from shuzhi.tenancy.scope import TenantOwned


class AuditEvent(IdMixin, TenantOwned, Base):
    """One change: who, what, before/after, when, from where.

    ``hash`` = sha256 of the event's canonical JSON and the previous event's
    hash, so an edited or deleted row breaks the chain (``shuzhi audit verify``).
    The app's database role may only INSERT and SELECT this table.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq"),
        Index("ix_audit_events_tenant_id_created_at", "tenant_id", "created_at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(BigID, default=None)
    actor: Mapped[str] = mapped_column(String(150), default="")
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    ip: Mapped[str] = mapped_column(String(45), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(TenantOwned, Base):
    """The last event of a tenant's chain; its row lock serializes appends."""

    __tablename__ = "audit_heads"

    tenant_id: Mapped[int] = mapped_column(  # type: ignore[assignment]
        BigID, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
