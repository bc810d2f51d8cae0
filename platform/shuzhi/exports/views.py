"""Downloads: the policy's outline template, a report in the 公文 layout, a review's book.

The template is for anyone in the tenant writing a report; a report for
those who may read its org's reports; the book for those who review or
export the review's reports.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, g, send_file
from flask_babel import gettext as _

from shuzhi.auth.permissions import Perm, can, current_principal, ensure, require
from shuzhi.cycles import service as cycles
from shuzhi.db import db
from shuzhi.errors import Forbidden
from shuzhi.exports import documents, gongwen
from shuzhi.reports import drafts, live
from shuzhi.reports.models import ReportStatus, ReportVersion, VersionKind

bp = Blueprint("exports", __name__, url_prefix="/t/<tenant>/exports")


def _docx(data: bytes, name: str) -> Any:
    return send_file(io.BytesIO(data), mimetype=gongwen.DOCX_MIME, as_attachment=True, download_name=name)


@bp.get("/campaigns/<int:campaign_id>/outline-template.docx")
@require(Perm.TENANT_READ)
def outline_template(tenant: str, campaign_id: int) -> Any:
    """TJ-12 附件1: the campaign's pinned policy's outline template."""
    campaign = cycles.get_campaign(db.session, campaign_id)
    setting = live.setting_for(cycles.pin_of(db.session, campaign))
    return _docx(documents.outline_template(setting.policy), _("述职报告提纲模板.docx"))


@bp.get("/reporters/<int:reporter_id>/report.docx")
@require(Perm.REPORTS_READ)
def report_docx(tenant: str, reporter_id: int) -> Any:
    """The report's latest version in the 公文 layout."""
    reporter = cycles.get_reporter(db.session, reporter_id)
    ensure(Perm.REPORTS_READ, reporter.org_id)
    campaign = cycles.get_campaign(db.session, reporter.campaign_id)
    setting = live.setting_for(cycles.pin_of(db.session, campaign))
    org = cycles.org_names(db.session, [reporter.org_id]).get(reporter.org_id)
    state = drafts.state(db.session, reporter)
    name = org.name if org else str(reporter_id)
    data = documents.report_docx(
        state.text or _("（尚未撰写）"), setting.policy, fallback_title=_("%(org)s述职报告", org=name)
    )
    return _docx(data, _("%(org)s述职报告.docx", org=name))


def _submitted_text(reporter: Any) -> tuple[str, str]:
    """The latest submitted version's text, or "" and why there is none."""
    report = drafts.report_of(db.session, reporter)
    if report is None or report.status in (ReportStatus.DRAFT,):
        return "", _("未提交")
    version = (
        db.session.query(ReportVersion)
        .filter(ReportVersion.report_id == report.id, ReportVersion.kind == VersionKind.SUBMITTED)
        .order_by(ReportVersion.number.desc())
        .first()
    )
    if version is None:
        return "", _("未提交")
    note = _("已退回修改，收录的是上次提交的版本") if report.status is ReportStatus.RETURNED else ""
    return version.text, note


@bp.get("/reviews/<int:review_id>/book.docx")
@require(Perm.REPORTS_READ)
def review_book(tenant: str, review_id: int) -> Any:
    """All submitted reports of a review as one .docx (synchronous until the jobs queue exists)."""
    review = cycles.get_review(db.session, review_id)
    principal, tenant_obj = current_principal(), g.get("tenant")
    if not (
        can(principal, Perm.EXPORTS_RUN, tenant_obj)
        or can(principal, Perm.REPORTS_REVIEW, tenant_obj, review.receiver_org_id)
    ):
        raise Forbidden(_("只有审核人和组织部门可以导出述职报告汇编。"))
    campaign = cycles.get_campaign(db.session, review.campaign_id)
    setting = live.setting_for(cycles.pin_of(db.session, campaign))
    reporters = cycles.review_reporters(db.session, review)
    orgs = cycles.org_names(db.session, [r.org_id for r in reporters] + [review.receiver_org_id])
    people = cycles.people_names(db.session, [r.person_id for r in reporters])
    entries = []
    for r in reporters:
        text, note = _submitted_text(r)
        org = orgs.get(r.org_id)
        entries.append(
            documents.BookEntry(
                org.name if org else "", people.get(r.person_id, "") if r.person_id else "", text, note
            )
        )
    receiver = orgs.get(review.receiver_org_id)
    title = _("%(title)s述职报告汇编（%(org)s）", title=campaign.title, org=receiver.name if receiver else "")
    return _docx(documents.book_docx(title, entries, setting.policy), _("述职报告汇编.docx"))
