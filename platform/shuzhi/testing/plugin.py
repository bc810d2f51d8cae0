"""The pytest plugin (entry point ``pytest11: shuzhi``): fixtures for a plugin's own tests.

Loaded automatically wherever shuzhi is installed; nothing here runs unless a
test asks for a fixture. Every fixture is named ``shuzhi_*`` so it never
clashes with a project's own (the core's tests have ``app``, ``client``…):

- ``shuzhi_db`` (session): migrated scratch database, SQLite unless
  ``SHUZHI_TEST_USE_PG=1`` / ``SHUZHI_TEST_PG_URL`` ask for PostgreSQL
- ``shuzhi_app_config`` (session): extra Flask config, ``{}``; override to add
- ``shuzhi_app``: the app on ``shuzhi_db``, rows deleted after each test
- ``shuzhi_client``: its test client; ``shuzhi_admin_client``: signed in as
  ``shuzhi_tenant``'s admin
- ``shuzhi_make_tenant``: factory for a tenant, its admin and an org tree
- ``shuzhi_tenant``: 县委 → 2 乡镇党委 → 2 村党支部 each, 书记 and relations,
  running ``shuzhi_tenant_policy`` (``""``; override to name your policy)
- ``shuzhi_policy``: ``shuzhi_policy(name) -> Policy`` via the plugin manager

Details in :mod:`shuzhi.testing`; a walk-through in docs/plugins/README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def shuzhi_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The session's scratch database: SQLite in a temporary folder, or PostgreSQL when asked for."""
    from shuzhi.testing.db import scratch_database

    try:
        sdb = scratch_database(tmp_path_factory.mktemp("shuzhi-db"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield sdb
    sdb.close()


@pytest.fixture(scope="session")
def shuzhi_app_config() -> dict[str, Any]:
    """Extra Flask config for ``shuzhi_app``; override this fixture in your conftest to add some."""
    return {}


@pytest.fixture(scope="session")
def _shuzhi_session_app(
    shuzhi_db: Any, shuzhi_app_config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    from shuzhi.testing.db import build_app, dispose_app

    app = build_app(shuzhi_db, tmp_path_factory.mktemp("shuzhi-instance"), **shuzhi_app_config)
    yield app
    dispose_app(app)  # close pooled connections before shuzhi_db drops a PostgreSQL database


@pytest.fixture
def shuzhi_app(_shuzhi_session_app: Any, shuzhi_db: Any) -> Iterator[Any]:
    """The app on the scratch database, with every row deleted after each test."""
    from shuzhi.db import db
    from shuzhi.testing.policies import ensure_plugins

    ensure_plugins()  # another test may have rebuilt the plugin manager
    yield _shuzhi_session_app
    with _shuzhi_session_app.app_context():
        db.session.remove()
    shuzhi_db.empty()


@pytest.fixture
def shuzhi_client(shuzhi_app: Any) -> Any:
    """A Flask test client of ``shuzhi_app``, signed in as nobody."""
    return shuzhi_app.test_client()


@pytest.fixture
def shuzhi_tenant_policy() -> str:
    """The policy ``shuzhi_tenant`` runs: none by default; override it to return your policy's name."""
    return ""


@pytest.fixture
def shuzhi_make_tenant(shuzhi_app: Any) -> Callable[..., Any]:
    """Factory: ``shuzhi_make_tenant(slug, policy="", townships=2, villages=2) -> TenantTree``."""
    from shuzhi.testing.tenants import build_tenant

    def make(slug: str = "plugin-test", **kwargs: Any) -> Any:
        return build_tenant(shuzhi_app, slug, **kwargs)

    return make


@pytest.fixture
def shuzhi_tenant(shuzhi_make_tenant: Callable[..., Any], shuzhi_tenant_policy: str) -> Any:
    """A tenant, its admin and a 县委 → 2 乡镇党委 → 2 村党支部 each tree with 书记 and relations."""
    return shuzhi_make_tenant("plugin-test", policy=shuzhi_tenant_policy)


@pytest.fixture
def shuzhi_admin_client(shuzhi_client: Any, shuzhi_tenant: Any) -> Any:
    """``shuzhi_client`` signed in as ``shuzhi_tenant``'s admin."""
    from shuzhi.testing.web import login

    login(shuzhi_client, shuzhi_tenant.admin_user_id)
    return shuzhi_client


@pytest.fixture
def shuzhi_policy() -> Callable[[str], Any]:
    """Factory: ``shuzhi_policy(name) -> Policy``, loaded through the plugin manager like the platform does."""
    from shuzhi.testing.policies import load_policy

    return load_policy
