"""The Alembic migrations and the models agree, on SQLite and PostgreSQL (issue 3 item 3)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from shuzhi import migrate
from shuzhi.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def owner_url(request, sqlite_db) -> str:
    sdb = sqlite_db if request.param == "sqlite" else request.getfixturevalue("pg_db")
    return sdb.owner_url


def test_autogenerate_finds_no_difference(owner_url: str) -> None:
    engine = create_engine(owner_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_back(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(url)
        assert set(inspect(engine).get_table_names()) >= {t.name for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def test_revision_files_are_timestamped() -> None:
    names = [p.name for p in (migrate.migrations_dir() / "versions").glob("*.py")]
    assert names, "no migrations"
    for name in names:
        assert name[:8].isdigit() and name[8] == "_" and name[9:13].isdigit(), name
