"""Marshmallow schemas of the rectification API (lengths are checked by the service, in Chinese)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shuzhi.rectification.models import MAX_MEASURES, MAX_PROBLEM, MAX_RESPONSIBLE, ItemSource, ItemStatus


class StrictSchema(Schema):
    class Meta:
        unknown = "raise"
        ordered = True


class RectificationItemSchema(Schema):
    id = fields.Int(dump_only=True)
    org_id = fields.Int(dump_only=True)
    year = fields.Int(dump_only=True)
    campaign_id = fields.Int(dump_only=True, allow_none=True)
    problem = fields.Str(dump_only=True)
    responsible = fields.Str(dump_only=True)
    measures = fields.Str(dump_only=True)
    deadline = fields.Date(dump_only=True, allow_none=True)
    status = fields.Enum(ItemStatus, by_value=True, dump_only=True)
    status_label = fields.Str(dump_only=True)
    source = fields.Enum(ItemSource, by_value=True, dump_only=True)
    source_label = fields.Str(dump_only=True)
    carried_over = fields.Bool(
        dump_only=True, metadata={"description": "CO-05: last year's and not done, to be answered this year"}
    )
    created_by = fields.Str(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class RectificationItemInSchema(StrictSchema):
    problem = fields.Str(required=True, metadata={"description": f"问题 (1–{MAX_PROBLEM} 字)"})
    year = fields.Int(
        load_default=None,
        allow_none=True,
        metadata={"description": "the campaign's year (default) or the year before it (last year's list)"},
    )
    responsible = fields.Str(load_default="", metadata={"description": f"责任人 (≤{MAX_RESPONSIBLE} 字)"})
    measures = fields.Str(load_default="", metadata={"description": f"整改措施 (≤{MAX_MEASURES} 字)"})
    deadline = fields.Date(load_default=None, allow_none=True)
    status = fields.Enum(ItemStatus, by_value=True, load_default=ItemStatus.OPEN)
    source = fields.Enum(ItemSource, by_value=True, load_default=ItemSource.SELF_REVIEW)


class RectificationItemPatchSchema(StrictSchema):
    problem = fields.Str()
    responsible = fields.Str()
    measures = fields.Str()
    deadline = fields.Date(allow_none=True)
    status = fields.Enum(ItemStatus, by_value=True)
    source = fields.Enum(ItemSource, by_value=True)
