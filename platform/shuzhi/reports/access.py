"""Who may read, write, submit, review and comment on a report: every check of the reports room.

The base rights come from the platform's permission table
(:func:`shuzhi.auth.permissions.can`) on the report's org: a secretary writes
and submits their own org's report (``reports.write_own``, scope OWN), a
reviewer returns and approves the reports of the orgs under theirs
(``reports.review``, scope SUBTREE), a tenant admin reviews everywhere.
TJ-08 adds people per report (:class:`~shuzhi.reports.models.ReportMember`):
a co-author may edit the drafts (not submit: submitting is the secretary's act),
an invited reviewer may read and comment (not return or approve: those are the
receiving body's decisions).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.auth.acting import Acting
from shuzhi.auth.permissions import Perm
from shuzhi.errors import Forbidden
from shuzhi.reports.models import MemberRole, Report, ReportMember

#: Who acts on a report: the platform's :class:`~shuzhi.auth.acting.Acting` (a cycles ``Who`` is one).
Actor = Acting


def actor_of(user: Any, tenant_id: int | None = None) -> Actor:
    """An :class:`Actor` from a User, a token principal or an Actor (callers pass what they have)."""
    if isinstance(user, Acting):
        return user
    label = getattr(user, "username", None) or getattr(user, "name", "token")
    return Actor(
        str(label), getattr(user, "id", None) if hasattr(user, "username") else None, user, tenant_id
    )


def role_of(session: Session, report: Report, actor: Actor) -> MemberRole | None:
    if actor.user_id is None:
        return None
    return session.scalar(
        select(ReportMember.role).where(
            ReportMember.report_id == report.id, ReportMember.user_id == actor.user_id
        )
    )


def can_read(session: Session, report: Report, actor: Actor) -> bool:
    return (
        actor.may(Perm.REPORTS_READ, report.org_id)
        or actor.may(Perm.REPORTS_REVIEW, report.org_id)
        or role_of(session, report, actor) is not None
    )


def can_edit(session: Session, report: Report, actor: Actor) -> bool:
    return actor.may(Perm.REPORTS_WRITE_OWN, report.org_id) or (
        role_of(session, report, actor) is MemberRole.CO_AUTHOR
    )


def can_submit(report: Report, actor: Actor) -> bool:
    return actor.may(Perm.REPORTS_WRITE_OWN, report.org_id)


def can_review(report: Report, actor: Actor) -> bool:
    return actor.may(Perm.REPORTS_REVIEW, report.org_id)


def can_comment(session: Session, report: Report, actor: Actor) -> bool:
    return can_review(report, actor) or role_of(session, report, actor) is MemberRole.REVIEWER


def _refuse(actor: Actor, perm: Perm, message: str) -> None:
    if actor.may(perm):
        # the right exists, on other orgs: say so, so a reviewer knows it is about scope
        raise Forbidden(_("该组织不在您负责的范围内，您只能办理自己负责的述职事项。"))
    raise Forbidden(message)


def ensure_read(session: Session, report: Report, actor: Actor) -> None:
    if not can_read(session, report, actor):
        _refuse(actor, Perm.REPORTS_READ, _("您没有查看这份述职报告的权限。"))


def ensure_edit(session: Session, report: Report, actor: Actor) -> None:
    if not can_edit(session, report, actor):
        _refuse(
            actor,
            Perm.REPORTS_WRITE_OWN,
            _("只有本组织的书记和报告的协助起草人可以修改这份述职报告。"),
        )


def ensure_submit(report: Report, actor: Actor) -> None:
    if not can_submit(report, actor):
        _refuse(actor, Perm.REPORTS_WRITE_OWN, _("只有本组织的书记可以提交述职报告。"))


def ensure_review(report: Report, actor: Actor) -> None:
    if not can_review(report, actor):
        _refuse(actor, Perm.REPORTS_REVIEW, _("只有负责审核的领导可以退回或通过述职报告。"))


def ensure_comment(session: Session, report: Report, actor: Actor) -> None:
    if not can_comment(session, report, actor):
        _refuse(actor, Perm.REPORTS_REVIEW, _("只有审核人和受邀审阅人可以对述职报告提意见。"))


def ensure_manage_members(report: Report, actor: Actor) -> None:
    """The secretary invites co-authors and reviewers (TJ-08); an admin may too."""
    if not (can_submit(report, actor) or actor.may(Perm.CYCLES_MANAGE)):
        _refuse(actor, Perm.REPORTS_WRITE_OWN, _("只有本组织的书记可以邀请协助起草人和审阅人。"))
