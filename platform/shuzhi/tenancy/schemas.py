"""Marshmallow schemas for tenants."""

from __future__ import annotations

from marshmallow import fields, validate

from shuzhi.orgs.schemas import StrictSchema
from shuzhi.tenancy.models import TenantLevel

SLUG = validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$", error="只能用小写字母、数字和连字符，以字母开头。")


class TenantSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    region_code = fields.String(
        load_default="", validate=validate.Regexp(r"^\d{0,12}$", error="行政区划代码应为数字。")
    )
    level = fields.Enum(TenantLevel, by_value=True, required=True)
    policy_name = fields.String(load_default="", validate=validate.Length(max=63))
    policy_choices = fields.Dict(keys=fields.String(), load_default=dict)


class TenantUpdateSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    region_code = fields.String(validate=validate.Regexp(r"^\d{0,12}$", error="行政区划代码应为数字。"))
    level = fields.Enum(TenantLevel, by_value=True)
    policy_name = fields.String(validate=validate.Length(max=63))
    policy_choices = fields.Dict(keys=fields.String())
