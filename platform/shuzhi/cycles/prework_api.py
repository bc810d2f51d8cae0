"""REST API of the pre-meeting work (issue 7 item 6), on the cycles blueprint.

Research visits (GH-04, JX-05: listed through :func:`prework.visible_visits`, so never
to the reporter before their meeting), verification and guidance groups with their
charges (YZ-06, JX-09), and the plan's filings (GH-04; filed with the document through
the portal's upload form, listed here with the document's name and SHA-256).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from shuzhi.auth.permissions import Perm, require
from shuzhi.cycles import access, prework, service
from shuzhi.cycles.api import blp
from shuzhi.cycles.models import GroupKind
from shuzhi.cycles.schemas import StrictSchema
from shuzhi.db import db
from shuzhi.errors import NotFound


class VisitInSchema(StrictSchema):
    reporter_id = fields.Integer(required=True)
    visited_on = fields.Date(required=True)
    visitors = fields.String(required=True, validate=validate.Length(max=300))
    findings = fields.String(required=True, validate=validate.Length(max=5000))


class VisitSchema(Schema):
    id = fields.Integer()
    reporter_id = fields.Integer()
    visited_on = fields.Date()
    visitors = fields.String()
    findings = fields.String()
    recorded_by = fields.String()


class GroupInSchema(StrictSchema):
    kind = fields.Enum(GroupKind, by_value=True, required=True)
    name = fields.String(required=True, validate=validate.Length(max=100))
    leader = fields.String(load_default="", validate=validate.Length(max=100))
    members = fields.String(load_default="", validate=validate.Length(max=500))


class AssignmentSchema(Schema):
    id = fields.Integer()
    group_id = fields.Integer()
    reporter_id = fields.Integer(allow_none=True)
    review_id = fields.Integer(allow_none=True)
    comment = fields.String()
    attachment_name = fields.String()


class GroupSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(GroupKind, by_value=True)
    name = fields.String()
    leader = fields.String()
    members = fields.String()
    assignments = fields.List(fields.Nested(AssignmentSchema))


class AssignInSchema(StrictSchema):
    reporter_id = fields.Integer(load_default=None)
    review_id = fields.Integer(load_default=None)


class GroupCommentInSchema(StrictSchema):
    comment = fields.String(required=True, validate=validate.Length(max=20000))


class FilingSchema(Schema):
    id = fields.Integer()
    review_id = fields.Integer()
    filed_with = fields.String()
    filed_on = fields.Date()
    document_name = fields.String()
    document_sha256 = fields.String()
    note = fields.String()
    filed_by = fields.String()


def _group_out(group: Any, rows: list[Any]) -> dict[str, Any]:
    return {
        "id": group.id,
        "kind": group.kind,
        "name": group.name,
        "leader": group.leader,
        "members": group.members,
        "assignments": [r for r in rows if r.group_id == group.id],
    }


def _reader() -> access.Who:
    who = access.current()
    prework.ensure_reader(who)
    return who


@blp.route("/campaigns/<int:campaign_id>/visits")
class Visits(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, VisitSchema(many=True))
    def get(self, tenant: str, campaign_id: int) -> list[Any]:
        """Research visits the caller may read (GH-04, JX-05: not the reporter's own before the meeting)."""
        campaign = service.get_campaign(db.session, campaign_id)
        return prework.visible_visits(db.session, access.current(), campaign)

    @require(Perm.TENANT_READ)
    @blp.arguments(VisitInSchema)
    @blp.response(201, VisitSchema)
    def post(self, data: dict[str, Any], tenant: str, campaign_id: int) -> Any:
        """Record an unannounced research visit (admins and the reporter's reviewers)."""
        campaign = service.get_campaign(db.session, campaign_id)
        reporter = service.get_reporter(db.session, data["reporter_id"])
        if reporter.campaign_id != campaign.id:
            raise NotFound()
        visit = prework.record_visit(
            db.session,
            access.current(),
            reporter,
            visited_on=data["visited_on"],
            visitors=data["visitors"],
            findings=data["findings"],
        )
        db.session.commit()
        return visit


@blp.route("/campaigns/<int:campaign_id>/groups")
class Groups(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, GroupSchema(many=True))
    def get(self, tenant: str, campaign_id: int) -> list[dict[str, Any]]:
        """Verification groups (YZ-06) and guidance groups (JX-09) with their charges."""
        _reader()
        campaign = service.get_campaign(db.session, campaign_id)
        rows = prework.assignments(db.session, campaign)
        return [_group_out(g, rows) for g in prework.groups(db.session, campaign)]

    @require(Perm.TENANT_READ)
    @blp.arguments(GroupInSchema)
    @blp.response(201, GroupSchema)
    def post(self, data: dict[str, Any], tenant: str, campaign_id: int) -> dict[str, Any]:
        """Form a verification or guidance group (admins)."""
        campaign = service.get_campaign(db.session, campaign_id)
        group = prework.create_group(db.session, access.current(), campaign, **data)
        db.session.commit()
        return _group_out(group, [])


@blp.route("/campaigns/<int:campaign_id>/groups/<int:group_id>/assignments")
class GroupAssignments(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(AssignInSchema)
    @blp.response(201, AssignmentSchema)
    def post(self, data: dict[str, Any], tenant: str, campaign_id: int, group_id: int) -> Any:
        """Charge a verification group with an on-site reporter, or send a guidance group to a meeting."""
        campaign = service.get_campaign(db.session, campaign_id)
        group = prework.get_group(db.session, campaign, group_id)
        who = access.current()
        if group.kind is GroupKind.VERIFICATION:
            reporter = service.get_reporter(
                db.session, prework.required_id(data.get("reporter_id"), "reporter_id")
            )
            row = prework.assign_reporter(db.session, who, group, reporter)
        else:
            review = service.get_review(db.session, prework.required_id(data.get("review_id"), "review_id"))
            row = prework.assign_review(db.session, who, group, review)
        db.session.commit()
        return row


@blp.route("/campaigns/<int:campaign_id>/assignments/<int:assignment_id>/comment")
class AssignmentComment(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(GroupCommentInSchema)
    @blp.response(200, AssignmentSchema)
    def put(self, data: dict[str, Any], tenant: str, campaign_id: int, assignment_id: int) -> Any:
        """The verification group's comment material as text (YZ-06; files through the portal)."""
        campaign = service.get_campaign(db.session, campaign_id)
        row = prework.get_assignment(db.session, campaign, assignment_id)
        prework.set_comment(db.session, access.current(), row, comment=data["comment"])
        db.session.commit()
        return row


@blp.route("/campaigns/<int:campaign_id>/filings")
class Filings(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, FilingSchema(many=True))
    def get(self, tenant: str, campaign_id: int) -> list[Any]:
        """The plan's filings with the superior (GH-04): to whom, when, the document's name and SHA-256."""
        _reader()
        return prework.filings(db.session, service.get_campaign(db.session, campaign_id))
