"""Who is asking, for which tenant: the seam the rest of the app reads.

Sign-in itself (OIDC, local accounts) is the accounts issue's; here the user
comes from the Flask session and the tenant from the URL (``<tenant>`` slug),
and both are set on the database session so isolation follows them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, has_request_context, request, session
from sqlalchemy import and_, or_, select
from werkzeug.local import LocalProxy

from shuzhi.accounts import sessions as server_sessions
from shuzhi.audit.service import Actor, set_actor
from shuzhi.db import db
from shuzhi.errors import Forbidden, NotFound, ShuzhiError
from shuzhi.tenancy.models import Membership, Role, Tenant, User
from shuzhi.tenancy.scope import confirm_tenant, current_scope, enter_slug, scoped, set_session_scope

F = TypeVar("F", bound=Callable[..., Any])

current_user: User | None = cast("User | None", LocalProxy(lambda: g.get("user")))
current_tenant: Tenant | None = cast("Tenant | None", LocalProxy(lambda: g.get("tenant")))


class Unauthenticated(ShuzhiError):
    status = 401


def lean(view: F) -> F:
    """Mark a view that admits its requests itself, without the session (a signed ticket).

    Neither the session lookup below nor the CSRF check runs before it; a view so
    marked calls :func:`admit_fully` for any request its own pass does not cover.
    Only for read-only views whose answer depends on nothing stored (the editor's
    live check, :mod:`shuzhi.reports.live_ticket`).
    """
    view.shuzhi_lean = True  # type: ignore[attr-defined]
    return view


def is_lean_request() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "shuzhi_lean", False))


def admit_fully() -> None:
    """What every other request gets before its view: the user, the tenant, the CSRF check."""
    from shuzhi.security import check_csrf

    _load(force=True)
    check_csrf(force=True)


def load_request_context() -> None:
    """before_request: find the user and the tenant named in the URL."""
    _load()


def _load(*, force: bool = False) -> None:
    g.user = None
    g.tenant = None
    g.roles = frozenset()
    if request.endpoint and request.endpoint.endswith("static"):
        return  # static files need no user and no database round trip
    if not force and is_lean_request():
        return  # the view admits the request itself (see lean)
    from shuzhi.auth.tokens import load_bearer  # here: tokens imports this module

    if load_bearer():
        return  # an API token (Authorization: Bearer szt_…) acts alone: no session, no user
    server_sessions.resume()  # the cookie's session id → user_id; revoked/expired → signed out
    user_id = session.get("user_id")
    if user_id is not None:
        # resume() read the user with the session row: no query of its own.
        user = g.pop("session_user", None)
        if user is None or user.id != user_id:
            with scoped(db.session, user_id=user_id, platform=True):
                user = db.session.get(User, user_id)
        if user is not None and user.active:
            g.user = user
        else:
            session.pop("user_id", None)
    slug = (request.view_args or {}).get("tenant")
    if slug is not None:
        enter_tenant(slug)


def login_user(user: User, *, method: str) -> None:
    """Start a signed-in session for ``user`` (``method``: demo, password, oidc:<provider>).

    The one place sessions begin, whatever the sign-in path: a new server-side
    session with a new random id (the cookie's previous one is ended, so a
    planted id never becomes signed in), and the sign-in in the audit trail.
    Commits, so the session exists before the redirect that follows.
    """
    from shuzhi.accounts.events import client_ip, record_for_user

    locale = session.get("locale")
    raw = server_sessions.begin(user.id, method)
    session.clear()  # nothing of the anonymous visit carries over
    if locale:
        session["locale"] = locale
    server_sessions.attach(raw, user.id, method)
    g.user = user
    record_for_user(
        user.id, "auth.sign_in", actor=Actor(user.id, user.username, client_ip()), summary=method
    )
    db.session.commit()


def logout_user() -> None:
    """End the signed-in session: revoked server-side, so the old cookie is worthless."""
    server_sessions.end_current("signed_out")
    db.session.commit()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    g.user = None


def user_roles(user: User, tenant: Tenant) -> frozenset[Role]:
    with scoped(db.session, tenant_id=tenant.id, user_id=user.id):
        roles = db.session.scalars(select(Membership.role).where(Membership.user_id == user.id)).all()
    return frozenset(roles)


def memberships_of(user: User) -> list[tuple[Tenant, Role]]:
    """Every (tenant, role) of a user, across tenants (for the tenant switcher)."""
    known = g.get("user_memberships") if has_request_context() else None
    if known is not None and known[0] == user.id:
        return list(known[1])  # read on the way into the tenant (enter_tenant)
    with scoped(db.session, user_id=user.id, platform=True):
        rows = db.session.execute(
            select(Tenant, Membership.role)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id, Tenant.active.is_(True))
            .order_by(Tenant.name)
            .execution_options(skip_tenant_scope=True)
        ).all()
    return [(t, r) for t, r in rows]


def _restore(scope: dict[str, Any]) -> None:
    set_session_scope(
        db.session, tenant_id=scope["tenant_id"], user_id=scope["user_id"], platform=bool(scope["platform"])
    )


def _tenant_and_memberships(
    slug: str, user: User
) -> tuple[Tenant | None, list[tuple[Tenant, Role, list[int]]]]:
    """The URL's tenant and every membership of the user in active tenants, in one query.

    The memberships give the roles here, the permission grants (no second read)
    and the page's tenant switcher (no third). The policy shows a user their own
    memberships in every tenant.
    """
    rows = db.session.execute(
        select(Tenant, Membership.role, Membership.org_ids)
        .outerjoin(Membership, and_(Membership.tenant_id == Tenant.id, Membership.user_id == user.id))
        .where(Tenant.active.is_(True), or_(Tenant.slug == slug, Membership.user_id == user.id))
        .order_by(Tenant.name)
        .execution_options(skip_tenant_scope=True)
    ).all()
    here = next((t for t, _role, _ids in rows if t.slug == slug), None)
    return here, [(t, role, list(ids or [])) for t, role, ids in rows if role is not None]


def enter_tenant(slug: str) -> Tenant:
    """Resolve the URL's tenant, check the user may see it, and scope the session to it."""
    user = g.get("user")
    if user is None:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
        if tenant is None:
            raise NotFound()
        raise Unauthenticated("请先登录。")
    old = current_scope(db.session)
    # The user in the slug's tenant from here (one round trip); not a member: back to before.
    enter_slug(db.session, slug, user.id)
    try:
        tenant, memberships = _tenant_and_memberships(slug, user)
        if tenant is None:
            raise NotFound()
        here = [(role, org_ids) for t, role, org_ids in memberships if t is tenant]
        roles = frozenset(role for role, _ids in here)
        if not roles and not user.is_platform_admin:
            # Same answer as a missing tenant: a stranger learns nothing.
            raise NotFound()
    except BaseException:
        _restore(old)
        raise
    if user.is_platform_admin:
        roles = roles | {Role.TENANT_ADMIN}
    g.tenant = tenant
    g.roles = roles
    # For the tenant switcher (memberships_of) and the permission check: read once, here.
    g.user_memberships = (user.id, [(t, role) for t, role, _ids in memberships])
    from shuzhi.auth.permissions import remember_grants  # here: permissions imports this module

    remember_grants(user, tenant.id, here)
    confirm_tenant(db.session, tenant.id, user.id)
    set_actor(db.session, Actor(user.id, user.username, request.remote_addr or ""))
    return tenant


def has_role(*roles: Role) -> bool:
    return bool(set(g.get("roles", ())) & set(roles))


def require_role(*roles: Role) -> Callable[[F], F]:
    """Decorator: the current user needs one of ``roles`` in the URL's tenant."""

    # The permission check of shuzhi.auth.permissions: "one of these roles"
    # means the permissions all of them share (a tenant admin passes a reviewer's check).
    from shuzhi.auth.permissions import permissions_of_roles, require

    return require(*permissions_of_roles(roles))


def require_platform_admin(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = g.get("user")
        if user is None:
            raise Unauthenticated("请先登录。")
        if not user.is_platform_admin:
            raise Forbidden()
        with scoped(db.session, user_id=user.id, platform=True):
            return fn(*args, **kwargs)

    return cast(F, wrapper)


READERS: Iterable[Role] = tuple(Role)
EDITORS: tuple[Role, ...] = (Role.TENANT_ADMIN,)
