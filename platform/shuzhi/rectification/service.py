"""The rectification room's operations: add and update items, list them, carry them over.

The only module that writes ``rectification_items``. Works in the caller's tenant
scope and leaves committing to the caller; a refused operation raises (a
``ShuzhiError``: 4xx with a Chinese message) before it writes anything. Every write
is in the audit trail twice over: the row's change (the audit room's flush hook) and
a semantic event with a Chinese summary.

Who may:

* **enter or change** an org's items: whoever holds ``rectification.review`` on the
  org (tenant admins everywhere, reviewers on their subtree: 上级点评, 综合评价意见)
  or ``rectification.write_own`` on it (the org's own secretary: 书记查摆, SX-12);
* **close** an item (set 已完成) or **reopen** a done one: only ``rectification.review``
  on the org — the superior tracks the rectification (SX-12 "superior tracks", CO-05): a
  done item drops off next year's carried list, so the secretary cannot close her own
  (she sets 未整改 / 整改中 and writes the measures);
* **read** them: the above, and whoever may read the org's reports.

Carry-over (CO-05): :func:`carried_over` gives the items of the year before a
campaign's year, for one org, that are not done — the ones that year's report must
answer (TJ-07, JX-03, SX-12; :mod:`shuzhi.rectification.matching`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.audit.service import record
from shuzhi.auth.permissions import Perm
from shuzhi.cycles.access import Who
from shuzhi.errors import Forbidden, NotFound, ValidationFailed
from shuzhi.rectification.matching import CarriedItem
from shuzhi.rectification.models import (
    MAX_MEASURES,
    MAX_PROBLEM,
    MAX_RESPONSIBLE,
    ItemSource,
    ItemStatus,
    RectificationItem,
)

STATUS_LABELS = {
    ItemStatus.OPEN: _l("未整改"),
    ItemStatus.IN_PROGRESS: _l("整改中"),
    ItemStatus.DONE: _l("已完成"),
}
SOURCE_LABELS = {
    ItemSource.SELF_REVIEW: _l("书记查摆"),
    ItemSource.SUPERIOR: _l("上级点评"),
    ItemSource.MASSES: _l("群众评议"),
    ItemSource.OPINION: _l("综合评价意见"),
}
WRITE_PERMS = (Perm.RECTIFICATION_REVIEW, Perm.RECTIFICATION_WRITE_OWN)
READ_PERMS = (*WRITE_PERMS, Perm.REPORTS_READ)


def status_label(status: ItemStatus | str) -> str:
    return str(STATUS_LABELS[ItemStatus(status)])


def source_label(source: ItemSource | str) -> str:
    return str(SOURCE_LABELS[ItemSource(source)])


# --- who may --------------------------------------------------------------------------


def _org(session: Session, org_id: Any) -> Any:
    from shuzhi.orgs.models import Org

    try:
        org_id = int(org_id)
    except (TypeError, ValueError):
        raise ValidationFailed(_("请选择组织。"), errors={"org_id": [_("必填")]}) from None
    org = session.get(Org, org_id)  # within the tenant scope, identity map too (shuzhi.db.ScopedSession)
    if org is None:
        raise NotFound(_("找不到该组织。"))
    return org


def may_write(who: Who, org_id: int) -> bool:
    return any(who.may(p, org_id) for p in WRITE_PERMS)


def may_read(who: Who, org_id: int) -> bool:
    return any(who.may(p, org_id) for p in READ_PERMS)


def ensure_write(who: Who, org_id: int) -> None:
    if may_write(who, org_id):
        return
    if any(who.may(p) for p in WRITE_PERMS):
        raise Forbidden(_("该组织不在您负责的范围内，不能填写它的整改清单。"))
    raise Forbidden(_("您没有填写整改清单的权限。"))


def may_close(who: Who, org_id: int) -> bool:
    """May ``who`` set an item of ``org_id`` done, or reopen a done one (the superior: SX-12)."""
    return who.may(Perm.RECTIFICATION_REVIEW, org_id)


def statuses_for(who: Who, org_id: int, current: ItemStatus | str | None = None) -> list[ItemStatus]:
    """The statuses ``who`` may choose for an item of ``org_id`` now at ``current`` (None: a new
    item): all of them for the superior; 未整改 / 整改中 for the secretary, none for a done item."""
    if may_close(who, org_id):
        return list(ItemStatus)
    if current is not None and ItemStatus(current) is ItemStatus.DONE:
        return []
    return [ItemStatus.OPEN, ItemStatus.IN_PROGRESS]


def _ensure_status(who: Who, org_id: int, status: ItemStatus, current: ItemStatus | None = None) -> None:
    if status is current or may_close(who, org_id):
        return
    if current is ItemStatus.DONE:
        raise Forbidden(
            _("整改事项已由上级确认完成，只有负责督促检查整改的上级（审核人、管理员）可以重新打开。")
        )
    if status is ItemStatus.DONE:
        raise Forbidden(
            _(
                "只有负责督促检查整改的上级（审核人、管理员）可以确认整改事项已完成；您可以将其设为未整改或整改中。"
            )
        )


def ensure_read(who: Who, org_id: int) -> None:
    if not may_read(who, org_id):
        raise Forbidden(_("您无权查看该组织的整改清单。"))


# --- validation -----------------------------------------------------------------------


def _text(value: Any, field: str, limit: int, *, required: str = "") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(_("内容应为文本。"), errors={field: [_("应为文本")]})
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed(_("内容含有无法识别的字符。"), errors={field: [_("含有无效字符")]})
    if required and not value:
        raise ValidationFailed(required, errors={field: [_("必填")]})
    if len(value) > limit:
        raise ValidationFailed(
            _("内容过长（%(n)d 字），最多 %(limit)d 字。", n=len(value), limit=limit),
            errors={field: [_("过长")]},
        )
    return value


def _enum(cls: Any, value: Any, field: str, message: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise ValidationFailed(message, errors={field: [_("取值不正确")]}) from None


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("请填写年度。"), errors={"year": [_("必填")]}) from None
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("年度应为 2000 到 2100 之间的年份。"), errors={"year": [_("年份不正确")]})
    return year


# --- writing --------------------------------------------------------------------------


def add_item(
    session: Session,
    who: Who,
    *,
    org_id: Any,
    problem: Any,
    year: Any = None,
    campaign_id: int | None = None,
    responsible: Any = "",
    measures: Any = "",
    deadline: date | None = None,
    status: Any = ItemStatus.OPEN,
    source: Any = ItemSource.SELF_REVIEW,
) -> RectificationItem:
    """An item on ``org_id``'s list for ``year`` (or ``campaign_id``'s year: the problem was found then)."""
    org = _org(session, org_id)
    ensure_write(who, org.id)
    status = _enum(ItemStatus, status, "status", _("整改状态不正确。"))
    _ensure_status(who, org.id, status)
    if campaign_id is not None:
        from shuzhi.cycles import service as cycles

        campaign = cycles.get_campaign(session, campaign_id)
        if year is not None and _year(year) != campaign.year:
            raise ValidationFailed(
                _("年度应与述职评议的年度（%(year)d）一致。", year=campaign.year),
                errors={"year": [_("年份不正确")]},
            )
        year = campaign.year
    item = RectificationItem(
        campaign_id=campaign_id,
        year=_year(year),
        org_id=org.id,
        problem=_text(problem, "problem", MAX_PROBLEM, required=_("请填写问题。")),
        responsible=_text(responsible, "responsible", MAX_RESPONSIBLE),
        measures=_text(measures, "measures", MAX_MEASURES),
        deadline=deadline,
        status=status,
        source=_enum(ItemSource, source, "source", _("问题来源不正确。")),
        created_by=who.label[:150],
    )
    session.add(item)
    session.flush()
    record(
        session,
        "rectification.add",
        target_type="rectification_items",
        target_id=item.id,
        summary=_(
            "%(org)s %(year)d年度整改事项：%(problem)s", org=org.name, year=item.year, problem=item.problem
        ),
        after={"org": org.id, "year": item.year, "status": item.status.value},
    )
    return item


def campaign_and_org(session: Session, campaign_id: int, org_id: int) -> tuple[Any, Any]:
    """The campaign and the org of a URL (404 for another tenant's, as if they did not exist)."""
    from shuzhi.cycles import service as cycles

    return cycles.get_campaign(session, campaign_id), _org(session, org_id)


def add_for_campaign(
    session: Session, who: Who, campaign: Any, org_id: int, *, year: Any = None, **fields: Any
) -> RectificationItem:
    """An item found in ``campaign`` (``year`` None or the campaign's), or one of last year's
    list entered now (``year`` the year before: linked to that year's campaign if it ran here)."""
    from shuzhi.cycles.models import Campaign

    ensure_write(who, _org(session, org_id).id)
    year = campaign.year if year is None else _year(year)
    if year == campaign.year:
        return add_item(session, who, org_id=org_id, campaign_id=campaign.id, **fields)
    if year == campaign.year - 1:
        before = session.scalar(
            select(Campaign.id).where(Campaign.year == year).order_by(Campaign.id).limit(1)
        )
        return add_item(session, who, org_id=org_id, year=year, campaign_id=before, **fields)
    raise ValidationFailed(
        _(
            "只能填写本年度（%(this)d）或上年度（%(last)d）的整改事项。",
            this=campaign.year,
            last=campaign.year - 1,
        ),
        errors={"year": [_("年份不正确")]},
    )


#: Fields :func:`update_item` may change.
EDITABLE = ("problem", "responsible", "measures", "deadline", "status", "source")


def update_item(session: Session, who: Who, item: RectificationItem, **changes: Any) -> RectificationItem:
    """Change an item's texts, deadline, status or source (``changes``: any of :data:`EDITABLE`).

    Setting it done or reopening a done one needs :func:`may_close` (403 otherwise, nothing written).
    """
    ensure_write(who, item.org_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(_("不能修改这些字段。"), errors={k: [_("不能修改")] for k in sorted(unknown)})
    values: dict[str, Any] = {}
    if "problem" in changes:
        values["problem"] = _text(changes["problem"], "problem", MAX_PROBLEM, required=_("请填写问题。"))
    if "responsible" in changes:
        values["responsible"] = _text(changes["responsible"], "responsible", MAX_RESPONSIBLE)
    if "measures" in changes:
        values["measures"] = _text(changes["measures"], "measures", MAX_MEASURES)
    if "deadline" in changes:
        values["deadline"] = changes["deadline"]
    if "status" in changes:
        values["status"] = _enum(ItemStatus, changes["status"], "status", _("整改状态不正确。"))
        _ensure_status(who, item.org_id, values["status"], ItemStatus(item.status))
    if "source" in changes:
        values["source"] = _enum(ItemSource, changes["source"], "source", _("问题来源不正确。"))
    before = {k: getattr(item, k) for k in values}
    for k, v in values.items():
        setattr(item, k, v)
    session.flush()
    changed = {k: v for k, v in values.items() if before[k] != v}
    if changed:
        record(
            session,
            "rectification.update",
            target_type="rectification_items",
            target_id=item.id,
            summary=_(
                "整改事项已更新：%(problem)s（%(status)s）",
                problem=item.problem,
                status=status_label(item.status),
            ),
            before={k: before[k] for k in changed},
            after=changed,
        )
    return item


# --- reading --------------------------------------------------------------------------


def get_item(session: Session, item_id: int) -> RectificationItem:
    item = session.get(RectificationItem, item_id)
    if item is None:
        raise NotFound(_("找不到该整改事项。"))
    return item


def items_of(session: Session, org_id: int, years: tuple[int, ...]) -> list[RectificationItem]:
    """The org's items of these years, newest year first, in the order entered."""
    return list(
        session.scalars(
            select(RectificationItem)
            .where(RectificationItem.org_id == org_id, RectificationItem.year.in_(years))
            .order_by(RectificationItem.year.desc(), RectificationItem.id)
        )
    )


def carried_over(session: Session, *, org_id: int, year: int) -> list[RectificationItem]:
    """CO-05: the org's items of ``year - 1`` that are not done, in the order entered.

    ``year`` is the reporting campaign's year (:func:`carried_for` takes the campaign).
    """
    return list(
        session.scalars(
            select(RectificationItem)
            .where(
                RectificationItem.org_id == org_id,
                RectificationItem.year == year - 1,
                RectificationItem.status != ItemStatus.DONE,
            )
            .order_by(RectificationItem.id)
        )
    )


def carried_for(session: Session, campaign_id: int, org_id: int) -> list[CarriedItem]:
    """The items a report of ``org_id`` in ``campaign_id`` must answer, as the check needs them."""
    from shuzhi.cycles.models import Campaign

    year = session.scalar(select(Campaign.year).where(Campaign.id == campaign_id))
    if year is None:
        return []
    return [as_carried(i) for i in carried_over(session, org_id=org_id, year=year)]


def as_carried(item: RectificationItem) -> CarriedItem:
    return CarriedItem(
        id=item.id,
        year=item.year,
        problem=item.problem,
        responsible=item.responsible,
        measures=item.measures,
        deadline=item.deadline,
        status=ItemStatus(item.status).value,
    )
