"""Signing a test client in."""

from __future__ import annotations

from typing import Any


def login(client: Any, user_id: int, method: str = "test") -> str:
    """Sign ``client`` in as ``user_id``: a real server-side session, its id in the cookie.

    Returns the raw session id (what the cookie carries).
    """
    from shuzhi.accounts import sessions
    from shuzhi.db import db

    with client.application.test_request_context():
        raw = sessions.begin(user_id, method)
        db.session.commit()
    with client.session_transaction() as sess:
        sess[sessions.SID_KEY] = raw
    return raw
