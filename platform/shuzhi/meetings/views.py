"""Portal pages of on-site selection: the draw page for the admin and the projector view.

The draw page walks the 工委's staff through the steps (list the candidates,
publish the commitment, draw, record the witnesses, confirm) and keeps every
earlier decision visible. The projector view is a page of its own, without the
portal's menus, in large type: the commitment before the draw, the revealed
seed and the result after it; it refreshes itself (htmx) while the admin works
on another screen.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from shuzhi.auth.permissions import Perm, require
from shuzhi.cycles import access
from shuzhi.cycles import service as cycles
from shuzhi.db import db
from shuzhi.errors import NotFound, ShuzhiError
from shuzhi.meetings import service
from shuzhi.meetings.models import Draw, DrawStatus, Method

bp = Blueprint("meetings_portal", __name__, url_prefix="/t/<tenant>", template_folder="templates")
#: The projector's stylesheet and script, outside the tenant prefix (static files name no tenant).
static_bp = Blueprint("meetings_static", __name__, static_folder="static", static_url_path="/static/meetings")


def _page(campaign_id: int, *, error: ShuzhiError | None = None, form: dict[str, Any] | None = None) -> Any:
    campaign = cycles.get_campaign(db.session, campaign_id)
    history = service.draws_of(db.session, campaign)
    current = next((d for d in history if d.status is not DrawStatus.SUPERSEDED), None)
    html = render_template(
        "meetings/draw.html",
        campaign=campaign,
        draw=current,
        history=[d for d in history if d is not current],
        by_key=_by_key(current),
        error=error,
        form=form or {},
        method_label=service.method_label,
        status_label=service.status_label,
        Method=Method,
        Status=DrawStatus,
    )
    return (html, error.status) if error is not None else html


def _by_key(draw: Draw | None) -> dict[str, dict[str, Any]]:
    return {c["key"]: c for c in draw.candidates} if draw is not None else {}


def _draw_of(draw_id: int) -> Draw:
    return service.get_draw(db.session, draw_id)


def _act(draw_id: int, fn: Any, form: dict[str, Any] | None = None) -> Any:
    """Run one step; on refusal re-render the page with the error and what was typed."""
    draw = _draw_of(draw_id)
    campaign_id = draw.campaign_id
    try:
        fn(draw)
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(campaign_id, error=exc, form=form)
    return redirect(url_for("meetings_portal.draw_page", campaign_id=campaign_id) + "#sz-draw")


@bp.get("/campaigns/<int:campaign_id>/draw")
@require(Perm.CYCLES_MANAGE)
def draw_page(tenant: str, campaign_id: int) -> Any:
    return _page(campaign_id)


@bp.post("/campaigns/<int:campaign_id>/draw")
@require(Perm.CYCLES_MANAGE)
def prepare(tenant: str, campaign_id: int) -> Any:
    campaign = cycles.get_campaign(db.session, campaign_id)
    try:
        service.prepare(db.session, access.current(), campaign)
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()
        return _page(campaign_id, error=exc)
    return redirect(url_for("meetings_portal.draw_page", campaign_id=campaign_id) + "#sz-draw")


@bp.post("/draws/<int:draw_id>/commit")
@require(Perm.CYCLES_MANAGE)
def commit(tenant: str, draw_id: int) -> Any:
    return _act(draw_id, lambda d: service.commit(db.session, access.current(), d))


@bp.post("/draws/<int:draw_id>/run")
@require(Perm.CYCLES_MANAGE)
def run(tenant: str, draw_id: int) -> Any:
    form = {"public_input": request.form.get("public_input", "").strip()}
    return _act(
        draw_id,
        lambda d: service.run_draw(db.session, access.current(), d, public_input=form["public_input"]),
        form,
    )


@bp.post("/draws/<int:draw_id>/witness")
@require(Perm.CYCLES_MANAGE)
def witness(tenant: str, draw_id: int) -> Any:
    form = {k: request.form.get(k, "").strip() for k in ("name", "role")}
    return _act(draw_id, lambda d: service.add_witness(db.session, access.current(), d, **form), form)


@bp.post("/draws/<int:draw_id>/named")
@require(Perm.CYCLES_MANAGE)
def named(tenant: str, draw_id: int) -> Any:
    keys = [k for k in request.form.getlist("keys") if k.strip()]
    form = {"keys": keys, "decision": request.form.get("decision", "").strip()}
    return _act(
        draw_id,
        lambda d: service.name_list(db.session, access.current(), d, keys=keys, decision=form["decision"]),
        form,
    )


@bp.post("/draws/<int:draw_id>/confirm")
@require(Perm.CYCLES_MANAGE)
def confirm(tenant: str, draw_id: int) -> Any:
    return _act(draw_id, lambda d: service.confirm(db.session, access.current(), d))


@bp.post("/draws/<int:draw_id>/redecide")
@require(Perm.CYCLES_MANAGE)
def redecide(tenant: str, draw_id: int) -> Any:
    form = {"reason": request.form.get("reason", "").strip()}
    return _act(
        draw_id, lambda d: service.redecide(db.session, access.current(), d, reason=form["reason"]), form
    )


@bp.get("/draws/<int:draw_id>/record.json")
@require(Perm.CYCLES_MANAGE)
def record_json(tenant: str, draw_id: int) -> Response:
    """The published record as a file, for ``shuzhi draw verify`` or the few lines in the user guide."""
    draw = _draw_of(draw_id)
    body = json.dumps(service.public_record(draw), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="draw-{draw.id}.json"'},
    )


def _projector_context(draw: Draw) -> dict[str, Any]:
    campaign = cycles.get_campaign(db.session, draw.campaign_id)
    record = service.public_record(draw)
    return {
        "campaign": campaign,
        "draw": draw,
        "record": record,
        "by_key": _by_key(draw),
        "eligible": [c for c in draw.candidates if not c["excluded"]],
        "excluded": [c for c in draw.candidates if c["excluded"]],
        "status_label": service.status_label,
        "method_label": service.method_label,
        "Status": DrawStatus,
        "Method": Method,
        "groups": lambda h: [h[i : i + 8] for i in range(0, len(h), 8)],
    }


@bp.get("/draws/<int:draw_id>/projector")
@require(Perm.CYCLES_MANAGE)
def projector(tenant: str, draw_id: int) -> str:
    """Full screen for the meeting room: no menus, large type, refreshes itself."""
    return render_template("meetings/projector.html", **_projector_context(_draw_of(draw_id)))


@bp.get("/draws/<int:draw_id>/projector/live")
@require(Perm.CYCLES_MANAGE)
def projector_live(tenant: str, draw_id: int) -> str:
    draw = _draw_of(draw_id)
    if draw is None:
        raise NotFound()
    return render_template("meetings/_projector_live.html", **_projector_context(draw))
