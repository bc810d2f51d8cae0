"""Who may do what in a campaign: every permission check of the cycles room, in one place.

The checks ask the platform's permission table (:func:`shuzhi.auth.permissions.can`)
on the reporter's org, so scopes follow the memberships: a secretary acts on
their own org (``reports.write_own``), a reviewer on the orgs under theirs
(``reports.review``), a tenant admin everywhere (``cycles.manage``). The
command line runs as the platform operator and may do everything.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import gettext as _

from shuzhi.auth import Unauthenticated
from shuzhi.auth.acting import Acting
from shuzhi.auth.permissions import Perm, current_principal, perm_label
from shuzhi.cycles.stages import RANK, Step, label
from shuzhi.errors import Forbidden, ValidationFailed


class Who(Acting):
    """Who acts in a campaign (:class:`~shuzhi.auth.acting.Acting`), with the cycles' own question."""

    @property
    def admin(self) -> bool:
        return self.may(Perm.CYCLES_MANAGE)


def current() -> Who:
    """The request's principal in the URL's tenant."""
    principal = current_principal()
    tenant = g.get("tenant")
    if principal is None:
        raise Unauthenticated(_("请先登录。"))
    user = g.get("user")
    label_ = user.username if user is not None else getattr(principal, "name", "token")
    return Who(label_, getattr(user, "id", None), principal, tenant.id if tenant is not None else None)


def for_user(user: Any, tenant_id: int) -> Who:
    return Who(user.username, user.id, user, tenant_id)


def operator(label_: str) -> Who:
    return Who(label_, operator=True)


#: Who may move a reporter forward into each step: any of these permissions on its org.
FORWARD: dict[Step, tuple[Perm, ...]] = {
    Step.RESEARCH: (Perm.CYCLES_MANAGE, Perm.REPORTS_REVIEW, Perm.REPORTS_WRITE_OWN),
    Step.DRAFTING: (Perm.CYCLES_MANAGE, Perm.REPORTS_REVIEW, Perm.REPORTS_WRITE_OWN),
    Step.PRE_REVIEW: (Perm.CYCLES_MANAGE, Perm.REPORTS_WRITE_OWN),  # the secretary sends the draft
    Step.SUBMITTED: (Perm.CYCLES_MANAGE, Perm.REPORTS_WRITE_OWN),
    Step.MEETING: (Perm.MEETINGS_RUN,),
    Step.EVALUATED: (Perm.MEETINGS_RUN,),
    Step.GRADED: (Perm.GRADES_DECIDE,),
    Step.RECTIFICATION: (Perm.CYCLES_MANAGE, Perm.RECTIFICATION_REVIEW),
    Step.FILED: (Perm.CYCLES_MANAGE, Perm.RECTIFICATION_WRITE_OWN),  # the rectification plan handed in
    Step.CLOSED: (Perm.CYCLES_MANAGE,),
}
#: After a pre-review, submitting is the reviewer's approval, not the writer's.
APPROVE: tuple[Perm, ...] = (Perm.CYCLES_MANAGE, Perm.REPORTS_REVIEW)
#: A reviewer may return a report for revision from these steps, with comments (CO-02).
RETURNABLE = frozenset({Step.PRE_REVIEW, Step.SUBMITTED})


def ensure_admin(who: Who) -> None:
    if not who.admin:
        raise Forbidden(
            _(
                "只有租户管理员（组织部、工委工作人员）可以进行此操作（需要“%(perm)s”权限）。",
                perm=perm_label(Perm.CYCLES_MANAGE),
            )
        )


def ensure_read(who: Who, org: Any = None) -> None:
    if not who.may(Perm.TENANT_READ):
        raise Forbidden()


def _reason(reason: str, message: str) -> None:
    if not reason.strip():
        raise ValidationFailed(message, errors={"reason": [_("必填")]})


def ensure_move_reporter(who: Who, org_id: int, *, current: Step, target: Step, reason: str) -> None:
    """Raise unless ``who`` may move the reporter of ``org_id`` from ``current`` to ``target``."""
    if RANK[target] < RANK[current]:
        if who.admin:
            _reason(reason, _("退回到前面的阶段须写明理由。"))
            return
        if current in RETURNABLE and target is Step.DRAFTING and who.may(Perm.REPORTS_REVIEW, org_id):
            _reason(reason, _("退回修改须写明意见。"))
            return
        raise Forbidden(
            _("只有租户管理员可以把述职阶段往回退（须写明理由）；审核人只能把待审核或已提交的报告退回修改。")
        )
    perms = APPROVE if (target is Step.SUBMITTED and current is Step.PRE_REVIEW) else FORWARD[target]
    if any(who.may(p, org_id) for p in perms):
        return
    if any(who.may(p) for p in perms):
        raise Forbidden(_("该组织不在您负责的范围内，您只能办理自己负责的述职事项。"))
    raise Forbidden(_("您没有权限把述职人推进到“%(step)s”环节。", step=label(target)))


def ensure_move_review(who: Who, *, current: Step, target: Step, reason: str) -> None:
    ensure_admin(who)
    if RANK[target] < RANK[current]:
        _reason(reason, _("退回到前面的阶段须写明理由。"))
