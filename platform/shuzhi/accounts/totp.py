"""Optional second factor: TOTP (RFC 6238, 30 s, 6 digits) and recovery codes."""

from __future__ import annotations

import secrets
import time

import pyotp
import segno
from sqlalchemy import delete, select

from shuzhi.accounts.crypto import digest, same
from shuzhi.accounts.models import RecoveryCode, TotpDevice
from shuzhi.db import db, utcnow
from shuzhi.tenancy.models import User

ISSUER = "述职评议考核平台"
RECOVERY_COUNT = 10
#: 16 characters of a 32-letter alphabet: 80 bits, so a plain sha256 is enough.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def device(user_id: int) -> TotpDevice | None:
    return db.session.get(TotpDevice, user_id)


def enabled(user_id: int) -> bool:
    d = device(user_id)
    return d is not None and d.confirmed_at is not None


def start_enrolment(user: User) -> TotpDevice:
    """A fresh unconfirmed secret (replacing an unconfirmed one); a confirmed device stays."""
    d = device(user.id)
    if d is not None and d.confirmed_at is not None:
        return d
    if d is None:
        d = TotpDevice(user_id=user.id, secret=pyotp.random_base32(), created_at=utcnow())
        db.session.add(d)
    db.session.flush()
    return d


def provisioning_uri(user: User, d: TotpDevice) -> str:
    return pyotp.TOTP(d.secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI: an <img> the strict CSP allows (img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalize(code: str) -> str:
    return "".join(ch for ch in code.strip().lower() if ch.isalnum())


def check_code(d: TotpDevice, code: str, now: float | None = None) -> bool:
    """A current code (±1 step for clock drift), never one already used."""
    code = _normalize(code)
    if not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(d.secret)
    now = time.time() if now is None else now
    step = int(now // totp.interval)
    for candidate in (step - 1, step, step + 1):
        if candidate > (d.last_step or 0) and same(totp.generate_otp(candidate), code):
            d.last_step = candidate
            db.session.flush()
            return True
    return False


def confirm(user: User, code: str) -> list[str] | None:
    """Turn TOTP on if ``code`` is right; returns the new recovery codes (shown once)."""
    d = device(user.id)
    if d is None or d.confirmed_at is not None or not check_code(d, code):
        return None
    d.confirmed_at = utcnow()
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=digest(raw), created_at=utcnow()))
    db.session.flush()
    return codes


def use_recovery_code(user_id: int, code: str) -> bool:
    raw = _normalize(code)
    if len(raw) != 16:
        return False
    row = db.session.scalar(
        select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == digest(raw))
    )
    if row is None or row.used_at is not None:
        return False
    row.used_at = utcnow()
    db.session.flush()
    return True


def remaining_recovery_codes(user_id: int) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def verify(user_id: int, code: str) -> bool:
    """The second factor at sign-in: a TOTP code or an unused recovery code."""
    d = device(user_id)
    if d is None or d.confirmed_at is None:
        return False
    return check_code(d, code) or use_recovery_code(user_id, code)


def disable(user_id: int) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.session.execute(delete(TotpDevice).where(TotpDevice.user_id == user_id))
    db.session.flush()
