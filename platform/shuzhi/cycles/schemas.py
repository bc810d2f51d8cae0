"""Marshmallow schemas for the cycles API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shuzhi.cycles.models import CampaignStatus, Mode, Scope, Selection, Subject
from shuzhi.cycles.stages import Step


class StrictSchema(Schema):
    class Meta:
        unknown = "raise"
        ordered = True


class CampaignOpenSchema(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    period_start = fields.Date(load_default=None)
    period_end = fields.Date(load_default=None)
    receiver_org_id = fields.Integer(load_default=None)
    title = fields.String(load_default=None, validate=validate.Length(max=200))


class ProgressSchema(Schema):
    total = fields.Integer()
    submitted = fields.Integer()
    reviewed = fields.Integer()
    evaluated = fields.Integer()
    graded = fields.Integer()
    plans_in = fields.Integer()
    overdue = fields.Integer()
    reviews = fields.Integer()
    reviews_overdue = fields.Integer()


class CampaignSchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    title = fields.String()
    policy_name = fields.String()
    policy_version = fields.String()
    pin_id = fields.Integer()
    receiver_org_id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    opened_on = fields.Date()
    status = fields.Enum(CampaignStatus, by_value=True)
    steps = fields.List(fields.String())
    reviews = fields.Integer()
    reporters = fields.Integer()
    progress = fields.Nested(ProgressSchema, allow_none=True)


class ReviewSchema(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    receiver_org_id = fields.Integer()
    receiver_name = fields.String()
    level = fields.Integer()
    stage = fields.Enum(Step, by_value=True)
    stage_label = fields.String()
    meeting_date = fields.Date(allow_none=True)
    sub_reviews = fields.Integer()
    own = fields.Nested(ProgressSchema)
    subtree = fields.Nested(ProgressSchema)
    results = fields.Dict(allow_none=True)


class ReporterSchema(Schema):
    id = fields.Integer()
    review_id = fields.Integer()
    org_id = fields.Integer()
    org_name = fields.String()
    person_id = fields.Integer(allow_none=True)
    person_name = fields.String(allow_none=True)
    title = fields.String()
    level = fields.Integer()
    stage = fields.Enum(Step, by_value=True)
    stage_label = fields.String()
    mode = fields.Enum(Mode, by_value=True)
    selection = fields.Enum(Selection, by_value=True)
    subject = fields.Enum(Subject, by_value=True)
    in_org_name = fields.Boolean()
    tenure_days = fields.Integer()
    vacant = fields.Boolean()
    note = fields.String()


class DeadlineSchema(Schema):
    key = fields.String()
    name = fields.String()
    clause = fields.String()
    step = fields.Enum(Step, by_value=True, allow_none=True)
    scope = fields.Enum(Scope, by_value=True)
    levels = fields.List(fields.Integer(), allow_none=True)
    receiver_kinds = fields.List(fields.String(), allow_none=True)
    spec = fields.String(allow_none=True)
    policy_spec = fields.String(allow_none=True)
    reminders = fields.List(fields.Integer())
    source = fields.String()


class DeadlineUpdateSchema(StrictSchema):
    #: A date (2024-01-22), a relative spec (meeting+1m, open+10wd), or null for none.
    deadline = fields.String(required=True, allow_none=True, validate=validate.Length(max=32))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class TransitionSchema(StrictSchema):
    to = fields.Enum(Step, by_value=True, required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ReviewUpdateSchema(StrictSchema):
    meeting_date = fields.Date(required=True, allow_none=True)


class ModeSchema(StrictSchema):
    mode = fields.Enum(Mode, by_value=True, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ExtensionSchema(StrictSchema):
    step = fields.Enum(Step, by_value=True, required=True)
    until = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ExtensionOutSchema(Schema):
    reporter_id = fields.Integer()
    step = fields.Enum(Step, by_value=True)
    until = fields.Date()
    reason = fields.String()
    granted_by = fields.String()


class ReporterDeadlineSchema(Schema):
    key = fields.String()
    name = fields.String()
    clause = fields.String()
    step = fields.Enum(Step, by_value=True)
    due = fields.Date(allow_none=True)
    extended_until = fields.Date(allow_none=True)
    reached = fields.Boolean()
    locked = fields.Boolean()
    overdue = fields.Boolean()
    days_left = fields.Integer(allow_none=True)
    reminders = fields.List(fields.Date())


class ReviewQuerySchema(StrictSchema):
    parent_id = fields.Integer(load_default=None)
