"""Pages of the shell itself: landing, sign-in (demo for now), language, tenants."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from shuzhi.auth import login_user, logout_user, memberships_of, require_platform_admin
from shuzhi.db import db
from shuzhi.extensions import LOCALES
from shuzhi.tenancy.models import Role, Tenant, User
from shuzhi.web import directory, nav
from shuzhi.web.errors import back_link, safe_next

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)


def tenant_home(tenant: Tenant, roles: set[Role] | frozenset[Role]) -> str:
    """The first page of a tenant the roles may see (the org tree for every member)."""
    for item in nav.all_items():
        if set(item.roles) & set(roles):
            return url_for(item.endpoint, tenant=tenant.slug)
    return url_for("web.index")


def user_tenants(user: User) -> list[tuple[Tenant, set[Role]]]:
    """The user's tenants (for the switcher), each once, with all its roles there."""
    seen: dict[int, tuple[Tenant, set[Role]]] = {}
    for tenant, role in memberships_of(user):
        seen.setdefault(tenant.id, (tenant, set()))[1].add(role)
    return list(seen.values())


def landing(user: User) -> str:
    if user.is_platform_admin:
        return url_for("web.tenants")
    tenants = user_tenants(user)
    if not tenants:
        return url_for("web.no_tenant")
    tenant, roles = tenants[0]
    return tenant_home(tenant, roles)


@bp.get("/")
def index() -> Response:
    user = g.get("user")
    return redirect(landing(user) if user is not None else url_for("web.login"))


@bp.get("/t/<tenant>/")
def tenant_root(tenant: str) -> Response:
    """A tenant's bare address opens its first page (membership is checked on the way in)."""
    return redirect(tenant_home(g.tenant, g.roles))


def _demo() -> bool:
    return bool(current_app.config["SHUZHI"].DEMO)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    nxt = safe_next(request.values.get("next"))
    if not _demo():
        # Real sign-in (OIDC, local accounts) comes with the accounts issue;
        # until then nobody is listed and nobody can pick a user.
        status = 403 if request.method == "POST" else 200
        return render_template("web/login.html", demo=False, next=nxt), status
    if request.method == "POST":
        user = _demo_user(request.form.get("user_id", ""))
        if user is None:
            groups = directory.demo_accounts(db.session)
            error = _("找不到该用户，请从列表中选择。")
            return render_template("web/login.html", demo=True, groups=groups, error=error, next=nxt), 400
        login_user(user, method="demo")
        return redirect(nxt or landing(user))
    groups = directory.demo_accounts(db.session)
    return render_template("web/login.html", demo=True, groups=groups, next=nxt)


def _demo_user(raw: str) -> User | None:
    try:
        user_id = int(raw)
    except ValueError:
        return None
    for group in directory.demo_accounts(db.session):
        for user, _roles in group.accounts:
            if user.id == user_id:
                return user
    return None


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    return redirect(url_for("web.login"))


@bp.post("/locale")
def set_locale() -> Response:
    lang = request.form.get("lang", "")
    if lang in LOCALES:
        session["locale"] = lang
    return redirect(safe_next(request.form.get("next")) or back_link())


@bp.get("/tenants")
@require_platform_admin
def tenants() -> str:
    return render_template("web/tenants.html", tenants=directory.all_tenants(db.session))


@bp.get("/welcome")
def no_tenant() -> Any:
    user = g.get("user")
    if user is None:
        return redirect(url_for("web.login"))
    if user.is_platform_admin or user_tenants(user):
        return redirect(landing(user))
    return render_template("web/no_tenant.html")
