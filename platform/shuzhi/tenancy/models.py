"""Tenants (organization departments), users and their memberships."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuzhi.db import Base, BigID, IdMixin, TimestampMixin
from shuzhi.tenancy.scope import TenantOwned


class TenantLevel(enum.StrEnum):
    """Administrative level of the department that runs the cycle."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    ORGAN = "organ"  # 机关工委 / 直属机关工委 and similar working committees


class Role(enum.StrEnum):
    TENANT_ADMIN = "tenant_admin"
    REVIEWER = "reviewer"
    SECRETARY = "secretary"
    OBSERVER = "observer"


class Tenant(IdMixin, TimestampMixin, Base):
    """An organization department (or 工委) that runs its own cycles."""

    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12), default="")
    level: Mapped[TenantLevel] = mapped_column(
        Enum(TenantLevel, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    #: The policy (jurisdiction plugin) the tenant runs and its chosen parameters.
    policy_name: Mapped[str] = mapped_column(String(63), default="")
    policy_choices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(IdMixin, TimestampMixin, Base):
    """A person who signs in. Users are global: one may serve several tenants."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True, default=None)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Membership(IdMixin, TimestampMixin, TenantOwned, Base):
    """A user's role in one tenant, optionally limited to some orgs (by org id)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "role"),)

    user_id: Mapped[int] = mapped_column(BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    #: For reviewers and secretaries: the orgs (and their subtrees) they act on.
    org_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    user: Mapped[User] = relationship(back_populates="memberships")
