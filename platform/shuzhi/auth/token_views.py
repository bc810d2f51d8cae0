"""Portal page under the tenant's settings: API tokens (list, create once-shown, revoke)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from shuzhi.auth import tokens
from shuzhi.auth.permissions import Perm, require
from shuzhi.db import db
from shuzhi.errors import ShuzhiError
from shuzhi.tenancy.models import Role
from shuzhi.web import nav

bp = Blueprint("tokens_portal", __name__, url_prefix="/t/<tenant>/settings", template_folder="templates")

nav.register(nav.NavItem("tokens_portal.page", _l("API 令牌"), (Role.TENANT_ADMIN,), 97))

STATUS_LABELS = {"active": _l("有效"), "expired": _l("已过期"), "revoked": _l("已吊销")}


def _render(status: int = 200, **extra: Any) -> tuple[str, int]:
    html = render_template(
        "auth/tokens.html",
        tokens_=tokens.list_tokens(db.session),
        status_of=tokens.status,
        status_labels=STATUS_LABELS,
        scope_options=tokens.scope_choices(),
        scope_labels=dict(tokens.scope_choices()),
        form=extra.pop("form", {"name": "", "scopes": [], "expires_on": ""}),
        **extra,
    )
    return html, status


@bp.get("/tokens")
@require(Perm.TOKENS_MANAGE)
def page(tenant: str) -> Any:
    return _render(revoked=request.args.get("revoked", "")[:100])


@bp.post("/tokens")
@require(Perm.TOKENS_MANAGE)
def create(tenant: str) -> Any:
    form = {
        "name": request.form.get("name", "")[:200],
        "scopes": request.form.getlist("scopes")[:50],
        "expires_on": request.form.get("expires_on", "").strip()[:20],
    }
    try:
        expires_on = date.fromisoformat(form["expires_on"]) if form["expires_on"] else None
    except ValueError:
        return _render(400, form=form, error=_("有效期格式不正确，应为 YYYY-MM-DD。"))
    try:
        new = tokens.create_token(
            db.session,
            tenant=g.tenant,
            creator=g.user,
            name=form["name"],
            scopes=form["scopes"],
            expires_on=expires_on,
        )
        db.session.commit()
    except ShuzhiError as exc:
        db.session.rollback()  # nothing half-written
        return _render(exc.status, form=form, error=exc.message)
    html, status = _render(201, created=new.token, secret=new.secret)
    # The secret is in this page only: keep it out of every cache.
    return html, status, {"Cache-Control": "no-store"}


@bp.post("/tokens/<int:token_id>/revoke")
@require(Perm.TOKENS_MANAGE)
def revoke(tenant: str, token_id: int) -> Response:
    token = tokens.revoke_token(db.session, tokens.get_token(db.session, token_id), g.user)
    db.session.commit()
    return redirect(url_for("tokens_portal.page", revoked=token.name), code=303)
