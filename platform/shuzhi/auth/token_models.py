"""API tokens for integrations: stored hashed, scoped, expiring, revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shuzhi.db import Base, BigID, IdMixin, utcnow
from shuzhi.tenancy.scope import TenantOwned


class ApiToken(IdMixin, TenantOwned, Base):
    """A bearer token of one tenant, made by a tenant admin.

    Only the sha256 of the token is kept (the token is shown once); a token
    is 256 random bits, so a fast hash is as good as a slow one and lets the
    lookup be one index probe. ``prefix`` (the first characters) lets people
    tell their tokens apart.
    """

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Permission codes (shuzhi.auth.permissions.Perm values), a subset of the creator's.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_used_ip: Mapped[str] = mapped_column(String(45), default="")
