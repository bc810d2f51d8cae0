"""Fixtures: an app on a scratch database (PostgreSQL when it runs, else SQLite).

Services: with ``CI=true`` PostgreSQL, Redis and Chromium are required and a
test that needs a missing one fails; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from shuzhi import create_app, migrate
from shuzhi.config import Config
from shuzhi.db import db
from shuzhi.models import Base

ON_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("SHUZHI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SHUZHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("SHUZHI_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 1):
            return True
    except OSError:
        return False


PG_UP = _reachable(PG_ADMIN_URL, 5432)
REDIS_UP = _reachable(REDIS_URL, 6379)
CHROMIUM_UP = shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists()


def need(available: bool, what: str) -> None:
    """Skip (or, on CI, fail) a test whose service is missing."""
    if available:
        return
    if ON_CI:
        pytest.fail(f"{what} is required on CI but is not available")
    pytest.skip(f"{what} not available on this machine")


def pytest_configure(config: pytest.Config) -> None:
    config._shuzhi_services = {"postgres": PG_UP, "redis": REDIS_UP, "chromium": CHROMIUM_UP}  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = lambda ok: "yes" if ok else "NO"  # noqa: E731
    return [
        f"shuzhi services: postgres={state(PG_UP)} redis={state(REDIS_UP)} "
        f"chromium={state(CHROMIUM_UP)} CI={ON_CI}",
        "database for app tests: " + ("PostgreSQL" if PG_UP else "SQLite (PostgreSQL not reachable)"),
    ]


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):
        need(PG_UP, "PostgreSQL at " + PG_ADMIN_URL)
    if item.get_closest_marker("redis"):
        need(REDIS_UP, "Redis at " + REDIS_URL)
    if item.get_closest_marker("browser"):
        need(CHROMIUM_UP, "Chromium at " + CHROMIUM + " (apt-get install chromium fonts-wqy-microhei)")


# --- scratch databases ------------------------------------------------------


class ScratchDB:
    """A migrated database and the URLs to reach it as owner and as the app."""

    def __init__(self, backend: str, owner_url: str, app_url: str, drop: Any = None) -> None:
        self.backend = backend
        self.owner_url = owner_url
        self.app_url = app_url
        self._drop = drop
        self.owner_engine = create_engine(owner_url)

    def truncate(self) -> None:
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        # DELETE, not TRUNCATE: tiny tables empty faster row by row than by
        # swapping files, and DELETE waits for no exclusive lock.
        with self.owner_engine.begin() as conn:
            for t in tables:
                conn.execute(text(f"DELETE FROM {t}"))

    def close(self) -> None:
        self.owner_engine.dispose()
        if self._drop:
            self._drop()


def make_pg_database() -> ScratchDB:
    name = "shuzhi_t_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    owner_url = make_url(PG_ADMIN_URL).set(database=name)
    migrate.upgrade(owner_url.render_as_string(hide_password=False))
    app_url = owner_url.set(username=Config().APP_DB_ROLE, password=None)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return ScratchDB(
        "postgresql",
        owner_url.render_as_string(hide_password=False),
        app_url.render_as_string(hide_password=False),
        drop,
    )


def make_sqlite_database(folder: Path) -> ScratchDB:
    url = f"sqlite:///{folder / 'shuzhi-test.sqlite3'}"
    migrate.upgrade(url)
    return ScratchDB("sqlite", url, url)


@pytest.fixture(scope="session")
def scratch_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchDB]:
    """The suite's database: PostgreSQL when reachable (always on CI), else SQLite."""
    if PG_UP:
        sdb = make_pg_database()
    else:
        if ON_CI:
            pytest.fail("PostgreSQL is required on CI but is not reachable at " + PG_ADMIN_URL)
        sdb = make_sqlite_database(tmp_path_factory.mktemp("db"))
    yield sdb
    sdb.close()


@pytest.fixture(scope="session")
def pg_db() -> Iterator[ScratchDB]:
    """A PostgreSQL scratch database, for tests about PostgreSQL itself (RLS)."""
    need(PG_UP, "PostgreSQL at " + PG_ADMIN_URL)
    sdb = make_pg_database()
    yield sdb
    sdb.close()


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchDB]:
    sdb = make_sqlite_database(tmp_path_factory.mktemp("sqlite"))
    yield sdb
    sdb.close()


def build_app(sdb: ScratchDB, instance: Path, **extra: Any):
    cfg = Config.from_env(
        environ={},
        INSTANCE_PATH=str(instance),
        DATABASE_URL=sdb.app_url,
        ADMIN_DATABASE_URL=sdb.owner_url,
        SECRET_KEY="test-secret",
        # CSRF is proven by tests/accounts (switched on there) and by the browser
        # tests (on, real forms); elsewhere test clients post without tokens.
        extra={"TESTING": True, "WTF_CSRF_ENABLED": False, **extra},
    )
    return create_app(cfg)


@pytest.fixture(scope="session")
def _session_app(scratch_db: ScratchDB, tmp_path_factory: pytest.TempPathFactory):
    app = build_app(scratch_db, tmp_path_factory.mktemp("instance"))
    yield app
    # Close the pool before the scratch database is dropped, or its connections
    # are garbage-collected open later (a ResourceWarning, an error under -W error).
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(_session_app, scratch_db: ScratchDB) -> Iterator[Any]:
    """The app on the suite's database, emptied after each test."""
    yield _session_app
    with _session_app.app_context():
        db.session.remove()
    scratch_db.truncate()


@pytest.fixture
def client(app):
    return app.test_client()


# --- data helpers -----------------------------------------------------------


@pytest.fixture
def make_tenant(app):
    """Create a tenant with an admin user; returns (tenant_id, slug, user_id)."""
    from shuzhi.tenancy import service
    from shuzhi.tenancy.models import Role, TenantLevel
    from shuzhi.tenancy.scope import scoped

    def factory(slug: str, role: Any = Role.TENANT_ADMIN, username: str | None = None) -> dict[str, Any]:
        with app.app_context(), scoped(db.session, platform=True):
            tenant = service.create_tenant(
                db.session, slug=slug, name=f"{slug} 组织部", level=TenantLevel.COUNTY
            )
            user = service.upsert_user(
                db.session, username=username or f"{slug}-admin", display_name=f"{slug} 管理员"
            )
            service.grant(db.session, tenant, user, role)
            db.session.commit()
            return {"id": tenant.id, "slug": tenant.slug, "user_id": user.id}

    return factory


def login(client: Any, user_id: int) -> None:
    """Sign ``client`` in through a real server-side session (shuzhi.testing.web.login)."""
    from shuzhi.testing.web import login as start_session

    start_session(client, user_id)


@pytest.fixture
def tenant_a(make_tenant):
    return make_tenant("tenant-a")


@pytest.fixture
def tenant_b(make_tenant):
    return make_tenant("tenant-b")


@pytest.fixture
def admin_client(client, tenant_a):
    """A client signed in as tenant A's admin."""
    login(client, tenant_a["user_id"])
    return client


# --- browser ----------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def buffered(app: Any) -> Any:
    """``app`` with each response read whole and closed before it is sent.

    werkzeug's development server does not close a response whose client went away
    mid-send (a browser test navigating on while a static file streams): the open
    file then surfaces as a ResourceWarning in whatever test runs next. Test pages
    are small, so the live servers read each body at once and close it first.
    """

    def wsgi(environ: Any, start_response: Any) -> Any:
        it = app(environ, start_response)
        try:
            return [b"".join(it)]
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(_session_app) -> Iterator[str]:
    need(CHROMIUM_UP, "Chromium at " + CHROMIUM)
    srv = make_server("127.0.0.1", 0, buffered(_session_app), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture
def screenshot(page, request):
    """Save a full-page screenshot under test-artifacts/ (kept by CI)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def shot(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot
