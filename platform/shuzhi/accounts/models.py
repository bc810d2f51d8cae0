"""Tables of local accounts and sessions.

Users are global (one person, several tenants), so credentials, sessions,
second factors and password resets have no tenant and no RLS; only what a
tenant admin does in a tenant (invitations, suspended members) is tenant-owned.
Every secret a link or a cookie carries is stored as its sha256 only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shuzhi.db import Base, BigID, IdMixin, utcnow
from shuzhi.tenancy.models import Role
from shuzhi.tenancy.scope import TenantOwned

_ROLE = Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class LocalCredential(Base):
    """A user's password (argon2id) and the account's failure counter.

    The counter lives with the account, not the client, so a lock holds
    whichever address the attempts come from.
    """

    __tablename__ = "local_credentials"

    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class TotpDevice(Base):
    """A TOTP authenticator; ``confirmed_at`` NULL while it is being enrolled."""

    __tablename__ = "totp_devices"

    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    #: The last time step a code was accepted for: a code is never accepted twice.
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)


class RecoveryCode(IdMixin, Base):
    """One single-use recovery code (its sha256) for a user with TOTP."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class UserSession(IdMixin, Base):
    """A signed-in browser. The cookie holds the random id; this row its sha256."""

    __tablename__ = "user_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: How the user signed in: demo, password, password+totp, oidc:<provider>.
    method: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    #: Password checked, second factor still due: not signed in yet.
    mfa_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    #: signed_out, replaced, idle, expired, revoked_by_user, revoked_by_admin, password_changed
    revoked_reason: Mapped[str] = mapped_column(String(32), default="")


class PasswordReset(IdMixin, Base):
    """A password-reset link: single use, short-lived."""

    __tablename__ = "password_resets"

    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ip: Mapped[str] = mapped_column(String(45), default="")


class Invitation(IdMixin, TenantOwned, Base):
    """A tenant admin's invitation of an e-mail address, with the role it grants."""

    __tablename__ = "invitations"

    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[Role] = mapped_column(_ROLE)
    org_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    accepted_user_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class MemberSuspension(IdMixin, TenantOwned, Base):
    """A member a tenant admin disabled: the memberships taken away, to give back."""

    __tablename__ = "member_suspensions"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: [{"role": "reviewer", "org_ids": [..]}, …]
    memberships: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    suspended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    suspended_by_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class OutboxMessage(IdMixin, Base):
    """A mail the platform sent or kept.

    Without SMTP (demo, tests) the body is kept here for someone to read;
    with SMTP only the envelope is kept, so no live link sits in the database.
    """

    __tablename__ = "mail_outbox"

    to_addr: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: outbox (kept, not sent), sent, failed
    status: Mapped[str] = mapped_column(String(16), default="outbox")
    error: Mapped[str] = mapped_column(String(500), default="")
