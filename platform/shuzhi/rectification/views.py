"""The portal page of an org's rectification list in a campaign (CO-05, SX-12, JX-08, TJ-11).

- ``GET  /t/<tenant>/campaigns/<campaign>/orgs/<org>/rectification`` — last year's items
  (those not done are carried into this year's report and must be answered: TJ-07,
  JX-03, SX-12) and this year's, with a form to add one;
- ``POST`` the same URL — add an item (a refusal shows the form again with what was typed);
- ``POST …/rectification/<item>/status`` — change an item's status.

Tenant admins and the org's reviewers enter items for any org in their scope, the org's
secretary for their own (:mod:`shuzhi.rectification.service`). This is the list only:
rectification plans, evidence uploads and filing are a later issue.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from shuzhi.auth.permissions import Perm, require
from shuzhi.cycles import access
from shuzhi.db import db
from shuzhi.errors import ShuzhiError
from shuzhi.rectification import service
from shuzhi.rectification.models import MAX_MEASURES, MAX_PROBLEM, MAX_RESPONSIBLE, ItemSource, ItemStatus
from shuzhi.web.fields import form_date

bp = Blueprint("rectification_portal", __name__, url_prefix="/t/<tenant>", template_folder="templates")

FIELDS = ("problem", "responsible", "measures", "deadline", "status", "source", "year")


def _page(
    campaign_id: int, org_id: int, *, error: ShuzhiError | None = None, form: dict[str, str] | None = None
) -> Any:
    campaign, org = service.campaign_and_org(db.session, campaign_id, org_id)
    who = access.current()
    service.ensure_read(who, org.id)
    items = service.items_of(db.session, org.id, (campaign.year, campaign.year - 1))
    html = render_template(
        "rectification/items.html",
        campaign=campaign,
        org=org,
        last=[i for i in items if i.year == campaign.year - 1],
        this=[i for i in items if i.year == campaign.year],
        can_write=service.may_write(who, org.id),
        statuses=[(s.value, service.status_label(s)) for s in ItemStatus],
        sources=[(s.value, service.source_label(s)) for s in ItemSource],
        status_label=service.status_label,
        source_label=service.source_label,
        limits={"problem": MAX_PROBLEM, "responsible": MAX_RESPONSIBLE, "measures": MAX_MEASURES},
        error=error,
        form=form or {},
    )
    return (html, error.status) if error is not None else html


@bp.get("/campaigns/<int:campaign_id>/orgs/<int:org_id>/rectification")
@require(Perm.TENANT_READ)
def page(tenant: str, campaign_id: int, org_id: int) -> Any:
    return _page(campaign_id, org_id)


@bp.post("/campaigns/<int:campaign_id>/orgs/<int:org_id>/rectification")
@require(Perm.TENANT_READ)
def add(tenant: str, campaign_id: int, org_id: int) -> Any:
    form = {k: request.form.get(k, "") for k in FIELDS}
    try:
        campaign, org = service.campaign_and_org(db.session, campaign_id, org_id)
        service.add_for_campaign(
            db.session,
            access.current(),
            campaign,
            org.id,
            year=form["year"].strip() or None,
            problem=form["problem"],
            responsible=form["responsible"],
            measures=form["measures"],
            deadline=form_date(form["deadline"], "deadline"),
            status=form["status"] or ItemStatus.OPEN,
            source=form["source"] or ItemSource.SELF_REVIEW,
        )
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(campaign_id, org_id, error=exc, form=form)
    return redirect(
        url_for("rectification_portal.page", campaign_id=campaign_id, org_id=org_id, _anchor="sz-items")
    )


@bp.post("/campaigns/<int:campaign_id>/rectification/<int:item_id>/status")
@require(Perm.TENANT_READ)
def status(tenant: str, campaign_id: int, item_id: int) -> Any:
    item = service.get_item(db.session, item_id)
    campaign, _org = service.campaign_and_org(db.session, campaign_id, item.org_id)
    org_id = item.org_id
    try:
        service.update_item(db.session, access.current(), item, status=request.form.get("status", ""))
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(campaign.id, org_id, error=exc)
    return redirect(
        url_for("rectification_portal.page", campaign_id=campaign.id, org_id=org_id, _anchor="sz-items")
    )
