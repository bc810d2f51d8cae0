"""REST API of the cycle engine (URLs only; the service decides and checks who may)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from shuzhi.api import Api
from shuzhi.auth.permissions import Perm, require
from shuzhi.cycles import access, present, service
from shuzhi.cycles.schemas import (
    CampaignOpenSchema,
    CampaignSchema,
    DeadlineSchema,
    DeadlineUpdateSchema,
    ExtensionOutSchema,
    ExtensionSchema,
    ModeSchema,
    ReporterDeadlineSchema,
    ReporterSchema,
    ReviewQuerySchema,
    ReviewSchema,
    ReviewUpdateSchema,
    TransitionSchema,
)
from shuzhi.db import db
from shuzhi.errors import NotFound

blp = Blueprint(
    "cycles",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="述职评议：年度工作、评议单元、述职人、阶段与截止日期",
)


@blp.route("/campaigns")
class Campaigns(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, CampaignSchema(many=True))
    def get(self, tenant: str) -> list[dict[str, Any]]:
        """The tenant's campaigns, newest first."""
        return [present.campaign(db.session, c) for c in service.list_campaigns(db.session)]

    @require(Perm.TENANT_READ)
    @blp.arguments(CampaignOpenSchema)
    @blp.response(201, CampaignSchema)
    def post(self, data: dict[str, Any], tenant: str) -> dict[str, Any]:
        """Open the year's campaign under the tenant's policy (CO-01): reviews and reporters in bulk."""
        campaign = service.open_campaign(db.session, access.current(), **data)
        db.session.commit()
        return present.campaign(db.session, campaign, with_progress=True)


@blp.route("/campaigns/<int:campaign_id>")
class CampaignItem(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, CampaignSchema)
    def get(self, tenant: str, campaign_id: int) -> dict[str, Any]:
        """One campaign with its overall progress and overdue count (CO-06)."""
        return present.campaign(db.session, service.get_campaign(db.session, campaign_id), with_progress=True)


@blp.route("/campaigns/<int:campaign_id>/reviews")
class CampaignReviews(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ReviewQuerySchema, location="query")
    @blp.response(200, ReviewSchema(many=True))
    def get(self, args: dict[str, Any], tenant: str, campaign_id: int) -> list[dict[str, Any]]:
        """The top review, or the sub-reviews of ``parent_id``, each with own and rolled-up progress."""
        campaign = service.get_campaign(db.session, campaign_id)
        if args["parent_id"] is None:
            reviews = [service.root_review(db.session, campaign)]
        else:
            parent = service.get_review(db.session, args["parent_id"])
            if parent.campaign_id != campaign.id:
                raise NotFound()
            reviews = service.child_reviews(db.session, parent)
        return present.reviews(db.session, campaign, reviews)


@blp.route("/campaigns/<int:campaign_id>/deadlines")
class CampaignDeadlines(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, DeadlineSchema(many=True))
    def get(self, tenant: str, campaign_id: int) -> list[Any]:
        """The campaign's timeline: each stage, the step it guards and its deadline."""
        return service.deadlines(db.session, service.get_campaign(db.session, campaign_id))


@blp.route("/campaigns/<int:campaign_id>/deadlines/<key>")
class CampaignDeadline(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(DeadlineUpdateSchema)
    @blp.response(200, DeadlineSchema)
    def patch(self, data: dict[str, Any], tenant: str, campaign_id: int, key: str) -> Any:
        """Set a stage's deadline for this campaign; 422 if it would fall after a later step's."""
        campaign = service.get_campaign(db.session, campaign_id)
        row = service.set_deadline(
            db.session, access.current(), campaign, key, data["deadline"], reason=data["reason"]
        )
        db.session.commit()
        return row


@blp.route("/reviews/<int:review_id>")
class ReviewItem(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReviewSchema)
    def get(self, tenant: str, review_id: int) -> dict[str, Any]:
        review = service.get_review(db.session, review_id)
        campaign = service.get_campaign(db.session, review.campaign_id)
        return present.reviews(db.session, campaign, [review])[0]

    @require(Perm.TENANT_READ)
    @blp.arguments(ReviewUpdateSchema)
    @blp.response(200, ReviewSchema)
    def patch(self, data: dict[str, Any], tenant: str, review_id: int) -> dict[str, Any]:
        """Set the review's meeting date (relative deadlines follow it, YZ-12)."""
        review = service.get_review(db.session, review_id)
        service.set_meeting_date(db.session, access.current(), review, data["meeting_date"])
        db.session.commit()
        campaign = service.get_campaign(db.session, review.campaign_id)
        return present.reviews(db.session, campaign, [review])[0]


@blp.route("/reviews/<int:review_id>/transition")
class ReviewTransition(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(TransitionSchema)
    @blp.response(200, ReviewSchema)
    def post(self, data: dict[str, Any], tenant: str, review_id: int) -> dict[str, Any]:
        """Move the review to its next step (or back, admins with a reason); closing reports upward."""
        review = service.get_review(db.session, review_id)
        service.move_review(db.session, access.current(), review, data["to"], reason=data["reason"])
        db.session.commit()
        campaign = service.get_campaign(db.session, review.campaign_id)
        return present.reviews(db.session, campaign, [review])[0]


@blp.route("/reviews/<int:review_id>/reporters")
class ReviewReporters(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReporterSchema(many=True))
    def get(self, tenant: str, review_id: int) -> list[dict[str, Any]]:
        """The review's own reporters with their step, mode and how they report."""
        review = service.get_review(db.session, review_id)
        return present.reporters(db.session, service.review_reporters(db.session, review))


@blp.route("/reporters/<int:reporter_id>")
class ReporterItem(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReporterSchema)
    def get(self, tenant: str, reporter_id: int) -> dict[str, Any]:
        return present.reporters(db.session, [service.get_reporter(db.session, reporter_id)])[0]


@blp.route("/reporters/<int:reporter_id>/transition")
class ReporterTransition(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(TransitionSchema)
    @blp.response(200, ReporterSchema)
    def post(self, data: dict[str, Any], tenant: str, reporter_id: int) -> dict[str, Any]:
        """Move the reporter to its next step; a passed deadline refuses it unless extended."""
        reporter = service.get_reporter(db.session, reporter_id)
        service.move_reporter(db.session, access.current(), reporter, data["to"], reason=data["reason"])
        db.session.commit()
        return present.reporters(db.session, [reporter])[0]


@blp.route("/reporters/<int:reporter_id>/mode")
class ReporterMode(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ModeSchema)
    @blp.response(200, ReporterSchema)
    def put(self, data: dict[str, Any], tenant: str, reporter_id: int) -> dict[str, Any]:
        """An admin's recorded decision: on site or in writing (CO-03)."""
        reporter = service.get_reporter(db.session, reporter_id)
        service.set_mode(db.session, access.current(), reporter, data["mode"], reason=data["reason"])
        db.session.commit()
        return present.reporters(db.session, [reporter])[0]


@blp.route("/reporters/<int:reporter_id>/deadlines")
class ReporterDeadlines(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, ReporterDeadlineSchema(many=True))
    def get(self, tenant: str, reporter_id: int) -> list[dict[str, Any]]:
        """The reporter's dated steps: due, extension, locked, overdue, days left (CO-06)."""
        return service.reporter_deadlines(db.session, service.get_reporter(db.session, reporter_id))


@blp.route("/reporters/<int:reporter_id>/extensions")
class ReporterExtensions(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ExtensionSchema)
    @blp.response(201, ExtensionOutSchema)
    def post(self, data: dict[str, Any], tenant: str, reporter_id: int) -> Any:
        """Extend one step's deadline for this reporter (admins, with a reason; audited)."""
        reporter = service.get_reporter(db.session, reporter_id)
        ext = service.grant_extension(
            db.session, access.current(), reporter, data["step"], data["until"], reason=data["reason"]
        )
        db.session.commit()
        return ext


def register_api(api: Api) -> None:
    from shuzhi.cycles import prework_api  # noqa: F401  (its routes are on ``blp``)

    api.register_blueprint(blp)
