"""Pinned policies: the exact rules a campaign runs under."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shuzhi.db import Base, BigID, IdMixin, utcnow
from shuzhi.tenancy.scope import TenantOwned


class PolicyPin(IdMixin, TenantOwned, Base):
    """A policy frozen at a version with resolved parameters.

    ``source`` is the policy.toml text as it was, so the pinned rules can be
    rebuilt exactly even after the plugin is upgraded; an upgrade makes a new
    pin that ``supersedes`` this one, chosen by an admin and audited.
    """

    __tablename__ = "policy_pins"

    policy_name: Mapped[str] = mapped_column(String(63))
    policy_version: Mapped[str] = mapped_column(String(32))
    plugin: Mapped[str] = mapped_column(String(63), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(150), default="")
    supersedes_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("policy_pins.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
