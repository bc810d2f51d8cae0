"""``shuzhi audit verify``: check every tenant's hash chain."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from shuzhi.audit.service import verify
from shuzhi.db import db
from shuzhi.tenancy.models import Tenant
from shuzhi.tenancy.scope import scoped


@click.group("audit")
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option("--tenant", "slug", default=None, help="Only this tenant (slug).")
@with_appcontext
def verify_cmd(slug: str | None) -> None:
    """Recompute each tenant's chain; exit 1 if any row was edited or deleted."""
    stmt = select(Tenant).order_by(Tenant.slug)
    if slug:
        stmt = stmt.where(Tenant.slug == slug)
    tenants = [(t.id, t.slug) for t in db.session.scalars(stmt)]
    if slug and not tenants:
        raise click.ClickException(f"找不到租户 {slug}")
    bad = 0
    for tenant_id, name in tenants:
        with scoped(db.session, tenant_id=tenant_id):
            breaks = verify(db.session, tenant_id)
        if breaks:
            bad += 1
            click.echo(f"{name}: 审计链被破坏，共 {len(breaks)} 处")
            for b in breaks:
                click.echo(f"  第 {b.seq} 条：{b.problem}")
        else:
            click.echo(f"{name}: 完好")
    db.session.rollback()
    if bad:
        raise SystemExit(1)
