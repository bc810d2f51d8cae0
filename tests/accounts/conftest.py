"""Fixtures for the accounts tests (issue 4): a county whose people have local
passwords, CSRF switched on where a test proves it, rate limits forgotten
between tests, and helpers to read the mail outbox and forms' CSRF tokens."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from shuzhi.accounts import passwords, service
from shuzhi.accounts.models import LocalCredential, OutboxMessage, UserSession
from shuzhi.db import db
from shuzhi.security import reset_rate_limits
from shuzhi.tenancy.models import User
from tests.browser.seed import County, seed_county

PASSWORD = "correct-horse-42"
SLUG = "jx"


@functools.cache
def _password_hash() -> str:
    return passwords.hash_password(PASSWORD)


@pytest.fixture(autouse=True)
def _fresh_limits(app) -> Iterator[None]:
    with app.app_context():
        reset_rate_limits()
    yield


@pytest.fixture
def county(app) -> County:
    """吉县: admin, secretary (both with PASSWORD and an e-mail) and an outsider tenant."""
    data = seed_county(app, SLUG)
    with app.test_request_context():
        for key in ("admin", "secretary", "outsider"):
            user = db.session.get(User, data.users[key])
            user.email = f"{key}@jx.example.cn"
            # One argon2 hash for the whole run (64 MiB each): set_password is tested on its own.
            db.session.add(LocalCredential(user_id=user.id, password_hash=_password_hash()))
        db.session.commit()
    return data


@contextmanager
def settings(app: Any, **values: Any) -> Iterator[None]:
    """Change ``Config`` settings (SHUZHI_*) for the duration of a test."""
    cfg = app.config["SHUZHI"]
    old = {k: getattr(cfg, k) for k in values}
    for k, v in values.items():
        setattr(cfg, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(cfg, k, v)


@pytest.fixture
def csrf_on(app) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def sign_in(
    client: Any, username: str, password: str = PASSWORD, *, environ_base: Any = None, **form: Any
) -> Any:
    extra = {"environ_base": environ_base} if environ_base else {}
    return client.post("/login", data={"username": username, "password": password, **form}, **extra)


def outbox(app: Any, to: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        rows = service.mail.outbox(db.session, to)
        db.session.expunge_all()
        return rows


def link_in(body: str) -> str:
    m = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert m, body
    return m.group(1)


def session_rows(app: Any, user_id: int) -> list[UserSession]:
    from sqlalchemy import select

    with app.app_context():
        rows = list(
            db.session.scalars(
                select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.id)
            )
        )
        db.session.expunge_all()
        return rows


def cookie_sid(client: Any) -> str | None:
    with client.session_transaction() as sess:
        return sess.get("sid")


def signed_in_as(client: Any) -> str | None:
    """The user name the portal shows in the header, or None when signed out."""
    r = client.get("/account")
    if r.status_code != 200:
        return None
    m = re.search(r'id="sz-username">([^<]+)<', text(r))
    return m.group(1) if m else None
