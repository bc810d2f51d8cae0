"""Marshmallow schemas for the org API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shuzhi.orgs.models import OrgKind


class StrictSchema(Schema):
    """Unknown fields are an error (the marshmallow default, made explicit)."""

    class Meta:
        unknown = "raise"
        ordered = True


class OrgSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Enum(OrgKind, by_value=True, required=True)
    parent_id = fields.Integer(allow_none=True, load_default=None)
    rank_path = fields.String(
        dump_only=True,
        metadata={
            "description": "Position in the tree: the org's rank among its siblings at each level,"
            " root first, e.g. 1.5.23 (compare level by level as numbers)"
        },
    )
    depth = fields.Integer(dump_only=True)


class OrgUpdateSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.Enum(OrgKind, by_value=True)


class OrgMoveSchema(StrictSchema):
    parent_id = fields.Integer(required=True, allow_none=True)


class OrgTreeSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.Enum(OrgKind, by_value=True)
    depth = fields.Integer()
    children = fields.List(fields.Nested(lambda: OrgTreeSchema()))


class SubtreeQuerySchema(StrictSchema):
    max_depth = fields.Integer(validate=validate.Range(min=0, max=64), load_default=None)


class OnDateQuerySchema(StrictSchema):
    on = fields.Date(load_default=None)


class PersonSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PostSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    person_id = fields.Integer(required=True)
    org_id = fields.Integer(required=True)
    title = fields.String(load_default="书记", validate=validate.Length(min=1, max=32))
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, load_default=None)


class PostQuerySchema(StrictSchema):
    org_id = fields.Integer(load_default=None)
    person_id = fields.Integer(load_default=None)


class TenureQuerySchema(StrictSchema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)


class TenureSchema(Schema):
    post_id = fields.Integer()
    days = fields.Integer()


class RelationSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    reporter_id = fields.Integer(required=True)
    receiver_id = fields.Integer(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True, load_default=None)
    note = fields.String(load_default="", validate=validate.Length(max=200))


class OrgBriefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.Enum(OrgKind, by_value=True)


class ReporterLevelsSchema(Schema):
    levels = fields.List(fields.List(fields.Nested(OrgBriefSchema)))


class ImportResultSchema(Schema):
    orgs = fields.Integer()
    people = fields.Integer()
    posts = fields.Integer()
    relations = fields.Integer()
