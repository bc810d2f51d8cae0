"""Append audit events in the transaction of the change, and verify the chain.

Every insert, update and delete of a tenant-owned model is recorded
automatically at flush (what changed, before and after); services add
semantic events (a sign-in, an import with its counts) with :func:`record`.
Who and from where come from the session (``audit_actor`` in session.info,
set per request).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

from sqlalchemy import event, insert, inspect, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from shuzhi.audit.models import AuditEvent, AuditHead
from shuzhi.tenancy.scope import TENANT_KEY, TenantOwned

ACTOR_KEY = "audit_actor"
GENESIS = "0" * 64
#: Columns that change on every write and say nothing about what changed.
_NOISE = {"updated_at", "created_at"}
_SKIP_TYPES: tuple[type, ...] = (AuditEvent, AuditHead)


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str  # username, "system", "cli:<user>"
    ip: str = ""


SYSTEM = Actor(None, "system")


def set_actor(session: Session, actor: Actor) -> None:
    session.info[ACTOR_KEY] = actor


def _actor(session: Session) -> Actor:
    return session.info.get(ACTOR_KEY) or SYSTEM


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | Fraction):
        return str(value)
    if isinstance(value, bytes):  # e.g. an org's ordinal path: hex, exact and JSON-safe
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(_plain(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode()).hexdigest()


_HASHED = (
    "tenant_id",
    "seq",
    "created_at",
    "actor_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "summary",
    "before",
    "after",
    "ip",
)


def _fields(row: Any) -> dict[str, Any]:
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k))
    out = {k: get(k) for k in _HASHED}
    ts = out["created_at"]
    if isinstance(ts, datetime):
        # SQLite returns naive datetimes; the chain hashes UTC microseconds.
        out["created_at"] = (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return out


def _lock_head(conn: Any, tenant_id: int) -> tuple[int, str]:
    stmt_cls = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        stmt_cls(AuditHead.__table__)
        .values(tenant_id=tenant_id, seq=0, hash=GENESIS)
        .on_conflict_do_nothing(index_elements=["tenant_id"])
    )
    row = conn.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.tenant_id == tenant_id).with_for_update()
    ).one()
    return int(row.seq), row.hash


def _append(conn: Any, tenant_id: int, entries: list[dict[str, Any]]) -> None:
    if not entries:
        return
    seq, prev = _lock_head(conn, tenant_id)
    now = datetime.now(UTC)
    rows = []
    for entry in entries:
        seq += 1
        row = {"tenant_id": tenant_id, "seq": seq, "created_at": now, **entry}
        row["hash"] = event_hash(_fields(row), prev)
        row["prev_hash"] = prev
        prev = row["hash"]
        rows.append(row)
    conn.execute(insert(AuditEvent.__table__), rows)
    conn.execute(
        update(AuditHead.__table__).where(AuditHead.tenant_id == tenant_id).values(seq=seq, hash=prev)
    )


@contextmanager
def _tenant_guc(conn: Any, tenant_id: int, restore: int | None) -> Iterator[None]:
    if conn.dialect.name != "postgresql":
        yield
        return
    conn.execute(text("SELECT set_config('shuzhi.tenant', :t, true)"), {"t": str(tenant_id)})
    try:
        yield
    finally:
        conn.execute(
            text("SELECT set_config('shuzhi.tenant', :t, true)"), {"t": "" if restore is None else str(restore)}
        )


def _entry(
    actor: Actor,
    action: str,
    target_type: str,
    target_id: Any,
    summary: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "actor_id": actor.user_id,
        "actor": actor.label[:150],
        "action": action[:64],
        "target_type": target_type[:64],
        "target_id": "" if target_id is None else str(target_id)[:64],
        "summary": summary[:500],
        "before": _plain(before) if before is not None else None,
        "after": _plain(after) if after is not None else None,
        "ip": actor.ip[:45],
    }


def record(
    session: Session,
    action: str,
    *,
    target_type: str = "",
    target_id: Any = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    tenant_id: int | None = None,
) -> None:
    """Append a semantic event to the current tenant's chain, in the current transaction."""
    tenant = tenant_id if tenant_id is not None else session.info.get(TENANT_KEY)
    if tenant is None:
        raise RuntimeError("audit.record needs a tenant scope")
    entry = _entry(_actor(session), action, target_type, target_id, summary, before, after)
    _append(session.connection(), tenant, [entry])


def _columns(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {c.key: getattr(obj, c.key) for c in mapper.column_attrs if c.key not in _NOISE}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _NOISE:
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            before[attr.key] = hist.deleted[0] if hist.deleted else None
            after[attr.key] = hist.added[0] if hist.added else None
    return before, after


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, flush_context: Any) -> None:
    if session.info.get("audit_disabled"):
        return
    actor = _actor(session)
    by_tenant: dict[int, list[dict[str, Any]]] = {}

    def add(obj: Any, verb: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        table = obj.__tablename__
        by_tenant.setdefault(obj.tenant_id, []).append(
            _entry(actor, f"{table}.{verb}", table, getattr(obj, "id", None), "", before, after)
        )

    for obj in session.new:
        if isinstance(obj, TenantOwned) and not isinstance(obj, _SKIP_TYPES):
            add(obj, "create", None, _columns(obj))
    for obj in session.dirty:
        if isinstance(obj, TenantOwned) and not isinstance(obj, _SKIP_TYPES) and session.is_modified(obj):
            before, after = _changes(obj)
            if after:
                add(obj, "update", before, after)
    for obj in session.deleted:
        if isinstance(obj, TenantOwned) and not isinstance(obj, _SKIP_TYPES):
            add(obj, "delete", _columns(obj), None)
    if by_tenant:
        conn = session.connection()
        scope_tenant = session.info.get(TENANT_KEY)
        for tenant_id, entries in by_tenant.items():
            if tenant_id == scope_tenant:
                _append(conn, tenant_id, entries)
            else:
                # Platform scope (onboarding) wrote into a tenant: its events go
                # into that tenant's chain, under that tenant's RLS scope.
                with _tenant_guc(conn, tenant_id, scope_tenant):
                    _append(conn, tenant_id, entries)


# --- verification ------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str


def verify(session: Session, tenant_id: int) -> list[Break]:
    """Walk a tenant's chain; every edited, deleted or inserted-out-of-band row is a Break."""
    breaks: list[Break] = []
    prev, expected = GENESIS, 1
    for row in _events(session, tenant_id):
        if row.seq != expected:
            breaks.append(Break(expected, f"缺少第 {expected}–{row.seq - 1} 条记录（被删除）"))
        if row.prev_hash != prev:
            breaks.append(Break(row.seq, "与上一条记录的链接不符"))
        if event_hash(_fields(row), row.prev_hash) != row.hash:
            breaks.append(Break(row.seq, "记录内容与其哈希不符（被修改）"))
        prev, expected = row.hash, row.seq + 1
    head = session.execute(select(AuditHead).where(AuditHead.tenant_id == tenant_id)).scalar_one_or_none()
    if head is not None and (head.seq != expected - 1 or head.hash != prev):
        breaks.append(Break(head.seq, "链尾记录与最后一条事件不符（末尾记录被删除）"))
    return breaks


def _events(session: Session, tenant_id: int) -> Iterator[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id).order_by(AuditEvent.seq)
    yield from session.scalars(stmt.execution_options(yield_per=1000))
