"""Marshmallow schemas for the on-site selection API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = "raise"
        ordered = True


class CandidateSchema(Schema):
    key = fields.String(metadata={"description": "单位编码：公开名单和抽选算法使用的键"})
    org = fields.String()
    person = fields.String()
    title = fields.String()
    excluded = fields.String(metadata={"description": "排除理由（空：可抽选）"})
    named = fields.Boolean()


class WitnessSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    role = fields.String(required=True, validate=validate.Length(min=1, max=100))


class DrawSchema(Schema):
    """The published record: everything needed to re-run the draw (the seed once drawn)."""

    id = fields.Integer()
    campaign_id = fields.Integer()
    method = fields.String(metadata={"description": "draw（公开随机抽选）、named（确定名单）、all（全部）"})
    status = fields.String(metadata={"description": "prepared、committed、drawn、confirmed、superseded"})
    clause = fields.String()
    places = fields.Integer()
    algorithm = fields.String()
    candidates = fields.List(fields.Nested(CandidateSchema))
    candidates_digest = fields.String()
    commitment = fields.String(metadata={"description": "sha256(seed)，抽选前公布"})
    seed = fields.String(metadata={"description": "种子：抽选后公开，之前为空"})
    public_input = fields.String()
    result = fields.List(fields.String(), metadata={"description": "抽中的单位编码，按抽出顺序"})
    witnesses = fields.List(fields.Nested(WitnessSchema))
    decision = fields.String()
    committed_at = fields.String(allow_none=True)
    drawn_at = fields.String(allow_none=True)
    confirmed_at = fields.String(allow_none=True)
    confirmed_by = fields.String()
    supersedes_id = fields.Integer(allow_none=True)
    superseded_at = fields.String(allow_none=True)
    superseded_by = fields.String()
    superseded_reason = fields.String()


class RunSchema(StrictSchema):
    public_input = fields.String(load_default="", validate=validate.Length(max=64))


class NamedSchema(StrictSchema):
    keys = fields.List(
        fields.String(validate=validate.Length(max=63)), required=True, validate=validate.Length(max=500)
    )
    decision = fields.String(required=True, validate=validate.Length(max=500))


class ReasonSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(max=500))


class HistorySchema(StrictSchema):
    org_id = fields.Integer(required=True)
    year = fields.Integer(required=True, validate=validate.Range(min=1990, max=2100))
    note = fields.String(load_default="", validate=validate.Length(max=300))


class HistoryOutSchema(Schema):
    id = fields.Integer()
    org_id = fields.Integer()
    year = fields.Integer()
    note = fields.String()
    recorded_by = fields.String()
