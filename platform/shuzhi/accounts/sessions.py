"""Server-side, revocable sessions behind the Flask cookie.

The cookie (signed, HttpOnly, SameSite=Lax) carries a random session id and
nothing that says who the user is; ``user_sessions`` keeps the id's sha256
with the user, times, address and browser. Every request looks the id up
(:func:`resume`), so a session revoked here, idle too long or past its
absolute lifetime is signed out at its next request. Roles are not cached
anywhere: they are read per request, so a role change applies at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select, update

from shuzhi.accounts.crypto import aware, digest, new_token
from shuzhi.accounts.models import UserSession
from shuzhi.db import db, utcnow
from shuzhi.tenancy.models import User

#: The cookie's key holding the raw session id.
SID_KEY = "sid"
#: Who is signed in, set per request from the server-side row; never written to the cookie.
SERVER_KEYS = ("user_id", "auth_method")
#: A password checked but a second factor still due may wait this long.
PENDING_TTL = timedelta(minutes=5)
#: last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


class IdentityFreeSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, minus the identity keys: those come from the database.

    A cookie written before server-side sessions (``user_id`` in it) opens
    without it, so such a visitor is simply signed out.
    """

    def open_session(self, app: Flask, request: Any) -> Any:
        sess = super().open_session(app, request)
        if sess is not None:
            for key in SERVER_KEYS:
                dict.pop(sess, key, None)  # dict's own pop: not a modification to save
        return sess

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        hidden = {key: dict.pop(session, key) for key in SERVER_KEYS if key in session}
        try:
            super().save_session(app, session, response)
        finally:
            dict.update(session, hidden)


def _store() -> Any:
    """The request's session object itself (``flask.session`` is a proxy; dict's own methods need the object)."""
    return session._get_current_object()  # type: ignore[attr-defined]


def _cfg() -> Any:
    return current_app.config["SHUZHI"]


def _client() -> tuple[str, str]:
    if not has_request_context():
        return "", ""
    return (request.remote_addr or "")[:45], (request.user_agent.string or "")[:255]


def _row(raw: str) -> UserSession | None:
    return db.session.scalar(select(UserSession).where(UserSession.id_hash == digest(raw)))


def _row_and_user(raw: str) -> UserSession | None:
    """The session row, with its user read in the same query (kept in ``g.session_user``
    for ``load_request_context``, which then needs no query of its own)."""
    found = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id_hash == digest(raw))
    ).first()
    if found is None:
        return None
    g.session_user = found[1]
    return found[0]


def is_live(row: UserSession, now: datetime | None = None) -> bool:
    """Not revoked, not waiting for a second factor, within the idle and absolute limits."""
    now = now or utcnow()
    cfg = _cfg()
    return (
        row.revoked_at is None
        and not row.mfa_pending
        and now - aware(row.last_seen_at) <= timedelta(minutes=cfg.SESSION_IDLE_MINUTES)
        and now - aware(row.created_at) <= timedelta(hours=cfg.SESSION_MAX_HOURS)
    )


def _end(row: UserSession, reason: str, now: datetime) -> None:
    if row.revoked_at is None:
        row.revoked_at = now
        row.revoked_reason = reason


def _forget() -> None:
    for key in (SID_KEY, *SERVER_KEYS):
        session.pop(key, None)


def resume() -> None:
    """before_request (from ``load_request_context``): the cookie's session id → the user, or signed out."""
    store = _store()
    for key in SERVER_KEYS:
        dict.pop(store, key, None)  # only this function says who is signed in
    raw = session.get(SID_KEY)
    if not isinstance(raw, str) or not raw:
        return
    now = utcnow()
    row = _row_and_user(raw)
    if row is None or row.revoked_at is not None:
        _forget()
        return
    if row.mfa_pending:
        if now - aware(row.created_at) > PENDING_TTL:
            _end(row, "expired", now)
            db.session.commit()
            _forget()
        return  # a pending sign-in is nobody yet; the second-factor page reads it
    if not is_live(row, now):
        idle = now - aware(row.last_seen_at) > timedelta(minutes=_cfg().SESSION_IDLE_MINUTES)
        _end(row, "idle" if idle else "expired", now)
        db.session.commit()
        _forget()
        return
    # dict's own update: the identity is this request's, not a change to the cookie.
    dict.update(store, {"user_id": row.user_id, "auth_method": row.method})
    g.user_session_id = row.id
    if now - aware(row.last_seen_at) > TOUCH_EVERY:
        db.session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
        db.session.commit()


def begin(user_id: int, method: str, *, pending: bool = False) -> str:
    """A new session row for ``user_id``; returns the raw id for the cookie.

    The cookie's previous session (another user, or a pending sign-in) is
    ended first: a new sign-in always gets a new id (no fixation).
    """
    now = utcnow()
    old = session.get(SID_KEY)
    if isinstance(old, str) and old:
        previous = _row(old)
        if previous is not None:
            _end(previous, "replaced", now)
    raw = new_token()
    ip, agent = _client()
    db.session.add(
        UserSession(
            id_hash=digest(raw),
            user_id=user_id,
            method=method[:80],
            created_at=now,
            last_seen_at=now,
            ip=ip,
            user_agent=agent,
            mfa_pending=pending,
        )
    )
    db.session.flush()
    return raw


def attach(raw: str, user_id: int | None, method: str) -> None:
    """Put a session id in the cookie (and the identity into this request)."""
    session[SID_KEY] = raw
    if user_id is not None:
        dict.update(_store(), {"user_id": user_id, "auth_method": method})


def end_current(reason: str = "signed_out") -> int | None:
    """Revoke the cookie's session (sign-out); returns its user id, if any."""
    raw = session.get(SID_KEY)
    if not isinstance(raw, str) or not raw:
        return None
    row = _row(raw)
    if row is None:
        return None
    _end(row, reason, utcnow())
    db.session.flush()
    return row.user_id


def pending_user_id() -> int | None:
    """The user whose password was accepted and who owes a second factor (else None)."""
    raw = session.get(SID_KEY)
    if not isinstance(raw, str) or not raw:
        return None
    row = _row(raw)
    if row is None or not row.mfa_pending or row.revoked_at is not None:
        return None
    if utcnow() - aware(row.created_at) > PENDING_TTL:
        return None
    return row.user_id


def current_id() -> int | None:
    return g.get("user_session_id")


def revoke_all(user_id: int, reason: str, *, keep: int | None = None) -> int:
    """End every live session of a user (except ``keep``); returns how many."""
    now = utcnow()
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    result = db.session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def revoke_one(user_id: int, session_id: int, reason: str) -> bool:
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        return False
    _end(row, reason, utcnow())
    db.session.flush()
    return True


@dataclass(frozen=True)
class SessionView:
    id: int
    method: str
    created_at: datetime
    last_seen_at: datetime
    ip: str
    user_agent: str
    current: bool


def live_sessions(user_id: int) -> list[SessionView]:
    """A user's signed-in browsers, the most recently used first."""
    now = utcnow()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
    current = current_id()
    return [
        SessionView(
            r.id, r.method, aware(r.created_at), aware(r.last_seen_at), r.ip, r.user_agent, r.id == current
        )
        for r in rows
        if is_live(r, now)
    ]
