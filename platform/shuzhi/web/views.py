"""Pages of the shell itself: landing, sign-in and sign-out, language, tenants."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from shuzhi.accounts import service as accounts
from shuzhi.accounts.forms import LoginForm
from shuzhi.accounts.signin import begin_second_factor, needs_second_factor
from shuzhi.auth import login_user, logout_user, memberships_of, require_platform_admin
from shuzhi.db import db
from shuzhi.extensions import LOCALES
from shuzhi.security import rate_limit
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
    """Sign in: SSO buttons, the local user name/password form, and in demo mode "sign in as"."""
    nxt = safe_next(request.values.get("next"))
    user = g.get("user")
    if request.method == "GET" and user is not None:
        return redirect(nxt or landing(user))
    if request.method == "POST" and "user_id" in request.form:
        return _demo_login(nxt)
    form = LoginForm()
    if request.method == "GET":
        return _login_page(form, nxt)
    rate_limit("login", current_app.config["SHUZHI"].LOGIN_RATE_LIMIT)
    if not form.validate():
        return _login_page(form, nxt, _first_error(form), 400)
    try:
        user = accounts.authenticate(form.username.data or "", form.password.data or "")
    except (accounts.LoginFailed, accounts.AccountLocked) as exc:
        return _login_page(form, nxt, exc.message, exc.status)
    if needs_second_factor(user):
        begin_second_factor(user)
        return redirect(url_for("accounts.login_totp", next=nxt))
    login_user(user, method="password")
    return redirect(nxt or landing(user))


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return _("请检查填写的内容。")


def _sso_buttons() -> list[dict[str, str]]:
    """The OIDC providers' buttons, when single sign-on is installed."""
    try:
        from shuzhi.auth import oidc
    except ImportError:
        return []
    buttons = getattr(oidc, "login_buttons", None)
    return list(buttons()) if buttons is not None else []


def _login_page(form: Any, nxt: str | None, error: str | None = None, status: int = 200) -> Any:
    form.password.data = ""  # never echo a password back
    groups = directory.demo_accounts(db.session) if _demo() else []
    page = render_template(
        "web/login.html",
        demo=_demo(),
        groups=groups,
        form=form,
        sso=_sso_buttons(),
        error=error,
        next=nxt,
    )
    return page, status


def _demo_login(nxt: str | None) -> Any:
    """Demo mode's "sign in as": no password, the listed demo users only."""
    if not _demo():
        return _login_page(LoginForm(), nxt, _("演示登录只在演示模式下可用。"), 403)
    user = _demo_user(request.form.get("user_id", ""))
    if user is None:
        return _login_page(LoginForm(), nxt, _("找不到该用户，请从列表中选择。"), 400)
    login_user(user, method="demo")
    return redirect(nxt or landing(user))


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
    """Sign out here (the session is revoked server-side) and at the IdP when it offers that."""
    target = None
    try:
        from shuzhi.auth import oidc

        end_idp = getattr(oidc, "end_session_redirect", None)
        target = end_idp() if end_idp is not None and g.get("user") is not None else None
    except ImportError:
        pass
    logout_user()
    return redirect(target or url_for("web.login"))


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
