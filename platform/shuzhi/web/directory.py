"""Read-only look-ups the shell needs before a tenant is chosen.

Who may sign in on the demo login page, and every tenant for a platform
admin. They read across tenants, so they run in the platform scope (the
memberships RLS policy allows it) and skip the ORM's tenant filter. The
accounts room replaces the demo list when real sign-in lands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzhi.tenancy.models import Membership, Role, Tenant, User
from shuzhi.tenancy.scope import scoped


@dataclass
class DemoGroup:
    tenant: Tenant | None  # None: users without a tenant (platform admins)
    accounts: list[tuple[User, list[Role]]] = field(default_factory=list)


def demo_accounts(session: Session) -> list[DemoGroup]:
    """Active users grouped by tenant, with their roles there."""
    with scoped(session, platform=True):
        users = list(
            session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name, User.id))
        )
        rows = session.execute(
            select(Tenant, Membership.user_id, Membership.role)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Tenant.active.is_(True))
            .order_by(Tenant.name, Tenant.id)
            .execution_options(skip_tenant_scope=True)
        ).all()
    by_id = {u.id: u for u in users}
    groups: dict[int, DemoGroup] = {}
    roles: dict[tuple[int, int], list[Role]] = {}
    member_ids: set[int] = set()
    for tenant, user_id, role in rows:
        if user_id not in by_id:
            continue
        group = groups.setdefault(tenant.id, DemoGroup(tenant))
        key = (tenant.id, user_id)
        if key not in roles:
            roles[key] = []
            group.accounts.append((by_id[user_id], roles[key]))
        roles[key].append(role)
        member_ids.add(user_id)
    result = list(groups.values())
    loners = [u for u in users if u.id not in member_ids]
    if loners:
        result.append(DemoGroup(None, [(u, []) for u in loners]))
    return result


def all_tenants(session: Session) -> list[Tenant]:
    """Every active tenant (the platform admin's landing page)."""
    with scoped(session, platform=True):
        return list(session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name)))
