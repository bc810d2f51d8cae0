"""Tenant isolation in the session: the same rule in the ORM and in PostgreSQL.

Every tenant-owned model inherits :class:`TenantOwned`. Two layers enforce
that a session sees only its tenant's rows:

* the ORM adds ``tenant_id = <current>`` to every SELECT, UPDATE and DELETE
  (``with_loader_criteria``), so SQLite, the embedded default, is isolated;
* on PostgreSQL every tenant-owned table has row-level security (ENABLE +
  FORCE) keyed on ``current_setting('shuzhi.tenant')``, set here at the start
  of every transaction with ``set_config(..., true)`` so it dies with the
  transaction and a pooled connection never carries a tenant over.

A session with no tenant sees no tenant rows at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ForeignKey, event, literal_column, text
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    scoped_session,
    with_loader_criteria,
)

from shuzhi.db import BigID

TENANT_KEY = "tenant_id"
USER_KEY = "user_id"
PLATFORM_KEY = "platform"

#: The current tenant as the RLS policies read it (see tenancy/rls.py).
_PG_TENANT = literal_column("nullif(current_setting('shuzhi.tenant', true), '')::bigint")

_SET_GUCS = text(
    "SELECT set_config('shuzhi.tenant', :tenant, true),"
    " set_config('shuzhi.user', :user, true),"
    " set_config('shuzhi.platform', :platform, true)"
)


#: Enter a tenant by its URL name: the statement that sets the tenant looks its id up itself.
_SET_GUCS_FOR_SLUG = text(
    "SELECT set_config('shuzhi.tenant',"
    " coalesce((SELECT id::text FROM tenants WHERE slug = :slug AND active), ''), true),"
    " set_config('shuzhi.user', :user, true),"
    " set_config('shuzhi.platform', '', true)"
)
_SLUG_TXN = "_entered_by_slug"


class TenantMismatch(RuntimeError):
    """A write names a tenant other than the session's (or there is none)."""


class TenantOwned:
    """Mixin for every table that belongs to one tenant."""

    tenant_id: Mapped[int] = mapped_column(BigID, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


def _guc_values(session: Session) -> dict[str, str]:
    info = session.info
    tenant = info.get(TENANT_KEY)
    user = info.get(USER_KEY)
    return {
        "tenant": "" if tenant is None else str(tenant),
        "user": "" if user is None else str(user),
        "platform": "on" if info.get(PLATFORM_KEY) else "",
    }


def _apply_gucs(session: Session, connection: Any) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_SET_GUCS, _guc_values(session))


@event.listens_for(Session, "after_begin")
def _on_begin(session: Session, transaction: Any, connection: Any) -> None:
    values = _guc_values(session)
    if not any(values.values()):
        # Nothing to set: the settings are only ever set transaction-locally
        # (set_config(..., true) here and in audit), so a new transaction starts
        # without them, which the policies read as no tenant, no user, not the
        # platform. Saves a round trip on every request's first statement.
        return
    if connection.dialect.name == "postgresql":
        connection.execute(_SET_GUCS, values)


@event.listens_for(Session, "do_orm_execute")
def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("skip_tenant_scope"):
        return
    if state.bind_mapper is not None and state.session.get_bind(state.bind_mapper).dialect.name == "postgresql":
        # The very expression the RLS policy uses: the planner merges the two
        # into one index condition instead of gating every row on a second
        # test (bench/README.md, "Finding"). after_begin set the GUC from the
        # same session.info, so the rows seen are the same.
        criteria = with_loader_criteria(
            TenantOwned, lambda cls: cls.tenant_id == _PG_TENANT, include_aliases=True
        )
    else:
        tenant = state.session.info.get(TENANT_KEY)
        criteria = with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == tenant,
            include_aliases=True,
            track_closure_variables=True,
        )
    state.statement = state.statement.options(criteria)


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, flush_context: Any, instances: Any) -> None:
    tenant = session.info.get(TENANT_KEY)
    platform = bool(session.info.get(PLATFORM_KEY))
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if platform and tenant is None and obj.tenant_id is not None:
            continue  # onboarding: the platform names the tenant explicitly
        if tenant is None:
            raise TenantMismatch("写入租户数据前必须先确定当前租户")
        if obj.tenant_id is None:
            obj.tenant_id = tenant
        elif obj.tenant_id != tenant:
            raise TenantMismatch("不能写入其他租户的数据")


def set_session_scope(
    session: Session,
    *,
    tenant_id: int | None = None,
    user_id: int | None = None,
    platform: bool = False,
) -> None:
    """Set who the session acts for; applies at once inside an open transaction."""
    if isinstance(session, scoped_session):
        session = session()
    session.info.pop(_SLUG_TXN, None)
    session.info[TENANT_KEY] = tenant_id
    session.info[USER_KEY] = user_id
    session.info[PLATFORM_KEY] = platform
    if session.in_transaction():
        _apply_gucs(session, session.connection())


def enter_slug(session: Session, slug: str, user_id: int) -> None:
    """Act for ``user_id`` in the active tenant named ``slug``, before its id is known.

    On PostgreSQL the statement that sets the tenant finds the id itself, so a request
    enters its tenant in one round trip rather than two (one for the user's scope to
    read the tenant and memberships, one for the tenant's). Until :func:`confirm_tenant`
    names the tenant read, the session's own record says only the user (a transaction
    begun meanwhile gets just that: narrower, never wider).
    """
    if isinstance(session, scoped_session):
        session = session()
    session.info[TENANT_KEY] = None
    session.info[USER_KEY] = user_id
    session.info[PLATFORM_KEY] = False
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_SET_GUCS_FOR_SLUG, {"slug": slug, "user": str(user_id)})
        session.info[_SLUG_TXN] = session.get_transaction()


def confirm_tenant(session: Session, tenant_id: int, user_id: int) -> None:
    """After :func:`enter_slug`: record the tenant it set. No round trip when the same
    transaction is still open (the database has the setting); otherwise set as usual."""
    if isinstance(session, scoped_session):
        session = session()
    entered = session.info.pop(_SLUG_TXN, None)
    if entered is not None and entered is session.get_transaction():
        session.info[TENANT_KEY] = tenant_id
        session.info[USER_KEY] = user_id
        session.info[PLATFORM_KEY] = False
        return
    set_session_scope(session, tenant_id=tenant_id, user_id=user_id)


@contextmanager
def scoped(
    session: Session,
    *,
    tenant_id: int | None = None,
    user_id: int | None = None,
    platform: bool = False,
) -> Iterator[Session]:
    """Temporarily act for a tenant (or the platform), restoring the old scope after."""
    old = {k: session.info.get(k) for k in (TENANT_KEY, USER_KEY, PLATFORM_KEY)}
    set_session_scope(session, tenant_id=tenant_id, user_id=user_id, platform=platform)
    try:
        yield session
    finally:
        set_session_scope(
            session,
            tenant_id=old[TENANT_KEY],
            user_id=old[USER_KEY],
            platform=bool(old[PLATFORM_KEY]),
        )


def tenant_of(session: Session) -> int:
    """The tenant the session acts for; a service that writes tenant rows needs one."""
    tenant = session.info.get(TENANT_KEY)
    if tenant is None:
        raise RuntimeError("this needs a tenant scope (tenancy.scope.scoped or set_session_scope)")
    return int(tenant)


def visible_in_scope(session: Session, obj: Any, execution_options: Any = None) -> bool:
    """Would the current scope's tenant filter let ``obj``'s row through? (For ``get()``.)"""
    if not isinstance(obj, TenantOwned):
        return True
    if execution_options and execution_options.get("skip_tenant_scope"):
        return True
    tenant = session.info.get(TENANT_KEY)
    return tenant is not None and obj.tenant_id == tenant


def current_scope(session: Session) -> dict[str, Any]:
    return {k: session.info.get(k) for k in (TENANT_KEY, USER_KEY, PLATFORM_KEY)}
