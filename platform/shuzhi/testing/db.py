"""Scratch databases and apps for plugin tests.

SQLite in a temporary folder by default: nothing to set up, a few hundred
milliseconds to migrate. PostgreSQL (the production database, with row-level
security) when asked for: ``SHUZHI_TEST_USE_PG=1``, or ``SHUZHI_TEST_PG_URL``
set to an administrator's URL of a server the tests may create databases on
(``SHUZHI_TEST_USE_PG=0`` forces SQLite even then). Asking for PostgreSQL that
is not there fails loudly rather than quietly testing on SQLite.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class ScratchDatabase:
    """A migrated database, the URLs to reach it as its owner and as the app, and how to empty it."""

    backend: str  # "sqlite" | "postgresql"
    owner_url: str
    app_url: str
    _drop: Any = field(default=None, repr=False)
    _engine: Any = field(default=None, repr=False)

    @property
    def owner_engine(self) -> Any:
        if self._engine is None:
            from sqlalchemy import create_engine

            self._engine = create_engine(self.owner_url)
        return self._engine

    def empty(self) -> None:
        """Delete every row, children first (DELETE, not TRUNCATE: no exclusive lock, fast on tiny tables)."""
        from sqlalchemy import text

        from shuzhi.models import Base

        with self.owner_engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f"DELETE FROM {table.name}"))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self._drop is not None:
            self._drop()


def wants_postgres(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    flag = env.get("SHUZHI_TEST_USE_PG", "").strip().lower()
    if flag in {"0", "false", "no", "off"}:
        return False
    return flag in {"1", "true", "yes", "on"} or bool(env.get("SHUZHI_TEST_PG_URL"))


def pg_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("SHUZHI_TEST_PG_URL") or DEFAULT_PG_URL


def reachable(url: str, default_port: int = 5432) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 1):
            return True
    except OSError:
        return False


def _migrate(url: str) -> None:
    from shuzhi import migrate

    if (migrate.migrations_dir() / "env.py").exists():
        migrate.upgrade(url)
        return
    # A shuzhi installed without its checkout (no migrations/ folder): the
    # models' own DDL is what the migrations produce, minus PostgreSQL's RLS.
    from sqlalchemy import create_engine

    from shuzhi.models import Base

    if not url.startswith("sqlite"):
        raise RuntimeError(
            f"找不到数据库迁移脚本（{migrate.migrations_dir()}）；请设置 SHUZHI_MIGRATIONS_DIR 指向 shuzhi 的 migrations/ 目录"
        )
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


def sqlite_database(folder: Path) -> ScratchDatabase:
    url = f"sqlite:///{Path(folder) / 'shuzhi-plugin-test.sqlite3'}"
    _migrate(url)
    return ScratchDatabase("sqlite", url, url)


def postgres_database(admin_url: str) -> ScratchDatabase:
    """A new database on the server at ``admin_url``, migrated, dropped by :meth:`ScratchDatabase.close`."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from shuzhi.config import Config

    name = "shuzhi_p_" + uuid.uuid4().hex[:10]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    owner = make_url(admin_url).set(database=name)
    owner_url = owner.render_as_string(hide_password=False)
    try:
        _migrate(owner_url)
    except Exception:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        raise
    # The app connects as the non-owner role the migrations create, so RLS applies.
    app_url = owner.set(username=Config().APP_DB_ROLE, password=None).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return ScratchDatabase("postgresql", owner_url, app_url, drop)


def scratch_database(folder: Path, environ: Mapping[str, str] | None = None) -> ScratchDatabase:
    """PostgreSQL when asked for (see the module docstring), else SQLite in ``folder``."""
    if not wants_postgres(environ):
        return sqlite_database(folder)
    url = pg_url(environ)
    if not reachable(url):
        raise RuntimeError(
            f"要求在 PostgreSQL 上测试（SHUZHI_TEST_USE_PG / SHUZHI_TEST_PG_URL），但 {urlsplit(url).netloc} 连不上"
        )
    return postgres_database(url)


def build_app(sdb: ScratchDatabase, instance: Path, **extra: Any) -> Flask:
    """The app on ``sdb``; ``SHUZHI_BLOCK_PLUGINS`` from the environment is honoured, nothing else is read."""
    from shuzhi import create_app
    from shuzhi.config import Config

    cfg = Config.from_env(
        environ={},
        INSTANCE_PATH=str(instance),
        DATABASE_URL=sdb.app_url,
        ADMIN_DATABASE_URL=sdb.owner_url,
        SECRET_KEY="shuzhi-plugin-test",
        BLOCK_PLUGINS=os.environ.get("SHUZHI_BLOCK_PLUGINS", ""),
        # CSRF off unless a test asks (extra WTF_CSRF_ENABLED=True): clients post without tokens.
        extra={"TESTING": True, "WTF_CSRF_ENABLED": False, **extra},
    )
    app = create_app(cfg)
    from shuzhi.testing.policies import ensure_plugins

    ensure_plugins()  # create_app rebuilt the plugin manager: put test-registered plugins back
    return app


def dispose_app(app: Flask) -> None:
    """Close the app's sessions and pooled connections (before its database is dropped)."""
    from shuzhi.db import db

    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
