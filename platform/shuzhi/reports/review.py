"""The reviewer's pages: the reports to review, one report with its findings and paragraph
comments, return / approve, the versions and a diff between two of them.

- ``GET  /t/<tenant>/review`` — the reporters in the reviewer's scope and their reports' status;
- ``GET  /t/<tenant>/review/<report>`` — the latest submitted version (or draft), numbered
  paragraphs with their comments, findings, attachments, versions, decisions;
- ``POST …/comment`` — a comment on a paragraph (quoted words optional);
- ``POST …/return`` — back to the secretary with a note (CO-02);
- ``POST …/approve`` — approve (after a pre-review: TJ-02 包片领导, GH-01 党总支);
- ``GET  …/diff?from=&to=`` — two versions compared paragraph by paragraph;
- ``GET  …/attachments/<id>`` — download an attachment.

A refused action re-renders the page with the message and what was typed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shuzhi.auth.permissions import Perm, current_principal, require
from shuzhi.db import db
from shuzhi.errors import ShuzhiError, ValidationFailed
from shuzhi.reports import access, service
from shuzhi.reports.attachments import kind_label
from shuzhi.reports.fastcount import fast_words
from shuzhi.reports.models import CommentKind, Report, VersionKind
from shuzhi.reports.uploads import HEADING_MARK
from shuzhi.tenancy.models import Role
from shuzhi.web import nav

bp = Blueprint("report_review", __name__, url_prefix="/t/<tenant>/review", template_folder="templates")

nav.register(
    nav.NavItem(
        "report_review.index",
        _l("审核述职报告"),
        (Role.REVIEWER, Role.TENANT_ADMIN),
        35,
        ("report_review.report", "report_review.diff"),
    )
)


#: The words the secretary's editor uses for a finding's severity (须修改 blocks, 提醒 does not).
SEVERITY_LABELS = {"error": _l("须修改"), "warning": _l("提醒")}


def severity_label(severity: str) -> str:
    return str(SEVERITY_LABELS.get(severity, SEVERITY_LABELS["warning"]))


def _actor() -> access.Actor:
    return access.actor_of(current_principal(), g.tenant.id)


@bp.get("")
@require(Perm.REPORTS_REVIEW)
def index(tenant: str) -> str:
    rows = service.reviewable(db.session, current_principal(), g.tenant.id)
    waiting = sum(
        1 for r in rows if r.report is not None and r.report.status.value in ("pre_review", "submitted")
    )
    return render_template(
        "reports/review/index.html", rows=rows, waiting=waiting, status_label=service.status_label
    )


def _page(report: Report, *, error: ShuzhiError | None = None, form: dict[str, Any] | None = None) -> Any:
    from shuzhi.cycles import service as cycles

    actor = _actor()
    access.ensure_read(db.session, report, actor)
    versions = service.versions(db.session, report)
    shown_no = request.args.get("v", type=int)
    submitted = [v for v in versions if v.kind is VersionKind.SUBMITTED]
    shown = next((v for v in versions if v.number == shown_no), None) or (
        submitted[-1] if submitted else (versions[-1] if versions else None)
    )
    paras = service.paragraphs(shown.text) if shown else []
    by_para: dict[int | None, list[Any]] = {}
    for c in service.comments(db.session, report):
        if shown is not None and c.version_id == shown.id:
            by_para.setdefault(c.paragraph, []).append(c)
    decisions = service.decisions(db.session, report)
    # people by their display names (one query); the stored label (an API token's or the
    # command line's name, or a user since deleted) where there is no user to name
    names = service.display_names(
        db.session,
        [c.author_user_id for cs in by_para.values() for c in cs] + [d.actor_user_id for d in decisions],
    )
    findings = [
        f for f in ((shown.check or {}).get("findings", []) if shown else []) if f["severity"] != "info"
    ]
    org = cycles.org_names(db.session, [report.org_id]).get(report.org_id)
    reporter = cycles.get_reporter(db.session, report.reporter_id)
    numbers = {v.id: v.number for v in versions}
    rect_clause, responses = _rectification(report, paras)
    return render_template(
        "reports/review/report.html",
        report=report,
        org=org,
        reporter=reporter,
        versions=versions,
        shown=shown,
        # the editor's "# " heading marker is markup: shown as a heading, without the marks
        paras=[HEADING_MARK.sub("", p) for p in paras],
        heads={i for i, p in enumerate(paras) if HEADING_MARK.match(p)},
        speech_words=fast_words(shown.speech) if shown and shown.speech else 0,
        by_para=by_para,
        findings=findings,
        outline=(shown.check or {}).get("outline", []) if shown else [],
        attachments=service.attachments(db.session, report),
        decisions=decisions,
        author=lambda c: names.get(c.author_user_id) or c.author,
        actor=lambda d: names.get(d.actor_user_id) or d.actor,
        severity_label=severity_label,
        numbers=numbers,
        req=service.requirements(db.session, report),
        can_review=access.can_review(report, actor),
        can_comment=access.can_comment(db.session, report, actor),
        status_label=service.status_label,
        kind_label=kind_label,
        rect_clause=rect_clause,
        responses=responses,
        error=error,
        form=form or {},
    ), (error.status if error else 200)


def _rectification(report: Report, paras: list[str]) -> tuple[str | None, list[Any]]:
    """CO-05 with TJ-07, JX-03, SX-12: the org's unfinished items of last year and where the
    shown version answers each (against today's list, so an item entered after the save counts)."""
    from shuzhi.rectification import matching
    from shuzhi.rectification import service as rectification

    policy, _params = service.policy_of(db.session, report)
    clause = matching.clause_of(c.id for c in policy.clauses)
    if clause is None:
        return None, []
    carried = rectification.carried_for(db.session, report.campaign_id, report.org_id)
    return clause, matching.respond(carried, paras)


@bp.get("/<int:report_id>")
@require(Perm.TENANT_READ)
def report(tenant: str, report_id: int) -> Any:
    return _page(service.get_report(db.session, report_id))


def _act(report_id: int, action: Any, form: dict[str, Any], anchor: str = "") -> Any:
    report = service.get_report(db.session, report_id)
    try:
        action(report)
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        report = service.get_report(db.session, report_id)
        return _page(report, error=exc, form=form)
    return redirect(url_for("report_review.report", report_id=report_id) + anchor)


@bp.post("/<int:report_id>/comment")
@require(Perm.TENANT_READ)
def comment(tenant: str, report_id: int) -> Any:
    form = {k: request.form.get(k, "") for k in ("paragraph", "excerpt", "body", "kind", "version")}
    paragraph: int | None = None
    if form["paragraph"].strip():
        try:
            paragraph = int(form["paragraph"])
        except ValueError:
            paragraph = -1

    def add(report: Report) -> None:
        if paragraph == -1:
            raise ValidationFailed(_("段落序号不正确。"), errors={"paragraph": [_("应为数字")]})
        version = None
        if form["version"].strip().isdigit():
            version = service.get_version(db.session, report, int(form["version"]))
        kind = CommentKind.GUIDANCE if form["kind"] == "guidance" else CommentKind.COMMENT
        service.add_comment(
            db.session,
            report,
            user=_actor(),
            body=form["body"],
            paragraph=paragraph,
            excerpt=form["excerpt"],
            version=version,
            kind=kind,
        )

    return _act(report_id, add, form, f"#p-{paragraph}" if paragraph is not None else "#comments")


@bp.post("/<int:report_id>/return")
@require(Perm.TENANT_READ)
def return_(tenant: str, report_id: int) -> Any:
    form = {"note": request.form.get("note", "")}
    return _act(
        report_id,
        lambda report: service.return_report(db.session, report, user=_actor(), note=form["note"]),
        form,
        "#decision",
    )


@bp.post("/<int:report_id>/approve")
@require(Perm.TENANT_READ)
def approve(tenant: str, report_id: int) -> Any:
    form = {"approve_note": request.form.get("approve_note", "")}
    return _act(
        report_id,
        lambda report: service.approve(db.session, report, user=_actor(), note=form["approve_note"]),
        form,
        "#decision",
    )


@bp.get("/<int:report_id>/diff")
@require(Perm.TENANT_READ)
def diff(tenant: str, report_id: int) -> Any:
    report = service.get_report(db.session, report_id)
    access.ensure_read(db.session, report, _actor())
    versions = service.versions(db.session, report)
    old_no = request.args.get("from", type=int) or (versions[-2].number if len(versions) > 1 else 1)
    new_no = request.args.get("to", type=int) or (versions[-1].number if versions else 1)
    old = service.get_version(db.session, report, old_no)
    new = service.get_version(db.session, report, new_no)
    rows = service.diff(old, new)
    from shuzhi.cycles import service as cycles

    org = cycles.org_names(db.session, [report.org_id]).get(report.org_id)
    return render_template(
        "reports/review/diff.html",
        report=report,
        org=org,
        versions=versions,
        old=old,
        new=new,
        rows=rows,
        changed=sum(1 for r in rows if r.op != "equal"),
        inline=service.inline_diff,
    )


@bp.get("/<int:report_id>/attachments/<int:attachment_id>")
@require(Perm.TENANT_READ)
def attachment(tenant: str, report_id: int, attachment_id: int) -> Any:
    from shuzhi.reports.api import download

    report = service.get_report(db.session, report_id)
    access.ensure_read(db.session, report, _actor())
    return download(service.get_attachment(db.session, report, attachment_id))


# --- the secretary's attachments and seal attestation (JX-06, SX-03, YZ-05) -----------------

files_bp = Blueprint("report_files", __name__, url_prefix="/t/<tenant>/reports", template_folder="templates")


def _files_page(
    report: Report, *, error: ShuzhiError | None = None, form: dict[str, Any] | None = None
) -> Any:
    from shuzhi.cycles import service as cycles
    from shuzhi.reports.attachments import KINDS, MB

    actor = _actor()
    access.ensure_read(db.session, report, actor)
    org = cycles.org_names(db.session, [report.org_id]).get(report.org_id)
    items = service.attachments(db.session, report)
    return render_template(
        "reports/review/files.html",
        report=report,
        org=org,
        items=items,
        numbers={v.id: v.number for v in service.versions(db.session, report)},
        scans=[a for a in items if a.kind.value == "scan"],
        kinds=[(k.value, str(rule.label), rule.max_bytes // MB) for k, rule in KINDS.items()],
        req=service.requirements(db.session, report),
        can_edit=access.can_edit(db.session, report, actor),
        can_attest=access.can_submit(report, actor),
        can_invite=_may_invite(report, actor),
        members=service.member_rows(db.session, report),
        candidates=service.invitable(db.session) if _may_invite(report, actor) else [],
        status_label=service.status_label,
        kind_label=kind_label,
        error=error,
        form=form or {},
    ), (error.status if error else 200)


def _may_invite(report: Report, actor: access.Actor) -> bool:
    try:
        access.ensure_manage_members(report, actor)
    except ShuzhiError:
        return False
    return True


@files_bp.get("/<int:report_id>/files")
@require(Perm.TENANT_READ)
def files(tenant: str, report_id: int) -> Any:
    return _files_page(service.get_report(db.session, report_id))


def _files_act(report_id: int, action: Any, form: dict[str, Any]) -> Any:
    report = service.get_report(db.session, report_id)
    try:
        action(report)
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _files_page(service.get_report(db.session, report_id), error=exc, form=form)
    return redirect(url_for("report_files.files", report_id=report_id))


@files_bp.post("/<int:report_id>/files")
@require(Perm.TENANT_READ)
def upload(tenant: str, report_id: int) -> Any:
    form = {"kind": request.form.get("kind", "")}
    upload = request.files.get("file")

    def add(report: Report) -> None:
        if upload is None or not upload.filename:
            raise ValidationFailed(_("请选择要上传的文件。"), errors={"file": [_("必填")]})
        service.add_attachment(
            db.session, report, user=_actor(), kind=form["kind"], filename=upload.filename, data=upload.read()
        )

    return _files_act(report_id, add, form)


@files_bp.post("/<int:report_id>/files/<int:attachment_id>/delete")
@require(Perm.TENANT_READ)
def delete(tenant: str, report_id: int, attachment_id: int) -> Any:
    return _files_act(
        report_id,
        lambda report: service.delete_attachment(db.session, report, attachment_id, user=_actor()),
        {},
    )


@files_bp.post("/<int:report_id>/attestation")
@require(Perm.TENANT_READ)
def attest(tenant: str, report_id: int) -> Any:
    form = {k: request.form.get(k, "").strip() for k in ("name", "body", "on", "attachment_id")}

    def save(report: Report) -> None:
        from datetime import date

        try:
            on = date.fromisoformat(form["on"]) if form["on"] else None
        except ValueError:
            raise ValidationFailed(_("日期格式应为 YYYY-MM-DD。"), errors={"on": [_("日期不正确")]}) from None
        scan = int(form["attachment_id"]) if form["attachment_id"].isdigit() else None
        service.attest(
            db.session, report, user=_actor(), name=form["name"], body=form["body"], on=on, attachment_id=scan
        )

    return _files_act(report_id, save, form)


@files_bp.post("/<int:report_id>/members")
@require(Perm.TENANT_READ)
def invite(tenant: str, report_id: int) -> Any:
    form = {k: request.form.get(k, "").strip() for k in ("user_id", "role", "note")}

    def add(report: Report) -> None:
        if not form["user_id"].isdigit():
            raise ValidationFailed(_("请选择要邀请的人。"), errors={"user_id": [_("必填")]})
        if form["role"] not in ("co_author", "reviewer"):
            raise ValidationFailed(_("请选择协助起草或审阅。"), errors={"role": [_("必填")]})
        service.add_member(
            db.session,
            report,
            user=_actor(),
            member_user_id=int(form["user_id"]),
            role=form["role"],
            note=form["note"],
        )

    return _files_act(report_id, add, form)


@files_bp.post("/<int:report_id>/members/<int:member_id>/delete")
@require(Perm.TENANT_READ)
def uninvite(tenant: str, report_id: int, member_id: int) -> Any:
    return _files_act(
        report_id, lambda report: service.remove_member(db.session, report, member_id, user=_actor()), {}
    )
