"""Rectification items (问题/责任/整改清单, SX-12, JX-08, TJ-11; CO-05).

One **RectificationItem** is one problem of an organization with who answers for
it and what is done about it: the three lists of SX-12/JX-08 are three views of
the same rows (问题清单: ``problem``; 责任清单: ``responsible``; 整改清单:
``measures``, ``deadline``, ``status``).

An item belongs to the cycle **year** in which the problem was found, and to that
year's campaign when the year ran on the platform (``campaign_id``); a tenant in
its first year on the platform enters last year's items without a campaign
(ADR 0022). Items not ``done`` carry over into the next year's report of the same
org (CO-05) and the report must answer them (TJ-07, JX-03, SX-12).
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shuzhi.db import Base, BigID, IdMixin, TimestampMixin, str_enum
from shuzhi.tenancy.scope import TenantOwned

#: Longest texts accepted (a problem is a sentence or two; measures a short paragraph).
MAX_PROBLEM = 500
MAX_MEASURES = 2000
MAX_RESPONSIBLE = 100


class ItemStatus(enum.StrEnum):
    OPEN = "open"  # 未整改
    IN_PROGRESS = "in_progress"  # 整改中
    DONE = "done"  # 已完成


class ItemSource(enum.StrEnum):
    """Where the problem was pointed out (SX-12; JX-08's 考核反馈 is the comprehensive opinion)."""

    SELF_REVIEW = "self_review"  # 书记查摆
    SUPERIOR = "superior"  # 上级点评
    MASSES = "masses"  # 群众评议
    OPINION = "opinion"  # 综合评价意见


class RectificationItem(IdMixin, TimestampMixin, TenantOwned, Base):
    __tablename__ = "rectification_items"
    __table_args__ = (Index("ix_rectification_items_tenant_id_org_id_year", "tenant_id", "org_id", "year"),)

    #: The campaign the problem was found in, when that year ran on the platform.
    campaign_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("campaigns.id", ondelete="CASCADE"), default=None
    )
    #: The cycle year the problem was found in (the campaign's year when there is one).
    year: Mapped[int] = mapped_column(Integer)
    #: The reporting org whose list it is.
    org_id: Mapped[int] = mapped_column(BigID, ForeignKey("orgs.id", ondelete="CASCADE"))
    problem: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(MAX_RESPONSIBLE), default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[ItemStatus] = mapped_column(str_enum(ItemStatus), default=ItemStatus.OPEN)
    source: Mapped[ItemSource] = mapped_column(str_enum(ItemSource), default=ItemSource.SELF_REVIEW)
    created_by: Mapped[str] = mapped_column(String(150), default="")
