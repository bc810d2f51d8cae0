"""REST API of on-site selection (URLs only; the service decides and checks who may)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from shuzhi.api import Api
from shuzhi.auth.permissions import Perm, require
from shuzhi.cycles import access
from shuzhi.cycles import service as cycles
from shuzhi.db import db
from shuzhi.meetings import service
from shuzhi.meetings.schemas import (
    DrawSchema,
    HistoryOutSchema,
    HistorySchema,
    NamedSchema,
    ReasonSchema,
    RunSchema,
    WitnessSchema,
)

blp = Blueprint(
    "meetings",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="现场述职人选：公开随机抽选、确定名单、全部现场述职（CO-03、YZ-02）",
)


def _record(draw: Any) -> dict[str, Any]:
    return service.public_record(draw)


@blp.route("/campaigns/<int:campaign_id>/draws")
class CampaignDraws(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, DrawSchema(many=True))
    def get(self, tenant: str, campaign_id: int) -> list[dict[str, Any]]:
        """The campaign's on-site selections, newest first (superseded ones included)."""
        campaign = cycles.get_campaign(db.session, campaign_id)
        return [_record(d) for d in service.draws_of(db.session, campaign)]

    @require(Perm.TENANT_READ)
    @blp.response(201, DrawSchema)
    def post(self, tenant: str, campaign_id: int) -> dict[str, Any]:
        """List the candidates with exclusions and reasons (or refresh a list not yet published)."""
        campaign = cycles.get_campaign(db.session, campaign_id)
        draw = service.prepare(db.session, access.current(), campaign)
        db.session.commit()
        return _record(draw)


@blp.route("/draws/<int:draw_id>")
class DrawItem(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, DrawSchema)
    def get(self, tenant: str, draw_id: int) -> dict[str, Any]:
        """The published record; ``shuzhi draw verify`` re-runs it."""
        return _record(service.get_draw(db.session, draw_id))


@blp.route("/draws/<int:draw_id>/commit")
class DrawCommit(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, DrawSchema)
    def post(self, tenant: str, draw_id: int) -> dict[str, Any]:
        """Publish sha256(seed) and freeze the candidates (YZ-02)."""
        draw = service.commit(db.session, access.current(), service.get_draw(db.session, draw_id))
        db.session.commit()
        return _record(draw)


@blp.route("/draws/<int:draw_id>/run")
class DrawRun(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(RunSchema)
    @blp.response(200, DrawSchema)
    def post(self, data: dict[str, Any], tenant: str, draw_id: int) -> dict[str, Any]:
        """Reveal the seed and draw; refused after the draw (no re-runs)."""
        draw = service.run_draw(
            db.session,
            access.current(),
            service.get_draw(db.session, draw_id),
            public_input=data["public_input"],
        )
        db.session.commit()
        return _record(draw)


@blp.route("/draws/<int:draw_id>/witnesses")
class DrawWitnesses(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(WitnessSchema)
    @blp.response(201, DrawSchema)
    def post(self, data: dict[str, Any], tenant: str, draw_id: int) -> dict[str, Any]:
        """Record a witness (name and role) before confirmation."""
        draw = service.add_witness(
            db.session, access.current(), service.get_draw(db.session, draw_id), **data
        )
        db.session.commit()
        return _record(draw)


@blp.route("/draws/<int:draw_id>/named")
class DrawNamed(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(NamedSchema)
    @blp.response(200, DrawSchema)
    def put(self, data: dict[str, Any], tenant: str, draw_id: int) -> dict[str, Any]:
        """Record the list named by the body with its decision (SX-02)."""
        draw = service.name_list(
            db.session,
            access.current(),
            service.get_draw(db.session, draw_id),
            keys=data["keys"],
            decision=data["decision"],
        )
        db.session.commit()
        return _record(draw)


@blp.route("/draws/<int:draw_id>/confirm")
class DrawConfirm(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, DrawSchema)
    def post(self, tenant: str, draw_id: int) -> dict[str, Any]:
        """Make the selection final and set the reporters' modes (a second confirm: 409)."""
        draw = service.confirm(db.session, access.current(), service.get_draw(db.session, draw_id))
        db.session.commit()
        return _record(draw)


@blp.route("/draws/<int:draw_id>/redecide")
class DrawRedecide(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(ReasonSchema)
    @blp.response(201, DrawSchema)
    def post(self, data: dict[str, Any], tenant: str, draw_id: int) -> dict[str, Any]:
        """Replace a confirmed selection by a new decision, with a reason; the old stays, superseded."""
        new = service.redecide(
            db.session, access.current(), service.get_draw(db.session, draw_id), reason=data["reason"]
        )
        db.session.commit()
        return _record(new)


@blp.route("/onsite-history")
class OnsiteHistory(MethodView):
    @require(Perm.TENANT_READ)
    @blp.arguments(HistorySchema)
    @blp.response(201, HistoryOutSchema)
    def post(self, data: dict[str, Any], tenant: str) -> Any:
        """Record that a unit reported on site in an earlier year (YZ-02 excludes it from draws)."""
        row = service.record_history(db.session, access.current(), **data)
        db.session.commit()
        return row


def register_api(api: Api) -> None:
    api.register_blueprint(blp)
