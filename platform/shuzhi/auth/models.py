"""Single sign-on tables: the identity providers (OIDC) and the identities linked to users.

Neither table is tenant-owned in the RLS sense: sign-in reads them before any
tenant is known (the callback of an anonymous visitor), and a provider may
serve the whole platform (``tenant_id`` NULL). They hold no secret: a
provider names the environment variable its client secret is read from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shuzhi.db import Base, BigID, IdMixin, TimestampMixin
from shuzhi.tenancy.models import Role


class SsoProvider(IdMixin, TimestampMixin, Base):
    """An OpenID Connect identity provider users may sign in with."""

    __tablename__ = "sso_providers"

    #: Short name used in URLs (``/auth/sso/<name>/callback``) and the CLI.
    name: Mapped[str] = mapped_column(String(63), unique=True)
    #: Text of the sign-in button (统一身份认证 …).
    label: Mapped[str] = mapped_column(String(100))
    #: The tenant whose users sign in here; NULL = platform-wide (no auto-provisioning).
    tenant_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("tenants.id", ondelete="CASCADE"), index=True, default=None
    )
    issuer: Mapped[str] = mapped_column(String(500))
    #: Discovery document; empty = ``<issuer>/.well-known/openid-configuration``.
    metadata_url: Mapped[str] = mapped_column(String(500), default="")
    client_id: Mapped[str] = mapped_column(String(255))
    #: Environment variable holding the client secret (``SHUZHI_OIDC_<NAME>_SECRET``).
    secret_env: Mapped[str] = mapped_column(String(100), default="")
    scopes: Mapped[str] = mapped_column(String(500), default="openid profile email")
    name_claim: Mapped[str] = mapped_column(String(100), default="name")
    email_claim: Mapped[str] = mapped_column(String(100), default="email")
    #: Optional claim listing the user's roles; read when a user is auto-provisioned.
    roles_claim: Mapped[str] = mapped_column(String(100), default="")
    #: IdP role value → our role value; empty = the claim's values are our role names.
    role_map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Off: an admin links (or invites) every user first. On: a first sign-in
    #: creates the user in ``tenant_id`` with ``default_role``.
    auto_provision: Mapped[bool] = mapped_column(Boolean, default=False)
    default_role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.OBSERVER,
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UserIdentity(IdMixin, TimestampMixin, Base):
    """(provider, subject) → user: the only key sign-in trusts (never the e-mail)."""

    __tablename__ = "user_identities"
    __table_args__ = (
        UniqueConstraint("provider_id", "subject"),
        UniqueConstraint("provider_id", "user_id"),
    )

    #: Indexed by the (provider_id, subject) unique constraint.
    provider_id: Mapped[int] = mapped_column(BigID, ForeignKey("sso_providers.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
