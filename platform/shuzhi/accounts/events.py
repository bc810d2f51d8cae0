"""Semantic audit events about a user (sign-in, password, sessions).

A user belongs to no single tenant, so an event about them is appended to
the chain of every tenant they are a member of: each tenant admin sees the
sign-ins of their own people. A user with no tenant (a platform admin, an
unknown name) leaves a log line instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from shuzhi.audit.service import ACTOR_KEY, Actor, record, set_actor
from shuzhi.db import db
from shuzhi.tenancy.models import Membership
from shuzhi.tenancy.scope import current_scope, scoped

log = logging.getLogger("shuzhi.accounts")


def client_ip() -> str:
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def tenant_ids_of(user_id: int) -> list[int]:
    with scoped(db.session, user_id=user_id, platform=True):
        return list(
            db.session.scalars(
                select(Membership.tenant_id)
                .where(Membership.user_id == user_id)
                .distinct()
                .execution_options(skip_tenant_scope=True)
            )
        )


def record_for_user(
    user_id: int,
    action: str,
    *,
    actor: Actor,
    summary: str = "",
    after: dict[str, Any] | None = None,
    tenant_ids: Iterable[int] | None = None,
) -> None:
    """Append ``action`` about ``user_id`` to each of their tenants' chains (same transaction)."""
    tenants = list(tenant_ids) if tenant_ids is not None else tenant_ids_of(user_id)
    log.info("%s user=%s actor=%s ip=%s %s", action, user_id, actor.label, actor.ip, summary)
    if not tenants:
        return
    old_actor = db.session.info.get(ACTOR_KEY)
    scope = current_scope(db.session)
    set_actor(db.session, actor)
    try:
        for tenant_id in tenants:
            with scoped(db.session, tenant_id=tenant_id, user_id=scope.get("user_id") or user_id):
                record(
                    db.session,
                    action,
                    target_type="users",
                    target_id=user_id,
                    summary=summary,
                    after=after,
                )
    finally:
        if old_actor is None:
            db.session.info.pop(ACTOR_KEY, None)
        else:
            set_actor(db.session, old_actor)
