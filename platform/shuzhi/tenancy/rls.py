"""Row-level security DDL for PostgreSQL, used by the migrations.

Kept append-only: a migration that ran must keep producing the same DDL, so
change behaviour by adding a function, never by editing one.
"""

from __future__ import annotations

from alembic import op

TENANT = "nullif(current_setting('shuzhi.tenant', true), '')::bigint"
USER = "nullif(current_setting('shuzhi.user', true), '')::bigint"
PLATFORM = "coalesce(current_setting('shuzhi.platform', true), '') = 'on'"


def _is_pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def app_role() -> str:
    """The non-owner role the app connects as (``SHUZHI_APP_DB_ROLE``)."""
    from shuzhi.config import Config

    role = op.get_context().config.attributes.get("app_role") if op.get_context().config else None
    return role or Config.from_env().APP_DB_ROLE


def create_app_role() -> None:
    """A login role without BYPASSRLS, owning nothing; granted DML on our tables.

    Run once, by the first migration: later tables get their grants from the
    default privileges set here. Running it again re-grants UPDATE and DELETE on
    every table, undoing :func:`append_only`; a migration that must (a rebuilt
    role) calls :func:`append_only` again for the audit trail after it.
    """
    if not _is_pg():
        return
    role = app_role()
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          END IF;
        END $$;
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}")
    # Migrations' own bookkeeping is the owner's alone.
    op.execute(f"REVOKE ALL ON alembic_version FROM {role}")


def enable_tenant_rls(table: str) -> None:
    """ENABLE + FORCE row-level security keyed on the transaction's tenant."""
    if not _is_pg():
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT})"
    )


def enable_membership_rls(table: str = "memberships") -> None:
    """Memberships: the tenant's rows, plus a user's own rows in every tenant
    (so the portal can list the tenants a user belongs to), plus all rows in
    platform scope. Writes only in the tenant or platform scope."""
    if not _is_pg():
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY membership_read ON {table} FOR SELECT "
        f"USING (tenant_id = {TENANT} OR user_id = {USER} OR {PLATFORM})"
    )
    op.execute(
        f"CREATE POLICY membership_write ON {table} FOR ALL "
        f"USING (tenant_id = {TENANT} OR {PLATFORM}) WITH CHECK (tenant_id = {TENANT} OR {PLATFORM})"
    )


def disable_rls(table: str) -> None:
    if not _is_pg():
        return
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def append_only(table: str) -> None:
    """The app role may INSERT and SELECT but never UPDATE or DELETE (audit trail)."""
    if not _is_pg():
        return
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {app_role()}")
