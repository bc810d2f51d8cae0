"""Creating and changing tenants and memberships (platform-level operations)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.errors import Conflict, NotFound, ValidationFailed
from shuzhi.plugins import hooks
from shuzhi.tenancy.models import Membership, Role, Tenant, TenantLevel, User
from shuzhi.tenancy.scope import scoped


def _check_policy(name: str) -> None:
    if name and hooks.policy(name) is None:
        raise ValidationFailed(
            _("没有名为 %(name)s 的方案（已加载的插件中找不到）。", name=name),
            errors={"policy_name": [_("未知方案")]},
        )


def get_tenant(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(_("找不到该租户。"))
    return tenant


def create_tenant(
    session: Session,
    *,
    slug: str,
    name: str,
    level: TenantLevel,
    region_code: str = "",
    policy_name: str = "",
    policy_choices: dict[str, Any] | None = None,
) -> Tenant:
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(_("标识 %(slug)s 已被使用。", slug=slug), errors={"slug": [_("已被使用")]})
    _check_policy(policy_name)
    tenant = Tenant(
        slug=slug,
        name=name.strip(),
        level=level,
        region_code=region_code,
        policy_name=policy_name,
        policy_choices=policy_choices or {},
    )
    session.add(tenant)
    session.flush()
    return tenant


def update_tenant(session: Session, tenant: Tenant, **changes: Any) -> Tenant:
    if "policy_name" in changes:
        _check_policy(changes["policy_name"])
    for key, value in changes.items():
        setattr(tenant, key, value.strip() if isinstance(value, str) else value)
    session.flush()
    return tenant


def upsert_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    email: str | None = None,
    is_platform_admin: bool = False,
) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(
            username=username, display_name=display_name, email=email, is_platform_admin=is_platform_admin
        )
        session.add(user)
    else:
        user.display_name = display_name
        user.email = email
        user.is_platform_admin = is_platform_admin
    session.flush()
    return user


def grant(
    session: Session, tenant: Tenant, user: User, role: Role, org_ids: list[int] | None = None
) -> Membership:
    """Give ``user`` ``role`` in ``tenant`` (idempotent; updates the org scope)."""
    with scoped(session, tenant_id=tenant.id, user_id=user.id):
        m = session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.role == role))
        if m is None:
            m = Membership(user_id=user.id, role=role, org_ids=org_ids or [])
            session.add(m)
        else:
            m.org_ids = org_ids or []
        session.flush()
    return m


def revoke(session: Session, tenant: Tenant, user: User, role: Role) -> bool:
    """Take ``role`` in ``tenant`` away from ``user``; False when they did not have it."""
    with scoped(session, tenant_id=tenant.id, user_id=user.id):
        m = session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.role == role))
        if m is None:
            return False
        session.delete(m)
        session.flush()
    return True
