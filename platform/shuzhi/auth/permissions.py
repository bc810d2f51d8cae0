"""Who may do what: the one permission table and the one check, ``can``.

Roles map to permissions, each with a scope:

* ``TENANT``: anywhere in the tenant;
* ``SUBTREE``: the orgs listed in the membership's ``org_ids`` and everything
  under them (a 包片领导 reviews the villages of their area);
* ``OWN``: exactly the listed orgs (a secretary writes their own org's report,
  not the reports of the branches under it).

The API (``@require``), the portal (``@require`` and the Jinja global
``can(...)``) and services (``ensure``) all ask :func:`can`. Org scope is
decided from materialized paths: the paths of a principal's scope orgs are
read once per request (one query), after which any number of orgs are
checked in memory; :func:`org_condition` turns the same scope into SQL for
listings.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Protocol, TypeVar, cast

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, or_, select, true

from shuzhi.auth import Unauthenticated
from shuzhi.db import db
from shuzhi.errors import Forbidden, NotFound
from shuzhi.tenancy.models import Membership, Role, Tenant, User
from shuzhi.tenancy.scope import TENANT_KEY, current_scope, scoped

F = TypeVar("F", bound=Callable[..., Any])


class Perm(enum.StrEnum):
    TENANT_READ = "tenant.read"
    TENANT_MANAGE = "tenant.manage"
    ORGS_READ = "orgs.read"
    ORGS_WRITE = "orgs.write"
    IMPORT_RUN = "import.run"
    MEMBERS_MANAGE = "members.manage"
    AUDIT_READ = "audit.read"
    TOKENS_MANAGE = "tokens.manage"
    POLICY_MANAGE = "policy.manage"
    CYCLES_MANAGE = "cycles.manage"
    MEETINGS_RUN = "meetings.run"
    REPORTS_READ = "reports.read"
    REPORTS_WRITE_OWN = "reports.write_own"
    REPORTS_REVIEW = "reports.review"
    GRADES_PROPOSE = "grades.propose"
    GRADES_DECIDE = "grades.decide"
    RECTIFICATION_WRITE_OWN = "rectification.write_own"
    RECTIFICATION_REVIEW = "rectification.review"
    EXPORTS_RUN = "exports.run"
    BALLOTS_CAST = "ballots.cast"
    TENANTS_MANAGE = "tenants.manage"


PERM_LABELS: dict[Perm, Any] = {
    Perm.TENANT_READ: _l("查看本单位信息"),
    Perm.TENANT_MANAGE: _l("修改本单位设置"),
    Perm.ORGS_READ: _l("查看组织树与述职关系"),
    Perm.ORGS_WRITE: _l("编辑组织、人员、任职与述职关系"),
    Perm.IMPORT_RUN: _l("导入组织数据"),
    Perm.MEMBERS_MANAGE: _l("管理成员与角色"),
    Perm.AUDIT_READ: _l("查看审计日志"),
    Perm.TOKENS_MANAGE: _l("管理 API 令牌"),
    Perm.POLICY_MANAGE: _l("选择与调整述职方案"),
    Perm.CYCLES_MANAGE: _l("管理述职评议周期"),
    Perm.MEETINGS_RUN: _l("组织述职会议与测评"),
    Perm.REPORTS_READ: _l("查看述职报告"),
    Perm.REPORTS_WRITE_OWN: _l("撰写并提交本组织的述职报告"),
    Perm.REPORTS_REVIEW: _l("审阅述职报告（退回、通过、点评）"),
    Perm.GRADES_PROPOSE: _l("提出评议等次建议"),
    Perm.GRADES_DECIDE: _l("确定评议等次"),
    Perm.RECTIFICATION_WRITE_OWN: _l("填写本组织的整改清单"),
    Perm.RECTIFICATION_REVIEW: _l("督促检查整改落实"),
    Perm.EXPORTS_RUN: _l("导出材料与归档"),
    Perm.BALLOTS_CAST: _l("投票测评"),
    Perm.TENANTS_MANAGE: _l("开通与管理租户"),
}


def perm_label(perm: Perm | str) -> str:
    try:
        return str(PERM_LABELS[Perm(perm)])
    except (KeyError, ValueError):
        return str(perm)


class Scope(enum.Enum):
    TENANT = "tenant"
    SUBTREE = "subtree"
    OWN = "own"


#: Principals that are not membership roles: the platform admin is a user
#: flag, the evaluator a ballot-token holder without an account.
PLATFORM_ADMIN = "platform_admin"
EVALUATOR = "evaluator"

_T, _S, _O = Scope.TENANT, Scope.SUBTREE, Scope.OWN

_MEMBER = {Perm.TENANT_READ: _T, Perm.ORGS_READ: _T}

_ADMIN = {
    **_MEMBER,
    Perm.TENANT_MANAGE: _T,
    Perm.ORGS_WRITE: _T,
    Perm.IMPORT_RUN: _T,
    Perm.MEMBERS_MANAGE: _T,
    Perm.AUDIT_READ: _T,
    Perm.TOKENS_MANAGE: _T,
    Perm.POLICY_MANAGE: _T,
    Perm.CYCLES_MANAGE: _T,
    Perm.MEETINGS_RUN: _T,
    Perm.REPORTS_READ: _T,
    Perm.REPORTS_REVIEW: _T,
    Perm.GRADES_PROPOSE: _T,
    Perm.GRADES_DECIDE: _T,
    Perm.RECTIFICATION_REVIEW: _T,
    Perm.EXPORTS_RUN: _T,
}

#: The permission table: role -> permission -> scope.
ROLE_PERMISSIONS: dict[str, dict[Perm, Scope]] = {
    PLATFORM_ADMIN: {**_ADMIN, Perm.TENANTS_MANAGE: _T},
    Role.TENANT_ADMIN: _ADMIN,
    Role.REVIEWER: {
        **_MEMBER,
        Perm.REPORTS_READ: _S,
        Perm.REPORTS_REVIEW: _S,
        Perm.GRADES_PROPOSE: _S,
        Perm.RECTIFICATION_REVIEW: _S,
    },
    Role.SECRETARY: {
        **_MEMBER,
        Perm.REPORTS_READ: _O,
        Perm.REPORTS_WRITE_OWN: _O,
        Perm.RECTIFICATION_WRITE_OWN: _O,
    },
    Role.OBSERVER: {**_MEMBER, Perm.REPORTS_READ: _T},
    EVALUATOR: {Perm.BALLOTS_CAST: _T},
}

#: What an API token may carry: a tenant admin's permissions, minus making
#: more tokens (a leaked token must not mint its successors).
TOKEN_GRANTABLE: tuple[Perm, ...] = tuple(p for p in _ADMIN if p is not Perm.TOKENS_MANAGE)


# --- principals ------------------------------------------------------------------


class FixedPrincipal(Protocol):
    """A principal bound to one tenant with a fixed set of permissions (token, evaluator)."""

    tenant_id: int

    def grants(self) -> Mapping[Perm, Scope]: ...


@dataclass(frozen=True)
class Evaluator:
    """A ballot-token holder: no account, no login, one tenant, may only cast ballots.

    The ballots room puts one in ``g.evaluator`` when a valid ballot token is
    presented; nothing else accepts it.
    """

    tenant_id: int

    def grants(self) -> Mapping[Perm, Scope]:
        return ROLE_PERMISSIONS[EVALUATOR]


Principal = User | FixedPrincipal


def current_principal() -> Principal | None:
    """Who the request acts as: an API token, else the signed-in user, else an evaluator."""
    return g.get("token") or g.get("user") or g.get("evaluator")


# --- grants ------------------------------------------------------------------------


@dataclass
class Grants:
    """A principal's permissions in one tenant, with their org scopes."""

    tenant_id: int
    tenant_wide: set[Perm] = field(default_factory=set)
    own: dict[Perm, set[int]] = field(default_factory=dict)
    subtree: dict[Perm, set[int]] = field(default_factory=dict)
    _paths: dict[int, bytes] | None = None

    def add(self, perms: Mapping[Perm, Scope], org_ids: Iterable[int] = ()) -> None:
        ids = {int(i) for i in org_ids}
        for perm, scope in perms.items():
            if scope is Scope.TENANT:
                self.tenant_wide.add(perm)
            elif scope is Scope.OWN:
                self.own.setdefault(perm, set()).update(ids)
            else:
                self.subtree.setdefault(perm, set()).update(ids)

    def has(self, perm: Perm) -> bool:
        """The permission somewhere (tenant-wide, or on at least one org)."""
        return perm in self.tenant_wide or bool(self.own.get(perm)) or bool(self.subtree.get(perm))

    def scope_paths(self, perm: Perm) -> list[bytes]:
        """Materialized paths of the orgs whose subtrees ``perm`` covers."""
        ids = self.subtree.get(perm)
        if not ids:
            return []
        if self._paths is None:
            self._paths = _paths_of(self.tenant_id, {i for s in self.subtree.values() for i in s})
        return [self._paths[i] for i in sorted(ids) if i in self._paths]


@contextmanager
def _in_tenant(tenant_id: int, user_id: int | None = None) -> Iterator[None]:
    """Read in ``tenant_id``'s scope; no round trip when the session is already there."""
    if current_scope(db.session)[TENANT_KEY] == tenant_id:
        yield
        return
    with scoped(db.session, tenant_id=tenant_id, user_id=user_id):
        yield


def _paths_of(tenant_id: int, org_ids: set[int]) -> dict[int, bytes]:
    from shuzhi.orgs.models import Org

    if not org_ids:
        return {}
    with _in_tenant(tenant_id):
        rows = db.session.execute(select(Org.id, Org.path).where(Org.id.in_(org_ids))).all()
    return {i: p for i, p in rows}


def _memberships(user: User, tenant_id: int) -> list[tuple[Role, list[int]]]:
    with _in_tenant(tenant_id, user.id):
        rows = db.session.execute(
            select(Membership.role, Membership.org_ids).where(Membership.user_id == user.id)
        ).all()
    return [(role, list(org_ids or [])) for role, org_ids in rows]


def _compute_grants(
    principal: Principal, tenant_id: int, memberships: list[tuple[Role, list[int]]] | None = None
) -> Grants:
    grants = Grants(tenant_id)
    if isinstance(principal, User):
        if not principal.active:
            return grants
        if principal.is_platform_admin:
            grants.add(ROLE_PERMISSIONS[PLATFORM_ADMIN])
        if memberships is None:
            memberships = _memberships(principal, tenant_id)
        for role, org_ids in memberships:
            grants.add(ROLE_PERMISSIONS.get(role, {}), org_ids)
    elif principal.tenant_id == tenant_id:
        grants.add(principal.grants())
    return grants


def _cache_key(principal: Principal, tenant_id: int) -> tuple[Any, ...]:
    if isinstance(principal, User):
        return ("user", principal.id, tenant_id)
    return (type(principal).__name__, id(principal), tenant_id)


def grants_for(principal: Principal, tenant: Tenant | int) -> Grants:
    """The principal's grants in ``tenant``, read once per request."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.id
    if not has_request_context():
        return _compute_grants(principal, tenant_id)
    cache: dict[tuple[Any, ...], Grants] = g.setdefault("_sz_grants", {})
    key = _cache_key(principal, tenant_id)
    if key not in cache:
        cache[key] = _compute_grants(principal, tenant_id)
    return cache[key]


def remember_grants(user: User, tenant_id: int, memberships: list[tuple[Role, list[int]]]) -> None:
    """The user's grants from the memberships the request has read already (``enter_tenant``):
    the request's first check then needs no query."""
    if has_request_context():
        g.setdefault("_sz_grants", {})[_cache_key(user, tenant_id)] = _compute_grants(
            user, tenant_id, memberships
        )


# --- the check ---------------------------------------------------------------------


def _org_path(org: Any, tenant_id: int) -> tuple[int, bytes] | None:
    """(id, path) of an Org, or of an org id in the tenant (None: not in the tenant)."""
    from shuzhi.orgs.models import Org

    if isinstance(org, Org):
        return (org.id, org.path) if org.tenant_id == tenant_id else None
    with _in_tenant(tenant_id):
        path = db.session.scalar(select(Org.path).where(Org.id == int(org)))
    return (int(org), path) if path is not None else None


def _on_org(grants: Grants, perm: Perm, org: Any) -> bool:
    if perm in grants.tenant_wide:
        # An org id is looked up (one query) so that another tenant's id is refused here too.
        return _org_path(org, grants.tenant_id) is not None
    from shuzhi.orgs.models import Org

    own, sub = grants.own.get(perm), grants.subtree.get(perm)
    if not own and not sub:
        return False
    org_id = org.id if isinstance(org, Org) else int(org)
    if isinstance(org, Org) and org.tenant_id != grants.tenant_id:
        return False
    if own and org_id in own:
        return True
    if not sub:
        return False
    found = _org_path(org, grants.tenant_id)
    if found is None:
        return False
    return any(found[1].startswith(prefix) for prefix in grants.scope_paths(perm))


def can(
    principal: Principal | None, permission: Perm | str, tenant: Tenant | int | None, org: Any = None
) -> bool:
    """May ``principal`` do ``permission`` in ``tenant`` (on ``org``: an Org or its id)?

    Without ``org`` the answer is whether the principal holds the permission
    anywhere in the tenant (the portal shows a menu item, a route admits the
    request; the org-level check follows once the org is known).
    """
    if principal is None:
        return False
    perm = Perm(permission)
    if tenant is None:
        # Platform-level permissions need no tenant.
        return (
            isinstance(principal, User)
            and principal.active
            and principal.is_platform_admin
            and perm in ROLE_PERMISSIONS[PLATFORM_ADMIN]
            and ROLE_PERMISSIONS[PLATFORM_ADMIN][perm] is Scope.TENANT
        )
    grants = grants_for(principal, tenant)
    if org is None:
        return grants.has(perm)
    return _on_org(grants, perm, org)


def allowed_orgs(
    principal: Principal | None, permission: Perm | str, tenant: Tenant | int, orgs: Iterable[Any]
) -> list[Any]:
    """The Orgs of ``orgs`` the principal may act on: one query at most, whatever their number."""
    if principal is None:
        return []
    perm = Perm(permission)
    grants = grants_for(principal, tenant)
    if perm in grants.tenant_wide:
        return [o for o in orgs if o.tenant_id == grants.tenant_id]
    own = grants.own.get(perm, set())
    prefixes = tuple(grants.scope_paths(perm))
    return [
        o
        for o in orgs
        if o.tenant_id == grants.tenant_id and (o.id in own or (prefixes and o.path.startswith(prefixes)))
    ]


def org_condition(
    principal: Principal | None, permission: Perm | str, tenant: Tenant | int
) -> ColumnElement[bool]:
    """The principal's scope for ``permission`` as a condition on ``Org`` (for listings)."""
    from shuzhi.orgs.models import Org
    from shuzhi.orgs.service import in_subtree

    if principal is None:
        return false()
    perm = Perm(permission)
    grants = grants_for(principal, tenant)
    if perm in grants.tenant_wide:
        return true()
    conds: list[ColumnElement[bool]] = []
    own = grants.own.get(perm)
    if own:
        conds.append(Org.id.in_(sorted(own)))
    conds.extend(in_subtree(p) for p in grants.scope_paths(perm))
    return or_(*conds) if conds else false()


# --- enforcing ---------------------------------------------------------------------


def _missing_message(principal: Principal, perm: Perm) -> str:
    label = perm_label(perm)
    if not isinstance(principal, User) and hasattr(principal, "name"):
        return _("该 API 令牌没有“%(perm)s”权限（%(code)s）。", perm=label, code=perm.value)
    return _("您没有“%(perm)s”的权限。", perm=label)


def ensure(permission: Perm | str, org: Any = None) -> None:
    """Raise 401/403 unless the current principal may do ``permission`` (on ``org``)."""
    principal = current_principal()
    if principal is None:
        raise Unauthenticated(_("请先登录。"))
    perm = Perm(permission)
    tenant = g.get("tenant")
    if can(principal, perm, tenant, org):
        return
    if org is not None and tenant is not None and _org_path(org, tenant.id) is None:
        raise NotFound(_("找不到该组织。"))  # another tenant's org: as if it did not exist
    if org is not None and can(principal, perm, tenant):
        raise Forbidden(_("该组织不在您负责的范围内，不能执行“%(perm)s”。", perm=perm_label(perm)))
    raise Forbidden(_missing_message(principal, perm))


def require(*permissions: Perm | str, org_arg: str | None = None) -> Callable[[F], F]:
    """Decorator: the current principal needs every one of ``permissions`` in the URL's tenant.

    ``org_arg`` names a view argument holding an org id: the permissions are
    then checked on that org (its scope), not just somewhere in the tenant.
    """
    perms = tuple(Perm(p) for p in permissions)

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            org = kwargs.get(org_arg) if org_arg else None
            for perm in perms:
                ensure(perm, org)
            return fn(*args, **kwargs)

        wrapper.required_permissions = perms  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator


def permissions_of_roles(roles: Iterable[Role | str]) -> tuple[Perm, ...]:
    """The permissions every one of ``roles`` holds tenant-wide: what "one of these roles" guarantees.

    ``require_role(*READERS)`` becomes "what every member may do",
    ``require_role(TENANT_ADMIN)`` "what a tenant admin may do".
    """
    # Tenant-wide only: a permission some role holds on a few orgs is not one
    # "any of these roles" guarantees everywhere.
    sets = [{p for p, scope in ROLE_PERMISSIONS[str(r)].items() if scope is Scope.TENANT} for r in roles]
    common = set.intersection(*sets) if sets else set()
    return tuple(p for p in Perm if p in common)


def template_can(permission: Perm | str, org: Any = None) -> bool:
    """Jinja global ``can("orgs.write")`` / ``can("reports.review", org)``: show or hide an action."""
    return can(current_principal(), permission, g.get("tenant"), org)
