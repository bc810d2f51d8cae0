"""Marshmallow schemas of the reports API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shuzhi.reports.models import AttachmentKind, CommentKind, MemberRole, ReportStatus, VersionKind


class ReportSchema(Schema):
    id = fields.Int(dump_only=True)
    campaign_id = fields.Int(dump_only=True)
    reporter_id = fields.Int(dump_only=True)
    org_id = fields.Int(dump_only=True)
    status = fields.Enum(ReportStatus, by_value=True, dump_only=True)
    status_label = fields.Str(dump_only=True)
    topics = fields.List(fields.Str(), dump_only=True)
    attestation = fields.Dict(dump_only=True, allow_none=True)
    latest_version = fields.Int(dump_only=True, allow_none=True)
    pre_review = fields.Str(
        dump_only=True, allow_none=True, metadata={"description": "TJ-02 / GH-01 step name"}
    )
    seal_required = fields.Bool(dump_only=True, metadata={"description": "YZ-05 / SX-03"})


class ReportVersionSchema(Schema):
    number = fields.Int(dump_only=True)
    kind = fields.Enum(VersionKind, by_value=True, dump_only=True)
    words = fields.Int(dump_only=True)
    errors = fields.Int(dump_only=True)
    warnings = fields.Int(dump_only=True)
    content_hash = fields.Str(dump_only=True, allow_none=True)
    created_by = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    submitted_by = fields.Str(dump_only=True)


class ReportVersionDetailSchema(ReportVersionSchema):
    text = fields.Str(dump_only=True)
    corrections = fields.Dict(dump_only=True)
    check = fields.Dict(dump_only=True, allow_none=True)
    attestation = fields.Dict(dump_only=True, allow_none=True)


class ReportDraftSchema(Schema):
    text = fields.Str(required=True, validate=validate.Length(max=200_000))
    corrections = fields.Dict(keys=fields.Str(), values=fields.Str(allow_none=True), load_default=dict)


class ReportTopicsSchema(Schema):
    topics = fields.List(fields.Str(validate=validate.Length(max=100)), required=True)


class ReportCommentInSchema(Schema):
    body = fields.Str(required=True, validate=validate.Length(min=1, max=2000))
    paragraph = fields.Int(load_default=None, allow_none=True, validate=validate.Range(min=0))
    excerpt = fields.Str(load_default="", validate=validate.Length(max=300))
    version = fields.Int(load_default=None, allow_none=True, metadata={"description": "version number"})
    kind = fields.Enum(CommentKind, by_value=True, load_default=CommentKind.COMMENT)


class ReportCommentSchema(Schema):
    id = fields.Int(dump_only=True)
    version = fields.Int(dump_only=True)
    paragraph = fields.Int(dump_only=True, allow_none=True)
    excerpt = fields.Str(dump_only=True)
    body = fields.Str(dump_only=True)
    kind = fields.Enum(CommentKind, by_value=True, dump_only=True)
    author = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ReportReturnCommentSchema(Schema):
    body = fields.Str(required=True, validate=validate.Length(min=1, max=2000))
    paragraph = fields.Int(load_default=None, allow_none=True, validate=validate.Range(min=0))
    excerpt = fields.Str(load_default="", validate=validate.Length(max=300))


class ReportReturnSchema(Schema):
    note = fields.Str(load_default="", validate=validate.Length(max=2000))
    comments = fields.List(fields.Nested(ReportReturnCommentSchema), load_default=list)


class ReportApproveSchema(Schema):
    note = fields.Str(load_default="", validate=validate.Length(max=2000))


class ReportDecisionSchema(Schema):
    id = fields.Int(dump_only=True)
    action = fields.Str(dump_only=True)
    step = fields.Str(dump_only=True)
    note = fields.Str(dump_only=True)
    actor = fields.Str(dump_only=True)
    version = fields.Int(dump_only=True)
    status = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ReportDiffQuerySchema(Schema):
    old = fields.Int(required=True, data_key="from", validate=validate.Range(min=1))
    new = fields.Int(required=True, data_key="to", validate=validate.Range(min=1))


class ReportDiffRowSchema(Schema):
    op = fields.Str()
    old_no = fields.Int(allow_none=True)
    new_no = fields.Int(allow_none=True)
    old = fields.Str()
    new = fields.Str()


class ReportAttachmentSchema(Schema):
    id = fields.Int(dump_only=True)
    kind = fields.Enum(AttachmentKind, by_value=True, dump_only=True)
    filename = fields.Str(dump_only=True)
    content_type = fields.Str(dump_only=True)
    size = fields.Int(dump_only=True)
    sha256 = fields.Str(dump_only=True)
    submitted = fields.Bool(dump_only=True)
    uploaded_by = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ReportAttestationSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    body = fields.Str(load_default="", validate=validate.Length(max=100))
    on = fields.Date(load_default=None, allow_none=True)
    attachment_id = fields.Int(load_default=None, allow_none=True)


class ReportMemberInSchema(Schema):
    user_id = fields.Int(required=True)
    role = fields.Enum(MemberRole, by_value=True, required=True)
    note = fields.Str(load_default="", validate=validate.Length(max=100))


class ReportMemberSchema(Schema):
    id = fields.Int(dump_only=True)
    user_id = fields.Int(dump_only=True)
    role = fields.Enum(MemberRole, by_value=True, dump_only=True)
    note = fields.Str(dump_only=True)
    added_by = fields.Str(dump_only=True)
