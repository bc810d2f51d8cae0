"""Portal pages of the cycle engine: the campaigns and one campaign as a tree of reviews.

The tree shows the top review and its sub-reviews, each with its step and its
progress rolled up over everything under it (reporters submitted, graded,
overdue; sub-reviews overdue); deeper levels load when a node is opened, so a
province's campaign costs the same as a county's. The full dashboards (a
reviewer's reporters, a secretary's countdown) come with the next issue.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shuzhi.auth.permissions import Perm, require
from shuzhi.cycles import access, present, service
from shuzhi.cycles.calendar import describe_spec, today_in_china
from shuzhi.db import db
from shuzhi.errors import NotFound, ShuzhiError, ValidationFailed
from shuzhi.policy.models import PolicyPin
from shuzhi.tenancy.models import Role
from shuzhi.web import nav

bp = Blueprint("cycles_portal", __name__, url_prefix="/t/<tenant>", template_folder="templates")

nav.register(
    nav.NavItem(
        "cycles_portal.campaigns",
        _l("述职评议"),
        (Role.TENANT_ADMIN,),
        5,  # the tenant admin's dashboard: first in the menu, where signing in lands
        ("cycles_portal.campaign",),
    )
)


@bp.get("/campaigns")
@require(Perm.CYCLES_MANAGE)
def campaigns(tenant: str) -> str:
    items = [present.campaign(db.session, c) for c in service.list_campaigns(db.session)]
    return render_template("cycles/campaigns.html", campaigns=items, error=None, form={})


@bp.post("/campaigns")
@require(Perm.CYCLES_MANAGE)
def open_campaign(tenant: str) -> Any:
    form = {k: request.form.get(k, "").strip() for k in ("year",)}
    try:
        year = int(form["year"])
    except ValueError:
        year = 0
    try:
        if not year:
            raise ValidationFailed(_("请填写述职年度（如 2023）。"), errors={"year": [_("必填")]})
        campaign = service.open_campaign(db.session, access.current(), year=year)
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        items = [present.campaign(db.session, c) for c in service.list_campaigns(db.session)]
        return render_template("cycles/campaigns.html", campaigns=items, error=exc, form=form), exc.status
    return redirect(url_for("cycles_portal.campaign", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>")
@require(Perm.CYCLES_MANAGE)
def campaign(tenant: str, campaign_id: int) -> str:
    """The campaign as a tree: the top review and the reviews under it, each rolled up."""
    today = today_in_china()
    c, tline = service.campaign_and_timeline(db.session, campaign_id)
    top = service.top_reviews(db.session, c)
    if not top:
        raise NotFound()
    names = {r.receiver_org_id: name for r, name in top}
    tree = present.reviews(db.session, c, [r for r, _name in top], names=names, tline=tline, today=today)
    return render_template(
        "cycles/campaign.html",
        campaign=c,
        root=tree[0],
        children=tree[1:],
        stages=[(s, s.due(tline.bases())) for s in tline.stages],
        today=today,
        labels=node_labels(c.id),
    )


@bp.get("/campaigns/<int:campaign_id>/policy")
@require(Perm.CYCLES_MANAGE)
def campaign_policy(tenant: str, campaign_id: int, *, error: str | None = None, reason: str = "") -> Any:
    """The campaign's pinned policy, and what a newer plugin version would change."""
    c = service.get_campaign(db.session, campaign_id)
    pin = db.session.get(PolicyPin, c.pin_id)
    history = []
    p = pin
    while p is not None and p.supersedes_id is not None:
        p = db.session.get(PolicyPin, p.supersedes_id)
        if p is not None:
            history.append(p)
    html = render_template(
        "cycles/policy.html",
        campaign=c,
        pin=pin,
        history=history,
        upgrade=service.policy_upgrade(db.session, c),
        error=error,
        reason=reason,
    )
    return (html, 422) if error else html


@bp.post("/campaigns/<int:campaign_id>/policy/upgrade")
@require(Perm.CYCLES_MANAGE)
def campaign_policy_upgrade(tenant: str, campaign_id: int) -> Any:
    """Adopt the plugin's newer policy for this campaign, with a reason (audited)."""
    c = service.get_campaign(db.session, campaign_id)
    reason = request.form.get("reason", "").strip()
    try:
        service.apply_policy_upgrade(
            db.session, c, actor=g.user.username if g.get("user") else "", reason=reason
        )
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return campaign_policy(tenant, campaign_id, error=exc.message, reason=reason)
    return redirect(url_for("cycles_portal.campaign_policy", campaign_id=campaign_id, upgraded=1))


#: A review id no campaign has: the sub-reviews' address is built once with it, then split.
_MARK = 9_876_543_210_123


def node_labels(campaign_id: int) -> dict[str, Any]:
    """The tree's words, translated once per page rather than once per node, and the
    sub-reviews' address around the review id (one url_for per page rather than per node)."""
    kids = url_for("cycles_portal.review_children", campaign_id=campaign_id, review_id=_MARK)
    head, _mark, tail = kids.partition(str(_MARK))
    return {
        "kids": (head, tail),
        "total": _("述职人"),
        "submitted": _("已提交"),
        "reviewed": _("已述职"),
        "evaluated": _("已测评"),
        "graded": _("已定等次"),
        "plans_in": _("整改方案"),
        "overdue": _("逾期"),
        "people": _("人"),
        "reviews_overdue": _("逾期单元"),
        "sub_reviews": _("下级评议单元"),
        "meeting": _("会议"),
        "loading": _("正在加载…"),
        "toggle": _("展开或收起下级评议单元"),
    }


@bp.get("/campaigns/<int:campaign_id>/reviews/<int:review_id>/children")
@require(Perm.CYCLES_MANAGE)
def review_children(tenant: str, campaign_id: int, review_id: int) -> str:
    """The sub-reviews of one review, as tree items (htmx loads them when a node opens)."""
    c = service.get_campaign(db.session, campaign_id)
    review = service.get_review(db.session, review_id)
    if review.campaign_id != c.id:
        raise NotFound()
    items = present.reviews(db.session, c, service.child_reviews(db.session, review), today=today_in_china())
    return render_template("cycles/_children.html", campaign=c, nodes=items, labels=node_labels(c.id))


@bp.app_template_filter("spec_label")
def spec_label(spec: str | None) -> str:
    return describe_spec(spec)
