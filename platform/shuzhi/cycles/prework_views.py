"""The pre-meeting work page of a campaign (issue 7 item 6): the plan's filing (GH-04),
research visits (GH-04, JX-05), verification groups (YZ-06) and guidance groups (JX-09).

Admins see and do everything; reviewers see the visits in their scope (never those to
their own org before its meeting, :func:`prework.visible_visits`) and record visits.
A refused form is shown again with what was typed and the message (4xx).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask import redirect as _redirect
from flask_babel import gettext as _

from shuzhi.auth.permissions import Perm, require
from shuzhi.cycles import access, files, prework, service
from shuzhi.cycles.calendar import today_in_china
from shuzhi.cycles.models import GroupKind, Mode
from shuzhi.db import db
from shuzhi.errors import Forbidden, NotFound, ShuzhiError, ValidationFailed
from shuzhi.web.fields import form_date

bp = Blueprint("cycles_prework", __name__, url_prefix="/t/<tenant>", template_folder="templates")


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("请先选择。"), errors={field: [_("必填")]}) from exc


def _page(
    campaign_id: int,
    *,
    error: ShuzhiError | None = None,
    form: dict[str, Any] | None = None,
    section: str = "",
) -> Any:
    who = access.current()
    prework.ensure_reader(who)
    c = service.get_campaign(db.session, campaign_id)
    reporters = prework.reporters_named(db.session, c)
    by_id = {r["id"]: r for r in reporters}
    own = prework.own_reporter_ids(db.session, who, list(by_id))
    if not who.admin:  # a reviewer picks among the reporters in their scope, not their own
        reporters = [r for r in reporters if who.may(Perm.REPORTS_REVIEW, r["org_id"])]
        reporters = [r for r in reporters if r["id"] not in own]
    groups = prework.groups(db.session, c)
    rows = prework.assignments(db.session, c)
    reviews = prework.sub_reviews(db.session, c)
    review_names = {
        o.id: o.name for o in service.org_names(db.session, [r.receiver_org_id for r in reviews]).values()
    }
    html = render_template(
        "cycles/prework.html",
        campaign=c,
        admin=who.admin,
        own=own,
        filings=prework.filings(db.session, c),
        visits=prework.visible_visits(db.session, who, c),
        reporters=reporters,
        by_id=by_id,
        onsite=[r for r in by_id.values() if r["mode"] is Mode.ONSITE],
        verification=[g for g in groups if g.kind is GroupKind.VERIFICATION],
        guidance=[g for g in groups if g.kind is GroupKind.GUIDANCE],
        assignments=rows,
        reviews=[(r.id, review_names.get(r.receiver_org_id, "")) for r in reviews],
        review_names={r.id: review_names.get(r.receiver_org_id, "") for r in reviews},
        today=today_in_china(),
        error=error,
        section=section,
        form=form or {},
    )
    return (html, error.status) if error is not None else html


@bp.get("/campaigns/<int:campaign_id>/prework")
@require(Perm.TENANT_READ)
def page(tenant: str, campaign_id: int) -> Any:
    return _page(campaign_id)


def _done(campaign_id: int, anchor: str) -> Any:
    return _redirect(url_for("cycles_prework.page", campaign_id=campaign_id, _anchor=anchor))


def _form() -> dict[str, str]:
    return {k: v.strip() for k, v in request.form.items() if k != "csrf_token"}


@bp.post("/campaigns/<int:campaign_id>/prework/visits")
@require(Perm.TENANT_READ)
def add_visit(tenant: str, campaign_id: int) -> Any:
    form = _form()
    try:
        c = service.get_campaign(db.session, campaign_id)
        reporter = service.get_reporter(db.session, _int(form.get("reporter_id", ""), "reporter_id"))
        if reporter.campaign_id != c.id:
            raise NotFound(_("找不到该述职人。"))
        prework.record_visit(
            db.session,
            access.current(),
            reporter,
            visited_on=form_date(form.get("visited_on", ""), "visited_on"),
            visitors=form.get("visitors", ""),
            findings=form.get("findings", ""),
        )
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(campaign_id, error=exc, form=form, section="visits")
    return _done(campaign_id, "sz-visits")


@bp.post("/campaigns/<int:campaign_id>/prework/filings")
@require(Perm.TENANT_READ)
def add_filing(tenant: str, campaign_id: int) -> Any:
    form = _form()
    upload = request.files.get("document")
    try:
        c = service.get_campaign(db.session, campaign_id)
        data = upload.read(prework.MAX_FILE + 1) if upload is not None and upload.filename else None
        prework.file_plan(
            db.session,
            access.current(),
            c,
            filed_with=form.get("filed_with", ""),
            filed_on=form_date(form.get("filed_on", ""), "filed_on"),
            document=data,
            document_name=upload.filename if upload is not None else "",
            document_type=upload.mimetype if upload is not None else "",
            note=form.get("note", ""),
        )
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(campaign_id, error=exc, form=form, section="filings")
    return _done(campaign_id, "sz-filings")


@bp.post("/campaigns/<int:campaign_id>/prework/groups")
@require(Perm.TENANT_READ)
def add_group(tenant: str, campaign_id: int) -> Any:
    form = _form()
    try:
        c = service.get_campaign(db.session, campaign_id)
        try:
            kind = GroupKind(form.get("kind", ""))
        except ValueError as exc:
            raise ValidationFailed(_("请选择工作组类别。"), errors={"kind": [_("必填")]}) from exc
        prework.create_group(
            db.session,
            access.current(),
            c,
            kind=kind,
            name=form.get("name", ""),
            leader=form.get("leader", ""),
            members=form.get("members", ""),
        )
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(campaign_id, error=exc, form=form, section="groups")
    return _done(campaign_id, "sz-groups")


@bp.post("/campaigns/<int:campaign_id>/prework/groups/<int:group_id>/assign")
@require(Perm.TENANT_READ)
def assign(tenant: str, campaign_id: int, group_id: int) -> Any:
    form = _form()
    try:
        c = service.get_campaign(db.session, campaign_id)
        group = prework.get_group(db.session, c, group_id)
        who = access.current()
        if group.kind is GroupKind.VERIFICATION:
            reporter = service.get_reporter(db.session, _int(form.get("reporter_id", ""), "reporter_id"))
            prework.assign_reporter(db.session, who, group, reporter)
        else:
            review = service.get_review(db.session, _int(form.get("review_id", ""), "review_id"))
            prework.assign_review(db.session, who, group, review)
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(campaign_id, error=exc, form=form, section="groups")
    return _done(campaign_id, f"group-{group_id}")


@bp.post("/campaigns/<int:campaign_id>/prework/assignments/<int:assignment_id>/comment")
@require(Perm.TENANT_READ)
def comment(tenant: str, campaign_id: int, assignment_id: int) -> Any:
    form = _form()
    upload = request.files.get("attachment")
    try:
        c = service.get_campaign(db.session, campaign_id)
        row = prework.get_assignment(db.session, c, assignment_id)
        data = upload.read(prework.MAX_FILE + 1) if upload is not None and upload.filename else None
        prework.set_comment(
            db.session,
            access.current(),
            row,
            comment=form.get("comment", ""),
            attachment=data,
            attachment_name=upload.filename if upload is not None and upload.filename else "",
            attachment_type=upload.mimetype if upload is not None else "",
        )
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(campaign_id, error=exc, form=form, section=f"a{assignment_id}")
    return _done(campaign_id, f"assignment-{assignment_id}")


def _download(data: bytes, name: str, mimetype: str) -> Response:
    res = Response(data, mimetype=mimetype or "application/octet-stream")
    res.headers.set("Content-Disposition", "attachment", filename=name)
    res.headers["X-Content-Type-Options"] = "nosniff"
    return res


@bp.get("/campaigns/<int:campaign_id>/prework/filings/<int:filing_id>/document")
@require(Perm.TENANT_READ)
def filing_document(tenant: str, campaign_id: int, filing_id: int) -> Response:
    prework.ensure_reader(access.current())
    row = prework.get_filing(db.session, service.get_campaign(db.session, campaign_id), filing_id)
    return _download(files.get(row.document_key), row.document_name, row.document_type)


@bp.get("/campaigns/<int:campaign_id>/prework/assignments/<int:assignment_id>/attachment")
@require(Perm.TENANT_READ)
def assignment_attachment(tenant: str, campaign_id: int, assignment_id: int) -> Response:
    who = access.current()
    prework.ensure_reader(who)
    row = prework.get_assignment(db.session, service.get_campaign(db.session, campaign_id), assignment_id)
    if not row.attachment_key:
        raise NotFound()
    if row.reporter_id is not None and row.reporter_id in prework.own_reporter_ids(
        db.session, who, [row.reporter_id]
    ):
        raise Forbidden()
    return _download(files.get(row.attachment_key), row.attachment_name, row.attachment_type)
