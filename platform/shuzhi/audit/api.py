"""REST API for reading a tenant's audit trail (URLs only; shuzhi.audit.search reads)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shuzhi.api import Api
from shuzhi.audit import search
from shuzhi.audit.models import AuditEvent
from shuzhi.audit.service import verify
from shuzhi.auth.permissions import Perm, require
from shuzhi.db import db
from shuzhi.errors import NotFound, ValidationFailed

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>/audit",
    description="审计日志（只读）",
)


class EventQuerySchema(Schema):
    class Meta:
        unknown = "raise"
        ordered = True

    # Dates stay strings here: search.parse_filters gives the Chinese messages.
    from_ = fields.String(
        data_key="from", load_default="", metadata={"description": "起始日期 YYYY-MM-DD（北京时间）"}
    )
    to = fields.String(load_default="", metadata={"description": "截止日期 YYYY-MM-DD（含当天）"})
    actor = fields.String(load_default="", validate=validate.Length(max=search.TEXT_MAX))
    action = fields.String(load_default="", validate=validate.Length(max=search.TEXT_MAX))
    target_type = fields.String(load_default="", validate=validate.Length(max=search.TEXT_MAX))
    target_id = fields.String(load_default="", validate=validate.Length(max=search.TEXT_MAX))
    q = fields.String(load_default="", validate=validate.Length(max=search.TEXT_MAX))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=search.PER_PAGE, validate=validate.Range(min=1, max=500))


class EventSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    seq = fields.Integer()
    created_at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.String()
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    summary = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    ip = fields.String()
    prev_hash = fields.String()
    hash = fields.String()


class EventPageSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    per_page = fields.Integer()
    events = fields.List(fields.Nested(EventSchema))


class BreakSchema(Schema):
    seq = fields.Integer()
    problem = fields.String()


class ChainSchema(Schema):
    intact = fields.Boolean()
    breaks = fields.List(fields.Nested(BreakSchema))


@blp.route("/events")
class Events(MethodView):
    @require(Perm.AUDIT_READ)
    @blp.arguments(EventQuerySchema, location="query")
    @blp.response(200, EventPageSchema)
    def get(self, args: dict[str, Any], tenant: str) -> dict[str, Any]:
        """The tenant's events, newest first, filtered like the audit page."""
        raw = dict(args)
        raw["from"] = raw.pop("from_")
        filters = search.parse_filters(raw)
        if filters.errors:
            raise ValidationFailed(_("筛选条件有误。"), errors={k: [v] for k, v in filters.errors.items()})
        page = search.page(db.session, filters, args["page"], args["per_page"])
        return {
            "total": page.total,
            "page": page.number,
            "pages": page.pages,
            "per_page": page.per_page,
            "events": page.events,
        }


@blp.route("/events/<int:event_id>")
class EventItem(MethodView):
    @require(Perm.AUDIT_READ)
    @blp.response(200, EventSchema)
    def get(self, tenant: str, event_id: int) -> AuditEvent:
        event = search.get_event(db.session, event_id)
        if event is None:
            raise NotFound(_("找不到该审计记录。"))
        return event


@blp.route("/chain")
class Chain(MethodView):
    @require(Perm.AUDIT_READ)
    @blp.response(200, ChainSchema)
    def get(self, tenant: str) -> dict[str, Any]:
        """Recompute the tenant's hash chain: every edited or deleted event is a break."""
        breaks = verify(db.session, g.tenant.id)
        return {"intact": not breaks, "breaks": breaks}


def register_api(api: Api) -> None:
    api.register_blueprint(blp)
