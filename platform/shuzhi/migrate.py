"""Run the Alembic migrations in ``migrations/`` programmatically."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from shuzhi.config import Config


def migrations_dir() -> Path:
    """``SHUZHI_MIGRATIONS_DIR``, else the checkout's ``migrations/`` beside ``platform/``."""
    env = os.environ.get("SHUZHI_MIGRATIONS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str | None = None) -> AlembicConfig:
    folder = migrations_dir()
    if not (folder / "env.py").exists():
        raise SystemExit(f"migrations not found at {folder}; set SHUZHI_MIGRATIONS_DIR")
    cfg = AlembicConfig(str(folder / "alembic.ini"))
    cfg.set_main_option("script_location", str(folder))
    cfg.attributes["url"] = url or Config.from_env().ADMIN_DATABASE_URL
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)
