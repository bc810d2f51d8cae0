"""Signing a test client in."""

from __future__ import annotations

from typing import Any


def login(client: Any, user_id: int) -> None:
    """Sign ``client`` in as ``user_id`` (the session cookie the portal's sign-in sets)."""
    with client.session_transaction() as sess:
        sess["user_id"] = user_id
