"""Pre-meeting work: research visits, verification and guidance groups, the plan's filing.

- **Research visits** (GH-04, JX-05): superiors visit a reporter's org unannounced
  before the meeting and record who went, when, and what they found. The record is
  **not shown to the reporter before their meeting**: :func:`visible_visits` is the one
  query every reader goes through (API, pages), and it leaves out the visits to a
  reporter whose secretary is the reader until that reporter's meeting has been
  held — even when the reader could otherwise see them (a town secretary who reviews
  his villages still reports to the county himself).
- **Verification groups** (YZ-06 核查组) check each on-site (drawn) reporter and write
  comment material (text, an attached file, or both).
- **Guidance groups** (JX-09 指导组) are sent to the reviews' meetings.
- **The plan filed** with the superior (GH-04 备案): a recorded step with the document
  (kept, with its sha256) and an audit event.

Writes only here; the caller commits. Refused operations raise before writing.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shuzhi.audit.service import record
from shuzhi.auth.permissions import Perm
from shuzhi.cycles import access, files, service
from shuzhi.cycles.access import Who
from shuzhi.cycles.calendar import today_in_china
from shuzhi.cycles.models import (
    Campaign,
    GroupAssignment,
    GroupKind,
    Mode,
    PlanFiling,
    Reporter,
    ResearchVisit,
    Review,
    WorkGroup,
)
from shuzhi.cycles.stages import RANK, Step
from shuzhi.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shuzhi.orgs.models import Person

#: Attachments and filed documents: a plan or comment is a few pages, not a library.
MAX_FILE = 10 * 1024 * 1024


def _required(value: str, field: str, message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, errors={field: [_("必填")]})
    if len(value) > limit:
        raise ValidationFailed(_("内容过长（最多 %(n)s 字）。", n=limit), errors={field: [_("过长")]})
    return value


def _file(content: bytes | None, name: str, field: str) -> None:
    if content is not None and len(content) > MAX_FILE:
        raise ValidationFailed(
            _("文件 %(name)s 超过 10 MB，请压缩后再上传。", name=name), errors={field: [_("文件过大")]}
        )


def own_reporter_ids(session: Session, who: Who, reporter_ids: list[int]) -> set[int]:
    """Of these reporters, the ones whose secretary is ``who``."""
    if who.user_id is None or not reporter_ids:
        return set()
    return set(
        session.scalars(
            select(Reporter.id)
            .join(Person, Person.id == Reporter.person_id)
            .where(Reporter.id.in_(reporter_ids), Person.user_id == who.user_id)
        )
    )


def meeting_held(reporter: Reporter, review: Review, today: date) -> bool:
    """Whether the reporter's meeting has been held: it reached the meeting (or passed it by in
    writing, being evaluated), or its review's meeting date is past."""
    if RANK[Step(reporter.stage)] >= RANK[Step.MEETING]:
        return True
    return review.meeting_date is not None and review.meeting_date < today


def ensure_reader(who: Who) -> None:
    """The pre-meeting work is the organization department's and the reviewers'."""
    if not (who.admin or who.may(Perm.REPORTS_REVIEW)):
        raise Forbidden(_("会前工作只对组织部门和审核人开放。"))


def required_id(value: int | None, field: str) -> int:
    if value is None:
        raise ValidationFailed(_("请先选择。"), errors={field: [_("必填")]})
    return value


def _may_see_visits(who: Who, org_id: int) -> bool:
    return who.admin or who.may(Perm.REPORTS_REVIEW, org_id)


# --- research visits (GH-04, JX-05) ---------------------------------------------------


def record_visit(
    session: Session,
    who: Who,
    reporter: Reporter,
    *,
    visited_on: date | None,
    visitors: str,
    findings: str,
) -> ResearchVisit:
    """Record an unannounced research visit to the reporter's org (admins, or its reviewers)."""
    if not _may_see_visits(who, reporter.org_id) or reporter.id in own_reporter_ids(
        session, who, [reporter.id]
    ):
        raise Forbidden(_("只有组织部门或上级审核人可以记录会前调研走访。"))
    campaign = service.get_campaign(session, reporter.campaign_id)
    if visited_on is None:
        raise ValidationFailed(_("请填写走访日期。"), errors={"visited_on": [_("必填")]})
    if visited_on < campaign.period_start or visited_on > today_in_china():
        raise ValidationFailed(
            _("走访日期应在述职期间开始之后，且不晚于今天。"), errors={"visited_on": [_("日期不正确")]}
        )
    visit = ResearchVisit(
        campaign_id=campaign.id,
        reporter_id=reporter.id,
        visited_on=visited_on,
        visitors=_required(visitors, "visitors", _("请填写走访人员。"), 300),
        findings=_required(findings, "findings", _("请填写走访发现的情况。"), 5000),
        recorded_by=who.label,
    )
    session.add(visit)
    session.flush()
    return visit


def visible_visits(
    session: Session,
    who: Who,
    campaign: Campaign,
    *,
    reporter_id: int | None = None,
    today: date | None = None,
) -> list[ResearchVisit]:
    """The campaign's research visits ``who`` may read (GH-04, JX-05: never the reporter's own
    before their meeting)."""
    today = today or today_in_china()
    stmt = (
        select(ResearchVisit, Reporter, Review)
        .join(Reporter, Reporter.id == ResearchVisit.reporter_id)
        .join(Review, Review.id == Reporter.review_id)
        .where(ResearchVisit.campaign_id == campaign.id)
    )
    if reporter_id is not None:
        stmt = stmt.where(ResearchVisit.reporter_id == reporter_id)
    rows = session.execute(stmt.order_by(ResearchVisit.visited_on, ResearchVisit.id)).all()
    own = own_reporter_ids(session, who, sorted({r.id for _v, r, _rv in rows}))
    out = []
    for visit, reporter, review in rows:
        if reporter.id in own:
            if meeting_held(reporter, review, today):
                out.append(visit)
            continue
        if _may_see_visits(who, reporter.org_id):
            out.append(visit)
    return out


# --- groups (YZ-06, JX-09) ------------------------------------------------------------


def create_group(
    session: Session,
    who: Who,
    campaign: Campaign,
    *,
    kind: GroupKind,
    name: str,
    leader: str = "",
    members: str = "",
) -> WorkGroup:
    access.ensure_admin(who)
    if campaign.status.value != "open":
        raise Conflict(_("该述职评议工作已结束，不能再修改。"))
    name = _required(name, "name", _("请填写工作组名称。"), 100)
    if session.scalar(
        select(WorkGroup.id).where(
            WorkGroup.campaign_id == campaign.id, WorkGroup.kind == kind, WorkGroup.name == name
        )
    ):
        raise Conflict(_("已有名为“%(name)s”的工作组。", name=name), errors={"name": [_("重名")]})
    group = WorkGroup(
        campaign_id=campaign.id,
        kind=kind,
        name=name,
        leader=(leader or "").strip()[:100],
        members=(members or "").strip()[:500],
        created_by=who.label,
    )
    session.add(group)
    session.flush()
    return group


def get_group(session: Session, campaign: Campaign, group_id: int) -> WorkGroup:
    group = session.get(WorkGroup, group_id)
    if group is None or group.campaign_id != campaign.id:
        raise NotFound(_("找不到该工作组。"))
    return group


def groups(session: Session, campaign: Campaign, kind: GroupKind | None = None) -> list[WorkGroup]:
    stmt = select(WorkGroup).where(WorkGroup.campaign_id == campaign.id)
    if kind is not None:
        stmt = stmt.where(WorkGroup.kind == kind)
    return list(session.scalars(stmt.order_by(WorkGroup.kind, WorkGroup.name)))


def assignments(session: Session, campaign: Campaign) -> list[GroupAssignment]:
    return list(
        session.scalars(
            select(GroupAssignment)
            .where(GroupAssignment.campaign_id == campaign.id)
            .order_by(GroupAssignment.group_id, GroupAssignment.id)
        )
    )


def assign_reporter(session: Session, who: Who, group: WorkGroup, reporter: Reporter) -> GroupAssignment:
    """Charge a verification group with one on-site (drawn) reporter (YZ-06)."""
    access.ensure_admin(who)
    if group.kind is not GroupKind.VERIFICATION:
        raise ValidationFailed(
            _("只有核查组负责核查述职人；指导组应安排到评议会议。"), errors={"reporter_id": [_("组别不对")]}
        )
    if reporter.campaign_id != group.campaign_id:
        raise NotFound(_("找不到该述职人。"))
    if reporter.mode is not Mode.ONSITE:
        raise ValidationFailed(
            _("核查组只核查现场述职对象，该述职人是书面述职。"), errors={"reporter_id": [_("不是现场述职")]}
        )
    taken = session.scalar(
        select(WorkGroup.name)
        .join(GroupAssignment, GroupAssignment.group_id == WorkGroup.id)
        .where(GroupAssignment.reporter_id == reporter.id, WorkGroup.kind == GroupKind.VERIFICATION)
    )
    if taken is not None:
        raise Conflict(_("该述职人已由“%(name)s”核查。", name=taken))
    row = GroupAssignment(
        campaign_id=group.campaign_id, group_id=group.id, reporter_id=reporter.id, assigned_by=who.label
    )
    session.add(row)
    session.flush()
    return row


def assign_review(session: Session, who: Who, group: WorkGroup, review: Review) -> GroupAssignment:
    """Send a guidance group to a review's meeting (JX-09); one group per meeting."""
    access.ensure_admin(who)
    if group.kind is not GroupKind.GUIDANCE:
        raise ValidationFailed(
            _("只有指导组安排到评议会议；核查组应安排到述职人。"), errors={"review_id": [_("组别不对")]}
        )
    if review.campaign_id != group.campaign_id:
        raise NotFound(_("找不到该述职评议单元。"))
    if review.parent_id is None:
        raise ValidationFailed(
            _("指导组派往下级党组织的评议会议，不派往本级会议。"), errors={"review_id": [_("本级会议")]}
        )
    taken = session.scalar(
        select(WorkGroup.name)
        .join(GroupAssignment, GroupAssignment.group_id == WorkGroup.id)
        .where(GroupAssignment.review_id == review.id, WorkGroup.kind == GroupKind.GUIDANCE)
    )
    if taken is not None:
        raise Conflict(_("该评议会议已安排“%(name)s”指导。", name=taken))
    row = GroupAssignment(
        campaign_id=group.campaign_id, group_id=group.id, review_id=review.id, assigned_by=who.label
    )
    session.add(row)
    session.flush()
    return row


def get_assignment(session: Session, campaign: Campaign, assignment_id: int) -> GroupAssignment:
    row = session.get(GroupAssignment, assignment_id)
    if row is None or row.campaign_id != campaign.id:
        raise NotFound(_("找不到该项安排。"))
    return row


def set_comment(
    session: Session,
    who: Who,
    row: GroupAssignment,
    *,
    comment: str,
    attachment: bytes | None = None,
    attachment_name: str = "",
    attachment_type: str = "",
) -> GroupAssignment:
    """A verification group's comment material on its reporter (YZ-06): text and/or a file."""
    if row.reporter_id is None:
        raise ValidationFailed(_("点评材料只针对核查的述职人。"))
    reporter = service.get_reporter(session, row.reporter_id)
    if not _may_see_visits(who, reporter.org_id) or reporter.id in own_reporter_ids(
        session, who, [reporter.id]
    ):
        raise Forbidden(_("只有组织部门或核查组可以填写点评材料。"))
    comment = (comment or "").strip()
    if len(comment) > 20000:
        raise ValidationFailed(_("内容过长（最多 %(n)s 字）。", n=20000), errors={"comment": [_("过长")]})
    if not comment and attachment is None and not row.attachment_key:
        raise ValidationFailed(_("请填写点评材料，或上传点评材料文件。"), errors={"comment": [_("必填")]})
    _file(attachment, attachment_name, "attachment")
    row.comment = comment
    if attachment is not None:
        row.attachment_key = files.put(row.tenant_id, attachment)
        row.attachment_name = (attachment_name or "attachment").strip()[:200]
        row.attachment_type = (attachment_type or "application/octet-stream")[:100]
    session.flush()
    return row


# --- the plan filed with the superior (GH-04 备案) -------------------------------------


def file_plan(
    session: Session,
    who: Who,
    campaign: Campaign,
    *,
    filed_with: str,
    filed_on: date | None,
    document: bytes | None,
    document_name: str,
    document_type: str = "",
    note: str = "",
    review: Review | None = None,
) -> PlanFiling:
    """Record the work plan filed with the superior body, with the document (GH-04)."""
    review = review or service.root_review(session, campaign)
    if not (who.admin or who.may(Perm.REPORTS_REVIEW, review.receiver_org_id)):
        raise Forbidden(_("只有组织部门或本级党组织可以登记方案备案。"))
    if campaign.status.value != "open":
        raise Conflict(_("该述职评议工作已结束，不能再修改。"))
    filed_with = _required(filed_with, "filed_with", _("请填写备案的上级单位。"), 200)
    if filed_on is None:
        raise ValidationFailed(_("请填写备案日期。"), errors={"filed_on": [_("必填")]})
    if filed_on > today_in_china():
        raise ValidationFailed(_("备案日期不能晚于今天。"), errors={"filed_on": [_("日期不正确")]})
    if not document:
        raise ValidationFailed(_("请上传备案的工作方案文件。"), errors={"document": [_("必填")]})
    name = (document_name or "").strip()[:200] or "plan"
    _file(document, name, "document")
    digest = hashlib.sha256(document).hexdigest()
    filing = PlanFiling(
        campaign_id=campaign.id,
        review_id=review.id,
        filed_with=filed_with,
        filed_on=filed_on,
        document_name=name,
        document_type=(document_type or "application/octet-stream")[:100],
        document_key=files.put(campaign.tenant_id, document),
        document_sha256=digest,
        note=(note or "").strip()[:500],
        filed_by=who.label,
    )
    session.add(filing)
    session.flush()
    record(
        session,
        "campaign.plan_filed",
        target_type="campaigns",
        target_id=campaign.id,
        summary=_(
            "工作方案已报%(to)s备案（%(day)s）：%(name)s",
            to=filed_with,
            day=filed_on.isoformat(),
            name=name,
        ),
        after={"filing": filing.id, "review": review.id, "document": name, "sha256": digest},
    )
    return filing


def filings(session: Session, campaign: Campaign) -> list[PlanFiling]:
    return list(
        session.scalars(
            select(PlanFiling)
            .where(PlanFiling.campaign_id == campaign.id)
            .order_by(PlanFiling.filed_on.desc(), PlanFiling.id.desc())
        )
    )


def get_filing(session: Session, campaign: Campaign, filing_id: int) -> PlanFiling:
    row = session.get(PlanFiling, filing_id)
    if row is None or row.campaign_id != campaign.id:
        raise NotFound(_("找不到该备案记录。"))
    return row


def reporters_named(session: Session, campaign: Campaign, *, onsite: bool = False) -> list[dict[str, Any]]:
    """The campaign's reporters with org names (for the pages' choosers), on-site ones if asked."""
    from shuzhi.cycles import present

    stmt = select(Reporter).where(Reporter.campaign_id == campaign.id)
    if onsite:
        stmt = stmt.where(Reporter.mode == Mode.ONSITE)
    return present.reporters(session, list(session.scalars(stmt.order_by(Reporter.level, Reporter.id))))


def sub_reviews(session: Session, campaign: Campaign) -> list[Review]:
    return list(
        session.scalars(
            select(Review)
            .where(Review.campaign_id == campaign.id, or_(Review.parent_id.is_not(None)))
            .order_by(Review.level, Review.id)
        )
    )
