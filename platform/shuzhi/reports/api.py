"""REST API of reports: versions, submit, return, approve, comments, diff, members, attachments.

URLs only; the service decides and checks who may (``shuzhi.reports.access``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint

from shuzhi.api import Api
from shuzhi.auth.permissions import Perm, current_principal, require
from shuzhi.db import db
from shuzhi.errors import NotFound, ValidationFailed
from shuzhi.reports import access, service
from shuzhi.reports.models import Report, ReportAttachment, ReportComment, ReportDecision
from shuzhi.reports.schemas import (
    ReportApproveSchema,
    ReportAttachmentSchema,
    ReportAttestationSchema,
    ReportCommentInSchema,
    ReportCommentSchema,
    ReportDecisionSchema,
    ReportDiffQuerySchema,
    ReportDiffRowSchema,
    ReportDraftSchema,
    ReportMemberInSchema,
    ReportMemberSchema,
    ReportReturnSchema,
    ReportSchema,
    ReportTopicsSchema,
    ReportVersionDetailSchema,
    ReportVersionSchema,
)

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="述职报告：草稿、提交（冻结版本）、退回、通过、逐段意见、版本比较、协助起草人与审阅人、附件",
)


def actor() -> access.Actor:
    tenant = g.get("tenant")
    return access.actor_of(current_principal(), tenant.id if tenant is not None else None)


def _readable(report_id: int) -> Report:
    report = service.get_report(db.session, report_id)
    access.ensure_read(db.session, report, actor())
    return report


def present(report: Report) -> dict[str, Any]:
    req = service.requirements(db.session, report)
    last = service.latest(db.session, report)
    return {
        "id": report.id,
        "campaign_id": report.campaign_id,
        "reporter_id": report.reporter_id,
        "org_id": report.org_id,
        "status": report.status,
        "status_label": service.status_label(report.status),
        "topics": report.topics or [],
        "attestation": report.attestation,
        "latest_version": last.number if last else None,
        "pre_review": req.pre_review,
        "seal_required": req.seal,
    }


def _comment(c: ReportComment, numbers: dict[int, int]) -> dict[str, Any]:
    return {
        "id": c.id,
        "version": numbers.get(c.version_id),
        "paragraph": c.paragraph,
        "excerpt": c.excerpt,
        "body": c.body,
        "kind": c.kind,
        "author": c.author,
        "created_at": c.created_at,
    }


def _numbers(report: Report) -> dict[int, int]:
    return {v.id: v.number for v in service.versions(db.session, report)}


def _decision(d: ReportDecision, report: Report) -> dict[str, Any]:
    return {
        "id": d.id,
        "action": d.action.value,
        "step": d.step,
        "note": d.note,
        "actor": d.actor,
        "version": _numbers(report).get(d.version_id),
        "status": report.status.value,
        "created_at": d.created_at,
    }


def _attachment(a: ReportAttachment) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "submitted": a.version_id is not None,
        "uploaded_by": a.uploaded_by,
        "created_at": a.created_at,
    }


@blp.route("/reporters/<int:reporter_id>/report")
class ReporterReport(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReportSchema)
    def post(self, tenant: str, reporter_id: int) -> dict[str, Any]:
        """The reporter's report, made on first use (the secretary, co-authors, reviewers, admins)."""
        from shuzhi.cycles import service as cycles

        reporter = cycles.get_reporter(db.session, reporter_id)
        found = service.report_of(db.session, reporter.id)
        who = actor()
        probe = found or Report(org_id=reporter.org_id, id=-1)
        access.ensure_read(db.session, probe, who)
        if found is None and not (access.can_edit(db.session, probe, who) or access.can_review(probe, who)):
            # readers (observers) see reports; only writers and reviewers start one
            raise NotFound(_("该述职人还没有开始撰写报告。"))
        report = found or service.get_or_create_report(db.session, reporter)
        db.session.commit()
        return present(report)


@blp.route("/reports/<int:report_id>")
class ReportItem(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReportSchema)
    def get(self, tenant: str, report_id: int) -> dict[str, Any]:
        """A report: status, the pre-review step and seal its plan asks for, the latest version."""
        return present(_readable(report_id))


@blp.route("/reports/<int:report_id>/topics")
class ReportTopics(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ReportTopicsSchema)
    @blp.response(200, ReportSchema)
    def put(self, data: dict[str, Any], tenant: str, report_id: int) -> dict[str, Any]:
        """The org's own 必答题 (SX-05), checked in every version."""
        report = service.get_report(db.session, report_id)
        service.set_topics(db.session, report, data["topics"], user=actor())
        db.session.commit()
        return present(report)


@blp.route("/reports/<int:report_id>/versions")
class ReportVersions(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReportVersionSchema(many=True))
    def get(self, tenant: str, report_id: int) -> list[Any]:
        """Every version, oldest first: drafts and frozen submitted versions with their hashes (CO-02)."""
        return service.versions(db.session, _readable(report_id))


@blp.route("/reports/<int:report_id>/versions/<int:number>")
class ReportVersionItem(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReportVersionDetailSchema)
    def get(self, tenant: str, report_id: int, number: int) -> Any:
        """One version's text, outline corrections and findings as stored with it."""
        return service.get_version(db.session, _readable(report_id), number)


@blp.route("/reports/<int:report_id>/draft")
class ReportDraft(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ReportDraftSchema)
    @blp.response(200, ReportVersionDetailSchema)
    def put(self, data: dict[str, Any], tenant: str, report_id: int) -> Any:
        """Autosave: the current draft's text (a new draft after a submit), checked and stored."""
        report = service.get_report(db.session, report_id)
        version = service.save_draft(
            db.session, report, data["text"], user=actor(), corrections=data["corrections"], source="api"
        )
        db.session.commit()
        return version


@blp.route("/reports/<int:report_id>/submit")
class ReportSubmit(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReportVersionDetailSchema)
    def post(self, tenant: str, report_id: int) -> Any:
        """Freeze the draft (SHA-256); 422 while error findings remain, 409 after the deadline (CO-02)."""
        report = service.get_report(db.session, report_id)
        version = service.submit(db.session, report, user=actor())
        db.session.commit()
        return version


@blp.route("/reports/<int:report_id>/attestation")
class ReportAttestation(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ReportAttestationSchema)
    @blp.response(200, ReportSchema)
    def put(self, data: dict[str, Any], tenant: str, report_id: int) -> dict[str, Any]:
        """Who attests the 党组 approval and seal, with the stamped copy's scan (YZ-05, SX-03)."""
        report = service.get_report(db.session, report_id)
        service.attest(db.session, report, user=actor(), **data)
        db.session.commit()
        return present(report)


@blp.route("/reports/<int:report_id>/return")
class ReportReturn(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ReportReturnSchema)
    @blp.response(200, ReportDecisionSchema)
    def post(self, data: dict[str, Any], tenant: str, report_id: int) -> dict[str, Any]:
        """Return for revision with a note and paragraph comments; the reporter goes back to drafting."""
        report = service.get_report(db.session, report_id)
        decision = service.return_report(
            db.session, report, user=actor(), note=data["note"], comments=data["comments"]
        )
        db.session.commit()
        return _decision(decision, report)


@blp.route("/reports/<int:report_id>/approve")
class ReportApprove(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ReportApproveSchema)
    @blp.response(200, ReportDecisionSchema)
    def post(self, data: dict[str, Any], tenant: str, report_id: int) -> dict[str, Any]:
        """Approve: a pre-reviewed report (TJ-02, GH-01) becomes submitted; a submitted one approved."""
        report = service.get_report(db.session, report_id)
        decision = service.approve(db.session, report, user=actor(), note=data["note"])
        db.session.commit()
        return _decision(decision, report)


@blp.route("/reports/<int:report_id>/decisions")
class ReportDecisions(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReportDecisionSchema(many=True))
    def get(self, tenant: str, report_id: int) -> list[dict[str, Any]]:
        """Submits, returns and approvals, oldest first."""
        report = _readable(report_id)
        return [_decision(d, report) for d in service.decisions(db.session, report)]


@blp.route("/reports/<int:report_id>/comments")
class ReportComments(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReportCommentSchema(many=True))
    def get(self, tenant: str, report_id: int) -> list[dict[str, Any]]:
        """Comments anchored to paragraphs (index and quoted words), and 核查组 guidance (YZ-06)."""
        report = _readable(report_id)
        numbers = _numbers(report)
        return [_comment(c, numbers) for c in service.comments(db.session, report)]

    @require(Perm.TENANT_READ)
    @blp.arguments(ReportCommentInSchema)
    @blp.response(201, ReportCommentSchema)
    def post(self, data: dict[str, Any], tenant: str, report_id: int) -> dict[str, Any]:
        """Comment on a paragraph of a version (the latest submitted one by default)."""
        report = service.get_report(db.session, report_id)
        version = service.get_version(db.session, report, data["version"]) if data["version"] else None
        comment = service.add_comment(
            db.session,
            report,
            user=actor(),
            body=data["body"],
            paragraph=data["paragraph"],
            excerpt=data["excerpt"],
            version=version,
            kind=data["kind"],
        )
        db.session.commit()
        return _comment(comment, _numbers(report))


@blp.route("/reports/<int:report_id>/diff")
class ReportDiff(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ReportDiffQuerySchema, location="query")
    @blp.response(200, ReportDiffRowSchema(many=True))
    def get(self, args: dict[str, Any], tenant: str, report_id: int) -> list[Any]:
        """Paragraph-by-paragraph differences between versions ``from`` and ``to``."""
        report = _readable(report_id)
        old = service.get_version(db.session, report, args["old"])
        new = service.get_version(db.session, report, args["new"])
        return service.diff(old, new)


@blp.route("/reports/<int:report_id>/members")
class ReportMembers(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReportMemberSchema(many=True))
    def get(self, tenant: str, report_id: int) -> list[Any]:
        """Co-authors and invited reviewers (TJ-08)."""
        return service.members(db.session, _readable(report_id))

    @require(Perm.TENANT_READ)
    @blp.arguments(ReportMemberInSchema)
    @blp.response(201, ReportMemberSchema)
    def post(self, data: dict[str, Any], tenant: str, report_id: int) -> Any:
        """Invite a member of the tenant to help draft (co_author) or to review (reviewer) (TJ-08)."""
        report = service.get_report(db.session, report_id)
        row = service.add_member(
            db.session,
            report,
            user=actor(),
            member_user_id=data["user_id"],
            role=data["role"],
            note=data["note"],
        )
        db.session.commit()
        return row


@blp.route("/reports/<int:report_id>/members/<int:member_id>")
class ReportMemberItem(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(204)
    def delete(self, tenant: str, report_id: int, member_id: int) -> None:
        report = service.get_report(db.session, report_id)
        service.remove_member(db.session, report, member_id, user=actor())
        db.session.commit()


@blp.route("/reports/<int:report_id>/attachments")
class ReportAttachments(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReportAttachmentSchema(many=True))
    def get(self, tenant: str, report_id: int) -> list[dict[str, Any]]:
        """Slides, video and scans of the stamped copy (JX-06, SX-03, YZ-05)."""
        return [_attachment(a) for a in service.attachments(db.session, _readable(report_id))]

    @require(Perm.TENANT_READ)
    @blp.response(201, ReportAttachmentSchema)
    @blp.doc(
        requestBody={
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "kind": {"type": "string", "enum": ["slides", "video", "scan"]},
                            "file": {"type": "string", "format": "binary"},
                        },
                        "required": ["kind", "file"],
                    }
                }
            }
        }
    )
    def post(self, tenant: str, report_id: int) -> dict[str, Any]:
        """Upload an attachment (multipart: ``kind``, ``file``); type by content, size per kind."""
        report = service.get_report(db.session, report_id)
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed(_("请选择要上传的文件。"), errors={"file": [_("必填")]})
        row = service.add_attachment(
            db.session,
            report,
            user=actor(),
            kind=request.form.get("kind", ""),
            filename=upload.filename or "",
            data=upload.read(),
        )
        db.session.commit()
        return _attachment(row)


@blp.route("/reports/<int:report_id>/attachments/<int:attachment_id>")
class ReportAttachmentItem(MethodView):
    @require(Perm.TENANT_READ)
    def get(self, tenant: str, report_id: int, attachment_id: int) -> Response:
        """The file itself, as a download (never rendered inline)."""
        report = _readable(report_id)
        return download(service.get_attachment(db.session, report, attachment_id))

    @require(Perm.TENANT_READ)
    @blp.response(204)
    def delete(self, tenant: str, report_id: int, attachment_id: int) -> None:
        """Remove an attachment not yet submitted with a version."""
        report = service.get_report(db.session, report_id)
        service.delete_attachment(db.session, report, attachment_id, user=actor())
        db.session.commit()


def download(row: ReportAttachment) -> Response:
    from urllib.parse import quote

    data = service.attachment_bytes(row)
    response = Response(data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(row.filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register_api(api: Api) -> None:
    api.register_blueprint(blp)
