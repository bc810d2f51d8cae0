"""Steps of a local sign-in the pages share (no views imported here)."""

from __future__ import annotations

from typing import Any

from flask import current_app, session

from shuzhi.accounts import sessions, totp
from shuzhi.db import db
from shuzhi.tenancy.models import Role, User


def cfg() -> Any:
    return current_app.config["SHUZHI"]


def needs_second_factor(user: User) -> bool:
    return totp.enabled(user.id)


def begin_second_factor(user: User) -> None:
    """Password accepted, TOTP due: a pending session (new id, nobody signed in yet)."""
    locale = session.get("locale")
    raw = sessions.begin(user.id, "password", pending=True)
    db.session.commit()
    session.clear()
    if locale:
        session["locale"] = locale
    sessions.attach(raw, None, "")


def may_use_totp(user: User) -> bool:
    """TOTP is offered to tenant admins (and platform admins), who can change others' access."""
    if user.is_platform_admin or totp.enabled(user.id):
        return True
    from shuzhi.auth import memberships_of

    return any(role == Role.TENANT_ADMIN for _t, role in memberships_of(user))
