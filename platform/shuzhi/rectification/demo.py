"""Last year's rectification lists of the demo secretaries' orgs (CO-05; TJ-07, JX-03, SX-12).

童家镇's C04, 吉县's XZ01-C02 and 遂溪's ZB01 carry items of the year before their
demo campaign into it, so the editor's panel and the reviewer's page list them with
whether the report answers each. That year ran on paper before the platform: the
items have a year and no campaign (ADR 0022). One item of each list is done and so
is not carried over.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzhi.cycles import access
from shuzhi.cycles.models import Campaign
from shuzhi.orgs.models import Org
from shuzhi.rectification import service
from shuzhi.rectification.models import ItemSource, ItemStatus, RectificationItem

WHO = access.operator("demo")

#: slug -> (the demo secretary's org code, items: problem, responsible, measures, deadline, status, source)
ITEMS: dict[str, tuple[str, tuple[tuple[str, str, str, date, ItemStatus, ItemSource], ...]]] = {
    "tongjia": (
        "C04",
        (
            (
                "党员活动室使用率不高，主题党日活动形式单一",
                "村党支部书记",
                "每月固定主题党日，结合产业发展开展现场教学，活动室开放登记",
                date(2023, 6, 30),
                ItemStatus.IN_PROGRESS,
                ItemSource.SUPERIOR,
            ),
            (
                "发展年轻党员工作滞后，35岁以下入党积极分子偏少",
                "村党支部组织委员",
                "从返乡青年、致富带头人中培养入党积极分子，年内确定2名发展对象",
                date(2023, 10, 31),
                ItemStatus.OPEN,
                ItemSource.SELF_REVIEW,
            ),
            (
                "村务公开不及时，群众对财务收支有疑问",
                "村务监督委员会主任",
                "每季度公开财务收支，设立意见箱",
                date(2023, 3, 31),
                ItemStatus.DONE,
                ItemSource.MASSES,
            ),
        ),
    ),
    "jixian": (
        "XZ01-C02",
        (
            (
                "“五星村庄”创建推进不平衡，台账资料不规范",
                "村党支部书记",
                "对照创建标准逐项销号，规范台账，由专人管理",
                date(2018, 9, 30),
                ItemStatus.IN_PROGRESS,
                ItemSource.SUPERIOR,
            ),
            (
                "村级活动场所管理使用不够规范，平时开放少",
                "村党支部副书记",
                "制定活动场所管理制度，安排专人值守，每周开放不少于3天",
                date(2018, 6, 30),
                ItemStatus.OPEN,
                ItemSource.OPINION,
            ),
            (
                "“三会一课”记录不全",
                "村党支部组织委员",
                "统一使用会议记录本，支部书记每月审签",
                date(2018, 3, 31),
                ItemStatus.DONE,
                ItemSource.SELF_REVIEW,
            ),
        ),
    ),
    "suixi": (
        "ZB01",
        (
            (
                "“三会一课”制度落实不够规范，会议记录不完整",
                "支部书记",
                "制定年度学习计划，落实组织委员记录、书记审签制度",
                date(2023, 6, 30),
                ItemStatus.OPEN,
                ItemSource.SELF_REVIEW,
            ),
            (
                "党员教育管理针对性不强，流动党员管理存在薄弱环节",
                "支部组织委员",
                "建立流动党员联系台账，每季度线上组织生活一次",
                date(2023, 9, 30),
                ItemStatus.IN_PROGRESS,
                ItemSource.MASSES,
            ),
            (
                "意识形态工作责任制落实有差距",
                "支部书记",
                "每半年专题研究一次意识形态工作",
                date(2023, 6, 30),
                ItemStatus.DONE,
                ItemSource.SUPERIOR,
            ),
        ),
    ),
}


def demo_items(session: Session, slug: str, campaign: Campaign) -> int:
    """Enter ``slug``'s list of the year before ``campaign`` for its demo secretary's org (once)."""
    spec = ITEMS.get(slug)
    if spec is None:
        return 0
    code, items = spec
    org = session.scalar(select(Org).where(Org.code == code))
    if org is None:
        return 0
    year = campaign.year - 1
    have = session.scalar(
        select(func.count())
        .select_from(RectificationItem)
        .where(RectificationItem.org_id == org.id, RectificationItem.year == year)
    )
    if have:
        return 0
    for problem, responsible, measures, deadline, status, source in items:
        service.add_item(
            session,
            WHO,
            org_id=org.id,
            year=year,
            problem=problem,
            responsible=responsible,
            measures=measures,
            deadline=deadline,
            status=status,
            source=source,
        )
    return len(items)
