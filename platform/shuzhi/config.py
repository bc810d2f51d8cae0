"""Configuration: ``SHUZHI_*`` environment variables over an embedded default.

The embedded default is what a first look and the unit tests need: a SQLite
file in the instance folder, no Redis, jobs in-process.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PREFIX = "SHUZHI_"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Config:
    """Every setting, with its environment variable ``SHUZHI_<NAME>``."""

    INSTANCE_PATH: str = ""
    #: The URL the app connects with. On PostgreSQL this is the non-owner role
    #: (``shuzhi_app``) that row-level security applies to.
    DATABASE_URL: str = ""
    #: The owner's URL, used by migrations only; defaults to DATABASE_URL.
    ADMIN_DATABASE_URL: str = ""
    #: Name of the role the migrations create and grant to (no BYPASSRLS).
    APP_DB_ROLE: str = "shuzhi_app"
    REDIS_URL: str = ""
    SECRET_KEY: str = ""
    DEMO: bool = False
    BLOCK_PLUGINS: str = ""
    #: Largest upload the app accepts at all (bytes); imports check their own limits too.
    MAX_UPLOAD_BYTES: int = 10 * 1024 * 1024
    DEFAULT_LOCALE: str = "zh"
    # --- accounts, sessions, mail (docs/operator-guide.md, "Accounts") ---
    #: ``smtp://user:pass@host:587`` (STARTTLS when offered) or ``smtps://…:465``;
    #: empty: mail goes to the outbox table (and instance/outbox/ in the demo).
    SMTP_URL: str = ""
    MAIL_FROM: str = "述职评议考核平台 <noreply@localhost>"
    #: Address the links in mails start with (``https://shuzhi.example.cn``);
    #: empty: the address of the request that sends the mail.
    BASE_URL: str = ""
    #: Session cookie's Secure flag: empty = on unless demo or testing; 1 = on; 0 = off.
    COOKIE_SECURE: str = ""
    #: A session ends after this many minutes without a request…
    SESSION_IDLE_MINUTES: int = 120
    #: …and this many hours after sign-in, whatever happens.
    SESSION_MAX_HOURS: int = 12
    #: Wrong passwords (or codes) in a row before an account is locked.
    LOGIN_MAX_FAILURES: int = 5
    #: First lock's length; each further failure doubles it, up to the maximum.
    LOGIN_LOCK_MINUTES: int = 1
    LOGIN_LOCK_MAX_MINUTES: int = 60
    #: Sign-in attempts per client address (Flask-Limiter syntax; Redis when REDIS_URL is set).
    LOGIN_RATE_LIMIT: str = "30 per 5 minutes"
    #: Password-reset requests per client address and per e-mail address.
    MAIL_RATE_LIMIT: str = "5 per hour"
    #: Reverse proxies in front of the app whose X-Forwarded-* headers to trust
    #: (0: none, the default; 1: one ingress/nginx). Never more than you run.
    PROXY_HOPS: int = 0
    INVITATION_DAYS: int = 7
    RESET_MINUTES: int = 60
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Config:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(PREFIX + f.name)
            if raw is None:
                continue
            if f.type in ("bool", bool):
                values[f.name] = _bool(raw)
            elif f.type in ("int", int):
                values[f.name] = int(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if k != "extra"})
        cfg = cls(**values, extra=dict(overrides.get("extra", {})))
        cfg.fill_defaults()
        return cfg

    def fill_defaults(self) -> None:
        if not self.INSTANCE_PATH:
            self.INSTANCE_PATH = str(Path.cwd() / "instance")
        Path(self.INSTANCE_PATH).mkdir(parents=True, exist_ok=True)
        if not self.DATABASE_URL:
            self.DATABASE_URL = "sqlite:///" + str(Path(self.INSTANCE_PATH) / "shuzhi.sqlite3")
        if not self.ADMIN_DATABASE_URL:
            self.ADMIN_DATABASE_URL = self.DATABASE_URL
        if not self.SECRET_KEY:
            self.SECRET_KEY = self._instance_secret()

    def _instance_secret(self) -> str:
        # A stable per-instance key so the embedded demo keeps its sessions
        # across restarts; production sets SHUZHI_SECRET_KEY.
        path = Path(self.INSTANCE_PATH) / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def blocked_plugins(self) -> set[str]:
        return {p.strip() for p in self.BLOCK_PLUGINS.split(",") if p.strip()}

    def flask_mapping(self) -> dict[str, Any]:
        return {
            "SECRET_KEY": self.SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": self.DATABASE_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "MAX_CONTENT_LENGTH": self.MAX_UPLOAD_BYTES,
            "BABEL_DEFAULT_LOCALE": self.DEFAULT_LOCALE,
            "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
            "API_TITLE": "Shuzhi 述职评议考核平台 API",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_JSON_PATH": "openapi.json",
            "OPENAPI_URL_PREFIX": "/api",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SHUZHI": self,
            **self.extra,
        }
