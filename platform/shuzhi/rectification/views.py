"""The portal page of an org's rectification list in a campaign (CO-05, SX-12, JX-08, TJ-11).

- ``GET  /t/<tenant>/campaigns/<campaign>/orgs/<org>/rectification`` — last year's items
  (those not done are carried into this year's report and must be answered: TJ-07,
  JX-03, SX-12) and this year's, with a form to add one;
- ``POST`` the same URL — add an item (a refusal shows the form again with what was typed);
- ``POST …/rectification/<item>/status`` — change an item's status.

Tenant admins and the org's reviewers enter items for any org in their scope, the org's
secretary for their own; only the former set an item done or reopen it (SX-12: the superior
tracks), so the status list offers each user what they may choose
(:mod:`shuzhi.rectification.service`). A breadcrumb leads back to the campaign and the
org's report (the editor for its secretary, the reviewer's page for readers). This is the list only:
rectification plans, evidence uploads and filing are a later issue.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from shuzhi.auth.permissions import Perm, require
from shuzhi.cycles import access
from shuzhi.cycles.models import Reporter
from shuzhi.db import db
from shuzhi.errors import ShuzhiError
from shuzhi.rectification import service
from shuzhi.rectification.models import MAX_MEASURES, MAX_PROBLEM, MAX_RESPONSIBLE, ItemSource, ItemStatus
from shuzhi.reports import drafts
from shuzhi.reports.models import Report
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

    def choices(current: ItemStatus | None = None) -> list[tuple[str, str]]:
        # SX-12: only the superior closes an item or reopens a done one
        return [(s.value, service.status_label(s)) for s in service.statuses_for(who, org.id, current)]

    html = render_template(
        "rectification/items.html",
        campaign=campaign,
        org=org,
        last=[i for i in items if i.year == campaign.year - 1],
        this=[i for i in items if i.year == campaign.year],
        can_write=service.may_write(who, org.id),
        may_close=service.may_close(who, org.id),
        status_choices=choices,
        statuses=choices(),
        back=_back(who, campaign, org.id),
        sources=[(s.value, service.source_label(s)) for s in ItemSource],
        status_label=service.status_label,
        source_label=service.source_label,
        limits={"problem": MAX_PROBLEM, "responsible": MAX_RESPONSIBLE, "measures": MAX_MEASURES},
        error=error,
        form=form or {},
    )
    return (html, error.status) if error is not None else html


def _back(who: access.Who, campaign: Any, org_id: int) -> dict[str, str | None]:
    """Where the page leads back to: the campaign (for who may open it) and the org's report —
    the editor for who writes it, else the reviewer's page for who reads it, once it exists."""
    links: dict[str, str | None] = {"campaign": None, "report": None, "report_label": None}
    if who.may(Perm.CYCLES_MANAGE):
        links["campaign"] = url_for("cycles_portal.campaign", campaign_id=campaign.id)
    row = db.session.execute(
        select(Reporter.id, Report.id)
        .outerjoin(Report, Report.reporter_id == Reporter.id)
        .where(Reporter.campaign_id == campaign.id, Reporter.org_id == org_id)
    ).first()
    if row is None:
        return links
    reporter_id, report_id = row
    if who.may(Perm.REPORTS_WRITE_OWN, org_id) or drafts.is_coauthor(db.session, reporter_id, g.get("user")):
        links["report"] = url_for("report_editor.edit", reporter_id=reporter_id)
        links["report_label"] = _("撰写述职报告")
    elif report_id is not None and (
        who.may(Perm.REPORTS_READ, org_id) or who.may(Perm.REPORTS_REVIEW, org_id)
    ):
        links["report"] = url_for("report_review.report", report_id=report_id)
        links["report_label"] = _("述职报告")
    return links


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
