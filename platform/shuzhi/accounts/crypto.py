"""Random tokens for links and cookies, and the digest the database keeps."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime


def new_token() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """sha256 hex: a 256-bit random token needs no slow hash, and the lookup stays one index probe."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
